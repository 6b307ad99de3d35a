"""Tests of gsmtheory/estimation/_fit_lifted.py.

A CTLD fit that lands where the model is not identifiable reports no standard errors."""

from __future__ import annotations

import numpy as np
import pytest

from gsmtheory.estimation import (
    fit,
    sample_target,
)
from gsmtheory.estimation._lifted_quadrature import lifted_quadrature
from gsmtheory.solve import build_problem
from gsmtheory.symbolic import load_spec, parse_spec

# mirror of check_15's UNEQUAL (weights 0.8/0.2), in 2D
UNEQUAL_2D = '''
coords = ["x", "y"]
[constants]
m = 4.0
[mixture]
means = [["-m", 0], ["m", 0]]
weights = [0.8, 0.2]
covariance = [[1.0, 0.0], [0.0, 1.0]]
[model]
params = ["a1", "a2"]
truth = {a1 = "-m", a2 = "m"}
[model.mixture]
means = [["a1", 0], ["a2", 0]]
weights = [0.8, 0.2]
covariance = [[1.0, 0.0], [0.0, 1.0]]
'''


@pytest.mark.slow
def test_ctld_recovers_means_where_vanilla_swaps() -> None:
    """Means at ∓4 with weights 0.8/0.2 (check 15's UNEQUAL, in 2D: the 1D case is its x-marginal, the
    same estimators on one more coordinate): from swapped means vanilla score matching stays more than
    10 of its standard errors away, the annealed estimator lands within 3 of its own. One test for
    both dimensions (it was two near-identical 260 s tests, issue #22)."""
    spec = parse_spec(UNEQUAL_2D)
    problem = build_problem(spec, lift=True)
    eff = lifted_quadrature(problem, panels=4, nh=6)
    n = 4000  # as notebook 05: vanilla misses by ~450 and ~220 standard errors, CTLD by 1.6 (seeded)
    data = sample_target(spec.diffusion, n, 1)
    assert data.shape == (n, 2)
    fv = fit(spec, data, loss="gsm", start=(1.2, -1.2), starts=1)
    fc = fit(spec, data, loss="ctld", start=(1.2, -1.2), starts=1, seed=2)
    se_v = np.sqrt(np.diag(eff.vanilla_covariance) / n)
    se_c = np.sqrt(np.diag(eff.gsm_covariance) / n)
    assert fc.converged and fv.converged and fv.estimate is not None and fc.estimate is not None
    assert np.all(np.abs(np.array(fv.estimate) - problem.truth) / se_v > 10)
    assert np.all(np.abs(np.array(fc.estimate) - problem.truth) / se_c < 3)


def test_symmetric_point_has_no_spurious_standard_error() -> None:
    rng = np.random.default_rng(0)
    data = np.concatenate([rng.normal(-2, 1, 300), rng.normal(2, 1, 300)])[:, None]
    result = fit(load_spec("ctld-bimodal"), data, loss="ctld")
    assert result.converged
    # Under the reported r the CTLD loss is so flat in a (population gap 7.7e-6 between a = 0 and
    # a = 2) that with n = 600 this sample's minimum is the symmetric point a = 0, where the two
    # means coincide and every per-sample gradient vanishes: a zero "standard error" would be a lie.
    assert abs(result.estimate[0]) < 1e-3
    assert result.standard_errors is None
    assert "not locally identifiable" in result.message


@pytest.mark.slow
def test_well_separated_fit_has_standard_errors() -> None:
    rng = np.random.default_rng(1)
    data = np.concatenate([rng.normal(-4, 1, 2000), rng.normal(4, 1, 2000)])[:, None]
    result = fit(load_spec("ctld-bimodal", {"m": 4.0}), data, loss="ctld")
    assert result.standard_errors is not None
    assert abs(result.estimate[0] - 4.0) < 3 * result.standard_errors[0]
