r"""Certified upper bounds (issue #21 item 4): interval arithmetic, the local constant, the Lyapunov
certificate and the brackets it gives, each held to closed forms or independent solves.

Closed forms used: N(0, v) under D = d·I has C_P = v/d; a product has the largest factor's C_P
(tensorization); the uniform law on [0, L] has C_P = L²/π² (the first Neumann cosine).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from gsmtheory.solve import poincare_constant
from gsmtheory.symbolic import Diffusion, lyapunov_certificate, parse_spec
from gsmtheory.symbolic._intervals import interval, minimum, region_minimum
from gsmtheory.symbolic._local_poincare import hardy_upper, local_poincare_upper

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
x, y = sp.symbols("x y", real=True)


def _spec(log_density: str, coords: str = '["x", "y"]', extra: str = "") -> Diffusion:
    return parse_spec(f'coords = {coords}\nlog_density = "{log_density}"\n{extra}').diffusion


# ----------------------------------------------------------------------------- intervals
@pytest.mark.parametrize("expr", [(x**2 - 1) ** 2 - 3 * x * y + y**3, sp.exp(-x * y) * sp.cos(x) + sp.log(1 + x**2),
                                  sp.tanh(x - y) / (2 + y**2) + sp.sqrt(1 + x**2) - sp.Rational(1, 3) * x**5,
                                  sp.log(sp.cosh(x)) * sp.atan(y) - sp.sinh(x / 3)])
def test_interval_encloses_every_value(expr: sp.Expr) -> None:
    rng = np.random.default_rng(0)
    lo = rng.uniform(-3, 2, (200, 2))
    hi = lo + rng.uniform(0, 2, (200, 2))
    L, H = interval(expr, [x, y], lo, hi)
    f = sp.lambdify([x, y], expr, "numpy")
    for t in rng.uniform(0, 1, (20, 1, 2)):
        v = f(*(lo + (hi - lo) * t).T)
        assert np.all(L <= v) and np.all(v <= H)


def test_exact_zero_is_not_rounded_below_zero() -> None:
    """A coefficient that touches 0 (x² times a constant) must be provably >= 0."""
    L, _ = interval(sp.Rational(7, 64) * x**2 + y**2, [x, y], np.array([[-1.0, -1.0]]), np.array([[1.0, 1.0]]))
    assert L[0] == 0.0


def test_branch_and_bound_and_tails() -> None:
    f = 4 * x**4 - sp.Rational(9, 2) * x**2 + sp.Rational(3, 2) * y**2 + 2 * x**2 * y**2 - 2
    m = minimum(f, [x, y], [(-2, 2), (-2, 2)], rtol=1e-4)
    true = -81 / 64 - 2  # at x² = 9/16, y = 0
    assert m.lower <= true <= m.estimate and true - m.lower < 1e-3 * abs(true)
    tail = region_minimum(f, [x, y], [(1.5, math.inf), (-math.inf, -2.0)], center=[0.0, 0.0])
    assert tail.lower == pytest.approx(4 * 1.5**4 - 4.5 * 1.5**2 + 1.5 * 4 + 2 * 2.25 * 4 - 2, rel=1e-9)
    # a tail the prover cannot control (x⁴ − x⁶ → −∞) proves nothing rather than something wrong
    assert region_minimum(x**4 - x**6, [x], [(1.0, math.inf)], center=[0.0]).lower == -math.inf


# ----------------------------------------------------------------------------- the local constant
@pytest.mark.parametrize(("f", "a", "b", "exact"), [(sp.Integer(0), 0.0, 1.0, 1 / math.pi**2),
                                                     (sp.Integer(0), -2.0, 3.0, 25 / math.pi**2)])
def test_hardy_bound_holds_for_uniform(f: sp.Expr, a: float, b: float, exact: float) -> None:
    up = hardy_upper(f, x, a, b)
    assert exact <= up <= 4 * exact  # 4B of the uniform law is L²/4 ≈ 2.5 C_P


def test_local_constant_of_a_product_box() -> None:
    """A product on a box: W = 0 and the bound is the larger axis's."""
    box = [(-1.0, 1.0), (0.0, 3.0)]
    lb = local_poincare_upper(sp.Integer(0) * x, [x, y], box, sp.eye(2), 1.0)
    assert lb.oscillation == 0.0 and lb.upper >= 9 / math.pi**2


# ----------------------------------------------------------------------------- the certificate
@pytest.mark.parametrize(("ld", "coords", "extra", "exact"), [
    ("-x**2/2", '["x"]', "", 1.0),
    ("-x**2/6 - y**2/2", '["x", "y"]', "", 3.0),
    ("-x**2/2 - y**2/2", '["x", "y"]', '[diffusion]\nD = [["2", "0"], ["0", "1/2"]]', 2.0),
    ("-x**4/4 - x**2*y**2/2 - y**2", '["x", "y"]', "", None),
    ("-(x**2 - 1)**2 - (y - x/2)**2", '["x", "y"]', "", None),
])
@pytest.mark.slow
def test_lyapunov_bound_lies_above_the_truth(ld: str, coords: str, extra: str, exact: float | None) -> None:
    diff = _spec(ld, coords, extra)
    cert = lyapunov_certificate(diff)
    assert cert.certified, cert.reason
    truth = exact if exact is not None else poincare_constant(diff, rtol=1e-5).poincare_constant
    assert cert.upper >= truth
    assert "Bakry–Barthe–Cattiaux–Guillin" in cert.reason


