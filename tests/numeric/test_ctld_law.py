"""The CTLD joint law (gsmtheory/numeric/_ctld_law.py): a formula lift equals the mixture lift; the lifted
chi-square against its closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from gsmtheory.numeric import (
    ctld_joint_logpdf,
    lifted_chi_square,
    mixture_logpdf,
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


def test_chi_square_closed_form_small_beta_max() -> None:
    p = ctld_parameters(MIX, beta_max=1e-9, log_r="0")
    assert lifted_chi_square(MIX, ctld_schedule(p), 0, 1) == pytest.approx(math.expm1(4.0), rel=1e-6)
