"""Quadrature over a smoothed Gaussian mixture (gsmtheory/numeric/_mixture.py): the rule switches from
composite Gauss–Legendre to Gauss–Hermite at s = diam², and both integrate E_{p^s}[xxᵀ] (Hermite exactly,
Legendre with max(10 // 5, 1) = 2 panels on [−10, 10] per axis to 1e-7 relative)."""

from __future__ import annotations

import numpy as np
import pytest

from gsmtheory.numeric import MixtureArrays, mixture_lift_rule, sharp_below, smoothed_mixture_rule


@pytest.mark.parametrize("s", [0.0, 1.0, 15.9, 16.0, 40.0])
def test_smoothed_rule_switches_at_diam_squared_and_integrates_second_moments(s: float) -> None:
    mix = MixtureArrays(means=[[-2.0, 0.5], [2.0, 0.5]], weights=[0.3, 0.7], covariance=[[1.0, 0.2], [0.2, 0.5]])
    assert sharp_below(mix) == 16.0
    x, w = smoothed_mixture_rule(mix, s, 10)
    hermite = mixture_lift_rule(mix, s, 10)
    assert (x.shape == hermite[0].shape) == (s >= 16.0)
    second = np.einsum("n,ni,nj->ij", w, x, x)
    means = np.array(mix.means)
    exact = np.array(mix.covariance) + s * np.eye(2) + np.einsum("k,ki,kj->ij", np.array(mix.weights), means, means)
    tol = (1e-12 if s >= 16.0 else 1e-7) * float(np.max(np.abs(exact)))
    assert np.max(np.abs(second - exact)) < tol and abs(float(w.sum()) - 1) < 1e-12
