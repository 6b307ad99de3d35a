r"""Solver ``fv2d``: d = 2 by :func:`gsmtheory.numeric.poincare_2d`.

Reversible finite volumes, shift-invert Lanczos, the cut-off in the error, a Rayleigh–Ritz
lower bound; where a proof exists (:mod:`gsmtheory.solve._upper`: Bakry–Émery, Holley–Stroock, a
Lyapunov certificate, blocks) the certified upper bound is attached as ``upper``, so the record
holds the bracket [lower, upper] around the estimate.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from gsmtheory._methods import Method, Theory
from gsmtheory.compile import compile_expr
from gsmtheory.numeric import FV2D_ORDER, PoincareResult, poincare_2d, with_upper_bound
from gsmtheory.solve._problem import Problem as PoincareProblem
from gsmtheory.solve._solve_ends import rays
from gsmtheory.solve._upper import certified_upper

__all__ = ["METHOD"]


def _why_not(problem: PoincareProblem) -> str | None:
    if problem.d != 2:
        return f"fv2d needs d = 2 (this diffusion has d = {problem.d})"
    return None


def _solve(problem: PoincareProblem, rtol: float | None, quick: bool) -> PoincareResult:
    D = problem.D
    dc = compile_expr(list(problem.coords), [D[0, 0], D[0, 1], D[1, 1]])

    def dfun2(x: Any, y: Any) -> Any:
        return tuple(np.broadcast_to(np.asarray(v, float), np.broadcast(x, y).shape) for v in dc(x, y))

    rt = rtol if rtol is not None else (1e-3 if quick else 1e-4)
    res = poincare_2d(problem.log_density, dfun2, list(problem.domain), rtol=rt, points=problem.points())
    found = rays(problem, sigma=True)
    if found is not None and math.isfinite(found.sigma_lower):  # σ in the record, as in 1D
        res = replace(res, resolution={**dict(res.resolution), "sigma_lower": found.sigma_lower})
    return with_upper_bound(res, certified_upper(problem)[0])


METHOD = Method("fv2d", _why_not, _solve, "d = 2: reversible finite volumes, Richardson, a Rayleigh–Ritz bound",
           Theory(order=FV2D_ORDER), priority=50)
