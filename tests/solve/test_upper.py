"""Tests of gsmtheory/solve/_upper.py.

d ≥ 3 without product structure: Rayleigh–Ritz lower bound and a certified upper bound.

Closed forms used (none tuned to the code): a Gaussian N(0, P⁻¹) has C_P = λ_max(P⁻¹) (Langevin);
Bakry–Émery gives C_P ≤ 1/κ for −∇²ℓ ⪰ κ I; Holley–Stroock e^{osc W}/κ; a rotation that makes a
target a product makes C_P the max of 1D constants (computed by the 1D solver).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import sympy as sp

from gsmtheory._errors import ModelError
from gsmtheory.numeric import poincare_1d
from gsmtheory.solve import poincare_constant
from gsmtheory.symbolic import Diffusion, GaussianMixture, curvature_certificate


def _coords(d: int) -> tuple[sp.Symbol, ...]:
    return sp.symbols(f"x0:{d}", real=True)


#: a state-dependent D: no curvature, Lyapunov or blocks certificate applies (all need constant D)
def _varying_d(xs: tuple[sp.Symbol, ...]) -> sp.Matrix:
    return sp.diag(1 + xs[0] ** 2 / 10, *([1] * (len(xs) - 1)))


@pytest.mark.slow
@pytest.mark.parametrize("d", [4, 5, 6])
def test_correlated_gaussian_is_pinned_between_the_bounds(d: int) -> None:
    rng = np.random.default_rng(d)
    B = rng.normal(size=(d, d))
    P = sp.Matrix(np.round(np.linalg.inv(B @ B.T / d + 0.5 * np.eye(d)), 3).tolist()).applyfunc(
        sp.nsimplify)
    xs = _coords(d)
    x = sp.Matrix(xs)
    exact = 1.0 / float(np.linalg.eigvalsh(np.array(P.tolist(), dtype=float)).min())
    r = poincare_constant(Diffusion(xs, -(x.T * P * x)[0] / 2))
    assert r.lower is not None and r.upper is not None
    assert r.lower <= exact * (1 + 1e-12) and exact <= r.upper * (1 + 1e-12)
    assert r.upper == pytest.approx(exact, rel=1e-10)  # Bakry–Émery is sharp for a Gaussian
    assert r.status == "ok" and r.side == "estimate"  # the bounds meet: a value, with its error
    assert abs(r.poincare_constant - exact) <= r.error_estimate + 1e-12 * exact


def test_quartic_plus_gaussian_kappa_one() -> None:
    """ℓ = −Σx⁴ − |x|²/2 in d = 4: −∇²ℓ = I + diag(12x²) ⪰ I, so C_P ≤ 1; it is a product, so
    the dispatcher's value (1D solver per axis) must lie below."""
    xs = _coords(4)
    ell = -sum(v**4 for v in xs) - sum(v**2 for v in xs) / 2
    diff = Diffusion(xs, ell)
    cert = curvature_certificate(diff)
    assert cert.certified and cert.kappa == pytest.approx(1.0, rel=1e-10) and cert.oscillation == 0
    assert cert.upper_bound == pytest.approx(1.0, rel=1e-10)
    r = poincare_constant(diff)
    assert r.poincare_constant + r.error_estimate <= cert.upper_bound
    one = poincare_1d(lambda x: -(x**4) - x**2 / 2, 1.0, -math.inf, math.inf, rtol=1e-9)
    assert r.poincare_constant == pytest.approx(one.poincare_constant, rel=1e-6)


def test_coupled_quartic_is_a_bracket_not_a_value() -> None:
    """Coupling x0 x1 breaks the product: κ = 1 − 0.3 proved, answer [lower, 1/0.7]."""
    xs = _coords(4)
    ell = -sum(v**4 for v in xs) - sum(v**2 for v in xs) / 2 + sp.Rational(3, 10) * xs[0] * xs[1]
    r = poincare_constant(Diffusion(xs, ell), method="rayleigh_ritz")
    assert r.status == "bound" and r.side == "bracket"
    assert r.upper == pytest.approx(1 / 0.7, rel=1e-10)
    assert r.lower is not None and 0 < r.lower < r.upper
    assert r.poincare_constant - r.error_estimate == pytest.approx(r.lower)
    assert r.poincare_constant + r.error_estimate == pytest.approx(r.upper)
    assert "not a value" in r.message
    # left to itself the package splits off the free coordinates (blocks: a 2D grid and two 1D
    # solves) and answers a value, inside the bracket
    auto = poincare_constant(Diffusion(xs, ell))
    assert auto.method == "blocks" and auto.status == "ok"
    assert r.lower <= auto.poincare_constant - auto.error_estimate
    assert auto.poincare_constant + auto.error_estimate <= r.upper


