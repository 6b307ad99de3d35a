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
