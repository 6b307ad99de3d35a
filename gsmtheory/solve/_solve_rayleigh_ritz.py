r"""Solver ``rayleigh_ritz``: d ≥ 2 (chosen by ``auto`` for d ≥ 3), a Rayleigh–Ritz lower bound.

:func:`gsmtheory.numeric.rayleigh_ritz` with a polynomial basis of degree 4 (3 with quick): on
a Gaussian mixture by exact Gauss–Hermite moments, otherwise by tensor quadrature on the
(finite) domain.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gsmtheory._errors import ModelError
from gsmtheory.compile import compile_expr
from gsmtheory.numeric import PoincareResult, rayleigh_ritz
from gsmtheory.solve._problem import PoincareProblem
from gsmtheory.solve._solver import Solver

__all__ = ["SOLVER"]


def _why_not(problem: PoincareProblem) -> str | None:
    if problem.d < 2:
        return "Rayleigh–Ritz is used for d >= 2 (d = 1 has the exact 1D solvers)"
    return None


def _solve(problem: PoincareProblem, rtol: float | None, quick: bool) -> PoincareResult:
    d = problem.d
    dmat = compile_expr(list(problem.coords), list(problem.D))

    def dfn_nd(x: Any) -> Any:
        vals = dmat(*[x[:, i] for i in range(d)])
        arr = np.stack([np.broadcast_to(np.asarray(v, float), (x.shape[0],)) for v in vals], axis=-1)
        return arr.reshape(x.shape[0], d, d)

    if problem.mixture is not None:
        return rayleigh_ritz(None, dfn_nd, mixture=problem.mixture, degree=3 if quick else 4)
    box = []
    for i, (lo, hi) in enumerate(problem.domain):
        if np.isinf(lo) or np.isinf(hi):
            raise ModelError(f"coordinate {problem.coords[i]} is unbounded and the target is not a "
                             "Gaussian mixture: no quadrature box for Rayleigh–Ritz in d >= 3",
                             "give a finite domain or a [mixture] target")
        box.append((lo, hi))
    ell = problem.compiled_log_density

    def lnd(x: Any) -> Any:
        return ell(*[x[:, i] for i in range(d)])

    return rayleigh_ritz(lnd, dfn_nd, box=np.array(box), degree=3 if quick else 4, nodes=12 if d == 3 else 8)


SOLVER = Solver("rayleigh_ritz", _why_not, _solve, "d >= 4 (d = 3 forced): Rayleigh–Ritz lower bound, polynomial basis")
