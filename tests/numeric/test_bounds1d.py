"""1D bounds (gsmtheory/numeric/_bounds1d.py): a Rayleigh quotient never exceeds C_P; the Muckenhoupt
bracket contains the value, and B alone is not a lower bound."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmtheory.numeric import (
    muckenhoupt_bracket,
    poincare_1d,
    rayleigh_quotient,
)

INF = math.inf
coef = st.floats(-1.0, 1.0, allow_nan=False)


def _well(a: float, b: float):  # type: ignore[no-untyped-def]
    """ℓ = −x⁴/4 − a x² + b x: a family of 1D targets (single or double wells)."""
    return lambda x: -(x**4) / 4 - a * x**2 + b * x


@settings(max_examples=15, deadline=None)
@given(a=st.floats(-1.5, 1.0), b=st.floats(-1.0, 1.0), c=st.lists(coef, min_size=3, max_size=3))
def test_rayleigh_quotient_never_exceeds_cp(a: float, b: float, c: list[float]) -> None:
    f = _well(a, b)
    cp = poincare_1d(f, 1.0, -INF, INF, rtol=1e-9)
    g = lambda x: c[0] * x + c[1] * np.sin(2 * x) + c[2] * x**3 + 0.01 * x  # noqa: E731
    dg = lambda x: c[0] + 2 * c[1] * np.cos(2 * x) + 3 * c[2] * x**2 + 0.01  # noqa: E731
    q = rayleigh_quotient(g, dg, f, 1.0, -INF, INF)
    assert q.side == "lower_bound"
    assert q.poincare_constant <= cp.poincare_constant * (1 + 1e-8)


@settings(max_examples=10, deadline=None)
@given(a=st.floats(-1.5, 1.0), b=st.floats(-1.0, 1.0), D=st.floats(0.2, 5.0))
def test_muckenhoupt_bracket_contains_value(a: float, b: float, D: float) -> None:
    f = _well(a, b)
    cp = poincare_1d(f, D, -INF, INF).poincare_constant
    br = muckenhoupt_bracket(f, D, -INF, INF)
    assert br.side == "bracket"
    assert br.lower is not None and br.upper is not None
    assert br.lower <= cp <= br.upper


def test_b_alone_is_not_a_lower_bound() -> None:
    """Hypothesis found it: B itself can exceed C_P, which is why the certified lower side is B/2."""
    f = _well(-1.0, 0.25)
    cp = poincare_1d(f, 1.0, -INF, INF).poincare_constant
    br = muckenhoupt_bracket(f, 1.0, -INF, INF)
    assert br.poincare_constant > cp * (1 + 1e-3)
    assert br.lower is not None and br.lower <= cp


def test_the_rayleigh_bound_of_an_edge_eigenfunction_is_not_rounding() -> None:
    """Slopes 0.57 (x > 0) and 0.81 (x < 0) with a bump: C_P ≈ 1/σ = 12.28 (σ = 0.57²/4). The discrete
    eigenfunction grows like p^(-1/2) into the right tail, so g = f/max|f| is 7.8e-15 on the whole bulk;
    the mean, taken from g, rounded by ulp(g), and that rounding alone made Var(g) = 2.5e-60 (true
    ~1e-85) and a "certified lower bound" of 3.8e23, which then crossed the upper bound and raised."""
    a, b, c, w = 0.5707991778636574, 0.8107081912489098, 0.6824976587745213, 1.4002221696762251

    def logp(x: np.ndarray) -> np.ndarray:
        return np.where(x > 0, -a * np.sqrt(1 + x**2), -b * np.sqrt(1 + x**2)) + c * np.exp(-x**2 / w)

    with pytest.warns(RuntimeWarning, match="not converged"):
        r = poincare_1d(logp, 1.0, -INF, INF)
    assert r.lower is not None and r.upper is not None
    assert 4 / a**2 * 0.9 < r.lower <= r.poincare_constant + r.error_estimate and r.lower <= r.upper
    assert r.poincare_constant + r.error_estimate >= 4 / a**2  # C_P ≥ 1/σ always
