"""The growth classifier on series with known growth, noise and too little data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmtheory import NumericalError
from gsmtheory.estimation import classify_growth

X = np.linspace(1.0, 6.0, 11)


@settings(max_examples=20, deadline=None)
@given(k=st.floats(0.5, 4.0), seed=st.integers(0, 1000))
def test_polynomial_exponent_inside_interval(k, seed):
    noise = np.exp(0.02 * np.random.default_rng(seed).standard_normal(X.size))
    g = classify_growth(X, 3 * X**k * noise)
    assert g.label == "polynomial"
    assert g.rate_interval[0] - 0.05 <= k <= g.rate_interval[1] + 0.05


@pytest.mark.parametrize(("cost", "label", "rate"), [
    (2 * np.exp(0.7 * X), "exponential", 0.7),
    (np.exp(0.5 * X**2), "exponential_quadratic", 0.5),
    (1 + 0.01 * np.sin(X), "bounded", 0.0),
])
def test_known_growth(cost, label, rate):
    g = classify_growth(X, cost)
    assert g.label == label
    assert g.rate == pytest.approx(rate, abs=0.02)


def test_undecided_when_data_cannot_tell():
    assert classify_growth([1.0, 2.0, 3.0], [1.0, 2.0, 4.0]).label == "undecided"
    # a short range with 1% noise: x^k, e^{kx}, e^{kx²} are indistinguishable held out
    x = np.linspace(5.0, 5.2, 6)
    noise = np.exp(0.01 * np.random.default_rng(0).standard_normal(x.size))
    assert classify_growth(x, np.exp(x) * noise).label == "undecided"


def test_rejects_nonpositive_costs():
    with pytest.raises(NumericalError):
        classify_growth([1, 2, 3, 4], [1, 0, 2, 3])
