"""Closed forms and tensorization (gsmtheory/numeric/_exact.py): Gaussian constants, products against the
2D solver, a bound stays a bound."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmtheory.numeric import (
    gaussian_poincare_constant,
    poincare_1d,
    poincare_2d,
    tensorization,
)

INF = math.inf


def _well(a: float, b: float):  # type: ignore[no-untyped-def]
    """ℓ = −x⁴/4 − a x² + b x: a family of 1D targets (single or double wells)."""
    return lambda x: -(x**4) / 4 - a * x**2 + b * x


@settings(max_examples=3, deadline=None)
@given(v1=st.floats(0.3, 3.0), a=st.floats(-1.0, 0.5))
def test_tensorization_matches_2d(v1: float, a: float) -> None:
    f = _well(a, 0.0)
    r1 = poincare_1d(lambda x: -x**2 / (2 * v1), 1.0, -INF, INF)
    r2 = poincare_1d(f, 1.0, -INF, INF)
    t = tensorization([r1, r2])
    r2d = poincare_2d(lambda x, y: -x**2 / (2 * v1) + f(y), 1.0, ((-INF, INF), (-INF, INF)),
                      rtol=1e-4)
    assert t.poincare_constant == max(r1.poincare_constant, r2.poincare_constant)
    assert r2d.poincare_constant == pytest.approx(t.poincare_constant, rel=1e-4)


def test_gaussian_closed_forms() -> None:
    S = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.2], [0.0, 0.2, 0.5]])
    assert gaussian_poincare_constant(S).poincare_constant == pytest.approx(
        np.linalg.eigvalsh(S).max(), rel=1e-14)
    assert gaussian_poincare_constant(S, S).poincare_constant == pytest.approx(1.0, rel=1e-13)
    assert gaussian_poincare_constant(S, np.diag([1.0, 1.0, 0.0])).status == "no_poincare"


def test_tensorization_keeps_a_bound_a_bound() -> None:
    """C_P(product) = max_i C_P,i: with one factor only bounded below, the max is a lower bound
    (never an estimate); with one bounded above and none below, an upper bound; both: neither."""
    from gsmtheory.numeric import PoincareResult, tensorization

    exact = PoincareResult(4.0, 0.0, "gaussian", side="exact")
    est = PoincareResult(2.0, 1e-9, "green")
    low = PoincareResult(10.0, 0.0, "rayleigh_ritz", status="bound", side="lower_bound", lower=10.0)
    up = PoincareResult(3.0, 0.0, "bakry_emery", status="bound", side="upper_bound", upper=3.0)
    assert (tensorization([exact, est]).side, tensorization([exact, est]).status) == ("estimate", "ok")
    assert tensorization([exact, exact]).side == "exact"
    t = tensorization([exact, low])
    assert (t.side, t.status, t.poincare_constant, t.lower) == ("lower_bound", "bound", 10.0, 10.0)
    t = tensorization([exact, up])
    assert (t.side, t.status) == ("upper_bound", "bound") and t.upper is None  # the exact factor has none
    assert tensorization([low, up]).side == "bracket"
