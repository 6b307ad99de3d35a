r"""Solvers ``1d``, ``green`` and ``fv``: d = 1 by :func:`gsmtheory.numeric.poincare_1d`.

First the ends, symbolically (:func:`gsmtheory.symbolic.diffusion_ends`: Liouville normal form,
σ = inf σ_ess(−L)); σ = 0 gives C_P = ∞ (status ``"no_poincare"``, e.g. "W → 0 at +inf: heavy
tail"); then finite volumes solved through the discrete Green's kernel (relative precision for
any size of C_P, truncation in the error estimate, C_P = max(1/λ₁, 1/σ), certified lower bound
and Muckenhoupt upper bound). ``1d`` lets :func:`poincare_1d` choose its method; ``green`` and
``fv`` force one.
"""

from __future__ import annotations

from collections.abc import Callable

from gsmtheory._methods import Method, Theory
from gsmtheory.compile import compile_expr
from gsmtheory.numeric import (
    FV1D_ORDER,
    PoincareResult,
    poincare_1d,
    with_upper_bound,
)
from gsmtheory.solve._end_shift import at_the_end, ends_kwargs
from gsmtheory.solve._problem import Problem as PoincareProblem
from gsmtheory.solve._upper import curvature_upper

__all__ = ["METHODS"]


def _why_not(problem: PoincareProblem) -> str | None:
    if problem.d != 1:
        return f"the 1D solvers need d = 1 (this diffusion has d = {problem.d})"
    return None


def _solver_with(method: str) -> Callable[[PoincareProblem, float | None, bool], PoincareResult]:
    def solve(problem: PoincareProblem, rtol: float | None, quick: bool) -> PoincareResult:
        rt = rtol if rtol is not None else (1e-6 if quick else 1e-8)
        c, Dx, dom = problem.coords[0], problem.D[0, 0], problem.domain[0]
        kw = ends_kwargs(problem.ends, 0, problem.mixture, str(c))
        if problem.mixture is None:
            shifted = at_the_end(problem.log_density_expr, Dx, c, dom, kw, rt, method)
            if shifted is not None:
                return shifted
        res = poincare_1d(problem.log_density, compile_expr([c], Dx), *dom, rtol=rt, method=method,
                          points=problem.points(0), **kw)
        if problem.constant_D is None or res.status != "ok":
            return res
        # the Muckenhoupt bound is within a factor 4; a curvature proof, where there is one, is
        # sharp for a Gaussian (and checks the estimate: one above it raises)
        return with_upper_bound(res, curvature_upper(problem))
    return solve


METHODS = (
    Method("1d", _why_not, _solver_with("auto"), "d = 1: finite volumes via the Green's kernel, ends analysed",
           Theory(order=FV1D_ORDER), priority=40),
    Method("green", _why_not, _solver_with("green"), "d = 1, forcing the Green's-kernel solve",
           Theory(order=FV1D_ORDER), priority=41, auto=False),
    Method("fv", _why_not, _solver_with("fv"), "d = 1, forcing the plain finite-volume eigensolve",
           Theory(order=FV1D_ORDER), priority=42, auto=False),
)
