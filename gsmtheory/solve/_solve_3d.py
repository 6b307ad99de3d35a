r"""Solver ``fv3d``: d = 3 by :func:`gsmtheory.numeric.fv_poincare_3d`.

Finite volumes on a tensor grid (constant D whitened, diagonal D(x) in the conductances), the
domain cut-off in the error estimate, a certified Rayleigh–Ritz lower bound; a full state-dependent
D(x) gets that lower bound only (``status="bound"``). Where a curvature certificate exists
(:mod:`gsmtheory.solve._upper`) its bound is attached as ``upper``.
"""

from __future__ import annotations

from gsmtheory._methods import Method, Theory
from gsmtheory.compile import compile_expr
from gsmtheory.numeric import FV3D_ORDER, PoincareResult, fv_poincare_3d, with_upper_bound
from gsmtheory.solve._problem import Problem as PoincareProblem
from gsmtheory.solve._upper import certified_upper

__all__ = ["METHOD"]


def _why_not(problem: PoincareProblem) -> str | None:
    if problem.d != 3:
        return f"fv3d needs d = 3 (this diffusion has d = {problem.d})"
    return None


def _solve(problem: PoincareProblem, rtol: float | None, quick: bool) -> PoincareResult:
    diffusion = (problem.constant_D if problem.constant_D is not None
                 else compile_expr(list(problem.coords), list(problem.D)))
    rt = rtol if rtol is not None else (1e-2 if quick else 1e-3)
    res = fv_poincare_3d(problem.log_density, diffusion, list(problem.domain), rtol=rt,
                         points=problem.points())
    return with_upper_bound(res, certified_upper(problem)[0])


METHOD = Method("fv3d", _why_not, _solve,
                "d = 3: finite volumes, the cut-off in the error, a Rayleigh–Ritz lower bound",
                Theory(order=FV3D_ORDER), priority=60)
