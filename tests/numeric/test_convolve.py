"""The numerical convolution of a 1D log-density (gsmtheory/numeric/_convolve.py) against closed forms."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmtheory.numeric import (
    convolve_logpdf_1d,
    mixture_logpdf,
)
from gsmtheory.symbolic import GaussianMixture

MIX = GaussianMixture(((-1.0,), (1.0,)), (0.5, 0.5), ((1.0,),))


@settings(max_examples=15, deadline=None)
@given(x=st.floats(-6, 6), s=st.floats(0.0, 30.0))
def test_numerical_convolution_matches_closed_form(x: float, s: float) -> None:
    def logp(y: np.ndarray) -> np.ndarray:
        return mixture_logpdf(MIX, np.asarray(y)[..., None])

    got = convolve_logpdf_1d(logp, np.array([x]), np.array([s]))[0]
    want = mixture_logpdf(MIX, np.array([[x]]), s)[0]
    assert abs(got - want) < 1e-8
