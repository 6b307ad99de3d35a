"""jacobian_rows: forward mode over the common subexpressions gives sp.diff's derivatives."""

from __future__ import annotations

import math

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmtheory.symbolic import ctld_lift_spec, gsm_loss, load_spec
from gsmtheory.symbolic._forward_diff import jacobian_rows

x, y, a, b = sp.symbols("x y a b", real=True)
LEAVES = (x, y, a, b, sp.Integer(2), sp.Rational(1, 3))
UNARY = (sp.exp, sp.log, sp.sin, sp.cosh, sp.Abs, lambda e: e**2, lambda e: 1 / (1 + e**2), sp.tanh)
BINARY = (sp.Add, sp.Mul, lambda u, v: u - v, lambda u, v: u / (2 + v**2))


def _expressions() -> st.SearchStrategy[sp.Expr]:
    leaf = st.sampled_from(LEAVES)

    def grow(children: st.SearchStrategy[sp.Expr]) -> st.SearchStrategy[sp.Expr]:
        return (st.tuples(st.sampled_from(UNARY), children).map(lambda p: p[0](p[1]))
                | st.tuples(st.sampled_from(BINARY), children, children).map(lambda p: p[0](p[1], p[2])))

    # shared subexpressions on purpose: e appears twice, so cse has something to share
    return st.recursive(leaf, grow, max_leaves=8).map(lambda e: e * sp.exp(-e**2 / 8) + sp.log(1 + e**2))


def _value(e: sp.Expr, at: dict[sp.Symbol, float]) -> complex:
    return complex(e.evalf(30, subs={k: sp.Float(v, 30) for k, v in at.items()}))


def _agree(u: sp.Expr, v: sp.Expr, at: dict[sp.Symbol, float]) -> bool:
    p, q = _value(u, at), _value(v, at)
    if not (math.isfinite(abs(p)) and math.isfinite(abs(q))):
        return True  # a pole of both: nothing to compare
    return abs(p - q) <= 1e-20 * (1 + abs(q))


@settings(max_examples=60, deadline=None)
@given(_expressions(), st.lists(st.floats(-2, 2), min_size=4, max_size=4))
def test_rows_are_sp_diff_at_every_point(expr: sp.Expr, values: list[float]) -> None:
    at = dict(zip((x, y, a, b), (v + 0.1 for v in values), strict=True))  # off the kinks of Abs at 0
    (row,) = jacobian_rows([expr], (a, b, x))
    for t, got in zip((a, b, x), row, strict=True):
        assert _agree(got, sp.diff(expr, t), at), (expr, t)


def test_unknown_functions_fall_back_to_sp_diff() -> None:
    f = sp.Function("f")
    e = f(x * a) ** 2 + f(x * a)
    assert jacobian_rows([e], (a,)) == [[sp.diff(e, a)]]


def test_abs_of_a_shared_node_is_differentiated_as_a_real_function() -> None:
    inner = sp.exp(a * x) - b
    (row,) = jacobian_rows([sp.Abs(inner) + inner**2], (a,))
    assert not row[0].has(sp.re, sp.im, sp.Derivative)
    assert _agree(row[0], sp.diff(sp.Abs(inner) + inner**2, a), {x: 0.7, a: 0.3, b: 0.2})


@pytest.mark.slow  # about 5 s: the reference Hessian by sp.diff is the slow route this module replaces
def test_a_lifted_mixture_integrand_gradient_and_hessian_agree_with_sp_diff() -> None:
    """The case it is for: the GSM integrand of the lifted 2D mixture, log-sum-exp in every term."""
    lifted, model, _ = ctld_lift_spec(load_spec("ctld-bimodal"))
    loss = gsm_loss(lifted, model)
    at = {s: 0.37 * (i + 1) for i, s in enumerate(sorted(loss.implicit.free_symbols, key=str))}
    theta = model.params
    for i, t in enumerate(theta):
        reference = sp.diff(loss.implicit, t)
        assert _agree(loss.theta_gradient[i], reference, at)
        for j, u in enumerate(theta):
            assert _agree(loss.theta_hessian[i, j], sp.diff(reference, u), at)
    for i, t in enumerate(theta):
        for k, c in enumerate(lifted.coords):
            assert _agree(loss.J[i, k], sp.diff(model.log_density, t, c), at)


def test_a_node_that_passes_through_complex_values_is_not_taken_real() -> None:
    """|√(x − a)| + |√(x − a) + 1| is real, but √(x − a) is imaginary for x < a: taken as a real symbol,
    d|c|/dc = sign(c) would give −0.82 + 0.33i where the derivative is 0.82 (found in review)."""
    inner = sp.sqrt(x - a)
    e = sp.Abs(inner) + sp.Abs(inner + 1)
    (row,) = jacobian_rows([e], (a,))
    for at in ({x: -0.7, a: 0.4}, {x: 1.3, a: 0.4}):
        assert _agree(row[0], sp.diff(e, a), at)
