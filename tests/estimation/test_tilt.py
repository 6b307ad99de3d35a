"""Claim 8: tilts p_θ ∝ p e^{θh}: Γ_GSM/Γ_MLE = Var(h)E[(L_s h)²]/E(h)² ≥ 1, = 1 for eigenfunctions."""

from __future__ import annotations

import pytest
import sympy as sp

from gsmtheory.estimation import efficiency, tilt_efficiency
from gsmtheory.symbolic import Model, load_spec


def _x(diffusion):
    return diffusion.coords[0]


@pytest.mark.parametrize("h", ["x", "x**2 - 1", "x**3 - 3*x", "x**4 - 6*x**2 + 3"])
def test_hermite_polynomials_are_efficient_under_ou(h):
    d = load_spec("gaussian", {"sigma": 1.0}).diffusion
    t = tilt_efficiency(d, h)
    assert abs(t.ratio - 1) < 1e-10
    assert t.is_eigenfunction
    assert abs(t.sandwich_ratio - t.ratio) < 1e-9  # the sandwich of the model ℓ + θh agrees


@pytest.mark.parametrize("h", ["x**3", "x**2 + x**4", "tanh(x)"])
def test_non_eigenfunctions_lose_efficiency(h):
    d = load_spec("gaussian", {"sigma": 1.0}).diffusion
    t = tilt_efficiency(d, h)
    assert t.ratio > 1 + 1e-3
    assert not t.is_eigenfunction
    assert abs(t.sandwich_ratio - t.ratio) < 1e-9 * t.ratio


def test_jacobi_polynomials_are_efficient_under_the_jacobi_diffusion():
    spec = load_spec("jacobi", {"a": 2.0, "b": 3.0})
    x = _x(spec.diffusion)
    a, b = 2.0, 3.0
    p1 = x
    c = -(2 * a + 2) / (a + b + 2)
    p2 = x**2 + c * x  # L(x² + cx) = −(2a+2b+2)(x² + cx) + const
    for h, eig in ((p1, a + b), (p2, 2 * a + 2 * b + 2)):
        t = tilt_efficiency(spec.diffusion, h)
        assert abs(t.ratio - 1) < 1e-9, (h, t.ratio)
        assert t.eigenvalue == pytest.approx(eig, rel=1e-8)
    assert tilt_efficiency(spec.diffusion, x**2).ratio > 1 + 1e-3


def test_tilt_formula_equals_the_sandwich_for_the_double_well():
    """Γ_GSM = Var(h)E[(Lh)²]/E(h)² · Γ_MLE, entry by entry, for the catalogue's tilted double well."""
    spec = load_spec("double-well", {"beta": 2.0})
    eff = efficiency(spec, poincare=False)
    t = tilt_efficiency(spec.diffusion, _x(spec.diffusion), compare_sandwich=False)
    assert eff.gsm_covariance[0, 0] == pytest.approx(t.ratio * eff.mle_covariance[0, 0], rel=1e-9)
    assert eff.mle_covariance[0, 0] == pytest.approx(1 / t.variance, rel=1e-9)


def test_tilt_ratio_with_state_dependent_diffusion():
    """L_s carries D(x): the formula and the sandwich still agree (equivalent formulations)."""
    spec = load_spec("state-dependent-langevin")
    x = _x(spec.diffusion)
    theta = sp.Symbol("th", real=True)
    model = Model.from_log_density((x,), (theta,), spec.diffusion.log_density + theta * sp.sin(x), [0.0])
    eff = efficiency(spec.diffusion, model, poincare=False)
    t = tilt_efficiency(spec.diffusion, sp.sin(x), compare_sandwich=False)
    assert eff.ratio == pytest.approx(t.ratio, rel=1e-9)
    assert t.ratio >= 1
