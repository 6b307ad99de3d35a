r"""Solver ``tensorization``: a product of 1D problems, solved axis by axis.

When ℓ is additively separable and D is diagonal with D_ii = D_ii(x_i), p is a product and
C_P = max_i C_P,i (:func:`gsmtheory.numeric.tensorization`, exact); each axis is solved by
:func:`gsmtheory.numeric.poincare_1d` with its symbolic end analysis
(:mod:`gsmtheory.solve._end_shift`), the other coordinates frozen at a point inside.
"""

from __future__ import annotations

from gsmtheory._methods import Method, Theory
from gsmtheory.compile import compile_expr
from gsmtheory.numeric import PoincareResult, poincare_1d, tensorization
from gsmtheory.solve._end_shift import at_the_end, ends_kwargs, inside
from gsmtheory.solve._problem import Problem as PoincareProblem

__all__ = ["METHOD"]


def _why_not(problem: PoincareProblem) -> str | None:
    if not problem.separable:
        return "no product structure (ℓ not additively separable or D not diagonal)"
    return None


def _solve(problem: PoincareProblem, rtol: float | None, quick: bool) -> PoincareResult:
    rt = rtol if rtol is not None else (1e-6 if quick else 1e-8)
    coords, dom, D, ell = problem.coords, problem.domain, problem.D, problem.log_density_expr
    parts = []
    for i, c in enumerate(coords):
        ref = {coords[j]: inside(dom[j]) for j in range(problem.d) if j != i}
        kw = ends_kwargs(problem.ends, i, problem.mixture, str(c))
        shifted = at_the_end(ell.subs(ref), D[i, i], c, dom[i], kw, rt, "auto")
        parts.append(shifted if shifted is not None else
                     poincare_1d(compile_expr([c], ell.subs(ref)), compile_expr([c], D[i, i]), *dom[i],
                                 rtol=rt, points=problem.points(i), **kw))
    return tensorization(parts)


METHOD = Method("tensorization", _why_not, _solve, "ℓ separable, D diagonal: C_P = max over 1D axes (exact)",
           Theory(), priority=30)
