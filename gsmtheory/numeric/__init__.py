"""Arrays in, result records out: quadrature, spectral gaps and bounds, samplers.

Arrays and callables only (no SymPy, docs/design.md §3): a symbolic spec meets these solvers in
:mod:`gsmtheory.solve`, which compiles it and dispatches here.
"""

from gsmtheory._device import DEVICE_CHOICES, batch_size, resolve_device
from gsmtheory.numeric._beta_sampler import (
    BETA_NODES,
    InverseCDFTable,
    TailMass,
    beta_table,
    cell_slopes,
    inverse_cdf,
    mass_below,
)
from gsmtheory.numeric._bounds import (
    bakry_emery_bound,
    certified_upper_bound,
    curvature_lower_bound,
    holley_stroock_bound,
    mixture_curvature_bound,
    oscillation,
)
from gsmtheory.numeric._bounds1d import muckenhoupt_bracket, rayleigh_quotient
from gsmtheory.numeric._bracket import two_sided, with_upper_bound
from gsmtheory.numeric._chain1d import truncate_support
from gsmtheory.numeric._convolve import convolve_logpdf_1d, smoothed
from gsmtheory.numeric._ctld_chain import (
    CTLD_FV2D_ORDER,
    CTLDSchedule,
    ctld_drift,
    ctld_joint_logpdf,
    ctld_poincare,
    sample_ctld_joint,
)
from gsmtheory.numeric._ctld_nd import ctld_poincare_3d, ctld_poincare_nd, lifted_chi_square
from gsmtheory.numeric._exact import gaussian_poincare_constant, tensorization
from gsmtheory.numeric._expect import NEGLIGIBLE_MASS, expect_1d, expect_2d, inverse_cdf_1d
from gsmtheory.numeric._fem3d import FEM3D_ORDER
from gsmtheory.numeric._fv3d import FV3D_ORDER, fv_poincare_3d
from gsmtheory.numeric._interval_law import IntervalLaw
from gsmtheory.numeric._mixture import (
    MixtureArrays,
    MixtureDraws,
    MixtureLike,
    mixture_lift_rule,
    sample_mixture,
)
from gsmtheory.numeric._mixture_pdf import (
    mixture_cdf,
    mixture_dlogpdf_ds,
    mixture_hessian,
    mixture_logpdf,
    mixture_score,
)
from gsmtheory.numeric._quadrature import (
    AdaptiveIntegrals,
    adaptive_integrals,
    gauss_legendre_panels,
    normal_rule,
    support_interval,
)
from gsmtheory.numeric._reduce import MixtureReduction, ReducedMixture, reduce_mixture
from gsmtheory.numeric._reduce_solve import reduced_poincare
from gsmtheory.numeric._reflected_langevin import ReflectedRun, reflected_langevin
from gsmtheory.numeric._result import PoincareResult
from gsmtheory.numeric._sector import SECTOR_ORDER, sector_poincare
from gsmtheory.numeric._spectral1d import FV1D_ORDER, poincare_1d
from gsmtheory.numeric._spectral2d import FV2D_ORDER, poincare_2d
from gsmtheory.numeric._spectral3d import FV3D_TENSOR_ORDER, poincare_3d
from gsmtheory.numeric._spectral_nd import rayleigh_ritz
from gsmtheory.numeric._tail_map import Expectation, TailMap

__all__ = [
    "BETA_NODES",
    "CTLD_FV2D_ORDER",
    "DEVICE_CHOICES",
    "FEM3D_ORDER",
    "FV1D_ORDER",
    "FV2D_ORDER",
    "FV3D_ORDER",
    "FV3D_TENSOR_ORDER",
    "NEGLIGIBLE_MASS",
    "SECTOR_ORDER",
    "AdaptiveIntegrals",
    "CTLDSchedule",
    "Expectation",
    "IntervalLaw",
    "InverseCDFTable",
    "MixtureArrays",
    "MixtureDraws",
    "MixtureLike",
    "MixtureReduction",
    "PoincareResult",
    "ReducedMixture",
    "ReflectedRun",
    "TailMap",
    "TailMass",
    "adaptive_integrals",
    "bakry_emery_bound",
    "batch_size",
    "beta_table",
    "cell_slopes",
    "certified_upper_bound",
    "convolve_logpdf_1d",
    "ctld_drift",
    "ctld_joint_logpdf",
    "ctld_poincare",
    "ctld_poincare_3d",
    "ctld_poincare_nd",
    "curvature_lower_bound",
    "expect_1d",
    "expect_2d",
    "fv_poincare_3d",
    "gauss_legendre_panels",
    "gaussian_poincare_constant",
    "holley_stroock_bound",
    "inverse_cdf",
    "inverse_cdf_1d",
    "lifted_chi_square",
    "mass_below",
    "mixture_cdf",
    "mixture_curvature_bound",
    "mixture_dlogpdf_ds",
    "mixture_hessian",
    "mixture_lift_rule",
    "mixture_logpdf",
    "mixture_score",
    "muckenhoupt_bracket",
    "normal_rule",
    "oscillation",
    "poincare_1d",
    "poincare_2d",
    "poincare_3d",
    "rayleigh_quotient",
    "rayleigh_ritz",
    "reduce_mixture",
    "reduced_poincare",
    "reflected_langevin",
    "resolve_device",
    "sample_ctld_joint",
    "sample_mixture",
    "sector_poincare",
    "smoothed",
    "support_interval",
    "tensorization",
    "truncate_support",
    "two_sided",
    "with_upper_bound",
]
