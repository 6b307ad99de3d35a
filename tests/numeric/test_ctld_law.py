"""The CTLD joint law (gsmtheory/numeric/_ctld_law.py): a formula lift equals the mixture lift."""

from __future__ import annotations

import numpy as np
import sympy as sp

from gsmtheory.numeric import ctld_joint_logpdf, mixture_logpdf
from gsmtheory.solve import ctld_schedule
from gsmtheory.symbolic import (
    GaussianMixture,
    ctld_lift_spec,
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
