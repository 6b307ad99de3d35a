"""Arrays in, result records out: quadrature, spectral gaps and bounds, samplers."""

from gsmtheory.numeric._ctld import (
    CTLDSimulation,
    beta_cdf,
    conditional_cdf,
    convolve_logpdf_1d,
    ctld_beta_logpdf,
    ctld_joint_logpdf,
    ctld_poincare,
    ctld_poincare_curve,
    lifted_chi_square,
    log_r_functions,
    sample_beta,
    sample_ctld_joint,
    simulate_ctld,
)
from gsmtheory.numeric._device import DEVICE_CHOICES, batch_size, resolve_device
from gsmtheory.numeric._loss_eval import LossEvaluation, evaluate_gsm_loss, sample_mixture
from gsmtheory.numeric._mixture import (
    mixture_dlogpdf_ds,
    mixture_hessian,
    mixture_logpdf,
    mixture_score,
)
from gsmtheory.numeric._quadrature import Expectation, expect_1d, expect_2d, support_interval

__all__ = [
    "CTLDSimulation",
    "beta_cdf",
    "conditional_cdf",
    "convolve_logpdf_1d",
    "ctld_beta_logpdf",
    "ctld_joint_logpdf",
    "ctld_poincare",
    "ctld_poincare_curve",
    "lifted_chi_square",
    "log_r_functions",
    "sample_beta",
    "sample_ctld_joint",
    "simulate_ctld",
    "DEVICE_CHOICES",
    "Expectation",
    "LossEvaluation",
    "batch_size",
    "evaluate_gsm_loss",
    "expect_1d",
    "expect_2d",
    "mixture_dlogpdf_ds",
    "mixture_hessian",
    "mixture_logpdf",
    "mixture_score",
    "resolve_device",
    "sample_mixture",
    "support_interval",
]
