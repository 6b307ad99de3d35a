r"""Solver ``ends``: no Poincaré inequality in d ≥ 2, found along a ray (before any grid).

For a constant-D target on R^d that is neither a product nor radial (those methods analyse their
own ends first), :func:`gsmtheory.symbolic.ray_ends` looks for a direction ω along which
ℓ(tω + v)/t → 0 (a tail heavier than every exponential; then E_p e^{εω·x} = ∞ and C_P = ∞); the
method applies only when it finds one, and answers ``no_poincare`` with σ = 0 in the record, as
the 1D end analysis does. Otherwise the grids run, and :func:`rays` gives them the certified lower
bound on σ = inf σ_ess (Persson) for their record.
"""

from __future__ import annotations

import math
from typing import Any

from gsmtheory._methods import Method, Theory
from gsmtheory.numeric import PoincareResult
from gsmtheory.solve._problem import Problem as PoincareProblem
from gsmtheory.symbolic import RayEnds, bound_sigma, ray_ends

__all__ = ["METHOD", "rays"]


def rays(problem: PoincareProblem, *, sigma: bool = False) -> RayEnds | None:
    """The analysis along rays of the problem's target, once per problem (None where it does not apply).

    ``sigma``: also the certified lower bound on σ (:func:`gsmtheory.symbolic.ray_ends`; costly in
    3D, so only a solver that records it asks); the heavy-tail finding is the same either way.
    """
    def make() -> RayEnds | None:
        if problem.mixture is not None or problem.lift is not None:
            return None
        return ray_ends(problem.diffusion, sigma=False)

    found: RayEnds | None = problem.memo("rays", make)
    if not sigma or found is None:
        return found
    return problem.memo("rays+sigma", lambda: bound_sigma(found, problem.diffusion))  # type: ignore[no-any-return]


def _why_not(problem: PoincareProblem) -> str | None:
    found = rays(problem) if problem.d >= 2 else None
    if found is None:
        return "the ray analysis needs d >= 2, constant D, R^d and a target given by its log density"
    if not found.no_poincare:
        return f"no tail heavier than exponential found along the axes and diagonals ({found.reason})"
    return None


def _solve(problem: PoincareProblem, rtol: float | None, quick: bool) -> PoincareResult:
    found: Any = rays(problem)
    return PoincareResult(math.inf, 0.0, "ends", {"sigma": 0.0, "direction": found.heavy}, "no_poincare",
                          f"no Poincaré inequality: {found.reason} (C_P = inf)", "exact",
                          log_poincare_constant=math.inf, lower=math.inf, upper=math.inf)


METHOD = Method("ends", _why_not, _solve,
                "d >= 2: a tail heavier than exponential along a ray means no Poincaré inequality",
                Theory("exact", notes="E_p exp(eps w.x) = inf for every eps > 0 (Bobkov–Ledoux)"), priority=45)
