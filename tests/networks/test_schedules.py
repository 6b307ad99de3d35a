"""Schedules people use (issue 23): one β sampler for NumPy and torch, masses near 0 that are right to
1e-157, a warning and a record field when a schedule (almost) never trains near the data."""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
import torch
from scipy import stats

from gsmtheory.networks import (
    MIN_NEAR_ZERO_MASS,
    VESDE,
    VPSDE,
    DSMLoss,
    GeometricSigmas,
    GSMLoss,
    ScheduleWarning,
    fit_network,
    log_uniform_schedule,
    paper_schedule,
)
from gsmtheory.numeric import (
    CTLDSchedule,
    inverse_cdf,
    mass_below,
)

F64 = torch.float64


def _paper_numeric(D=10.0):
    c = 7 * D * D
    return CTLDSchedule(1.0, 14 * D * D - 1, lambda b: -c / (1 + b), lambda b: c / (1 + b) ** 2)


def test_one_sampler_for_numpy_and_torch():
    sched = _paper_numeric()
    table = sched.law.table()
    u = np.random.default_rng(0).random((50, 40))
    u[0, :3] = [0.0, 1.0, 0.5]
    a = inverse_cdf(table, u)
    b = inverse_cdf((torch.tensor(table[0]), torch.tensor(table[1])), torch.tensor(u))
    assert isinstance(b, torch.Tensor) and b.shape == u.shape
    assert np.abs(a - b.numpy()).max() < 1e-10
    assert a[0, 0] == 0.0 and a[0, 1] == sched.beta_max
    # the same law as before the refactor: np.interp on the tabulated CDF
    assert np.abs(a - np.interp(u, table[1], table[0])).max() < 1e-9
    # and the numeric sampler draws from it: probability integral transform is uniform
    draws = sched.law.sample(20_000, seed=3)
    assert stats.kstest(sched.law.cdf(draws), "uniform").pvalue > 1e-3
    # the networks' schedule goes through the same function: the same β from the same u
    with pytest.warns(ScheduleWarning):
        net = paper_schedule(10.0)
    g = torch.Generator().manual_seed(5)
    got = net.sample(1000, torch.zeros(1, dtype=F64), g)
    u = torch.rand(1000, generator=torch.Generator().manual_seed(5), dtype=F64)
    assert np.abs(got.numpy() - inverse_cdf(table, u.numpy())).max() < 1e-9


def _paper_mass_closed_form(D, b):
    """P(β ≤ b) for r ∝ exp(−c/(1+β)) on [0, 14D² − 1]: F(β) = (1+β)e^{−c/(1+β)} − c E1(c/(1+β)), with mpmath."""
    mpmath.mp.dps = 60
    c = mpmath.mpf(7) * D * D

    def F(beta):
        y = c / (1 + beta)
        return (1 + beta) * mpmath.exp(-y) - c * mpmath.e1(y)

    return (F(b) - F(0)) / (F(14 * D * D - 1) - F(0))


@pytest.mark.parametrize("D", [2.0, 4.0, 10.0])
def test_mass_near_zero_of_the_paper_law_against_its_closed_form(D):
    sched = _paper_numeric(D)
    got = mass_below(sched.log_r, sched.beta_max, 1.0)
    exact = _paper_mass_closed_form(D, 1)
    err = abs(got.log_value - float(mpmath.log(exact)))
    assert err < 1e-9 and got.log_error < 1e-6 and err <= got.log_error + 1e-12, (got, exact)
    if D == 10.0:
        assert 1.2e-157 < got.value < 1.25e-157  # the number the issue quotes (≈ 1e-157)


def test_each_schedule_states_its_mass_near_the_data_and_the_draws_agree():
    x = torch.zeros(1, 1, dtype=F64)
    for sched in (log_uniform_schedule(100.0), GeometricSigmas(0.01, 10.0, levels=10), VESDE(0.01, 10.0, lam=2.0),
                  VPSDE(0.1, 20.0)):
        n = 100_000
        level = sched.sample(n, x, torch.Generator().manual_seed(1))
        ratio = sched.sigma2(level) / sched.alpha(level) ** 2
        frac = float((ratio <= sched.lam).double().mean())
        stated = sched.describe()["mass_near_zero"]
        assert abs(frac - stated) < 4 * math.sqrt(stated * (1 - stated) / n) + 1e-4, (sched.kind, frac, stated)
    # log-uniform: P(β ≤ 1) = log 2 / log(1 + β_max), exactly
    assert abs(log_uniform_schedule(100.0).near_zero() - math.log(2) / math.log(101)) < 1e-12


def test_a_schedule_that_never_trains_near_the_data_warns_and_records_it():
    with pytest.warns(ScheduleWarning, match=r"P\(sigma\^2/alpha\^2 <= lambda\) = 1.23e-157"):
        paper = paper_schedule(10.0)
    assert paper.describe()["warning"] is not None and paper.describe()["mass_near_zero"] < MIN_NEAR_ZERO_MASS
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ok = log_uniform_schedule(100.0)  # 15% near the data: no warning
    assert ok.describe()["warning"] is None
    # every training record carries the schedule's mass and warning
    net = torch.nn.Linear(2, 1).double()
    data = torch.randn(64, 1, dtype=F64)
    hist = fit_network(DSMLoss(paper), lambda v, b: net(torch.cat([v, b[:, None]], 1)), data, steps=3,
                       batch_size=16, parameters=net.parameters())
    assert hist.loss["schedule"]["mass_near_zero"] < 1e-156 and "barely sees" in hist.loss["schedule"]["warning"]
    hist = fit_network(GSMLoss(), torch.nn.Linear(1, 1).double(), data, steps=2, batch_size=16)
    assert hist.loss["loss"] == "gsm" and hist.steps == 2
