r"""Solver ``symmetry``: a product in a rotated frame, or a rotation-invariant target, as 1D problems.

Constant D on R^d, d ≥ 2 (docs/design.md §1; :mod:`gsmtheory.symbolic._symmetry` finds and proves
the structure):

- ℓ(L R z) = Σ_k f_k(z_k) (D = L Lᵀ, R a rotation): C_P = max_k C_P(f_k), each factor a 1D problem
  with D = 1 solved by the 1D solvers with its own end analysis (a heavy factor makes C_P = ∞);
- ℓ(L y) = g(|y|): C_P = max(C_0, C_1) over the angular sectors, C_0 the 1D problem of
  r^{d−1} e^{g(r)} on (0, ∞) (its ends analysed: a heavy radial tail is ``no_poincare``; σ of
  the whole problem is that of C_0's ends), C_1 :func:`gsmtheory.numeric.sector_poincare` with
  the potential (d − 1)/r².

Tried before any grid and before ``tensorization`` (whose symbolic separability test takes minutes on a rotated product; an axis-aligned product under a constant D is the case R = I here).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import sympy as sp

from gsmtheory._methods import Method, Theory
from gsmtheory.compile import compile_expr
from gsmtheory.numeric import (
    PoincareResult,
    sector_poincare,
    tensorization,
    with_upper_bound,
)
from gsmtheory.solve._poincare import poincare_constant
from gsmtheory.solve._problem import Problem as PoincareProblem
from gsmtheory.solve._upper import curvature_upper
from gsmtheory.symbolic import (
    Diffusion,
    Radial,
    Separation,
    linear_separation,
    radial_profile,
)

__all__ = ["METHOD", "structure"]


@lru_cache(maxsize=16)
def structure(problem: PoincareProblem) -> Separation | Radial | None:
    """The product or rotation-invariant structure of a problem (cached per problem)."""
    if problem.d < 2 or problem.constant_D is None or not problem.unbounded or problem.mixture is not None:
        return None
    sep = linear_separation(problem.diffusion)
    if sep is not None:  # an axis-aligned product is the tensorization method's (same answer)
        M = sep.transform
        axis_aligned = all(sum(1 for v in M.row(i) if v != 0) == 1 for i in range(M.rows))
        return None if axis_aligned else sep
    return radial_profile(problem.diffusion)


def _why_not(problem: PoincareProblem) -> str | None:
    if problem.d < 2 or problem.constant_D is None or not problem.unbounded or problem.mixture is not None:
        return "the symmetry reductions need d >= 2, constant D, R^d and a target given by its log density"
    if structure(problem) is None:
        return ("ℓ is neither a sum of 1D functions in a rotated (D-whitened) frame (an axis-aligned "
                "product is tensorization's) nor a function of the D-distance to 0")
    return None


def _factors(sep: Separation, rtol: float | None, quick: bool) -> PoincareResult:
    parts = [poincare_constant(Diffusion((z,), f), rtol=rtol, quick=quick)
             for z, f in zip(sep.coords, sep.factors)]
    res = tensorization(parts)
    msg = f"{sep.how}: {res.message}; factors: " + ", ".join(f"{f} (C_P = {p.poincare_constant:.6g})"
                                                            for f, p in zip(sep.factors, parts))
    return PoincareResult(res.poincare_constant, res.error_estimate, "symmetry",
                          {**dict(res.resolution), "transform": [[str(v) for v in row] for row in
                                                                 sep.transform.tolist()],
                           "proved": sep.exact}, res.status, msg, res.side, res.truncation,
                          log_poincare_constant=res.log_poincare_constant, lower=res.lower, upper=res.upper)


def _sectors(rad: Radial, rtol: float | None, quick: bool) -> PoincareResult:
    d, r = rad.dim, rad.r
    weight = rad.profile + (d - 1) * sp.log(r)
    c0 = poincare_constant(Diffusion((r,), weight, domain=((0, sp.oo),)), rtol=rtol, quick=quick)
    if c0.status == "no_poincare":
        return PoincareResult(math.inf, 0.0, "symmetry", {"sector0": c0.to_dict()}, "no_poincare",
                              f"{rad.how}; radial part: {c0.message}", "exact",
                              log_poincare_constant=math.inf, lower=math.inf, upper=math.inf)
    rt = rtol if rtol is not None else (1e-4 if quick else 1e-6)
    c1 = sector_poincare(compile_expr([r], weight), float(d - 1), rtol=rt)
    res = tensorization([c0, c1])  # the max of two values with their errors and bounds
    msg = (f"{rad.how}: C_P = max(C_0, C_1) over the angular sectors, C_0 = {c0.poincare_constant:.10g} "
           f"(radial, {c0.status}), C_1 = {c1.poincare_constant:.10g} (potential {d - 1}/r², {c1.status})")
    if res.status != "ok":
        msg += f"; {res.message}"
    return PoincareResult(res.poincare_constant, res.error_estimate, "symmetry",
                          {"sector0": c0.to_dict(), "sector1": c1.to_dict(), "profile": str(rad.profile)},
                          res.status, msg, res.side, res.truncation,
                          log_poincare_constant=res.log_poincare_constant, lower=c0.lower, upper=None)


def _solve(problem: PoincareProblem, rtol: float | None, quick: bool) -> PoincareResult:
    found: Any = structure(problem)
    res = _factors(found, rtol, quick) if isinstance(found, Separation) else _sectors(found, rtol, quick)
    if res.status != "ok":
        return res
    # a curvature proof of the whole problem (sharp for a Gaussian; the radial route has no other upper bound)
    return with_upper_bound(res, curvature_upper(problem))


METHOD = Method("symmetry", _why_not, _solve,
                "constant D on R^d: a product after a rotation (tensorized) or a radial target (sectors)",
                Theory(notes="exact reductions to 1D problems, each solved with its error estimate"),
                priority=25)
