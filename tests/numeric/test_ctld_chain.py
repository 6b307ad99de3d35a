"""The CTLD lift on arrays (gsmtheory/numeric/_ctld_chain.py): a formula lift equals the mixture lift,
the lifted chain's gap against the general 2D solver and the single-component case, and the drift
of the reflected chain against the joint density it must leave invariant."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from scipy import stats

from gsmtheory.numeric import (
    ctld_drift,
    ctld_joint_logpdf,
    ctld_poincare,
    mixture_cdf,
    mixture_logpdf,
    poincare_2d,
    reflected_langevin,
    sample_ctld_joint,
)
from gsmtheory.solve import ctld_schedule
from gsmtheory.symbolic import (
    GaussianMixture,
    ctld_lift_spec,
    ctld_parameters,
    parse_spec,
)

MIX = GaussianMixture(((-1.0,), (1.0,)), (0.5, 0.5), ((1.0,),))


def test_formula_lift_matches_mixture_lift() -> None:
    text = 'coords = ["x"]\nlog_density = "log(exp(-(x-1)**2/2) + exp(-(x+1)**2/2))"\n[ctld]\nlambda_min = 1.0\ndiameter = 2.0\n'
    spec = parse_spec(text)
    lifted, _, p = ctld_lift_spec(spec)
    assert lifted.log_density.has(sp.Integral)
    x, b = np.array([0.3, -2.0, 4.0]), np.array([0.0, 3.0, 40.0])
    f = ctld_joint_logpdf(lambda y: mixture_logpdf(MIX, np.asarray(y)[..., None]), ctld_schedule(p), x, b)
    g = ctld_joint_logpdf(MIX, ctld_schedule(p), x, b)
    assert np.max(np.abs(f - g)) < 1e-8


def test_lifted_poincare_agrees_with_general_2d_solver() -> None:
    p = ctld_parameters(MIX)
    mine = ctld_poincare(MIX, ctld_schedule(p), cells=8)
    other = poincare_2d(lambda x, b: ctld_joint_logpdf(MIX, ctld_schedule(p), x, b), 1.0,
                        ((-math.inf, math.inf), (0.0, p.beta_max)))
    assert mine.status == "ok" and mine.relative_error < 1e-3
    assert abs(mine.poincare_constant / other.poincare_constant - 1) < 1e-4


def test_single_component_lift_has_no_mixture_effect() -> None:
    """K and weights do not matter: one component vs two equal means coincide exactly."""
    p = ctld_parameters(MIX)
    one = GaussianMixture(((0.5,),), (1.0,), ((1.0,),))
    two = GaussianMixture(((0.5,), (0.5,)), (0.3, 0.7), ((1.0,),))
    assert ctld_poincare(one, ctld_schedule(p), cells=8).poincare_constant == pytest.approx(
        ctld_poincare(two, ctld_schedule(p), cells=8).poincare_constant, rel=1e-10)


@pytest.mark.slow  # about 10 s: the 96-cell reference
def test_error_covers_a_four_times_finer_run_where_the_old_estimate_missed() -> None:
    """½N(∓2, 1) on 24 cells per unit: the Richardson error of the shared ladder covers the distance
    to the 96-cell value (6.0e-3); the old one, against the extrapolation through the first and last
    grid, claimed 3.2e-3."""
    mix = GaussianMixture(((-2.0,), (2.0,)), (0.5, 0.5), ((1.0,),))
    sched = ctld_schedule(ctld_parameters(mix))
    coarse = ctld_poincare(mix, sched, cells=24)
    fine = ctld_poincare(mix, sched, cells=96)
    # the fine value's own error counted against the coarse one's
    assert abs(coarse.poincare_constant - fine.poincare_constant) + fine.error_estimate <= coarse.error_estimate


def test_the_drift_is_the_gradient_of_the_joint_log_density() -> None:
    """(∇_x ℓ, ∂_β ℓ) against central differences of ctld_joint_logpdf (the normalizer is β-free)."""
    mix = GaussianMixture(((-2.0,), (1.5,)), (0.3, 0.7), ((0.8,),))
    sched = ctld_schedule(ctld_parameters(mix))
    x = np.array([[-3.0], [0.1], [2.5]])
    b = np.array([0.2, 3.0, 0.5 * sched.beta_max])
    gx, gb = ctld_drift(mix, sched)(x, b)
    h = 1e-5
    fx = (ctld_joint_logpdf(mix, sched, x[:, 0] + h, b) - ctld_joint_logpdf(mix, sched, x[:, 0] - h, b)) / (2 * h)
    fb = (ctld_joint_logpdf(mix, sched, x[:, 0], b + h) - ctld_joint_logpdf(mix, sched, x[:, 0], b - h)) / (2 * h)
    assert np.allclose(np.ravel(gx), fx, rtol=1e-6, atol=1e-8)
    assert np.allclose(gb, fb, rtol=1e-6, atol=1e-8)


@pytest.mark.slow  # about 5 s
def test_chains_started_at_one_point_reach_the_joint_law() -> None:
    """From (x, β) = (−1, 0) the reflected chains reproduce r/Z_r and p^β given β (KS, fixed seed);
    β_max = 4 keeps the β relaxation time (about β_max²/π²) far below the simulated time."""
    sched = ctld_schedule(ctld_parameters(MIX, beta_max=4.0))
    run = reflected_langevin(ctld_drift(MIX, sched), np.full((2000, 1), -1.0), np.zeros(2000), sched.beta_max,
                             time_span=20.0, dt=0.01, rng=np.random.default_rng(1))
    assert run.steps == 2000 and run.reflections > 0 and np.all((run.t >= 0) & (run.t <= sched.beta_max))
    assert stats.kstest(sched.law.cdf(run.t), "uniform").pvalue > 1e-3
    assert stats.kstest(mixture_cdf(MIX, run.x[:, 0], run.t * sched.lambda_min), "uniform").pvalue > 1e-3
    # the exact draws pass the same tests
    x, beta = sample_ctld_joint(MIX, sched, 2000, seed=2)
    assert stats.kstest(mixture_cdf(MIX, x[:, 0], beta * sched.lambda_min), "uniform").pvalue > 1e-3


@pytest.mark.parametrize(("log_r", "where"), [
    (lambda b: np.log(np.asarray(b) - 1.0), "at beta = 0"),        # NaN on [0, 1): efficiency gave NaN as 'ok'
    (lambda b: 1.0 / (np.asarray(b) - 2.5), "at beta = 2.5"),      # +inf at a node
    (lambda b: np.full_like(np.asarray(b, dtype=float), -np.inf), "everywhere"),
])
def test_a_log_r_not_finite_on_the_range_is_one_line(log_r: object, where: str) -> None:
    from gsmtheory._errors import SpecError
    from gsmtheory.numeric import CTLDSchedule
    with pytest.raises(SpecError, match=f"log r\\(beta\\) is not finite {where}") as err:
        CTLDSchedule(lambda_min=1.0, beta_max=5.0, log_r=log_r, dlog_r=np.zeros_like)  # type: ignore[arg-type]
    assert "\n" not in str(err.value)
