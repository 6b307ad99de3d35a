"""Claim 9: vanilla score matching loses efficiency exponentially in separation² on bimodal targets,
in the directions that move mass between the modes; directions that do not (x² tilt, the means)
keep ratio near 1. Efficiency is a property of a parameter direction, not of the distribution."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from gsmtheory.estimation import classify_growth, efficiency, tilt_efficiency
from gsmtheory.symbolic import load_spec, parse_spec

SEPARATIONS = [1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0]


@pytest.fixture(scope="module")
def series():
    weight, tanh, square = [], [], []
    for m in SEPARATIONS:
        spec = load_spec("bimodal-weight", {"m": m})
        x = spec.diffusion.coords[0]
        weight.append(efficiency(spec, poincare=False).ratio)
        tanh.append(tilt_efficiency(spec.diffusion, sp.tanh(x), compare_sandwich=False).ratio)
        square.append(tilt_efficiency(spec.diffusion, x**2, compare_sandwich=False).ratio)
    return weight, tanh, square


def test_weight_ratio_grows_like_exp_of_separation_squared(series):
    g = classify_growth(SEPARATIONS, series[0])
    assert g.label == "exponential_quadratic", g.message
    lo, hi = g.rate_interval
    assert 0.3 < lo <= hi < 0.8  # ≈ m²/2: the overlap density e^{-m²/2} sets H
    assert series[0][-1] > 1e5


def test_tanh_tilt_grows_like_exp_of_separation_squared(series):
    g = classify_growth(SEPARATIONS, series[1])
    assert g.label == "exponential_quadratic", g.message
    assert g.rate_interval[0] > 0.2


def test_square_tilt_stays_efficient(series):
    g = classify_growth(SEPARATIONS, series[2])
    assert not g.grows_exponentially
    assert g.label == "bounded"
    assert max(series[2]) < 1.1


def test_mle_does_not_degrade():
    mle = [efficiency(load_spec("bimodal-weight", {"m": m}), poincare=False).mle_covariance[0, 0]
           for m in (2.0, 5.0)]
    assert mle[1] == pytest.approx(0.25, rel=0.01)  # → w(1−w) as the modes separate
    assert mle[1] < mle[0]


TWO_PARAMS = '''
coords = ["x"]
[constants]
m = 4.0
[mixture]
means = [["-m"], ["m"]]
weights = [0.5, 0.5]
covariance = [[1.0]]
[model]
params = ["a", "w"]
truth = {a = "m", w = 0.5}
[model.mixture]
means = [["-a"], ["a"]]
weights = ["1 - w", "w"]
covariance = [[1.0]]
'''


def test_ratio_is_per_direction_not_per_distribution():
    eff = efficiency(parse_spec(TWO_PARAMS), poincare=False)
    per = eff.per_parameter
    assert per["a"] < 1.5  # the means are estimated almost as well as by MLE
    assert per["w"] > 100  # the weight is not
    worst, v = eff.worst_direction
    best, _u = eff.best_direction
    assert worst >= per["w"] * (1 - 1e-9) and best <= per["a"] * (1 + 1e-9)
    assert abs(v[1]) > 0.99  # the worst direction is (almost) the weight
    assert eff.ratio_along(v) == pytest.approx(worst, rel=1e-8)
    assert eff.to_dict()["per_parameter"] == pytest.approx(per)
    assert np.isfinite(eff.ratio)
