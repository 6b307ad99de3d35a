"""CTLD efficiency by Monte Carlo where no reduction applies (issue #14): against the quadrature
in d = 2 (within a few standard errors), and the d = 3 fallback of ctld_efficiency_spec."""

from __future__ import annotations

import numpy as np

from gsmtheory.estimation import (
    ctld_efficiency,
    ctld_efficiency_monte_carlo,
    ctld_efficiency_spec,
    ctld_problem,
)
from gsmtheory.symbolic import parse_spec

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


def test_monte_carlo_agrees_with_the_quadrature_within_its_standard_errors() -> None:
    problem = ctld_problem(parse_spec(SKEW_2D))
    q = ctld_efficiency(problem, panels=4, nh=6)
    mc = ctld_efficiency_monte_carlo(problem, samples=100_000, seed=3)
    se = mc.resolution["standard_errors"]
    for key, k in (("gsm_covariance", "gsm"), ("gsm_covariance_exact_faces", "gsm_exact"),
                   ("vanilla_covariance", "vanilla"), ("mle_original", "mle0"), ("mle_lifted", "mle1"),
                   ("hessian", "H")):
        a, b, s = np.asarray(getattr(mc, key)), np.asarray(getattr(q, key)), np.asarray(se[k])
        assert np.all(s > 0), key
        assert np.all(np.abs(a - b) <= 5 * s + 10 * q.error * np.abs(b)), (key, a, b, s)
    assert 0 < mc.error < 0.5


def test_d3_without_a_reduction_falls_back_to_monte_carlo() -> None:
    eff = ctld_efficiency_spec(parse_spec(K3))
    assert eff.method.startswith("Monte Carlo")
    assert "dim U = 2" in eff.resolution["why_not_reduced"]
    assert eff.poincare is None and eff.ctld is not None
    assert eff.to_dict()["status"] in ("ok", "not_converged")
