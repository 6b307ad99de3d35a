"""Symbolic layer (SymPy only): diffusions, models, catalogue, spec parsing, operators, GSM losses.

>>> from gsmtheory.symbolic import load_spec
>>> spec = load_spec("gaussian")
>>> spec.diffusion.stationarity().verdict
True
"""

from gsmtheory.symbolic._blocks import block_diffusion, coordinate_blocks
from gsmtheory.symbolic._catalogue import CATALOGUE, catalogue_names
from gsmtheory.symbolic._convexity import CurvatureCertificate, curvature_certificate
from gsmtheory.symbolic._ctld_lift import (
    BETA,
    CTLDParameters,
    check_liftable,
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
from gsmtheory.symbolic._estimating import (
    ESTIMATING_TERMS,
    estimating_terms,
    mixture_component_logs,
    natural_bounds,
    quadratic_terms,
    theta_derivatives,
)
from gsmtheory.symbolic._gaussian_mixture import GaussianMixture
from gsmtheory.symbolic._known_values import KnownValues
from gsmtheory.symbolic._loss import BoundaryTerm, GSMLoss, gsm_loss
from gsmtheory.symbolic._lyapunov import LyapunovCertificate, lyapunov_certificate
from gsmtheory.symbolic._model import MixtureExpressions, Model
from gsmtheory.symbolic._parse import ALLOWED_FUNCTIONS, check_magnitude, parse_expression
from gsmtheory.symbolic._rays import RayEnds, bound_sigma, ray_ends
from gsmtheory.symbolic._reflected import reflected_langevin_stationarity
from gsmtheory.symbolic._smoothing import heat_identity_residual, smoothed_formula, smoothed_mixture
from gsmtheory.symbolic._spec_file import Spec, load_spec, misspecification, parse_spec
from gsmtheory.symbolic._symmetry import Radial, Separation, linear_separation, radial_profile
from gsmtheory.symbolic._validate import kinks_1d

__all__ = [
    "ALLOWED_FUNCTIONS",
    "BETA",
    "CATALOGUE",
    "ESTIMATING_TERMS",
    "BoundaryTerm",
    "CTLDParameters",
    "CurvatureCertificate",
    "Diffusion",
    "EndInfo",
    "EndsAnalysis",
    "GSMLoss",
    "GaussianMixture",
    "KnownValues",
    "LyapunovCertificate",
    "MixtureExpressions",
    "Model",
    "Radial",
    "RayEnds",
    "ScoreOperator",
    "Separation",
    "Spec",
    "Stationarity",
    "analyze_ends",
    "block_diffusion",
    "bound_sigma",
    "catalogue_names",
    "check_liftable",
    "check_magnitude",
    "coordinate_blocks",
    "ctld_heat_identity",
    "ctld_lift",
    "ctld_lift_spec",
    "ctld_log_density_expr",
    "ctld_model",
    "ctld_parameters",
    "ctld_stationarity",
    "curvature_certificate",
    "diffusion_ends",
    "estimating_terms",
    "gsm_loss",
    "heat_identity_residual",
    "kinks_1d",
    "linear_separation",
    "liouville_potential",
    "load_spec",
    "lyapunov_certificate",
    "misspecification",
    "mixture_component_logs",
    "natural_bounds",
    "parse_expression",
    "parse_spec",
    "quadratic_terms",
    "radial_profile",
    "ray_ends",
    "reflected_langevin_stationarity",
    "smoothed_formula",
    "smoothed_mixture",
    "theta_derivatives",
]
