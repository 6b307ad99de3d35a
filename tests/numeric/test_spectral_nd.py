"""Rayleigh–Ritz in any d (gsmtheory/numeric/_spectral_nd.py): a lower bound, exact for Gaussians."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gsmtheory.numeric import (
    poincare_1d,
    rayleigh_ritz,
)

INF = math.inf


def test_rayleigh_ritz_is_a_lower_bound_and_exact_for_gaussians() -> None:
    from gsmtheory.symbolic import GaussianMixture

    S = ((2.0, 0.3, 0.0), (0.3, 1.0, 0.1), (0.0, 0.1, 0.7))
    g = GaussianMixture(((0.0, 0.0, 0.0),), (1.0,), S)
    eye = lambda x: np.broadcast_to(np.eye(3), (len(x), 3, 3))  # noqa: E731
    r = rayleigh_ritz(None, eye, mixture=g, degree=2, nodes=6)
    assert r.side == "lower_bound"
    assert r.poincare_constant == pytest.approx(np.linalg.eigvalsh(np.array(S)).max(), rel=1e-10)
    m = GaussianMixture(((-1.5, 0, 0), (1.5, 0, 0)), (0.5, 0.5), ((1, 0, 0), (0, 1, 0), (0, 0, 1)))
    rr = rayleigh_ritz(None, eye, mixture=m, degree=3, nodes=10)
    exact = poincare_1d(lambda x: np.logaddexp(-(x - 1.5) ** 2 / 2, -(x + 1.5) ** 2 / 2), 1.0,
                        -INF, INF).poincare_constant  # product: x-factor dominates
    assert rr.poincare_constant <= exact * (1 + 1e-9)
    assert rr.poincare_constant >= 0.8 * exact