def test_holley_stroock_against_the_rotated_1d_constant() -> None:
    """ℓ = −|x|²/2 + cos(x0 + x1) in d = 4: in u = (x0 + x1)/√2 it is the product of
    e^{−u²/2 + cos(√2 u)} and standard Gaussians, so C_P = max(1, C_P^1D); the certificate is
    osc W ≤ 2 (cos ∈ [−1, 1]) and κ = 1, i.e. C_P ≤ e²."""
    xs = _coords(4)
    ell = -sum(v**2 for v in xs) / 2 + sp.cos(xs[0] + xs[1])
    diff = Diffusion(xs, ell)
    cert = curvature_certificate(diff)
    assert cert.method == "holley_stroock"
    assert cert.oscillation == pytest.approx(2.0, rel=1e-12) and cert.oscillation >= 2.0
    r = poincare_constant(diff, method="rayleigh_ritz")
    assert r.upper == pytest.approx(math.e**2, rel=1e-10)
    one = poincare_1d(lambda u: -(u**2) / 2 + np.cos(math.sqrt(2) * u), 1.0, -math.inf, math.inf,
                      rtol=1e-9)
    exact = max(1.0, one.poincare_constant)
    assert r.lower is not None and r.lower <= exact * (1 + 1e-6) <= r.upper
    assert r.side == "bracket" and r.status == "bound"
    # left to itself the package finds the rotated product and answers the 1D constant, bracketed
    auto = poincare_constant(diff)
    assert auto.method == "symmetry" and auto.status == "ok"
    assert abs(auto.poincare_constant - exact) <= auto.error_estimate + 1e-9 * exact
    assert auto.lower is not None and auto.upper is not None
    assert auto.lower <= exact * (1 + 1e-9) and exact <= auto.upper * (1 + 1e-9) and auto.upper < r.upper


def test_no_certificate_says_lower_bound_only() -> None:
    """A shallow double well in x0 on a box: the constant part of −∇²ℓ is indefinite. Under
    constant D a Lyapunov certificate bounds it (a bracket); under a state-dependent D no
    certificate applies and the Ritz value (the 8-node rule resolves the density) is a lower bound
    only. Left to itself the package solves the independent blocks on grids, inside both."""
    xs = _coords(4)
    ell = -(xs[0] ** 2 - 1) ** 2 - sum(v**2 for v in xs) / 2 - xs[0] * xs[1] / 3
    diff = Diffusion(xs, ell, domain=[(-3, 3)] * 4)
    cert = curvature_certificate(diff)
    assert not cert.certified and "not positive" in cert.reason
    bracket = poincare_constant(diff, quick=True, method="rayleigh_ritz")
    assert bracket.side == "bracket" and bracket.upper is not None and "Lyapunov" in bracket.message
    auto = poincare_constant(diff, quick=True)
    assert auto.method == "blocks" and auto.status == "ok"
    assert bracket.lower is not None and bracket.lower <= auto.poincare_constant <= bracket.upper
    varying = Diffusion(xs, ell, _varying_d(xs), domain=[(-3, 3)] * 4)
    r = poincare_constant(varying, quick=True, method="rayleigh_ritz")
    assert r.side == "lower_bound" and r.status == "bound" and r.upper is None
    assert r.message.startswith("lower bound only") and "no upper bound" in r.message
    assert r.lower is not None and 0 < r.lower <= r.poincare_constant
    assert r.lower <= poincare_constant(varying, quick=True).poincare_constant


def test_an_unresolved_ritz_value_is_no_certificate() -> None:
    """β = 4: the tensor Gauss–Legendre rules (8 and 4 nodes per axis) do not resolve the wells
    and the Ritz value moves by more than half between them. Ritz minus that change was printed
    as a 'certified' lower bound (it can be negative: −50.5 on a rotated version); now there
    is no bound and the status says so."""
    xs = _coords(4)
    ell = -4 * (xs[0] ** 2 - 1) ** 2 - sum(v**2 for v in xs) / 2 - xs[0] * xs[1] / 3
    r = poincare_constant(Diffusion(xs, ell, _varying_d(xs), domain=[(-3, 3)] * 4), quick=True,
                          method="rayleigh_ritz")
    assert r.status == "not_converged" and r.lower is None and r.upper is None
    assert "no certified lower bound" in r.message and r.error_estimate == math.inf


def test_unbounded_without_certificate_is_refused() -> None:
    xs = _coords(4)
    ell = -4 * (xs[0] ** 2 - 1) ** 2 - sum(v**2 for v in xs) / 2 - xs[0] * xs[1] / 3
    with pytest.raises(ModelError, match="finite domain"):
        poincare_constant(Diffusion(xs, ell, _varying_d(xs)), method="rayleigh_ritz")


@pytest.mark.slow
def test_non_reducing_mixture_in_d3_gets_a_bracket() -> None:
    """Four components at the vertices of a tetrahedron (dim U = 3 = d: no reduction), close
    enough that −∇²ℓ ⪰ (1 − r²) I, r the largest distance of a mean from the box centre."""
    s = 0.3
    means = s * np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=float)
    mix = GaussianMixture(tuple(map(tuple, means)), (0.25,) * 4, tuple(map(tuple, np.eye(3))))
    xs = _coords(3)
    r = poincare_constant(Diffusion(xs, None, mixture=mix), quick=True, method="rayleigh_ritz")
    r2 = 3 * s * s
    assert r.upper == pytest.approx(1 / (1 - r2), rel=1e-9)
    assert r.lower is not None and 1.0 <= r.lower * (1 + 1e-9) and r.lower <= r.upper
    assert r.side in ("bracket", "estimate") and r.status in ("bound", "ok")
    # auto takes the d = 3 finite volumes; the certified bound rides along as `upper` and the
    # estimate's interval meets the bracket
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # quick: may stop short of rtol
        fv = poincare_constant(Diffusion(xs, None, mixture=mix), quick=True)
    assert fv.method.startswith("fv3d") and fv.upper == pytest.approx(r.upper, rel=1e-12)
    assert fv.poincare_constant - fv.error_estimate <= r.upper
    assert fv.poincare_constant + fv.error_estimate >= r.lower
