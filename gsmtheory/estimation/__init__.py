"""Estimators, sandwich and Fisher covariances, efficiency per direction, Monte Carlo, growth rates."""

from gsmtheory.estimation._ctld import ctld_efficiency, ctld_problem, lift_of, lifted_smoothness
from gsmtheory.estimation._ctld_design import CTLD_FAMILIES, CTLDDesign, design_ctld, design_log_r
from gsmtheory.estimation._ctld_mc import ctld_efficiency_monte_carlo
from gsmtheory.estimation._ctld_reduce import ctld_efficiency_along_u, ctld_efficiency_reduced
from gsmtheory.estimation._ctld_spec import ctld_efficiency_spec
from gsmtheory.estimation._dimension import (
    AnisotropyScaling,
    DimensionScaling,
    anisotropy_scaling,
    dimension_scaling,
    exponent_in_d,
)
from gsmtheory.estimation._efficiency import (
    Efficiency,
    KeyLemma,
    LiftedCovariances,
    TheoremBound,
    TiltEfficiency,
    efficiency,
    tilt_efficiency,
)
from gsmtheory.estimation._fit import (
    BatchFit,
    FitResult,
    feasible_box,
    fit,
    fit_batch,
    load_data,
    validate_data,
)
from gsmtheory.estimation._growth import GROWTH_MODELS, GrowthFit, classify_growth
from gsmtheory.estimation._lift import CTLDLift, LiftFace
from gsmtheory.estimation._montecarlo import MonteCarloCurve, MonteCarloPoint, monte_carlo
from gsmtheory.estimation._newton import NewtonResult, newton_minimize
from gsmtheory.estimation._problem import (
    EstimationProblem,
    build_problem,
    natural_bounds,
    sample_target,
    target_expectation,
)
from gsmtheory.estimation._records import CovarianceEstimate, describe_direction, solve_bread
from gsmtheory.estimation._sandwich import (
    Moments,
    Sandwich,
    fisher_covariance,
    moments,
    sandwich_covariance,
)

__all__ = [
    "CTLD_FAMILIES",
    "GROWTH_MODELS",
    "AnisotropyScaling",
    "BatchFit",
    "CTLDDesign",
    "CTLDLift",
    "CovarianceEstimate",
    "DimensionScaling",
    "Efficiency",
    "EstimationProblem",
    "FitResult",
    "GrowthFit",
    "KeyLemma",
    "LiftFace",
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
    "ctld_efficiency",
    "ctld_efficiency_along_u",
    "ctld_efficiency_monte_carlo",
    "ctld_efficiency_reduced",
    "ctld_efficiency_spec",
    "ctld_problem",
    "describe_direction",
    "design_ctld",
    "design_log_r",
    "dimension_scaling",
    "efficiency",
    "exponent_in_d",
    "feasible_box",
    "fisher_covariance",
    "fit",
    "fit_batch",
    "lift_of",
    "lifted_smoothness",
    "load_data",
    "moments",
    "monte_carlo",
    "natural_bounds",
    "newton_minimize",
    "sample_target",
    "sandwich_covariance",
    "solve_bread",
    "target_expectation",
    "tilt_efficiency",
    "validate_data",
]
