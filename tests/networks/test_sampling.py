"""Tests of gsmtheory/networks/_sampling.py.

Samplers with a known score (issue 23): annealed Langevin and predictor–corrector recover the weight
of 0.3 N(−3, 1) + 0.7 N(3, 1) to its Monte Carlo error, for VE and VP schedules."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.special import ndtr

from gsmtheory.networks import (
    VESDE,
    VPSDE,
    GSMLoss,
    annealed_langevin,
    log_uniform_schedule,
    predictor_corrector,
)
from gsmtheory.numeric import sample_mixture
from gsmtheory.symbolic import load_spec
from tests.networks.test_gsm import MixtureNet  # shared with tests/networks/test_gsm.py

F64 = torch.float64


MEANS = torch.tensor([-3.0, 3.0], dtype=F64)
LOGW = torch.log(torch.tensor([0.3, 0.7], dtype=F64))
#: the mass of x < 0 under the target, overlap included
LEFT = float(0.3 * ndtr(3.0) + 0.7 * ndtr(-3.0))


def exact_score(schedule):
    """s(x, level) of the target pushed through the schedule: Σ w N(αμ, α² + σ²)."""

    def score(x, level):
        a, v = schedule.alpha(level)[:, None], (schedule.alpha(level) ** 2 + schedule.sigma2(level))[:, None]
        diff = x - a * MEANS[None]
        r = torch.softmax(LOGW[None] - 0.5 * diff**2 / v, dim=1)
        return -(r * diff).sum(1, keepdim=True) / v

    return score


def _left_fraction(xs):
    n = len(xs)
    frac = float((xs[:, 0] < 0).double().mean())
    return frac, math.sqrt(LEFT * (1 - LEFT) / n)


def test_langevin_helpers_with_exact_scores():
    from gsmtheory.networks import annealed_langevin, grid_density, langevin, log_uniform_schedule

    gen = torch.Generator().manual_seed(0)
    h = 0.05
    x = langevin(lambda v: -v, torch.zeros(4000, 1, dtype=F64), step=h, steps=400, generator=gen)
    var, exact = float(x.var()), 1.0 / (1.0 - h / 2)  # stationary variance of ULA on N(0, 1)
    assert abs(var - exact) < 4 * exact * math.sqrt(2 / 4000)
    # the true noise-conditional score of 0.3 N(-3, 1) + 0.7 N(3, 1): annealing recovers the weights
    net = MixtureNet([[-3.0], [3.0]], [0.3, 0.7], lam=1.0)
    start = torch.randn(3000, 1, generator=gen, dtype=F64) * math.sqrt(10.0 + 40.0)
    xs = annealed_langevin(net, start, log_uniform_schedule(40.0), levels=12, steps_per_level=40, eps=0.05,
                           generator=gen)
    left = float((xs[:, 0] < 0).double().mean())
    assert abs(left - 0.3) < 4 * math.sqrt(0.3 * 0.7 / 3000) + 0.01, left
    pts, probs = grid_density(MixtureNet([[-3.0], [3.0]], [0.3, 0.7], kind="energy"), [-12.0], [12.0], [2400])
    exact_left = 0.3 * ndtr(3.0) + 0.7 * ndtr(-3.0)  # mass of x < 0, overlap included
    assert abs(float(probs[pts[:, 0] < 0].sum()) - exact_left) < 1e-6


def test_fit_network_is_deterministic_and_lowers_the_loss():
    from gsmtheory.networks import fit_network

    spec = load_spec("mixture-2d")
    data = torch.tensor(sample_mixture(spec.diffusion.mixture, 500, seed=0), dtype=F64)

    def train(seed):
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.SiLU(), torch.nn.Linear(16, 1)).double()
        loss = GSMLoss(kind="energy", divergence="hutchinson")
        hist = fit_network(loss, lambda x: net(x)[:, 0], data, steps=60, batch_size=64, lr=1e-2, seed=seed,
                           parameters=net.parameters())
        return hist, torch.cat([p.detach().reshape(-1) for p in net.parameters()])

    h1, p1 = train(3)
    h2, p2 = train(3)
    _, p3 = train(4)
    assert h1.losses == h2.losses and torch.equal(p1, p2) and not torch.equal(p1, p3)
    assert np.mean(h1.losses[-10:]) < np.mean(h1.losses[:10])


@pytest.mark.parametrize("schedule", [log_uniform_schedule(100.0), VESDE(0.01, 10.0), VPSDE(0.1, 20.0)],
                         ids=lambda s: s.kind)
def test_predictor_corrector_recovers_the_weight(schedule):
    n = 4000
    gen = torch.Generator().manual_seed(0)
    top = schedule.ladder(2)[0]
    t = torch.tensor([top], dtype=F64)
    spread = math.sqrt(float(schedule.alpha(t)[0] ** 2 * 10.0 + schedule.sigma2(t)[0]))
    start = torch.randn(n, 1, generator=gen, dtype=F64) * spread
    xs = predictor_corrector(exact_score(schedule), start, schedule, steps=300, corrector_steps=1, snr=0.16,
                             generator=gen)
    frac, se = _left_fraction(xs)
    assert abs(frac - LEFT) < 4 * se, (schedule.kind, frac, LEFT, se)
    # the modes are where they should be, with unit spread
    right = xs[xs[:, 0] > 0, 0]
    assert abs(float(right.mean()) - 3.0) < 0.1 and abs(float(right.std()) - 1.0) < 0.1


def test_annealed_langevin_recovers_the_weight_on_a_ve_sde():
    n = 4000
    gen = torch.Generator().manual_seed(1)
    schedule = VESDE(0.01, 10.0)
    start = torch.randn(n, 1, generator=gen, dtype=F64) * math.sqrt(110.0)
    xs = annealed_langevin(exact_score(schedule), start, schedule, levels=30, steps_per_level=40, eps=0.05,
                           generator=gen)
    frac, se = _left_fraction(xs)
    assert abs(frac - LEFT) < 4 * se, (frac, LEFT, se)


def test_a_sampler_that_skips_annealing_gets_the_weight_wrong():
    """The check can fail: plain Langevin at the data's own level keeps the split of a symmetric start."""
    n = 4000
    gen = torch.Generator().manual_seed(2)
    schedule = VESDE(0.01, 10.0)
    start = torch.randn(n, 1, generator=gen, dtype=F64) * 4.0
    xs = annealed_langevin(exact_score(schedule), start, VESDE(0.01, 0.011), levels=1, steps_per_level=200,
                           eps=0.05, generator=gen)
    frac, se = _left_fraction(xs)
    assert abs(frac - LEFT) > 10 * se
