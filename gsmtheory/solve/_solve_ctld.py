r"""Poincaré methods of lifted problems: C_P of the CTLD lift, Var g ≤ C_P E[g_x² + g_β²] under r(β)p^β(x).

Each applies to a problem that carries a :class:`gsmtheory.solve.Lift` (docs/design.md §1):

- ``ctld1d``: a 1D Gaussian mixture, :func:`gsmtheory.numeric.ctld_poincare` (closed-form
  convolution, finite volumes on (x, β));
- ``ctld_convolution``: a 1D formula target, :func:`gsmtheory.numeric.poincare_2d` on
  ℓ(x, β) = log r(β) + log(p * N(0, βλ))(x), the convolution by Gauss–Legendre quadrature over
  the support of p;
- ``ctld3d``: a 2D Gaussian mixture, whose lift is 3D: :func:`gsmtheory.numeric.ctld_poincare_3d`;
- ``ctld_ridge`` / ``ctld_sectors``: a Gaussian mixture in d ≥ 3, angular sectors on (u, ρ, β)
  (:func:`gsmtheory.numeric.ctld_poincare_nd`): in the ridge coordinate t = ρ/s(β) by trilinear
  finite elements where d − dim U > 64 (``ctld_ridge``), by finite volumes in ρ otherwise.

The default relative tolerance is 1e-3 (1e-2 with ``quick``); ``quick`` also coarsens the grids.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import SpecError
from gsmtheory._methods import Method, Theory
from gsmtheory.numeric import (
    PoincareResult,
    ctld_joint_logpdf,
    ctld_poincare,
    ctld_poincare_3d,
    ctld_poincare_nd,
    expect_1d,
    poincare_2d,
    reduce_mixture,
)
from gsmtheory.solve._problem import Problem

__all__ = ["METHODS"]

Array = NDArray[np.float64]
_RIDGE_BEYOND = 64  # d − dim U beyond which the ridge coordinate replaces the ρ grid


def _tolerance(rtol: float | None, quick: bool) -> float:
    tol = rtol if rtol is not None else (1e-2 if quick else 1e-3)
    if not (isinstance(tol, int | float) and 0 < tol < 1):
        raise SpecError(f"rtol = {tol} must lie in (0, 1)", "give e.g. --rtol 1e-3")
    return float(tol)


def _needs(d: str, mixture: bool | None) -> Callable[[Problem], str | None]:
    """applies(problem): a lifted target of dimension ``d`` ("1", "2", "3+") that is (not) a mixture."""
    def applies(problem: Problem) -> str | None:
        ok_d = problem.d == int(d) if d != "3+" else problem.d >= 3
        ok_m = mixture is None or (problem.mixture is not None) == mixture
        if ok_d and ok_m:
            return None
        kind = {True: "a Gaussian mixture", False: "a formula", None: "a"}[mixture]
        return f"needs {kind} target in d = {d} (this one: d = {problem.d}, " \
               f"{'mixture' if problem.mixture is not None else 'formula'})"
    return applies


def _ctld1d(problem: Problem, rtol: float | None, quick: bool) -> PoincareResult:
    assert problem.lift is not None and problem.mixture is not None  # by applies
    return ctld_poincare(problem.mixture, problem.lift.schedule, cells=8 if quick else 16,
                         tolerance=_tolerance(rtol, quick))


@dataclass(frozen=True)
class _Convolvable:
    """A 1D log density with its support, convolved by :func:`convolve_logpdf_1d`."""

    logp: Callable[[Array], Array]
    support: tuple[float, float]
    log_normalizer: float
    nodes: int = 1024

    def __call__(self, y: Array) -> Array:
        return self.logp(y)


def _convolution(problem: Problem, rtol: float | None, quick: bool) -> PoincareResult:
    assert problem.lift is not None
    tol, lift, logp = _tolerance(rtol, quick), problem.lift, problem.compiled_log_density

    def ell(y: Array) -> Array:
        with np.errstate(all="ignore"):
            return np.broadcast_to(np.asarray(logp(np.asarray(y, dtype=float)), dtype=float), np.shape(y))

    ex = expect_1d(ell, lambda y: np.zeros_like(y), -math.inf, math.inf, panels=64)
    target, schedule = _Convolvable(ell, ex.support[0], ex.log_normalizer), lift.schedule

    def joint(x: Array, b: Array) -> Array:
        return ctld_joint_logpdf(target, schedule, x, b)

    res = poincare_2d(joint, 1.0, ((-math.inf, math.inf), (0.0, lift.beta_max)), rtol=tol)
    return PoincareResult(res.poincare_constant, res.error_estimate, "ctld-fv2d-numerical-convolution",
                          {**dict(res.resolution), "convolution": "Gauss-Legendre over the support of p"},
                          res.status, f"CTLD C_P (numerical convolution of a formula target): {res.message}",
                          res.side, res.truncation, res.log_poincare_constant, res.lower, res.upper)


def _ctld3d(problem: Problem, rtol: float | None, quick: bool) -> PoincareResult:
    assert problem.lift is not None and problem.mixture is not None
    return ctld_poincare_3d(problem.mixture, problem.lift.schedule, resolution=0.8 if quick else 1.0,
                            rtol=_tolerance(rtol, quick))


def _sectors_with(radial: str) -> Callable[[Problem, float | None, bool], PoincareResult]:
    def run(problem: Problem, rtol: float | None, quick: bool) -> PoincareResult:
        assert problem.lift is not None and problem.mixture is not None
        return ctld_poincare_nd(problem.mixture, problem.lift.schedule, resolution=0.8 if quick else 1.0,
                                rtol=_tolerance(rtol, quick), radial=radial)
    return run


def _ridge_applies(problem: Problem) -> str | None:
    reason = _needs("3+", True)(problem)
    if reason is not None or problem.mixture is None:
        return reason
    m = reduce_mixture(problem.mixture).complement_dim
    return None if m > _RIDGE_BEYOND else (
        f"d - dim U = {m} <= {_RIDGE_BEYOND}: the rho grid of ctld_sectors resolves it")


def _lifted(name: str, applies: Callable[[Problem], str | None], run: Callable[..., Any], summary: str,
            priority: float, order: float | None = 2.0) -> Method[Problem]:
    return Method(name, applies, run, summary, Theory("estimate", order), priority=priority, lifted=True)


METHODS = (
    _lifted("ctld1d", _needs("1", True), _ctld1d,
            "CTLD of a 1D mixture: finite volumes on (x, beta), closed-form convolution", 80),
    _lifted("ctld_convolution", _needs("1", False), _convolution,
            "CTLD of a 1D formula target: fv2d on (x, beta), the convolution by quadrature", 81),
    _lifted("ctld3d", _needs("2", True), _ctld3d,
            "CTLD of a 2D mixture: finite volumes on the 3D lift (x, y, beta)", 82),
    _lifted("ctld_ridge", _ridge_applies, _sectors_with("ridge"),
            "CTLD of a mixture in d >= 3, d - dim U > 64: sectors in t = rho/s(beta), finite elements", 83),
    _lifted("ctld_sectors", _needs("3+", True), _sectors_with("rho"),
            "CTLD of a mixture in d >= 3: angular sectors on (u, rho, beta), finite volumes", 84),
)
