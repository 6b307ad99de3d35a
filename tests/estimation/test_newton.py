"""Parameter ranges and failure accounting.

A mixture weight lives in [0, 1]: the estimators must keep it there (an unconstrained Newton
run at small n wandered off to |ŵ| ~ 1e6 and n·MSE ~ 1e14), estimates on the boundary carry
the status "bound", and replications whose fit failed are counted and left out of n·MSE,
never averaged in.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmtheory import ModelError, SpecError
from gsmtheory.estimation import (
    build_problem,
    feasible_box,
    fit,
    fit_batch,
    monte_carlo,
    newton_minimize,
    sample_target,
)
from gsmtheory.symbolic import load_spec, natural_bounds, parse_spec

THREE = '''
coords = ["x"]
[mixture]
means = [[-2.0], [0.0], [2.0]]
weights = [0.25, 0.25, 0.5]
covariance = [[1.0]]
[model]
params = ["a", "b"]
truth = {a = 0.25, b = 0.25}
[model.mixture]
means = [[-2.0], [0.0], [2.0]]
weights = ["a", "b", "1 - a - b"]
covariance = [[1.0]]
'''

VARIANCE = '''
coords = ["x"]
[mixture]
means = [[0.0]]
weights = [1.0]
covariance = [[2.0]]
[model]
params = ["s"]
truth = {s = 2.0}
[model.mixture]
means = [[0.0]]
weights = [1.0]
covariance = [["s"]]
'''


def test_mixture_weight_range_is_derived_from_positivity():
    problem = build_problem(load_spec("bimodal-weight"))
    assert problem.param_bounds == ((0.0, 1.0),)
    assert "1 - w >= 0" in problem.bound_reasons[0] and "w >= 0" in problem.bound_reasons[0]
    assert problem.is_bounded
    assert natural_bounds(load_spec("bimodal").model)[0] == ((-math.inf, math.inf),)
    assert natural_bounds(parse_spec(VARIANCE).model)[0] == ((0.0, math.inf),)
    # weights coupling two parameters are not a box: nothing is derived, nothing is invented
    assert natural_bounds(parse_spec(THREE).model)[0] == ((0.0, math.inf), (0.0, math.inf))


def test_declared_bounds_override_and_are_checked():
    spec = load_spec("bimodal-weight")
    problem = build_problem(spec, bounds={"w": (0.2, 0.9)})
    assert problem.param_bounds == ((0.2, 0.9),) and problem.bound_reasons == ("declared",)
    lo, hi = feasible_box(problem)[0]
    assert 0.2 < lo < 0.2 + 1e-9 and 0.9 - 1e-9 < hi < 0.9
    assert build_problem(spec).param_bounds == ((0.0, 1.0),)  # the cached problem is untouched
    with pytest.raises(ModelError, match="outside its range"):
        build_problem(spec, bounds={"w": (0.6, 0.9)})
    with pytest.raises(SpecError, match="unknown parameter"):
        build_problem(spec, bounds={"v": (0.0, 1.0)})


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


def test_boundary_estimate_has_status_and_no_standard_errors():
    problem = build_problem(load_spec("bimodal-weight", {"m": 1.0}))
    data = np.linspace(-3.0, -2.9, 20)[:, None]  # every point deep in the left component
    for loss in ("gsm", "mle"):
        res = fit(problem, data, loss=loss)
        assert res.status == "bound" and res.converged
        assert res.estimate == (0.0,)  # the boundary value itself, not the solver's inner box
        assert res.standard_errors is None and "boundary" in res.message


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


def test_projected_newton_statuses_and_active_rows():
    c = torch.tensor([[-1.0], [0.3], [2.0], [0.6]], dtype=torch.float64)
    seen: list[int] = []

    def f(theta: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        seen.append(rows.numel())
        d = theta - c[rows]
        quartic = (rows == 3).to(theta.dtype)[:, None]
        return ((1 - quartic) * d**2 + quartic * (d**4 + 1e-3 * d**2)).sum(1)

    res = newton_minimize(f, torch.full((4, 1), 0.5, dtype=torch.float64), bounds=[(0.0, 1.0)], subset=True)
    assert res.status == ("bound", "converged", "bound", "converged")
    assert res.theta[:, 0].tolist() == pytest.approx([0.0, 0.3, 1.0, 0.6], abs=1e-9)
    assert res.at_bound is not None and res.at_bound[:, 0].tolist() == [True, False, True, False]
    assert int(res.iterations[3]) > int(res.iterations[1])
    assert seen[-1] == 1  # the last evaluations touch only the one slow row


@settings(max_examples=20, deadline=None)
@given(st.floats(-3, 3), st.floats(0.1, 3), st.floats(-5, 5))
def test_box_newton_solves_the_kkt_conditions(lo, width, centre):
    hi = lo + width
    target = torch.tensor([[centre, -centre]], dtype=torch.float64)
    A = torch.tensor([[2.0, 0.5], [0.5, 1.0]], dtype=torch.float64)

    def f(theta: torch.Tensor) -> torch.Tensor:
        d = theta - target
        return 0.5 * torch.einsum("ri,ij,rj->r", d, A, d)

    res = newton_minimize(f, torch.zeros(1, 2, dtype=torch.float64), bounds=[(lo, hi), (-math.inf, math.inf)])
    assert res.status[0] in ("converged", "bound")
    th = res.theta[0].numpy()
    # KKT for min ½(θ−t)ᵀA(θ−t) on the box: feasible, free coordinates stationary,
    # a coordinate on its bound with the gradient pointing out of the box
    assert lo <= th[0] <= hi
    g = A.numpy() @ (th - target[0].numpy())
    assert abs(g[1]) < 1e-9
    if lo < th[0] < hi:
        assert abs(g[0]) < 1e-9
    elif th[0] == lo:
        assert g[0] >= -1e-9
    else:
        assert g[0] <= 1e-9
