"""The mixture log-density (gsmtheory/numeric/_mixture_pdf.py) is −inf, not nan, where the quadratic overflows;
the CDF of a smoothed 1D mixture is the integral of its density."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gsmtheory import SpecError
from gsmtheory.numeric import MixtureArrays, mixture_logpdf
from gsmtheory.numeric._mixture_pdf import mixture_cdf
from gsmtheory.solve import poincare_constant
from gsmtheory.symbolic import parse_spec


def test_mixture_log_density_is_minus_inf_where_the_quadratic_overflows() -> None:
    """At |x| ≥ 1e154 every (x − μ)² overflows; log p is −inf there, not NaN (the 1D solver's
    tail map t = asinh x reaches x = sinh 512 ≈ 1e222 when D grows, e.g. D = 1 + x²/4)."""
    mix = (((-1.0,), (1.0,)), (0.5, 0.5), ((1.0,),))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lp = mixture_logpdf(mix, np.array([[-1e150], [-1e160], [1e222], [0.3]]))
    assert lp[0] == pytest.approx(-5e299) and lp[1] == lp[2] == -np.inf and np.isfinite(lp[3])
    text = ('coords = ["x"]\n[mixture]\nmeans = [[-1], [1]]\nweights = [0.5, 0.5]\ncovariance = [[1.0]]\n'
            '[diffusion]\nD = [["1 + x**2/4"]]\n')
    r = poincare_constant(parse_spec(text).diffusion, quick=True)
    assert r.status == "ok" and np.isfinite(r.poincare_constant) and r.lower <= r.poincare_constant


def test_mixture_cdf_is_the_integral_of_the_smoothed_density() -> None:
    """F_s(x) = ∫_{−∞}^x p_s, p_s = p * N(0, s), for s = 0 and s > 0 (trapezoid on a fine grid)."""
    mix = MixtureArrays(means=[[-2.0], [1.5]], weights=[0.3, 0.7], covariance=[[0.8]])
    grid = np.linspace(-30.0, 3.0, 200_001)
    for s in (0.0, 2.5):
        dens = np.exp(mixture_logpdf(mix, grid[:, None], s))
        expected = np.sum(0.5 * (dens[1:] + dens[:-1]) * np.diff(grid))
        assert mixture_cdf(mix, 3.0, s) == pytest.approx(expected, rel=1e-9)
    with pytest.raises(SpecError, match="1D mixture"):
        mixture_cdf(MixtureArrays(means=[[0.0, 0.0]], weights=[1.0], covariance=[[1.0, 0.0], [0.0, 1.0]]), 0.0)
