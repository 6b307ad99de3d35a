"""gsmtheory/symbolic/_intervals.py: the tail substitution of the certified region minimum."""

from __future__ import annotations

import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmtheory.symbolic._intervals import _shifted

X, Y, Z = sp.symbols("x y z")


def _expanded(expr: sp.Expr, tails: dict) -> sp.Poly | None:
    us = [sp.Dummy(f"u{i}", nonnegative=True) for i in range(len(tails))]
    shifted = sp.expand(expr.xreplace({x: sp.Rational(e) + s * u for (x, (e, s)), u in zip(tails.items(), us)}))
    try:
        return sp.Poly(shifted, *us)
    except sp.PolynomialError:
        return None


_coef = st.fractions(min_value=-5, max_value=5, max_denominator=7)
_mono = st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 2))
_edge = st.tuples(st.sampled_from([-2.5, -1.0, 0.0, 0.75, 3.0]), st.sampled_from([-1, 1]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_coef, _mono), min_size=1, max_size=6), st.sets(st.sampled_from([X, Y, Z]), min_size=1),
       _edge, _edge, _edge)
def test_the_ring_composition_is_the_expanded_substitution(terms, axes, ex, ey, ez) -> None:  # type: ignore[no-untyped-def]
    """Rational polynomials take the sparse-ring path; it must give the very polynomial (terms, exact
    coefficients and domain) that substituting and expanding gives."""
    expr = sp.Add(*[sp.Rational(c.numerator, c.denominator) * X**a * Y**b * Z**c_ for c, (a, b, c_) in terms])
    edges = {X: ex, Y: ey, Z: ez}
    tails = {v: edges[v] for v in (X, Y, Z) if v in axes}
    poly, us = _shifted(expr, tails)
    want = _expanded(expr, tails)
    assert poly is not None and want is not None
    assert poly.terms() == want.terms() and poly.domain == want.domain and len(us) == len(tails)


def test_other_expressions_take_the_expanding_path() -> None:
    """Float coefficients, functions of the finite coordinates and non-polynomial tails."""
    for expr, tails in ((sp.exp(X) * Y**2 + Y, {Y: (1.5, 1)}), (sp.Float(0.3) * Y**3 + X * Y, {Y: (-2.0, -1)}),
                        (sp.sin(Y) + X, {Y: (1.0, 1)})):
        poly, _ = _shifted(expr, tails)
        want = _expanded(expr, tails)
        assert (poly is None) == (want is None)
        if poly is not None:
            assert poly.terms() == want.terms() and poly.domain == want.domain
