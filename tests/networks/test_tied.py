"""Tied parametric heads and the torch M-estimator sandwich (issue 23).

The Monte Carlo sandwich of any per-sample torch loss must give the package's quadrature sandwich
(vanilla score matching: gsmtheory.estimation.efficiency; CTLD with its β-faces:
efficiency of the lifted problem) within its standard error, and the closed form of denoising score matching
for a Gaussian location model; fitted estimators must scatter as the sandwich predicts.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import integrate

from gsmtheory.estimation import efficiency
from gsmtheory.networks import (
    CTLDLoss,
    DSMLoss,
    GSMLoss,
    TiedMixture,
    fit_tied,
    log_uniform_schedule,
    sandwich,
)
from gsmtheory.numeric import sample_mixture
from gsmtheory.solve import build_problem
from gsmtheory.symbolic import GaussianMixture, parse_spec

F64 = torch.float64
M = 3.0
MIX = GaussianMixture(((-M / 2,), (M / 2,)), (0.3, 0.7), ((1.0,),))
SPEC = f'''coords = ["x"]
[mixture]
means = [[{-M / 2}], [{M / 2}]]
weights = [0.3, 0.7]
covariance = [[1.0]]
[model]
params = ["w", "a", "b"]
truth = {{w = 0.3, a = {-M / 2}, b = {M / 2}}}
[model.mixture]
means = [["a"], ["b"]]
weights = ["w", "1 - w"]
covariance = [[1.0]]
'''


def _sampler(k, seed):
    return torch.tensor(sample_mixture(MIX, k, seed=seed), dtype=F64)


def _agree(mc, ref, ref_error=0.0, power=0.2):
    d_mc, d_se = np.diag(mc.covariance), np.diag(mc.standard_error)
    assert np.all(d_se < power * d_mc), d_se / d_mc  # the check has power
    assert np.all(np.abs(d_mc - ref) < 4 * d_se + ref_error * ref), (d_mc, ref, d_se)


def test_head_score_is_the_gradient_of_its_log_density():
    head = TiedMixture(2, 2, var=0.7, lam=1.3)
    theta = torch.tensor([[0.3, -1.0, 0.5, 2.0, -0.4], [0.8, 0.0, 0.0, 1.0, 1.0]], dtype=F64)
    x = torch.randn(2 * 5, 2, dtype=F64, requires_grad=True)
    beta = torch.rand(10, dtype=F64) * 3
    (g,) = torch.autograd.grad(head.log_density(x, beta, theta).sum(), x)
    assert torch.allclose(head.score(x, beta, theta), g, rtol=1e-12, atol=1e-12)


@pytest.mark.slow
def test_monte_carlo_sandwich_equals_the_package_quadrature():
    head = TiedMixture(2, 1)
    truth = head.theta([0.3, 0.7], [[-M / 2], [M / 2]])
    sm = sandwich(head, GSMLoss(reduction="none"), truth, _sampler, points=200_000, batches=10)
    _agree(sm, np.diag(efficiency(parse_spec(SPEC)).gsm_covariance), power=0.05)
    schedule = log_uniform_schedule(M * M)
    ctld = sandwich(head, CTLDLoss(schedule, reduction="none"), truth, _sampler, points=120_000, batches=10)
    quad = efficiency(build_problem(parse_spec(SPEC + "[ctld]\n"), lift=True, beta_max=M * M,
                                    log_r="-log(1 + beta)"), poincare=False)
    _agree(ctld, np.diag(quad.gsm_covariance), quad.error)


def _dsm_location_gamma(schedule, k):
    """Γ of DSM (weight σ²) for N(μ, 1) tied across σ² = β, K draws per point (closed form in E_β):
    ψ = mean_k σ_k(z_k − σ_k y)/(1 + σ_k²)², H = E[σ²/(1 + σ²)²]."""
    def mean(f):
        lr = schedule.log_r
        z = integrate.quad(lambda b: math.exp(lr(b)), 0, schedule.beta_max, limit=200)[0]
        return integrate.quad(lambda b: f(b) * math.exp(lr(b)) / z, 0, schedule.beta_max, limit=200)[0]

    a = mean(lambda b: b / (1 + b) ** 2)
    a2 = mean(lambda b: b * b / (1 + b) ** 4)
    c = mean(lambda b: b / (1 + b) ** 4)
    var = (c + a2 - a * a) / k + a * a
    return var / a**2


def test_dsm_sandwich_equals_its_closed_form_for_a_gaussian_location():
    head = TiedMixture(1, 1)
    schedule = log_uniform_schedule(20.0)
    truth = head.theta([1.0], [[0.5]])

    def sampler(k, seed):
        return 0.5 + torch.randn(k, 1, generator=torch.Generator().manual_seed(seed), dtype=F64)

    for k in (1, 4):
        mc = sandwich(head, DSMLoss(schedule, reduction="none"), truth, sampler, points=100_000, batches=10,
                      draws_per_point=k)
        _agree(mc, np.array([_dsm_location_gamma(schedule, k)]))


def test_fitted_estimators_scatter_as_the_sandwich_predicts():
    head = TiedMixture(2, 1)
    truth = head.theta([0.3, 0.7], [[-M / 2], [M / 2]])
    R, n = 80, 400
    data = torch.stack([_sampler(n, 100 + r) for r in range(R)])
    for loss in (GSMLoss(reduction="none"), DSMLoss(log_uniform_schedule(M * M), reduction="none")):
        fit = fit_tied(head, loss, data, theta0=truth, seed=3)
        assert fit.solved.all(), fit.status
        rmse = np.sqrt(((fit.theta - truth.numpy()) ** 2).mean(0))
        pred = sandwich(head, loss, truth, _sampler, points=100_000).sd(n)
        # RMSE over R replications has relative standard error ≈ 1/√(2R) = 8%; allow 4 of them
        assert np.all(np.abs(rmse / pred - 1) < 4 / math.sqrt(2 * R)), (type(loss).__name__, rmse, pred)


def test_heat_residual_vanishes_exactly_for_a_tied_model_and_not_otherwise():
    from gsmtheory.networks import HeatTie, heat_residual

    head = TiedMixture(2, 2, var=0.8, lam=1.5)
    theta = torch.tensor([[0.3, -1.0, 0.5, 2.0, -0.4]], dtype=F64)

    def tied(x, beta):  # E = −log p_θ^β, normalized: R = (log Z)' = 0
        return -head.log_density(x, beta, theta)

    def untied(x, beta):  # the variance does not grow with β
        return -head.log_density(x, torch.zeros_like(beta), theta) + beta

    x = torch.randn(50, 2, generator=torch.Generator().manual_seed(0), dtype=F64) * 2
    beta = torch.rand(50, generator=torch.Generator().manual_seed(1), dtype=F64) * 4
    assert float(heat_residual(tied, x, beta, 1.5).abs().max()) < 1e-12
    r = heat_residual(untied, x, beta, 1.5)
    assert float(r.std()) > 0.1  # not a function of β alone
    tie = HeatTie(1.5).double()
    assert float(tie(untied, x, beta).mean()) > 0.01
