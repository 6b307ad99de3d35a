"""The lifted estimator's covariance by Monte Carlo in torch (gsmtheory/estimation/_lifted_monte_carlo.py,
the covariance method ``monte-carlo`` on a lift) where no reduction applies (issue #14): against the
quadrature in d = 2 within its stated standard errors, errors shrinking like 1/sqrt(n), the rtol
stop, the same answer on CUDA (skipped without one), and the d = 3 fallback of the lifted efficiency."""

from __future__ import annotations

import numpy as np
import pytest

from gsmtheory._errors import SpecError
from gsmtheory.estimation import build_problem, efficiency
from gsmtheory.estimation._lifted_monte_carlo import lifted_monte_carlo
from gsmtheory.estimation._lifted_quadrature import lifted_quadrature
from gsmtheory.symbolic import parse_spec


def _has_cuda() -> bool:
    """torch is the [torch] extra: the modules importing specs from here run without it."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


SKEW_2D = """
coords = ["x", "y"]
[mixture]
means = [[-1.0, 0.3], [1.0, -0.3]]
weights = [0.6, 0.4]
covariance = [[1.0, 0.2], [0.2, 0.8]]
[model]
params = ["a"]
truth = {a = 1.0}
[model.mixture]
means = [["-a", 0.3], ["a", -0.3]]
weights = [0.6, 0.4]
covariance = [[1.0, 0.2], [0.2, 0.8]]
[ctld]
lambda_min = 0.5
"""

K3 = """
coords = ["x", "y", "z"]
[mixture]
means = [[0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
weights = [0.4, 0.3, 0.3]
covariance = 1.0
[model]
params = ["a"]
truth = {a = 2.0}
[model.mixture]
means = [[0.0, 0.0, 0.0], ["a", 0.0, 0.0], [0.0, 2.0, 0.0]]
weights = [0.4, 0.3, 0.3]
covariance = 1.0
[ctld]
lambda_min = 1.0
"""


BLOCKS = (("gsm_covariance", "gsm"), ("gsm_covariance_exact_faces", "gsm_exact"),
          ("vanilla_covariance", "vanilla"), ("mle_original", "mle0"), ("mle_lifted", "mle1"), ("hessian", "H"))


@pytest.fixture(scope="module")
def skew():
    problem = build_problem(parse_spec(SKEW_2D), lift=True)
    return problem, lifted_quadrature(problem, panels=4, nh=6)


def _agrees(mc, q) -> None:
    se = mc.resolution["standard_errors"]
    for key, k in BLOCKS:
        a, b, s = np.asarray(getattr(mc, key)), np.asarray(getattr(q, key)), np.asarray(se[k])
        assert np.all(s > 0), key
        assert np.all(np.abs(a - b) <= 5 * s + 10 * q.error * np.abs(b)), (key, a, b, s)


@pytest.mark.slow
def test_monte_carlo_agrees_with_the_quadrature_within_its_standard_errors(skew) -> None:
    problem, q = skew
    mc = lifted_monte_carlo(problem, samples=409_600, max_samples=409_600, seed=3, device="cpu")
    assert mc.resolution["samples"] == 409_600 and mc.resolution["device"] == "cpu"
    _agrees(mc, q)
    assert 0 < mc.error < 0.5
    # the stated error is the largest standard error relative to its block
    se = mc.resolution["standard_errors"]
    assert mc.error == pytest.approx(max(np.max(se[k]) / np.max(np.abs(getattr(mc, key)))
                                         for key, k in BLOCKS))


@pytest.mark.slow
def test_standard_errors_shrink_like_one_over_root_n(skew) -> None:
    problem, _ = skew
    small = lifted_monte_carlo(problem, samples=102_400, max_samples=102_400, seed=1, device="cpu")
    large = lifted_monte_carlo(problem, samples=1_638_400, max_samples=1_638_400, seed=2, device="cpu")
    ratios = np.concatenate([np.ravel(np.asarray(small.resolution["standard_errors"][k])
                                      / np.asarray(large.resolution["standard_errors"][k])) for _, k in BLOCKS])
    # 16x the draws: sqrt(16) = 4 (1/n would give 16, no shrinking 1); each ratio carries the noise of
    # two error estimates from 200 and 3200 groups, the median much less
    assert np.all((ratios > 2.5) & (ratios < 6.4)), ratios
    assert 3.4 < float(np.median(ratios)) < 4.7, ratios


@pytest.mark.slow
def test_rtol_grows_the_sample_until_the_stated_error_meets_it(skew) -> None:
    problem, q = skew
    mc = lifted_monte_carlo(problem, samples=8_192, rtol=0.08, max_samples=3_000_000, seed=5, device="cpu")
    assert mc.error <= 0.08 and mc.to_dict()["status"] == "ok"
    assert 8_192 < mc.resolution["samples"] < 3_000_000
    _agrees(mc, q)
    capped = lifted_monte_carlo(problem, samples=8_192, rtol=1e-4, max_samples=16_384, device="cpu")
    assert capped.resolution["samples"] == 16_384 and capped.to_dict()["status"] == "not_converged"


def test_too_small_a_budget_is_one_line() -> None:
    problem = build_problem(parse_spec(SKEW_2D), lift=True)
    with pytest.raises(SpecError, match="too few"):
        lifted_monte_carlo(problem, samples=1_000)


@pytest.mark.skipif(not _has_cuda(), reason="no CUDA device")
def test_cuda_agrees_with_the_quadrature(skew) -> None:
    problem, q = skew
    mc = lifted_monte_carlo(problem, samples=409_600, max_samples=409_600, seed=3, device="cuda")
    assert mc.resolution["device"].startswith("cuda")
    _agrees(mc, q)


@pytest.mark.slow
def test_d3_without_a_reduction_falls_back_to_monte_carlo() -> None:
    eff = efficiency(parse_spec(K3), lift=True, samples=200_000, rtol=0.05)
    assert eff.method.startswith("Monte Carlo")
    assert "dim U = 2" in eff.resolution["why_not"]["ctld_reduction"]
    assert "d <= 2" in eff.resolution["why_not"]["quadrature"]
    assert eff.poincare is None and eff.ctld is not None
    assert eff.resolution["samples"] <= 200_000
    assert eff.to_dict()["status"] == ("ok" if eff.error <= 0.05 else "not_converged")
    assert set(eff.resolution["standard_errors"]) == {"gsm", "gsm_exact", "vanilla", "mle0", "mle1", "H"}


def test_the_module_examples_run() -> None:
    """The examples of this private module (the docs test runs those of public names only)."""
    import doctest

    from gsmtheory.estimation import _lifted_monte_carlo

    result = doctest.testmod(_lifted_monte_carlo)
    assert result.attempted > 0 and result.failed == 0
