"""Symmetry reduction of shared-covariance mixtures (issue #14): C_P in any d from 1D/2D solves."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import special_ortho_group

from gsmtheory.numeric import (
    mixture_logpdf,
    poincare_1d,
    poincare_2d,
    reduce_mixture,
    reduced_poincare,
)
from gsmtheory.solve import poincare_constant
from gsmtheory.symbolic import parse_spec

INF = math.inf


def _c1d(a: float, var: float = 1.0) -> float:
    """C_P of ½N(−a, var) + ½N(a, var) by the 1D solver directly (an independent formulation)."""
    mix = (np.array([[-a], [a]]), np.array([0.5, 0.5]), np.array([[var]]))
    r = poincare_1d(lambda x: mixture_logpdf(mix, x[..., None]), 1.0, -INF, INF,
                    points=np.array([-a, a]))
    assert r.status == "ok"
    return r.poincare_constant


@pytest.fixture(scope="module")
def c3() -> float:
    return _c1d(3.0)


def _spec(means: np.ndarray, cov: np.ndarray, D: np.ndarray | None = None) -> str:
    d = means.shape[1]
    coords = ", ".join(f'"x{i}"' for i in range(d))
    text = (f"coords = [{coords}]\n[mixture]\nmeans = {means.tolist()}\n"
            f"weights = {[1.0 / len(means)] * len(means)}\ncovariance = {cov.tolist()}\n")
    if D is not None:
        text += f"[diffusion]\nD = {[[repr(float(v)) for v in row] for row in D]}\n"
    return text.replace("'", '"')


@pytest.mark.parametrize("d", [3, 5, 10])
def test_diagonal_mixture_in_d_is_the_1d_value(d: int, c3: float) -> None:
    """½N(−3·1/√d, I) + ½N(3·1/√d, I): the issue's measured case, through the dispatcher."""
    m = 3.0 / math.sqrt(d)
    spec = parse_spec(_spec(np.array([[-m] * d, [m] * d]), np.eye(d)))
    r = poincare_constant(spec.diffusion)
    assert (r.status, r.side) == ("ok", "estimate")
    assert r.resolution["reduced_dim"] == 1 and r.resolution["complement_lambda_max"] == 1.0
    assert r.poincare_constant == pytest.approx(c3, rel=1e-8)
    assert r.error_estimate < 1e-6 * r.poincare_constant


def test_rotated_and_axis_aligned_agree(c3: float) -> None:
    d = 6
    R = special_ortho_group.rvs(d, random_state=3)
    e = np.zeros(d)
    e[0] = 3.0
    axis = reduced_poincare((np.stack([-e, e]), [0.5, 0.5], np.eye(d)))
    rot = reduced_poincare((np.stack([-R @ e, R @ e]), [0.5, 0.5], np.eye(d)))
    assert rot.poincare_constant == pytest.approx(axis.poincare_constant, rel=1e-9)
    assert axis.poincare_constant == pytest.approx(c3, rel=1e-8)


def test_anisotropic_gaussian_factor_dominates() -> None:
    """Σ = diag(1, 4, 0.5), means ±0.5 e₁: the mixture factor's C_P ≈ 1.25 < 4 = λ_max(S_⊥)."""
    cov = np.diag([1.0, 4.0, 0.5])
    means = np.array([[-0.5, 0, 0], [0.5, 0, 0]])
    red = reduce_mixture((means, [0.5, 0.5], cov))
    assert red.reduced_dim == 1 and red.complement_lambda_max == 4.0
    r = reduced_poincare((means, [0.5, 0.5], cov))
    assert r.poincare_constant == 4.0 and r.side == "exact"
    assert _c1d(0.5) < 4.0


def test_anisotropic_mixture_factor_dominates(c3: float) -> None:
    cov = np.diag([1.0, 4.0, 0.5])
    means = np.array([[-3.0, 0, 0], [3.0, 0, 0]])
    r = reduced_poincare((means, [0.5, 0.5], cov))
    assert r.poincare_constant == pytest.approx(c3, rel=1e-8) and r.side == "estimate"


def test_difference_spread_over_eigenspaces_gives_a_2d_problem() -> None:
    """Σ = diag(1, 2, 3, 3, 3), δ/2 = (m, 0, m/√3, m/√3, m/√3): U = span(e₁, (0,0,1,1,1)/√3),
    S_U = diag(1, 3), reduced means ±(m, m); compare with the 2D solver on that mixture."""
    m = 1.5
    cov = np.diag([1.0, 2.0, 3.0, 3.0, 3.0])
    half = np.array([m, 0.0, m / math.sqrt(3), m / math.sqrt(3), m / math.sqrt(3)])
    red = reduce_mixture((np.stack([-half, half]), [0.5, 0.5], cov))
    assert red.reduced_dim == 2 and red.complement_lambda_max == 3.0
    assert dict(red.complement_eigenvalues) == {2.0: 1, 3.0: 2}
    assert sorted(np.diag(red.reduced.covariance)) == [1.0, 3.0]
    r = reduced_poincare((np.stack([-half, half]), [0.5, 0.5], cov))
    mix2 = (np.array([[-m, -m], [m, m]]), [0.5, 0.5], np.diag([1.0, 3.0]))
    ref = poincare_2d(lambda x, y: mixture_logpdf(mix2, np.stack(np.broadcast_arrays(x, y), -1)),
                      1.0, ((-INF, INF), (-INF, INF)), points=mix2[0])
    assert r.status == ref.status == "ok"
    assert r.poincare_constant == pytest.approx(ref.poincare_constant,
                                                abs=r.error_estimate + ref.error_estimate)


