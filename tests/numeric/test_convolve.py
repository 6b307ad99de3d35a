"""Gaussian smoothing (gsmtheory/numeric/_convolve.py): the numerical convolution of a 1D log-density
against closed forms, and the smoothed draws x + √s z in NumPy and torch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmtheory._errors import NumericalError
from gsmtheory.numeric import (
    convolve_logpdf_1d,
    mixture_logpdf,
    smoothed,
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


def test_smoothed_draws_have_the_convolved_law_in_numpy_and_torch() -> None:
    """x + √s z for x ~ N(0, 1), z ~ N(0, 1): variance 1 + s per point's own s, the same numbers in
    torch as in NumPy, and √s spread over every trailing axis (a point's coordinates, an image)."""
    rng = np.random.default_rng(0)
    n = 200_000
    s = np.repeat([0.0, 3.0], n // 2)
    x, z = rng.standard_normal((n, 2)), rng.standard_normal((n, 2))
    y = smoothed(x, s, z)
    for half, var in ((slice(0, n // 2), 1.0), (slice(n // 2, n), 4.0)):
        assert abs(float(y[half].var()) / var - 1) < 0.02  # 4.5 standard errors of a variance from 1e5 draws
    assert np.array_equal(y[: n // 2], x[: n // 2])  # s = 0: the data point itself
    assert np.array_equal(smoothed(x[:, 0], s, z[:, 0]), y[:, 0])  # 1D points: no coordinate axis
    assert np.array_equal(smoothed(x, 2.0, z), x + np.sqrt(2.0) * z)  # a scalar variance
    for bad in (-1.0, float("nan"), np.array([1.0, -1e-300])):
        with pytest.raises(NumericalError, match="negative or NaN"):
            smoothed(x[:2, 0], bad, z[:2, 0])
    torch = pytest.importorskip("torch")
    img = torch.as_tensor(rng.standard_normal((4, 3, 2, 2)))
    zi = torch.as_tensor(rng.standard_normal((4, 3, 2, 2)))
    si = torch.as_tensor([0.0, 1.0, 4.0, 9.0])
    out = smoothed(img, si, zi)
    assert torch.equal(out, img + torch.sqrt(si).reshape(4, 1, 1, 1) * zi)
    assert np.array_equal(smoothed(x, s, z), smoothed(torch.as_tensor(x), torch.as_tensor(s), torch.as_tensor(z)).numpy())
