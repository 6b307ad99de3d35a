"""Tests of gsmtheory/numeric/_bounds.py.

Bounds with certified sides, Hypothesis properties, and the dispatcher from a Diffusion."""

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
    muckenhoupt_bracket,
    oscillation,
    poincare_1d,
    poincare_2d,
    rayleigh_quotient,
    rayleigh_ritz,
    tensorization,
)
from gsmtheory.solve import poincare_constant
from gsmtheory.symbolic import GaussianMixture

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
@given(s=st.floats(0.05, 20.0), a=st.floats(-1.0, 1.0))
def test_scaling(s: float, a: float) -> None:
    f = _well(a, 0.3)
    base = poincare_1d(f, 1.0, -INF, INF).poincare_constant
    scaled = poincare_1d(lambda x: f(x / s), 1.0, -INF, INF).poincare_constant
    assert scaled == pytest.approx(s**2 * base, rel=1e-7)


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


def test_gaussian_closed_forms() -> None:
    S = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.2], [0.0, 0.2, 0.5]])
    assert gaussian_poincare_constant(S).poincare_constant == pytest.approx(
        np.linalg.eigvalsh(S).max(), rel=1e-14)
    assert gaussian_poincare_constant(S, S).poincare_constant == pytest.approx(1.0, rel=1e-13)
    assert gaussian_poincare_constant(S, np.diag([1.0, 1.0, 0.0])).status == "no_poincare"


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


def test_dispatcher_from_symbolic_diffusion() -> None:
    sp = pytest.importorskip("sympy")
    from gsmtheory.symbolic import Diffusion, GaussianMixture

    x, y, z = sp.symbols("x y z")
    d = Diffusion((x,), (2 - 1) * sp.log(x) + (3 - 1) * sp.log(1 - x), sp.Matrix([[x * (1 - x)]]),
                  domain=((0, 1),))
    assert poincare_constant(d).spectral_gap == pytest.approx(5.0, rel=1e-8)
    under = Diffusion((x, y), -(x**2 + y**2) / 2, sp.Matrix([[0, 0], [0, 1]]),
                      sp.Matrix([[0, 1], [-1, 0]]))
    r = poincare_constant(under)
    assert r.status == "no_poincare" and math.isinf(r.poincare_constant)
    prod = Diffusion((x, y, z), -x**2 / 2 - y**4 - z**2 / 8)
    t = poincare_constant(prod)
    assert t.method == "tensorization" and t.poincare_constant == pytest.approx(4.0, rel=1e-8)
    mix = GaussianMixture(((0.0, 0.0),), (1.0,), ((2.0, 0.5), (0.5, 1.0)))
    g = Diffusion((x, y), mix.log_density_expr((x, y)), sp.Matrix([[2.0, 0.5], [0.5, 1.0]]),
                  mixture=mix)
    assert poincare_constant(g).poincare_constant == pytest.approx(1.0, rel=1e-12)
    assert poincare_constant(g).to_dict().keys() >= {
        "poincare_constant", "spectral_gap", "error_estimate", "method", "resolution", "status"}


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
