"""Estimators, covariances against the MLE, Monte Carlo error curves, growth rates; a registry per question.

:func:`efficiency` asks the covariance registry (:func:`covariance_methods`, the ``_cov_*.py``
files and ``COVARIANCE_METHODS``), :func:`fit` the estimator registry (:func:`estimators`, the
``_estimator_*.py`` files and ``ESTIMATOR_METHODS``: the CTLD estimator's module holds both);
both take a :class:`gsmtheory.solve.Problem` (or a spec), lifted or not (docs/architecture.md).
"""

from gsmtheory.estimation._ctld_design import CTLD_FAMILIES, CTLDDesign, design_ctld, design_log_r
from gsmtheory.estimation._ctld_estimator import ctld_efficiency_along_u
from gsmtheory.estimation._data import load_data, validate_data
from gsmtheory.estimation._dimension import (
    AnisotropyScaling,
    DimensionScaling,
    anisotropy_scaling,
    dimension_scaling,
    exponent_in_d,
)
from gsmtheory.estimation._efficiency import covariance_methods, efficiency
from gsmtheory.estimation._efficiency_options import EfficiencyOptions
from gsmtheory.estimation._efficiency_record import Efficiency, KeyLemma, TheoremBound
from gsmtheory.estimation._fit import FitOptions, FitResult, estimators, feasible_box, fit
from gsmtheory.estimation._fit_batch import BatchFit, fit_batch
from gsmtheory.estimation._growth import GROWTH_MODELS, GrowthFit, classify_growth
from gsmtheory.estimation._lifted_efficiency import lifted_smoothness
from gsmtheory.estimation._lifted_record import LiftedCovariances
from gsmtheory.estimation._moments import Moments, moments
from gsmtheory.estimation._montecarlo import MonteCarloCurve, MonteCarloPoint, monte_carlo
from gsmtheory.estimation._newton import NewtonResult, newton_minimize
from gsmtheory.estimation._records import CovarianceEstimate, describe_direction, solve_bread
from gsmtheory.estimation._sandwich import Sandwich, fisher_covariance, sandwich_covariance
from gsmtheory.estimation._tilt import TiltEfficiency, tilt_efficiency
from gsmtheory.solve import build_problem, sample_target

__all__ = [
    "CTLD_FAMILIES",
    "GROWTH_MODELS",
    "AnisotropyScaling",
    "BatchFit",
    "CTLDDesign",
    "CovarianceEstimate",
    "DimensionScaling",
    "Efficiency",
    "EfficiencyOptions",
    "FitOptions",
    "FitResult",
    "GrowthFit",
    "KeyLemma",
    "LiftedCovariances",
    "Moments",
    "MonteCarloCurve",
    "MonteCarloPoint",
    "NewtonResult",
    "Sandwich",
    "TheoremBound",
    "TiltEfficiency",
    "anisotropy_scaling",
    "build_problem",
    "classify_growth",
    "covariance_methods",
    "ctld_efficiency_along_u",
    "describe_direction",
    "design_ctld",
    "design_log_r",
    "dimension_scaling",
    "efficiency",
    "estimators",
    "exponent_in_d",
    "feasible_box",
    "fisher_covariance",
    "fit",
    "fit_batch",
    "lifted_smoothness",
    "load_data",
    "moments",
    "monte_carlo",
    "newton_minimize",
    "sample_target",
    "sandwich_covariance",
    "solve_bread",
    "tilt_efficiency",
    "validate_data",
]
