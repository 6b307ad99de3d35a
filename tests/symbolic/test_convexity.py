"""Curvature certificates (gsmtheory/symbolic/_convexity.py): what is proved, a constant D, even powers
of affine forms."""

from __future__ import annotations

import math

import pytest
import sympy as sp

from gsmtheory.symbolic import Diffusion, curvature_certificate


def _coords(d: int) -> tuple[sp.Symbol, ...]:
    return sp.symbols(f"x0:{d}", real=True)


@pytest.mark.parametrize(("ell", "why"), [
    (lambda x: -sum(v**2 for v in x) / 2 + x[0] ** 3, "PSD"),
    (lambda x: -sum(v**2 for v in x) / 2 + sp.exp(x[0]), "bounded"),
    (lambda x: -sum(v**2 for v in x) / 2 - x[0] ** 2 * x[1] ** 2, "PSD"),  # −∇² indefinite
])
def test_no_certificate_for_what_is_not_proved(ell, why: str) -> None:  # type: ignore[no-untyped-def]
    xs = _coords(3)
    cert = curvature_certificate(Diffusion(xs, ell(xs)))
    assert cert.kappa is None and why in cert.reason and cert.upper_bound == math.inf


def test_certificate_respects_a_constant_d() -> None:
    """−∇²ℓ = I ⪰ κ D⁻¹ with D = diag(2, 1, 1): κ = 1, C_P ≤ 1 = λ_max(D^{-1/2} I D^{-1/2})."""
    xs = _coords(3)
    cert = curvature_certificate(Diffusion(xs, -sum(v**2 for v in xs) / 2, sp.diag(2, 1, 1)))
    assert cert.kappa == pytest.approx(1.0, rel=1e-10)
    cert = curvature_certificate(Diffusion(xs, -sum(v**2 for v in xs) / 2,
                                           sp.diag(sp.Rational(1, 2), 1, 1)))
    assert cert.kappa == pytest.approx(0.5, rel=1e-10)


def test_even_power_of_an_affine_form_is_convex() -> None:
    xs = _coords(3)
    ell = -sum(v**2 for v in xs) / 2 - (xs[0] - 2 * xs[1] + 1) ** 4
    cert = curvature_certificate(Diffusion(xs, ell))
    assert cert.kappa == pytest.approx(1.0, rel=1e-10)
