"""Tests of gsmtheory/numeric/_mixture.py: exact draws of a Gaussian mixture in torch."""

from __future__ import annotations

import numpy as np
import pytest

from gsmtheory._errors import SpecError
from gsmtheory.numeric import MixtureArrays, MixtureDraws

torch = pytest.importorskip("torch")


def test_mixture_draws_have_the_moments_of_the_mixture_and_the_law() -> None:
    """½N(−2, 1) + ½N(2, 1): mean 0, variance 5; the uniform law on [0, 2]: mean 1 (n = 2·10⁵)."""
    mix = MixtureArrays(means=[[-2.0], [2.0]], weights=[0.5, 0.5], covariance=[[1.0]])
    draws = MixtureDraws(mix, "cpu", 1, (np.array([0.0, 1.0, 2.0]), np.array([0.0, 0.5, 1.0])))
    x, t = draws.target(200_000), draws.law(200_000)
    assert abs(float(x.mean())) < 0.03 and abs(float(x.var()) - 5) < 0.06
    assert abs(float(t.mean()) - 1) < 0.01 and float(t.min()) >= 0 and float(t.max()) <= 2



def test_draws_without_a_table_have_no_law_and_repeat_with_the_seed() -> None:
    mix = MixtureArrays(means=[[-2.0, 0.0], [2.0, 1.0]], weights=[0.3, 0.7], covariance=[[1.0, 0.2], [0.2, 2.0]])
    a, b = MixtureDraws(mix, "cpu", 5), MixtureDraws(mix, "cpu", 5)
    assert torch.equal(a.target(1000), b.target(1000)) and a.target(3).shape == (3, 2)
    with pytest.raises(SpecError, match="without a tabulated law"):
        a.law(10)
