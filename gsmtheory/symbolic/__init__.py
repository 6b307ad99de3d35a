"""Symbolic layer (SymPy only): diffusions, models, catalogue, spec parsing, operators, GSM losses.

>>> from gsmtheory.symbolic import load_spec
>>> spec = load_spec("gaussian")
>>> spec.diffusion.stationarity().verdict
True
"""

from gsmtheory.symbolic._catalogue import CATALOGUE, catalogue_names
from gsmtheory.symbolic._convexity import CurvatureCertificate, curvature_certificate
from gsmtheory.symbolic._ctld import (
    BETA,
    CTLDParameters,
    ctld_heat_identity,
    ctld_lift,
    ctld_lift_spec,
    ctld_log_density_expr,
    ctld_model,
    ctld_parameters,
    ctld_stationarity,
)
from gsmtheory.symbolic._diffusion import Diffusion, ScoreOperator, Stationarity
from gsmtheory.symbolic._ends import (
    EndInfo,
    EndsAnalysis,
    analyze_ends,
    diffusion_ends,
    liouville_potential,
)
from gsmtheory.symbolic._loss import BoundaryTerm, GSMLoss, gsm_loss
from gsmtheory.symbolic._mixture import GaussianMixture
from gsmtheory.symbolic._model import MixtureExpressions, Model
from gsmtheory.symbolic._parse import ALLOWED_FUNCTIONS, check_magnitude, parse_expression
from gsmtheory.symbolic._spec import (
    CTLDOptions,
    KnownValues,
    Spec,
    load_spec,
    misspecification,
    parse_spec,
)
from gsmtheory.symbolic._validate import kinks_1d

__all__ = [
    "ALLOWED_FUNCTIONS",
    "BETA",
    "CATALOGUE",
    "BoundaryTerm",
    "CTLDOptions",
    "CTLDParameters",
    "CurvatureCertificate",
    "Diffusion",
    "EndInfo",
    "EndsAnalysis",
    "GSMLoss",
    "GaussianMixture",
    "KnownValues",
    "MixtureExpressions",
    "Model",
    "ScoreOperator",
    "Spec",
    "Stationarity",
    "analyze_ends",
    "catalogue_names",
    "check_magnitude",
    "ctld_heat_identity",
    "ctld_lift",
    "ctld_lift_spec",
    "ctld_log_density_expr",
    "ctld_model",
    "ctld_parameters",
    "ctld_stationarity",
    "curvature_certificate",
    "diffusion_ends",
    "gsm_loss",
    "kinks_1d",
    "liouville_potential",
    "load_spec",
    "misspecification",
    "parse_expression",
    "parse_spec",
]