def test_whitening_by_constant_D() -> None:
    """Σ = D = M (SPD, not diagonal): S = I, whitened means ±M^{-1/2}μ, C_P = C_1D(|M^{-1/2}μ|)."""
    A = np.array([[2.0, 0.5, 0.1, 0.0], [0.5, 1.5, 0.2, 0.1], [0.1, 0.2, 1.0, 0.3],
                  [0.0, 0.1, 0.3, 1.2]])
    M = A @ A.T
    mu = np.array([1.0, -2.0, 0.5, 1.5])
    ev, V = np.linalg.eigh(M)
    a = float(np.linalg.norm((V * ev**-0.5) @ V.T @ mu))
    spec = parse_spec(_spec(np.stack([-mu, mu]), M, D=M))
    r = poincare_constant(spec.diffusion)
    assert r.resolution["reduced_dim"] == 1
    assert r.poincare_constant == pytest.approx(_c1d(a), rel=1e-7)


def test_equal_means_is_the_gaussian_closed_form() -> None:
    cov = np.diag([1.0, 2.5, 0.3])
    mu = np.array([1.0, 2.0, 3.0])
    r = reduced_poincare((np.stack([mu, mu]), [0.3, 0.7], cov))
    assert r.poincare_constant == 2.5 and r.side == "exact"


def test_large_reduced_dimension_is_a_lower_bound_not_a_value() -> None:
    """K = 4 generic means in d = 5 (isotropic): dim U = 3, Rayleigh–Ritz, side lower_bound."""
    rng = np.random.default_rng(0)
    means = rng.normal(size=(4, 5)) * 2
    r = reduced_poincare((means, [0.25] * 4, np.eye(5)))
    assert r.resolution["reduced_dim"] == 3
    assert (r.side, r.status) == ("lower_bound", "bound")


def test_no_reduction_in_2d_keeps_the_2d_solver() -> None:
    spec = parse_spec(_spec(np.array([[-1.0, 0.5], [1.0, -0.2]]), np.array([[1.0, 0.3], [0.3, 2.0]])))
    r = poincare_constant(spec.diffusion, quick=True)
    assert r.method == "fv2d"


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), d=st.integers(2, 12), k=st.integers(2, 4))
def test_reduction_is_rotation_invariant(seed: int, d: int, k: int) -> None:
    """For R commuting with Σ (Σ isotropic here), p and its rotation reduce to congruent problems."""
    rng = np.random.default_rng(seed)
    means = rng.normal(size=(k, d)) * 2
    R = special_ortho_group.rvs(d, random_state=seed) if d > 1 else np.eye(1)
    a = reduce_mixture((means, np.full(k, 1 / k), 1.7 * np.eye(d)))
    b = reduce_mixture((means @ R.T, np.full(k, 1 / k), 1.7 * np.eye(d)))
    assert a.reduced_dim == b.reduced_dim == min(k - 1, d)
    da = np.linalg.norm(a.reduced.means[:, None] - a.reduced.means[None], axis=-1)
    db = np.linalg.norm(b.reduced.means[:, None] - b.reduced.means[None], axis=-1)
    np.testing.assert_allclose(da, db, atol=1e-10)
    np.testing.assert_allclose(da, np.linalg.norm(means[:, None] - means[None], axis=-1), atol=1e-10)
    assert a.complement_lambda_max == (1.7 if d > k - 1 else 0.0)
    # the map u = Bᵀz is an isometry on the mean differences
    np.testing.assert_allclose(a.to_reduced(means), a.reduced.means, atol=1e-12)


def test_isotropic_covariance_shorthand_in_d_10(c3: float) -> None:
    d = 10
    m = 3.0 / math.sqrt(d)
    coords = ", ".join(f'"x{i}"' for i in range(d))
    spec = parse_spec(f"coords = [{coords}]\n[mixture]\nmeans = {[[-m] * d, [m] * d]}\n"
                      "weights = [0.5, 0.5]\ncovariance = 1.0\n")
    assert np.array_equal(np.array(spec.diffusion.mixture.covariance), np.eye(d))
    assert poincare_constant(spec.diffusion).poincare_constant == pytest.approx(c3, rel=1e-8)


def test_krylov_path_matches_the_eigendecomposition() -> None:
    """Dense Σ = Q diag(e) Qᵀ in d = 40 with a repeated eigenvalue; δ touches two eigenspaces."""
    d = 40
    Q = special_ortho_group.rvs(d, random_state=5)
    e = np.concatenate([[1.0, 1.0, 1.0], np.linspace(1.5, 3.0, d - 3)])
    cov = (Q * e) @ Q.T
    half = 1.2 * (Q[:, 0] + Q[:, 1]) + 0.7 * Q[:, 5]
    mix = (np.stack([-half, half, 0.3 * half]), [0.3, 0.3, 0.4], cov)
    a = reduce_mixture(mix)
    b = reduce_mixture(mix, dense_limit=10)
    assert (a.method, b.method) == ("eigh", "krylov")
    assert a.reduced_dim == b.reduced_dim == 2
    np.testing.assert_allclose(np.sort(np.diag(a.reduced.covariance)),
                               np.sort(np.diag(b.reduced.covariance)), rtol=1e-10)
    assert a.complement_lambda_max == pytest.approx(3.0, rel=1e-12)
    assert b.complement_lambda_max == pytest.approx(3.0, rel=1e-10)
    # the same reduced problem: equal pairwise distances of the reduced means
    da = np.linalg.norm(a.reduced.means[:, None] - a.reduced.means[None], axis=-1)
    db = np.linalg.norm(b.reduced.means[:, None] - b.reduced.means[None], axis=-1)
    np.testing.assert_allclose(da, db, atol=1e-10)
