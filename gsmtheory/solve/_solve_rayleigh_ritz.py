r"""Solver ``rayleigh_ritz``: d ≥ 2 (chosen by ``auto`` for d ≥ 4), Rayleigh–Ritz below, curvature above.

Lower: :func:`gsmtheory.numeric.rayleigh_ritz` with a polynomial basis of degree 4 (3 with
quick): on a Gaussian mixture by exact Gauss–Hermite moments, otherwise by tensor quadrature
on the finite domain or, on R^d, around the mode (allowed where an upper bound is certified: the
tails are then controlled). Upper, where a proof exists (:func:`gsmtheory.solve._upper.certified_upper`):
Bakry–Émery / Holley–Stroock (−∇²ℓ ⪰ κ D⁻¹ up to a bounded perturbation W: C_P ≤ e^{osc W}/κ), a
Lyapunov certificate (Bakry–Barthe–Cattiaux–Guillin: C_P ≤ (1 + βκ_U)/θ, for non-log-concave
targets), the blocks' bounds, or for a mixture :func:`gsmtheory.numeric.mixture_curvature_bound`. :func:`gsmtheory.numeric.two_sided` makes
the answer a value when the two agree within rtol, else a bracket (status ``"bound"``), and
says "lower bound only" with the reason when there is no upper bound.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gsmtheory._errors import ModelError
from gsmtheory._methods import Method, Theory
from gsmtheory.compile import compile_expr
from gsmtheory.numeric import PoincareResult, rayleigh_ritz, two_sided
from gsmtheory.solve._problem import Problem as PoincareProblem
from gsmtheory.solve._upper import certified_upper

__all__ = ["METHOD"]


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
        rr = rayleigh_ritz(None, dfn_nd, mixture=problem.mixture, degree=3 if quick else 4)
        up, why = certified_upper(problem)
        return two_sided(rr, up, why_not=why)
    finite = all(np.isfinite(lo) and np.isfinite(hi) for lo, hi in problem.domain)
    up, why = certified_upper(problem)
    if not (finite or (problem.unbounded and up is not None)):  # R^d: quadrature at the (unique) mode
        raise ModelError("some coordinate is unbounded and the target is neither a Gaussian "
                         "mixture nor has a certified upper bound (log-concave up to a bounded "
                         "perturbation, or a Lyapunov certificate) "
                         f"({why}): no quadrature for Rayleigh–Ritz in d >= 3",
                         "give a finite domain or a [mixture] target")
    ell = problem.compiled_log_density

    def lnd(x: Any) -> Any:
        return ell(*[x[:, i] for i in range(d)])

    rr = rayleigh_ritz(lnd, dfn_nd, box=np.array(problem.domain) if finite else None, dim=d,
                       degree=3 if quick else 4, nodes=12 if d == 3 else 8)
    # lower from Rayleigh–Ritz, upper from the symbolic curvature certificate (issue #14 item 5)
    return two_sided(rr, up, why_not=why)

METHOD = Method("rayleigh_ritz", _why_not, _solve, "d >= 4 (d = 3 forced): Rayleigh–Ritz lower bound, polynomial basis",
           Theory("bracket", notes="Rayleigh–Ritz below; a curvature certificate above where one is proved, else a lower bound only"), priority=70)
