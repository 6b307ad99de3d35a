"""Arrays in, result records out: quadrature, spectral gaps and bounds, samplers."""

from gsmtheory.numeric._device import DEVICE_CHOICES, batch_size, resolve_device
from gsmtheory.numeric._mixture import (
    mixture_dlogpdf_ds,
    mixture_hessian,
    mixture_logpdf,
    mixture_score,
)

__all__ = [
    "DEVICE_CHOICES",
    "batch_size",
    "mixture_dlogpdf_ds",
    "mixture_hessian",
    "mixture_logpdf",
    "mixture_score",
    "resolve_device",
]
