"""Samplers with a known score (issue 23): annealed Langevin and predictor–corrector recover the weight
of 0.3 N(−3, 1) + 0.7 N(3, 1) to its Monte Carlo error, for VE and VP schedules."""

from __future__ import annotations

import math

import pytest
import torch
from scipy.special import ndtr

from gsmtheory.networks import (
    VESDE,
    VPSDE,
    annealed_langevin,
    log_uniform_schedule,
    predictor_corrector,
)

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
