"""The lifted CTLD chains' spectral gap (gsmtheory/numeric/_ctld_gap.py) against the general 2D solver and
the single-component case."""

from __future__ import annotations

import math

import pytest

from gsmtheory.numeric import (
    ctld_joint_logpdf,
    ctld_poincare,
    poincare_2d,
)
from gsmtheory.solve import ctld_schedule
from gsmtheory.symbolic import (
    GaussianMixture,
    ctld_parameters,
)

MIX = GaussianMixture(((-1.0,), (1.0,)), (0.5, 0.5), ((1.0,),))


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
