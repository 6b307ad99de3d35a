r"""Solver ``reduction``: a shared-covariance Gaussian mixture under constant D, reduced by symmetry.

Such a target is (mixture along U) ⊗ (Gaussian on U^⊥), U the smallest D^{-1/2}ΣD^{-1/2}-invariant
subspace holding the mean differences (issue #14, :func:`gsmtheory.numeric.reduce_mixture`); C_P
is the larger of the Gaussian part's and the reduced problem's, solved by the 1D/2D solvers
(:func:`gsmtheory.numeric.reduced_poincare`). Used whenever it lowers the dimension.
"""

from __future__ import annotations

from gsmtheory._methods import Method, Theory
from gsmtheory.numeric import PoincareResult, reduce_mixture, reduced_poincare
from gsmtheory.solve._problem import Problem as PoincareProblem

__all__ = ["METHOD"]


def _why_not(problem: PoincareProblem) -> str | None:
    if problem.mixture is None or problem.constant_D is None or not problem.unbounded:
        return "the symmetry reduction needs a Gaussian-mixture target, constant D and an unbounded domain"
    if reduce_mixture(problem.mixture, problem.constant_D).reduced_dim >= problem.d:
        return "the symmetry reduction does not lower the dimension of this mixture"
    return None


def _solve(problem: PoincareProblem, rtol: float | None, quick: bool) -> PoincareResult:
    assert problem.mixture is not None and problem.constant_D is not None  # by _why_not
    return reduced_poincare(problem.mixture, problem.constant_D, rtol=rtol, quick=quick)


METHOD = Method("reduction", _why_not, _solve,
                "shared-covariance mixture, constant D: reduce to the span of the means, then 1D/2D",
                Theory(), priority=20)
