"""Monte Carlo n·MSE over 200 replications agrees with the sandwich inside its 95% interval.

Models: Gaussian location (GSM, closed form), the double-well tilt (GSM, closed form), the
symmetric bimodal mixture's means (GSM, batched Newton), the bimodal weight (MLE, batched
Newton) and the reflected Gaussian (GSM with its face term): five, two of them mixtures.
Seeds are fixed; each interval is a 95% CLT interval, so a miss would be a 1-in-20 event per
model, not a tolerance to tune.
"""

from __future__ import annotations

import numpy as np
import pytest

from gsmtheory.estimation import efficiency, monte_carlo
from gsmtheory.symbolic import load_spec

CASES = [
    ("gaussian", {}, "gsm"),
    ("double-well", {"beta": 1.0}, "gsm"),
    ("bimodal", {"m": 1.5}, "gsm"),
    ("bimodal-weight", {"m": 1.5}, "mle"),
    ("reflected-gaussian", {}, "gsm"),
]


@pytest.mark.parametrize(("name", "consts", "estimator"), CASES)
def test_monte_carlo_agrees_with_sandwich(name, consts, estimator):
    spec = load_spec(name, consts)
    eff = efficiency(spec, poincare=False)
    target = eff.gsm_covariance if estimator == "gsm" else eff.mle_covariance
    curve = monte_carlo(spec, [1000], replications=200, estimator=estimator, seed=11)
    point = curve.points[-1]
    assert point.converged == 200
    assert all(curve.agrees_with(target)), (point.lower, point.upper, np.diag(target))
    assert point.upper[0] - point.lower[0] < 0.6 * target[0, 0]  # the interval is informative


def test_the_gsm_and_mle_curves_separate_for_the_weight():
    spec = load_spec("bimodal-weight", {"m": 2.0})
    gsm = monte_carlo(spec, [1000], replications=200, estimator="gsm", seed=3).points[0]
    mle = monte_carlo(spec, [1000], replications=200, estimator="mle", seed=3).points[0]
    assert gsm.lower[0] > 5 * mle.upper[0]
