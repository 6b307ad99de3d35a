"""Hypothesis properties of the symbolic layer over random targets, D(x) and Q(x)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gsmtheory.solve import evaluate_gsm_loss
from gsmtheory.symbolic import Diffusion, Model, gsm_loss, load_spec

x, y = sp.symbols("x y", real=True)
a, b = sp.symbols("a b", real=True)
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])

small = st.integers(min_value=-3, max_value=3).map(lambda n: sp.Rational(n, 2))
positive = st.integers(min_value=1, max_value=4).map(lambda n: sp.Rational(n, 2))


@st.composite
def log_density_1d(draw: st.DrawFn) -> sp.Expr:
    """ℓ = −c4 x⁴ − c2 x² + c1 x + c0 sin(x): normalizable, polynomial/trigonometric."""
    c4 = draw(st.sampled_from([0, sp.Rational(1, 4), sp.Rational(1, 2)]))
    c2 = draw(positive)
    return -c4 * x**4 - c2 * x**2 + draw(small) * x + draw(small) * sp.sin(x)


@st.composite
def diffusion_1d(draw: st.DrawFn) -> sp.Expr:
    """D(x) > 0: d0 + d1 x² or d0·exp(s·sin x)."""
    d0 = draw(positive)
    if draw(st.booleans()):
        return d0 + draw(st.sampled_from([0, sp.Rational(1, 4), 1])) * x**2
    return d0 * sp.exp(draw(small) * sp.sin(x))


@st.composite
def psd_2d(draw: st.DrawFn) -> sp.Matrix:
    """D(x, y) = A Aᵀ + εI with A polynomial entries."""
    A = sp.Matrix([[draw(positive), draw(small) * x], [draw(small) * y, draw(positive)]])
    return (A * A.T + sp.Rational(1, 10) * sp.eye(2)).applyfunc(sp.expand)


@st.composite
def skew_2d(draw: st.DrawFn) -> sp.Matrix:
    q = draw(small) + draw(small) * x * y + draw(small) * sp.sin(x)
    return sp.Matrix([[0, q], [-q, 0]])


@SETTINGS
@given(ell=log_density_1d(), D=diffusion_1d())
def test_stationary_and_dirichlet_nonnegative_1d(ell: sp.Expr, D: sp.Expr) -> None:
    diff = Diffusion((x,), ell, sp.Matrix([[D]]))
    assert diff.stationarity().verdict is True
    g = sp.sin(x) + x**3
    integrand = sp.lambdify(x, diff.dirichlet_integrand(g))
    values = integrand(np.linspace(-3, 3, 41))
    assert np.all(values >= 0)


@SETTINGS
@given(D=psd_2d(), Q=skew_2d(), c=small)
def test_skew_changes_nothing_2d(D: sp.Matrix, Q: sp.Matrix, c: sp.Expr) -> None:
    ell = -x**2 / 2 - y**2 - x**4 / 4 + c * x * y / 4
    base = Diffusion((x, y), ell, D)
    skew = base.with_skew(Q)
    assert skew.stationarity().verdict is True
    g = sp.sin(x) * y + x**2
    # expanded to 0 is a proof (expand is exact; simplify's trigsimp took most of this test's time)
    assert sp.expand(base.dirichlet_integrand(g) - skew.dirichlet_integrand(g)) == 0
    model = Model.from_log_density((x, y), (a, b), -(x - a)**2 / 2 - (y - b)**2, {a: 0.0, b: 0.0})
    l0, l1 = gsm_loss(base, model), gsm_loss(skew, model)
    assert sp.expand(l0.implicit - l1.implicit) == 0
    assert sp.expand(l0.explicit - l1.explicit) == 0
    # the generator does change (non-reversible drift), but only by the Q part: non-zero at some point
    change = skew.generator(g) - base.generator(g)
    points = ((sp.Rational(3, 7), sp.Rational(-5, 11)), (sp.Rational(-6, 5), sp.Rational(2, 3)), (sp.Rational(1, 9), 2))
    assert any(abs(complex(change.subs({x: u, y: v}).evalf(30))) > 1e-20 for u, v in points) or Q.is_zero_matrix


@SETTINGS
@given(ell=log_density_1d(), D=diffusion_1d(), thetas=st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3))
def test_implicit_minus_explicit_is_constant_on_the_line(ell: sp.Expr, D: sp.Expr, thetas: list[float]) -> None:
    diff = Diffusion((x,), ell, sp.Matrix([[D]]))
    model = Model.from_log_density((x,), (a, b), -(x - a)**2 / 2 - b * x**4 / 8, {a: 0.0, b: 1.0})
    ev = evaluate_gsm_loss(gsm_loss(diff, model), [{"a": t, "b": 1 + t / 3} for t in thetas])
    diffs = np.array(ev.difference)
    scale = max(abs(ev.constant), max(map(abs, ev.explicit)), 1.0)
    assert np.max(np.abs(diffs - diffs[0])) <= 1e-10 * scale
    assert abs(diffs[0] + ev.constant) <= 1e-10 * scale


@SETTINGS
@given(c=st.floats(0.1, 1.9), lo=st.floats(-0.5, 0.0), width=st.floats(1.0, 3.0),
       D=diffusion_1d(), thetas=st.lists(st.floats(-1.0, 2.0), min_size=3, max_size=3))
def test_implicit_minus_explicit_is_constant_on_an_interval(c: float, lo: float, width: float, D: sp.Expr,
                                                            thetas: list[float]) -> None:
    """Finite reflecting ends: the boundary term is nonzero and needed."""
    cr = sp.Rational(str(round(c, 3)))
    dom = ((sp.Rational(str(round(lo, 3))), sp.Rational(str(round(lo + width, 3)))),)
    diff = Diffusion((x,), -(x - cr)**2 / 2 - x**4 / 10, sp.Matrix([[D]]), domain=dom)
    model = Model.from_log_density((x,), (a,), -(x - a)**2 / 2, {a: c})
    loss = gsm_loss(diff, model)
    assert any(t.vanishes is not True for t in loss.boundary_terms)
    ev = evaluate_gsm_loss(loss, [{"a": t} for t in thetas])
    diffs = np.array(ev.difference)
    scale = max(abs(ev.constant), max(map(abs, ev.explicit)), 1.0)
    assert np.max(np.abs(diffs - diffs[0])) <= 1e-10 * scale
    without = np.array(ev.implicit_without_boundary) - np.array(ev.explicit)
    # dropping the boundary term breaks the identity whenever θ moves the flux
    if max(thetas) - min(thetas) > 0.3:
        assert np.max(np.abs(without - without[0])) > 1e-6


def test_boundary_terms_vanish_for_jacobi_and_matter_for_reflected_langevin() -> None:
    from gsmtheory.symbolic import load_spec

    jac = load_spec("jacobi")
    assert all(t.vanishes for t in gsm_loss(jac.diffusion, jac.model).boundary_terms)
    ref = load_spec("reflected-gaussian")
    terms = gsm_loss(ref.diffusion, ref.model).boundary_terms
    assert [t.side for t in terms] == ["lower", "upper"]
    assert all(t.vanishes is False for t in terms)
    ev = evaluate_gsm_loss(gsm_loss(ref.diffusion, ref.model), [{"mu": 0.3}, {"mu": 1.2}])
    assert abs(ev.boundary[0]) > 0.1
    assert math.isclose(ev.difference[0], ev.difference[1], rel_tol=0, abs_tol=1e-12)


@pytest.mark.parametrize("name", ["bimodal", "bimodal-weight", "ctld-bimodal"])
def test_lifted_catalogue_fluxes_are_simplified(name: str) -> None:
    """SIMPLIFY_OPS_LIMIT is a cost cap that the catalogue stays under: each lifted catalogue face
    flux is short enough to be simplified, and simplifying shortens it."""
    from gsmtheory.symbolic import ctld_lift_spec
    from gsmtheory.symbolic._loss import SIMPLIFY_OPS_LIMIT

    lifted, model, _params = ctld_lift_spec(load_spec(name))
    loss = gsm_loss(lifted, model)
    assert loss.boundary_terms
    for term in loss.boundary_terms:
        dgrad = lifted.D * sp.Matrix([sp.diff(model.log_density, c) for c in lifted.coords])
        raw = (-1 if term.side == "lower" else 1) * dgrad[term.coord_index]
        raw = raw.subs(term.coord, term.at)
        assert sp.count_ops(raw) <= SIMPLIFY_OPS_LIMIT
        assert sp.count_ops(term.flux) < sp.count_ops(raw)


def test_tidy_proves_zeros_with_simplify_and_spares_it_on_nonzero_fluxes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A flux with a value at a rational point (30 digits) is not 0: it gets ``together``'s form, shorter
    and equal, without ``simplify``; a flux that is 0 only through sin² + cos² = 1 is proved 0."""
    from gsmtheory.symbolic import _loss, ctld_lift_spec

    lifted, model, _params = ctld_lift_spec(load_spec("bimodal-weight"))
    beta = lifted.coords[1]
    flux = (lifted.D * sp.Matrix([sp.diff(model.log_density, c) for c in lifted.coords]))[1].subs(beta, 0)
    x = sp.Symbol("x")
    calls = []
    real = sp.simplify
    monkeypatch.setattr(_loss.sp, "simplify", lambda e, *a, **k: calls.append(e) or real(e, *a, **k))
    tidy = _loss._tidy(flux)
    assert calls == [] and sp.count_ops(tidy) < sp.count_ops(flux)
    assert real(tidy - flux) == 0
    trig = x * (sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1)
    assert _loss._tidy(trig) == 0 and calls == [trig]
