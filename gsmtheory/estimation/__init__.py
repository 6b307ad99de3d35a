"""Estimators, sandwich and Fisher covariances, efficiency per direction, Monte Carlo, growth rates."""

from gsmtheory.estimation._efficiency import (
    Efficiency,
    KeyLemma,
    TheoremBound,
    TiltEfficiency,
    efficiency,
    tilt_efficiency,
)
from gsmtheory.estimation._poincare import PoincareValue, poincare_for
from gsmtheory.estimation._problem import EstimationProblem, build_problem, sample_target
from gsmtheory.estimation._records import CovarianceEstimate, describe_direction, solve_bread
from gsmtheory.estimation._sandwich import (
    Moments,
    Sandwich,
    fisher_covariance,
    moments,
    sandwich_covariance,
)

__all__ = [
    "CovarianceEstimate",
    "Efficiency",
    "EstimationProblem",
    "KeyLemma",
    "Moments",
    "PoincareValue",
    "Sandwich",
    "TheoremBound",
    "TiltEfficiency",
    "build_problem",
    "describe_direction",
    "efficiency",
    "fisher_covariance",
    "moments",
    "poincare_for",
    "sample_target",
    "sandwich_covariance",
    "solve_bread",
    "tilt_efficiency",
]
