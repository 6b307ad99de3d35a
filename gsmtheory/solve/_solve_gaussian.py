r"""Solver ``gaussian``: one Gaussian N(μ, Σ), constant D, on R^d — the closed form.

C_P = λ_max(D^{-1/2} Σ D^{-1/2}) (the Ornstein–Uhlenbeck spectrum; claim 1 of docs/design.md §2),
by :func:`gsmtheory.numeric.gaussian_poincare_constant`.
"""

from __future__ import annotations

import numpy as np

from gsmtheory._methods import Method, Theory
from gsmtheory.numeric import PoincareResult, gaussian_poincare_constant
from gsmtheory.solve._problem import Problem as PoincareProblem

__all__ = ["METHOD"]


def _why_not(problem: PoincareProblem) -> str | None:
    mix = problem.mixture
    if mix is None or mix.n_components != 1 or problem.constant_D is None or not problem.unbounded:
        return "the closed form needs one Gaussian, constant D and an unbounded domain"
    return None


def _solve(problem: PoincareProblem, rtol: float | None, quick: bool) -> PoincareResult:
    assert problem.mixture is not None and problem.constant_D is not None  # by _why_not
    return gaussian_poincare_constant(np.array(problem.mixture.covariance, dtype=float), problem.constant_D)


METHOD = Method("gaussian", _why_not, _solve, "one Gaussian, constant D, R^d: C_P = λ_max(D^-1/2 Σ D^-1/2)",
           Theory("exact", notes="the Ornstein–Uhlenbeck spectrum"), priority=10)