def test_compact_box_bound_is_the_local_constant() -> None:
    """On a finite box the domain is U: C_P <= κ_U; the uniform law on [0, 2]² has C_P = 4/π²."""
    diff = _spec("0*x", extra="[domain]\nx = [0, 2]\ny = [0, 2]")
    cert = lyapunov_certificate(diff)
    assert cert.certified and cert.upper >= 4 / math.pi**2 and "box U" in cert.reason


def test_no_certificate_says_why() -> None:
    cert = lyapunov_certificate(_spec("-x**2/2 - y**2/2 + x*sin(y)*y"))
    assert not cert.certified and cert.reason


# ----------------------------------------------------------------------------- brackets in the solvers
def test_2d_double_well_bracket_holds_the_fv2d_value() -> None:
    """Separable and coupled double wells through fv2d: the certified upper bound sits above the
    converged estimate (and the product's value is the 1D double well's)."""
    for ld in ["-(x**2-1)**2 - y**2", "-(x**2-1)**2 - y**2 - x**2*y**2/2"]:
        r = poincare_constant(_spec(ld), method="fv2d", rtol=1e-4)
        assert r.status == "ok" and r.upper is not None and r.lower is not None
        assert r.lower <= r.poincare_constant - r.error_estimate and r.poincare_constant + r.error_estimate <= r.upper
        assert "lyapunov" in r.message
    one = poincare_constant(_spec("-(x**2-1)**2", '["x"]'))
    prod = poincare_constant(_spec("-(x**2-1)**2 - y**2"), method="fv2d", rtol=1e-4)
    assert abs(prod.poincare_constant - one.poincare_constant) <= prod.error_estimate + one.error_estimate


@pytest.mark.slow
def test_4d_coupled_double_well_bracket_and_blocks() -> None:
    """exp(−(x²−1)² − |y|²/2 − x²y₁²/2) × free Gaussians in 4D: the blocks method solves the 2D block
    (a value); the forced Rayleigh–Ritz + Lyapunov bracket of the same target holds that value."""
    coords = '["x", "y", "z", "w"]'
    ld = "-(x**2-1)**2 - y**2/2 - z**2/2 - w**2/2 - x**2*y**2/2"
    r = poincare_constant(_spec(ld, coords))
    assert r.method == "blocks" and r.status == "ok" and r.error_estimate <= 1e-4 * r.poincare_constant
    two = poincare_constant(_spec("-(x**2-1)**2 - y**2/2 - x**2*y**2/2"), rtol=1e-6)
    assert abs(r.poincare_constant - max(two.poincare_constant, 1.0)) <= r.error_estimate + two.error_estimate
    bracket = poincare_constant(_spec(ld, coords), method="rayleigh_ritz")
    assert bracket.side == "bracket" and bracket.status == "bound"
    assert bracket.lower is not None and bracket.upper is not None
    assert bracket.lower <= r.poincare_constant <= bracket.upper
    assert "Lyapunov" in bracket.message


@pytest.mark.slow
def test_4d_non_block_target_gets_a_bracket_not_a_refusal() -> None:
    coords = '["x", "y", "z", "w"]'
    r = poincare_constant(_spec("-(x**2-1)**2 - (y**2 + z**2 + w**2)/2 - x**2*(y**2 + z**2 + w**2)/10", coords))
    assert r.status == "bound" and r.side == "bracket" and r.lower is not None and r.upper is not None
    assert 0 < r.lower <= r.upper < math.inf
    # the x-marginal direction alone: C_P >= the Rayleigh quotient of g = x, Var(x)/E(1) = E[x²]
    assert r.upper >= 1.0  # C_P >= Var(x) > 1 for a double well at ±1


def test_a_candidate_stops_at_its_first_region_not_proved_positive(monkeypatch: pytest.MonkeyPatch) -> None:
    """θ is the least bound over the 3^d − 1 regions around U: once one is not > 0 the candidate has
    failed, and the other regions are not bounded (a 3D coupled banana spent 25 s proving them)."""
    import gsmtheory.symbolic._lyapunov as lyap
    from gsmtheory.symbolic._intervals import Extremum

    x, y = sp.symbols("x y", real=True)
    st = lyap._setting((x, y), -(x**2 - 1) ** 2 - y**2 / 2, sp.eye(2), 1.0, [(-math.inf, math.inf)] * 2)
    core = lyap._core(st.center, st.reach, (1.0, 1.0), st.domain)
    calls: list[object] = []

    def first_fails(*args: object, **kwargs: object) -> Extremum:
        calls.append(args[2])
        return Extremum(-1.0 if len(calls) == 1 else 1.0, 1.0)

    monkeypatch.setattr(lyap, "region_minimum", first_fails)
    bound, theta, _ = lyap._certify(st, 0, st.families[0].params[0], core, 1.0)
    assert math.isinf(bound) and theta == -1.0 and len(calls) == 1
    calls.clear()

    def all_proved(*args: object, **kwargs: object) -> Extremum:
        calls.append(args[2])
        return Extremum(0.5, 1.0)

    monkeypatch.setattr(lyap, "region_minimum", all_proved)
    bound, theta, _ = lyap._certify(st, 0, st.families[0].params[0], core, 1.0)
    assert theta == 0.5 and math.isfinite(bound) and len(calls) == len(lyap._regions(core, st.domain)) == 8
