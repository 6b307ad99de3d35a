r"""Tests of gsmtheory/numeric/_expect.py.

Expectations by quadrature: moments to machine precision, endpoint singularities, a correlated 2D
Gaussian, non-finite integrands, overflow where p is negligible; heavy tails and singular ends in
expectations and the inverse CDF (issue 12, item 4).

Every expected value comes from a closed form derived in the docstring (checked where cheap with
SymPy or mpmath, never with the package), and every reported error must cover the distance to it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats

from gsmtheory import ModelError, NumericalError
from gsmtheory.numeric import expect_1d, expect_2d, inverse_cdf_1d


def test_gaussian_moments_to_machine_precision() -> None:
    ex = expect_1d(lambda x: -x**2 / 8, lambda x: [x**2, x**4], -math.inf, math.inf)
    assert ex.values[0] == pytest.approx(4.0, rel=1e-13)
    assert ex.values[1] == pytest.approx(48.0, rel=1e-13)
    assert ex.log_normalizer == pytest.approx(0.5 * math.log(8 * math.pi), rel=1e-13)
    assert max(ex.errors) < 1e-10


def test_beta_moments_with_endpoint_singularity() -> None:
    # Beta(1/2, 2): E[x] = 1/5, density ~ x^{-1/2} at 0
    ex = expect_1d(lambda x: -0.5 * np.log(x) + np.log1p(-x), lambda x: x, 0.0, 1.0)
    assert ex.values[0] == pytest.approx(0.2, rel=1e-8)


def test_2d_correlated_gaussian() -> None:
    def logp(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return -(x**2 - 1.6 * x * y + y**2) / (2 * 0.36)

    ex = expect_2d(logp, lambda x, y: [x * y, x**2], ((-math.inf, math.inf), (-math.inf, math.inf)))
    assert ex.values[0] == pytest.approx(0.8, rel=1e-10)
    assert ex.values[1] == pytest.approx(1.0, rel=1e-10)


def test_non_finite_integrand_with_mass_is_an_error() -> None:
    with pytest.raises(NumericalError, match="not finite"):
        expect_1d(lambda x: -x**2 / 2, lambda x: 1.0 / x * np.where(np.abs(x) < 0.5, np.nan, 1.0),
                  -math.inf, math.inf)


def test_overflow_only_where_p_is_negligible_is_dropped() -> None:
    # an integrand that is NaN beyond |x| > 30, where N(0, 1) has mass ~1e-197
    ex = expect_1d(lambda x: -x**2 / 2, lambda x: np.where(np.abs(x) > 30, np.nan, x**2), -math.inf, math.inf)
    assert ex.values[0] == pytest.approx(1.0, rel=1e-12)


def test_inverse_cdf_on_a_finite_interval_with_a_singular_end() -> None:
    r"""Beta(1/2, 2): density ~ x^{−1/2} at 0; F⁻¹(u) must reproduce u under scipy's Beta CDF."""
    u = np.random.default_rng(3).random(5000)
    x, resid = inverse_cdf_1d(lambda z: -0.5 * np.log(z) + np.log1p(-z), 0.0, 1.0, u)
    assert resid < 1e-11
    assert float(np.max(np.abs(scipy.stats.beta(0.5, 2).cdf(x) - u))) < 1e-11


def test_heavy_tailed_moments_and_divergence() -> None:
    r"""Moments under heavy tails, each against its closed form.

    Cauchy: E|x|^s = 1/cos(πs/2) for |s| < 1 (s = 1/2: √2), E[x²] = ∞.
    Student-t ν = 3: E[x²] = ν/(ν−2) = 3, E[x⁴] = ∞.
    Gamma(3, 1): E[x⁻²] = Γ(1)/Γ(3) = 1/2, E[x⁻⁴] = ∞ (x⁻² at 0).
    """
    ex = expect_1d(lambda x: -np.log1p(x**2), lambda x: [np.sqrt(np.abs(x)), x**2], -math.inf, math.inf)
    assert abs(ex.values[0] - math.sqrt(2)) <= ex.errors[0]
    assert ex.divergent == (1,) and math.isinf(ex.values[1]) and ex.status == "divergent"
    ex = expect_1d(lambda x: -2 * np.log1p(x**2 / 3), lambda x: [x**2, x**4], -math.inf, math.inf)
    assert abs(ex.values[0] - 3.0) <= ex.errors[0]
    assert ex.divergent == (1,)
    ex = expect_1d(lambda x: 2 * np.log(x) - x, lambda x: [x**-2.0, x**-4.0], 0.0, math.inf)
    assert abs(ex.values[0] - 0.5) <= ex.errors[0]
    assert ex.divergent == (1,)


def test_a_density_decaying_like_one_over_x_is_not_normalizable() -> None:
    """p ∝ 1/(1 + |x|) has ∫ p = ∞ (log divergence): refused, not integrated over a box."""
    with pytest.raises(ModelError, match="not normalizable"):
        expect_1d(lambda x: -np.log1p(np.abs(x)), lambda x: x, -math.inf, math.inf)


def test_logarithmic_divergence_at_a_finite_end_is_detected() -> None:
    r"""E[1/x²] under p(x) = 2x on (0, 1) is ∫ 2/x dx = ∞ (a log divergence, the hardest to see:
    every bisection adds the same 2 log 2); E[1/x] = 2 and E[1/√x] = 4/3 stay finite."""
    ex = expect_1d(lambda x: np.log(x), lambda x: [x**-2.0, 1 / x, x**-0.5], 0.0, 1.0)
    assert ex.divergent == (0,)
    assert abs(ex.values[1] - 2.0) <= ex.errors[1]
    assert abs(ex.values[2] - 4 / 3) <= ex.errors[2]
