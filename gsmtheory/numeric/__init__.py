"""Arrays in, result records out: quadrature, spectral gaps and bounds, samplers."""

from gsmtheory.numeric._mixture import (
    mixture_dlogpdf_ds,
    mixture_hessian,
    mixture_logpdf,
    mixture_score,
)

__all__ = [
    "mixture_dlogpdf_ds",
    "mixture_hessian",
    "mixture_logpdf",
    "mixture_score",
]
