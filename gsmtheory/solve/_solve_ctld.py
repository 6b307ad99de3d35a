r"""The CTLD methods of the solve layer: C_P of the lift (``METHODS``) and the CTLD loss (``LOSS_METHODS``).

Each applies to a problem that carries a :class:`gsmtheory.solve.Lift` (docs/design.md §1).
Poincaré, Var g ≤ C_P E[g_x² + g_β²] under r(β)p^β(x):

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

Loss, the GSM loss of the lifted model on (x, β) (O = ∇_(x,β)): explicit(θ) = E[½|∇_(x,β)(ℓ − ℓ_θ)|²],
implicit(θ) = E[½|∇ℓ_θ|² + Δℓ_θ] − Σ_f c_f E_{p^{β_f}}[flux_f], c_f = r(β_f)/Z_r, and implicit −
explicit = −½E[|∇_(x,β)ℓ|²] at every point. The loss method ``quadrature`` answers a 1D target's lift
(its 2D quadrature on (x, β), the faces β = 0 and β_max carrying the boundary terms); here:

- ``ctld_product``: a Gaussian-mixture target in d ≥ 2, Gauss–Legendre in β × tensor
  Gauss–Hermite per component in x (:func:`gsmtheory.numeric.mixture_lift_rule`), error against
  half the resolution.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory._methods import Method, Theory
from gsmtheory.numeric import (
    NEGLIGIBLE_MASS,
    CTLDSchedule,
    MixtureLike,
    PoincareResult,
    ctld_joint_logpdf,
    ctld_poincare,
    ctld_poincare_3d,
    ctld_poincare_nd,
    expect_1d,
    gauss_legendre_panels,
    mixture_lift_rule,
    poincare_2d,
    reduce_mixture,
)
from gsmtheory.solve._loss_question import LossEvaluation, LossOptions, loss_points
from gsmtheory.solve._problem import Problem

__all__ = ["LOSS_METHODS", "METHODS"]

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


# ---------------------------------------------------------------------------- the CTLD loss
def _sharp_below(mixture: MixtureLike) -> float:
    """s below which x ↦ f(x, β) switches sharply between components (Gauss–Hermite is slow there).

    The responsibilities of p^s switch across a width ~ (σ² + s)/|Δμ| between components at
    distance |Δμ|, i.e. ~ sqrt(σ² + s)/|Δμ| in units of the component's standard deviation;
    below s = diam² (diam the largest distance between means) that width is under one unit.
    """
    means = np.asarray(mixture.means, dtype=float)
    diam2 = float(np.max(np.sum((means[:, None, :] - means[None, :, :]) ** 2, axis=-1)))
    return diam2


def _x_rule(mixture: MixtureLike, s: Array | float, nh: int) -> tuple[Array, Array]:
    """:func:`mixture_lift_rule` with Gauss–Hermite (nh per axis) where f is smooth at the scale of
    p^s, composite Gauss–Legendre (max(nh // 5, 1) panels of 16 per axis) where it switches sharply."""
    if float(np.max(s)) < _sharp_below(mixture):
        return mixture_lift_rule(mixture, s, max(nh // 5, 1), "legendre")
    return mixture_lift_rule(mixture, s, nh)


def _mixture_joint_rule(mixture: MixtureLike, params: CTLDSchedule, panels: int,
                        nh: int) -> list[tuple[Array, Array, Array]]:
    """Groups of (x nodes (nb, N, d), β nodes (nb,), weights (nb, N)) for E over r(β)p^β(x)/Z_r.

    β nodes with βλ below :func:`_sharp_below` take the Legendre x-rule, the others Gauss–Hermite
    (one group each; the weights of all groups together sum to 1).
    """
    log_r = params.log_r
    b, wb = gauss_legendre_panels(0.0, params.beta_max, panels, 16)
    wb = wb * np.exp(log_r(b) - params.law.log_normalizer())
    s = b * params.lambda_min
    groups = []
    sharp = s < _sharp_below(mixture)
    for sel in (sharp, ~sharp):
        if np.any(sel):
            xs, wx = _x_rule(mixture, s[sel], nh)
            groups.append((xs, b[sel], wb[sel, None] * wx))
    return groups


def _expect(fn: Any, d: int, xs: Array, b: Array, w: Array, th: tuple[float, ...]) -> list[float]:
    """Σ w·f for each output of ``fn`` at (x, β, θ); non-finite values where p has mass are refused."""
    with np.errstate(all="ignore"):
        out = fn(*(xs[..., i] for i in range(d)), b, *th)
    sums = []
    for v in out if isinstance(out, list) else [out]:
        v = np.broadcast_to(np.asarray(v, dtype=float), w.shape)
        bad = ~np.isfinite(v) & (w > 0)
        if np.any(bad) and float(w[bad].sum()) > NEGLIGIBLE_MASS:
            raise NumericalError("the CTLD loss integrand is not finite where p has mass",
                                 "check the model's parameters")
        sums.append(float(np.sum(np.where(np.isfinite(v), w * v, 0.0))))
    return sums


def _values(problem: Problem, th: tuple[float, ...], pan: int, n: int) -> tuple[float, float, float, float]:
    """(explicit, implicit, boundary, constant) at θ with ``pan`` β panels and ``n`` x nodes per axis."""
    lift, joint = problem.lift, problem.joint
    assert lift is not None and problem.mixture is not None
    mix, schedule, d = problem.mixture, lift.schedule, problem.d
    loss = joint.loss
    args = (*joint.coords, *loss.model.params)
    bulk = joint.compiled("ctld_bulk", args, [loss.explicit, loss.implicit, loss.constant])
    ex = im = c = 0.0
    for xs, b, w in _mixture_joint_rule(mix, schedule, pan, n):
        e_g, i_g, c_g = _expect(bulk, d, xs, np.broadcast_to(b[:, None], w.shape), w, th)
        ex, im, c = ex + e_g, im + i_g, c + c_g
    bd = 0.0
    log_z = schedule.law.log_normalizer()
    for k, term in enumerate(loss.boundary_terms):
        if term.vanishes is True:
            continue
        at_f, flux = float(term.at), joint.compiled(f"ctld_face_{k}", args, term.flux)
        xf, wf = _x_rule(mix, at_f * lift.lambda_min, n)
        cf = math.exp(float(schedule.log_r(np.array([at_f]))[0]) - log_z)
        bd -= cf * _expect(flux, d, xf, np.full(wf.shape, at_f), wf, th)[0]
    return ex, im + bd, bd, c


def _product(problem: Problem, at: Sequence[Any], options: LossOptions) -> LossEvaluation:
    r"""The CTLD loss of a d-dimensional Gaussian-mixture target (d ≥ 2) by product rules.

    E over r(β)p^β(x)/Z_r: ``panels``//4 Gauss–Legendre panels of 16 nodes in β (weights r/Z_r)
    × :func:`mixture_lift_rule` per β node: Gauss–Hermite with ``panels``//2 nodes per axis where
    βλ ≥ diam² (the integrand is smooth on the scale of p^β), composite Gauss–Legendre with
    ``panels``//16 panels of 16 nodes per axis below (the mixture responsibilities switch over
    less than one standard deviation there, where Gauss–Hermite converges slowly); faces
    −c_f E_{p^{β_f}}[flux] with c_f = r(β_f)/Z_r by the same x-rules. The error is the change
    against half of every resolution.
    """
    assert problem.mixture is not None
    mix, d, loss = problem.mixture, problem.d, problem.joint.loss
    points = loss_points(loss, at)
    pan, n = max(options.panels // 4, 2), max(options.panels // 2, 4)
    rows = []
    for th in points:
        hi = _values(problem, th, pan, n)
        lo = _values(problem, th, max(pan // 2, 1), max(n // 2, 2))
        rows.append((hi, abs(hi[0] - lo[0]), abs(hi[1] - lo[1])))
    names = [str(t) for t in loss.model.params]
    method = (f"Gauss-Legendre in beta (weights r/Z_r) x per mixture component in x (d = {d}): tensor "
              f"Gauss-Hermite where beta*lambda >= diam^2, composite Gauss-Legendre below; errors against half "
              f"the resolution")
    return LossEvaluation(tuple(tuple(zip(names, p, strict=True)) for p in points), tuple(r[0][0] for r in rows),
                          tuple(r[0][1] for r in rows), tuple(r[0][2] for r in rows), tuple(r[1] for r in rows),
                          tuple(r[2] for r in rows), rows[-1][0][3], method,
                          {"beta_panels": pan, "beta_order": 16, "hermite_nodes_per_axis": n,
                           "legendre_panels_per_axis": max(n // 5, 1), "legendre_below_s": _sharp_below(mix),
                           "components": mix.n_components, "dim": d})


def _mixture_nd(problem: Problem) -> str | None:
    if problem.d >= 2 and problem.mixture is not None:
        return None
    return ("needs a Gaussian-mixture target in d >= 2 (p * N(0, beta*lambda*I) in closed form; "
            f"this one: d = {problem.d}, {'mixture' if problem.mixture is not None else 'formula'})")


LOSS_METHODS = (
    Method("ctld_product", _mixture_nd, _product,
           "CTLD loss of a mixture in d >= 2: Gauss-Legendre in beta x Gauss-Hermite per component",
           Theory("estimate"), priority=11, lifted=True),
)
