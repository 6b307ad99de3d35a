"""Tests of gsmtheory/estimation/_montecarlo.py.

Monte Carlo n·MSE over 200 replications agrees with the sandwich inside its 95% interval.

Models: Gaussian location (GSM, closed form), the double-well tilt (GSM, closed form), the
symmetric bimodal mixture's means (GSM, batched Newton), the bimodal weight (MLE, batched
Newton) and the reflected Gaussian (GSM with its face term): five, two of them mixtures.
Seeds are fixed; each interval is a 95% CLT interval, so a miss would be a 1-in-20 event per
model, not a tolerance to tune.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gsmtheory.estimation import (
    build_problem,
    efficiency,
    fit_batch,
    monte_carlo,
    sample_target,
)
from gsmtheory.symbolic import load_spec

CASES = [
    ("gaussian", {}, "gsm"),
    ("double-well", {"beta": 1.0}, "gsm"),
    ("bimodal", {"m": 1.5}, "gsm"),
    ("bimodal-weight", {"m": 1.5}, "mle"),
    ("reflected-gaussian", {}, "gsm"),
]


def test_weight_stays_in_range_at_small_n():
    # m = 3, n = 100: the weight is nearly unidentifiable by vanilla score matching
    # (sandwich n·Var ≈ 35), so the unconstrained estimator left (0, 1) in ~10% of replications.
    problem = build_problem(load_spec("bimodal-weight", {"m": 3.0}))
    data = sample_target(problem, (200, 100), 0)
    res = fit_batch(problem, data, "gsm")
    assert res.n_failed == 0
    assert np.all((res.theta >= 0.0) & (res.theta <= 1.0))
    point = monte_carlo(problem, [100], replications=200, seed=0).points[0]
    assert point.failed == 0 and point.used == 200 and point.status == "ok"
    # |ŵ − ½| ≤ ½, so n·MSE ≤ n/4: a finite number a bounded estimator can have
    assert 0.0 < point.diagonal[0] <= 100 * 0.25


def test_failed_replications_are_counted_and_excluded():
    spec = load_spec("bimodal-weight", {"m": 1.0})
    problem = build_problem(spec)
    R, n = 50, 200
    with pytest.warns(UserWarning, match="excluded from n·MSE"):
        curve = monte_carlo(problem, [n], replications=R, seed=4, max_iter=3)
    point = curve.points[0]
    ref = fit_batch(problem, sample_target(problem, (R, n), np.random.default_rng(4)), "gsm", max_iter=3)
    assert 0 < point.failed < R - 2
    assert point.failed == ref.n_failed and point.converged + point.at_bound + point.failed == R
    assert point.status == "partial" and dict(point.status_counts) == ref.status_counts()
    assert np.all(np.isnan(ref.theta[~ref.solved]))
    err = ref.theta[ref.solved, 0] - 0.5
    assert point.diagonal[0] == pytest.approx(n * np.mean(err**2), rel=1e-12)
    assert point.to_dict()["failed"] == point.failed


def test_all_failed_is_reported_not_raised():
    problem = build_problem(load_spec("bimodal-weight", {"m": 1.0}))
    with pytest.warns(UserWarning):
        point = monte_carlo(problem, [200], replications=20, seed=0, max_iter=1).points[0]
    assert point.failed == 20 and point.status == "failed" and math.isnan(point.diagonal[0])


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
