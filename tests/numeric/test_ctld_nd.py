"""Tests of gsmtheory/numeric/_ctld_nd.py.

CTLD C_P in any d by angular sectors (issue #14): against the 3D lift at d = 2, the bound
C_P ≥ E_r[s²], rotation invariance, anisotropy, d = 1000, a sheared metric, lower bounds beyond 3D;
the lifted chi-square against its closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from gsmtheory._errors import SpecError
from gsmtheory.numeric import (
    CTLDSchedule,
    ctld_poincare_3d,
    ctld_poincare_nd,
    lifted_chi_square,
)
from gsmtheory.solve import ctld_schedule
from gsmtheory.symbolic import GaussianMixture, ctld_parameters


def _e_s2(p: CTLDSchedule, sigma2: float) -> float:
    """E_r[s²] = σ² + λ E_r[β], the β-integral by adaptive quadrature (not the law's fixed panels)."""
    dens = lambda b: float(np.exp(p.law.logpdf(np.array([b]))[0]))  # noqa: E731
    return sigma2 + p.lambda_min * quad(lambda b: b * dens(b), 0.0, p.beta_max, epsabs=0, epsrel=1e-13, limit=200)[0]


def _mix(half: np.ndarray, cov: np.ndarray | None = None) -> GaussianMixture:
    d = half.size
    c = np.eye(d) if cov is None else cov
    return GaussianMixture((tuple(-half), tuple(half)), (0.5, 0.5), tuple(map(tuple, c)))


def _pair(d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mu = np.zeros((2, d))
    mu[0, 0], mu[1, 0] = -3.0, 3.0
    return mu, np.array([0.5, 0.5]), np.eye(d)


_P3 = ctld_schedule(ctld_parameters(GaussianMixture(((-3.0,), (3.0,)), (0.5, 0.5), ((1.0,),))))


@pytest.mark.slow
def test_d2_sectors_equal_the_3d_lift() -> None:
    """d = 2, K = 2: sectors on (u, ρ, β) against the 3D lift on (x, y, β) (independent grids)."""
    mix = _mix(np.array([1.0, 0.0]))
    p = ctld_schedule(ctld_parameters(mix))
    nd = ctld_poincare_nd(mix, p, resolution=0.8)
    ref = ctld_poincare_3d(mix, p, resolution=0.8)
    assert nd.status == ref.status == "ok"
    assert abs(nd.poincare_constant - ref.poincare_constant) <= nd.error_estimate + ref.error_estimate
    assert nd.poincare_constant >= nd.resolution["lower_bound_Er_s2"]


@pytest.mark.slow
def test_d3_rotation_invariant_and_above_the_second_moment_bound() -> None:
    d = 3
    axis = np.array([1.0, 0.0, 0.0])
    diag = np.full(d, 1.0 / math.sqrt(d))
    p = ctld_schedule(ctld_parameters(_mix(axis)))
    a = ctld_poincare_nd(_mix(axis), p)
    b = ctld_poincare_nd(_mix(diag), p)
    assert a.status == b.status == "ok"
    assert b.poincare_constant == pytest.approx(a.poincare_constant, rel=1e-9)
    bound = _e_s2(p, 1.0)
    assert a.resolution["lower_bound_Er_s2"] == pytest.approx(bound, rel=1e-10)
    assert a.poincare_constant >= bound
    # v₁ itself lies in sector 1 (h ≡ 1), so C_1 ≥ E_r[s²] up to the grid error
    c1 = a.resolution["sector1"]
    assert c1["poincare_constant"] + c1["error_estimate"] >= bound


@pytest.mark.slow
def test_anisotropic_d2_sectors_equal_the_3d_lift() -> None:
    """Σ = diag(a, b), a ≠ b, means along e₁: sectors (s² = b + βλ on U^⊥, Σ_U + βλ along U)
    against the 3D lift on (x, y, β), and above Var(v₁)/E|∇v₁|² = E_r[b + λβ]."""
    mix = _mix(np.array([1.5, 0.0]), np.diag([2.0, 0.5]))
    p = ctld_schedule(ctld_parameters(mix))
    assert p.lambda_min == pytest.approx(0.5)
    nd = ctld_poincare_nd(mix, p, resolution=0.8)
    ref = ctld_poincare_3d(mix, p, resolution=0.8)
    assert nd.status == ref.status == "ok"
    assert abs(nd.poincare_constant - ref.poincare_constant) <= nd.error_estimate + ref.error_estimate
    assert nd.resolution["sigma2_perp"] == pytest.approx(0.5)
    assert nd.resolution["lower_bound_Er_s2"] == pytest.approx(_e_s2(p, 0.5), rel=1e-10)
    assert nd.poincare_constant >= nd.resolution["lower_bound_Er_s2"]


@pytest.mark.slow
def test_ridge_coordinate_agrees_with_rho() -> None:
    """t = ρ/s(β) with finite elements (sheared metric) against ρ with finite volumes at d = 31."""
    fv = ctld_poincare_nd(_pair(31), _P3, resolution=0.8, radial="rho")
    fe = ctld_poincare_nd(_pair(31), _P3, resolution=0.8, radial="ridge")
    assert fv.status == fe.status == "ok" and fe.resolution["radial_coordinate"].startswith("t =")
    assert abs(fv.poincare_constant - fe.poincare_constant) <= fv.error_estimate + fe.error_estimate


@pytest.mark.slow
def test_d_1000_at_fixed_diameter() -> None:
    """d = 1000, which the ρ grid cannot resolve: converged, above E_r[s²] and above d = 3."""
    big = ctld_poincare_nd(_pair(1000), _P3, resolution=0.8)
    assert big.status == "ok" and big.relative_error < 1e-3
    assert big.resolution["complement_dim"] == 999 and big.resolution["radial_coordinate"].startswith("t =")
    assert big.poincare_constant >= big.resolution["lower_bound_Er_s2"]
    small = ctld_poincare_nd(_pair(3), _P3, resolution=0.8)
    assert big.poincare_constant - big.error_estimate > small.poincare_constant + small.error_estimate


def test_sheared_metric_gives_the_gaussian_closed_form() -> None:
    """N(0, I₃) with the constant metric A: C = 1/λ_min(A) (linear eigenfunctions), off-diagonal A."""
    from gsmtheory.numeric._fem3d import fem_poincare_3d

    A = np.array([[1.0, 0.0, 0.0], [0.0, 5.0, -2.0], [0.0, -2.0, 1.0]])

    def metric(x, y, z):  # type: ignore[no-untyped-def]
        o = np.ones(np.broadcast(x, y, z).shape)
        return A[0, 0] * o, A[0, 1] * o, A[0, 2] * o, A[1, 1] * o, A[1, 2] * o, A[2, 2] * o

    r = fem_poincare_3d(lambda x, y, z: -(x * x + y * y + z * z) / 2, metric, [(-9, 9)] * 3,
                        shape=(12, 16, 12), rtol=1e-3)
    exact = 1.0 / float(np.linalg.eigvalsh(A).min())
    assert r.status == "ok"
    assert abs(r.poincare_constant - exact) <= r.error_estimate
    with pytest.raises(SpecError, match="finite with lo < hi"):
        fem_poincare_3d(lambda x, y, z: -x * x, metric, [(-9, 9), (1, 1), (-9, 9)])
    with pytest.raises(SpecError, match="three increasing"):
        fem_poincare_3d(lambda x, y, z: -x * x, metric, [(-9, 9)] * 3, levels=(1.0, 2.0))


@pytest.mark.slow
def test_reduced_problems_beyond_3d_give_lower_bounds_only() -> None:
    """Σ = diag(1, 1, 2), means along e₁: two eigenspaces on U^⊥, a 4D problem (u, ρ₁, ρ₂, β).
    The bound holds the marginal (x, z, β) problem, which is the 3D lift of the 2D mixture with
    Σ = diag(1, 2) (an independent solver), and never reads as a value."""
    p = ctld_schedule(ctld_parameters(_mix(np.array([1.0, 0.0, 0.0]))))
    r = ctld_poincare_nd(_mix(np.array([1.0, 0.0, 0.0]), np.diag([1.0, 1.0, 2.0])), p, resolution=0.8)
    assert r.status == "bound" and r.side == "lower_bound" and "lower bound only" in r.message
    assert r.resolution["reduced_problem_dim"] == 4
    ref = ctld_poincare_3d(_mix(np.array([1.0, 0.0]), np.diag([1.0, 2.0])), p, resolution=0.8)
    marg = r.resolution["marginal_bounds"]
    wide = marg["(e.u, rho_j, beta), sigma_j^2 = 2 (m_j = 1), sector 0"]
    assert abs(wide["estimate"] - ref.poincare_constant) <= wide["error"] + ref.error_estimate
    assert r.poincare_constant == max(v["bound"] for v in marg.values())
    # e·u and v in the σ² = 2 eigenspace: Var/E = E_r[2 + λβ] (Σ_U + Cov_w(a) = 1 + 1 = 2)
    assert r.lower == pytest.approx(_e_s2(p, 2.0), rel=1e-10)
    three = GaussianMixture(((0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0)), (1, 1, 1),
                            tuple(map(tuple, np.eye(3))))
    b = ctld_poincare_nd(three, p, resolution=0.8)
    assert b.status == "bound" and b.side == "lower_bound" and "dim U = 2" in b.message
    assert b.lower is not None and b.resolution["reduced_problem_dim"] == 4
    assert b.poincare_constant >= b.lower > 0
    with pytest.raises(SpecError, match="radial"):
        ctld_poincare_nd(three, p, radial="polar")


_MIX1 = GaussianMixture(((-1.0,), (1.0,)), (0.5, 0.5), ((1.0,),))


def test_chi_square_closed_form_small_beta_max() -> None:
    p = ctld_parameters(_MIX1, beta_max=1e-9, log_r="0")
    assert lifted_chi_square(_MIX1, ctld_schedule(p), 0, 1) == pytest.approx(math.expm1(4.0), rel=1e-6)
