"""Tests of gsmtheory/numeric/_bounds.py.

Curvature bounds with certified sides: Holley–Stroock, Bakry–Émery, the mixture curvature bound."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmtheory.numeric import (
    bakry_emery_bound,
    curvature_lower_bound,
    gaussian_poincare_constant,
    holley_stroock_bound,
    mixture_curvature_bound,
    oscillation,
    poincare_1d,
)
from gsmtheory.symbolic import GaussianMixture

INF = math.inf


@settings(max_examples=10, deadline=None)
@given(amp=st.floats(0.0, 2.0), freq=st.floats(0.5, 4.0), var=st.floats(0.3, 3.0))
def test_holley_stroock_holds(amp: float, freq: float, var: float) -> None:
    base = poincare_1d(lambda x: -x**2 / (2 * var), 1.0, -INF, INF)
    pert = poincare_1d(lambda x: -x**2 / (2 * var) + amp * np.sin(freq * x), 1.0, -INF, INF)
    osc = oscillation(lambda x: amp * np.sin(freq * x), -50, 50)
    hs = holley_stroock_bound(base, osc)
    assert hs.side == "upper_bound"
    assert pert.poincare_constant <= hs.poincare_constant * (1 + 1e-9)
    assert pert.poincare_constant >= math.exp(-osc) * base.poincare_constant * (1 - 1e-9)


def test_bakry_emery_gaussian_is_tight_and_upper() -> None:
    S = np.array([[2.0, 0.5], [0.5, 1.0]])
    P = np.linalg.inv(S)
    rho = curvature_lower_bound(lambda x: np.broadcast_to(P, (len(x), 2, 2)), np.zeros((3, 2)))
    be = bakry_emery_bound(rho)
    exact = gaussian_poincare_constant(S)
    assert be.side == "upper_bound" and exact.side == "exact"
    assert be.poincare_constant == pytest.approx(exact.poincare_constant, rel=1e-12)
    # a strongly convex non-Gaussian: ℓ = −x²/2 − x⁴/4, −ℓ'' = 1 + 3x² ≥ 1
    cp = poincare_1d(lambda x: -x**2 / 2 - x**4 / 4, 1.0, -INF, INF).poincare_constant
    assert cp <= bakry_emery_bound(1.0).poincare_constant
    assert math.isinf(bakry_emery_bound(-1.0).poincare_constant)


@pytest.mark.parametrize("a", [0.3, 0.7, 0.95])
def test_mixture_curvature_bound_against_the_1d_solver(a: float) -> None:
    """½N(−a, 1) + ½N(a, 1): −ℓ'' = 1 − a² sech²(a x) ≥ 1 − a², so C_P ≤ 1/(1 − a²)."""
    mix = GaussianMixture(((-a,), (a,)), (0.5, 0.5), ((1.0,),))
    up = mixture_curvature_bound(mix)
    assert up is not None and up.upper == pytest.approx(1 / (1 - a * a), rel=1e-9)
    lp = lambda x: np.logaddexp(-(x + a) ** 2 / 2, -(x - a) ** 2 / 2)  # noqa: E731
    exact = poincare_1d(lp, 1.0, -math.inf, math.inf, rtol=1e-9).poincare_constant
    assert exact <= up.upper


def test_mixture_curvature_bound_refuses_separated_components() -> None:
    mix = GaussianMixture(((-2.0, 0, 0), (2.0, 0, 0)), (0.5, 0.5), tuple(map(tuple, np.eye(3))))
    assert mixture_curvature_bound(mix) is None
