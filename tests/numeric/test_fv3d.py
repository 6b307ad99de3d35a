"""General 3D targets by finite volumes (fv_poincare_3d): closed forms it was not tuned to."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import sympy as sp

from gsmtheory._errors import ModelError
from gsmtheory.numeric import fv_poincare_3d, poincare_1d, rayleigh_ritz
from gsmtheory.solve import poincare_constant
from gsmtheory.symbolic import Diffusion

INF = math.inf
R3 = [(-INF, INF)] * 3
V = (1.0, 2.0, 0.5)


def _gauss(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    return -x**2 / (2 * V[0]) - y**2 / (2 * V[1]) - z**2 / (2 * V[2])


def _banana(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    return -x**2 / 2 - (y - 0.3 * x**2) ** 2 - z**2 / 2 - 0.5 * (z - 0.3 * x * y) ** 2


def _ring(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    return -2 * (np.sqrt(x**2 + y**2) - 2) ** 2 - z**2 / 2


def test_product_gaussian_is_the_largest_variance() -> None:
    r = fv_poincare_3d(_gauss, 1.0, R3, rtol=1e-3)
    assert r.status == "ok" and r.method == "fv3d" and r.side == "estimate"
    assert abs(r.poincare_constant - 2.0) <= r.error_estimate <= 1e-3 * 2.0
    assert r.lower is not None and r.lower <= 2.0 <= r.poincare_constant + r.error_estimate
    assert r.resolution["truncation_check"]["tails"]  # the cut-off was checked


def test_rotated_anisotropic_gaussian_with_full_constant_d() -> None:
    """C_P = λ_max(D^{-1/2} Σ D^{-1/2}) for a rotated Σ and a non-diagonal D."""
    rng = np.random.default_rng(1)
    Q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    S = Q @ np.diag([3.0, 1.0, 0.4]) @ Q.T
    P = np.linalg.inv(S)
    D = np.array([[1.0, 0.3, 0.1], [0.3, 0.8, -0.2], [0.1, -0.2, 1.2]])

    def ell(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        v = np.stack(np.broadcast_arrays(x, y, z), -1)
        return -0.5 * np.einsum("...i,ij,...j->...", v, P, v)

    w, U = np.linalg.eigh(D)
    Dm = U @ np.diag(w**-0.5) @ U.T
    exact = float(np.linalg.eigvalsh(Dm @ S @ Dm).max())
    r = fv_poincare_3d(ell, D, R3, rtol=1e-3)
    assert r.status == "ok"
    assert abs(r.poincare_constant - exact) <= r.error_estimate <= 1e-3 * exact
    assert r.lower is not None and r.lower <= exact
    assert r.resolution["linear_map"] is not None  # whitened and rotated


def test_product_with_a_state_dependent_axis_is_the_tensorization() -> None:
    """double well ⊗ (N(0, 2), D = 0.6 + 0.4 tanh y) ⊗ Gamma(2.5) on (0, inf): C_P = max of the 1D factors."""
    def dw(x: np.ndarray) -> np.ndarray:
        return -(x**4) / 4 + x**2

    def dy(y: np.ndarray) -> np.ndarray:
        return 0.6 + 0.4 * np.tanh(y)

    parts = [poincare_1d(dw, 1.0, -INF, INF, rtol=1e-9).poincare_constant,
             poincare_1d(lambda y: -y**2 / 4, dy, -INF, INF, rtol=1e-9).poincare_constant,
             poincare_1d(lambda z: 1.5 * np.log(z) - z, 1.0, 0.0, INF, rtol=1e-9).poincare_constant]
    exact = max(parts)
    assert exact == parts[1]  # the state-dependent axis carries C_P

    def ell(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        return dw(x) - y**2 / 4 + 1.5 * np.log(z) - z

    def D(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, ...]:
        return (1.0 + 0 * x, dy(y), 1.0 + 0 * z)

    r = fv_poincare_3d(ell, D, [(-INF, INF), (-INF, INF), (0.0, INF)], rtol=1e-2)
    assert r.resolution["diffusion"] == "diagonal"
    assert abs(r.poincare_constant - exact) <= r.error_estimate <= 1e-2 * exact
    assert r.lower is not None and r.lower <= exact


def test_vanishing_normal_d_at_a_face_is_a_one_line_error() -> None:
    def D(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, ...]:
        return (1.0 + 0 * x, y, 1.0 + 0 * z)

    with pytest.raises(ModelError, match="vanishes on the face"):
        fv_poincare_3d(lambda x, y, z: -x**2 / 2 + 1.5 * np.log(y) - y - z**2 / 2, D,
                       [(-INF, INF), (0.0, INF), (-INF, INF)])


def test_a_small_cut_off_enters_the_error() -> None:
    """At tail = 6 the box is ±3.5 sd: the C_P of the cut target is below 2, and the error says so."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        r = fv_poincare_3d(_gauss, 1.0, R3, rtol=1e-3, tail=6.0, bounds=False)
    assert r.resolution["truncation_error"] > 0
    assert abs(r.poincare_constant - 2.0) <= r.error_estimate


@pytest.mark.slow
@pytest.mark.parametrize("ell", [_ring, _banana], ids=["ring", "banana"])
def test_non_separable_lower_bounds_and_estimate_are_ordered(ell) -> None:  # type: ignore[no-untyped-def]
    """Polynomial Rayleigh–Ritz and the bound with g_h lie below the estimate (within its error);
    on the ring, where polynomials are poor, g_h makes the bound better than Rayleigh–Ritz."""
    r = fv_poincare_3d(ell, 1.0, R3, rtol=1e-2)
    assert r.status == "ok" and r.lower is not None
    rr = rayleigh_ritz(lambda x: ell(x[:, 0], x[:, 1], x[:, 2]),
                       lambda x: np.broadcast_to(np.eye(3), (x.shape[0], 3, 3)),
                       box=np.array(r.truncation), degree=4, nodes=40)
    top = r.poincare_constant + r.error_estimate
    assert rr.poincare_constant <= top and r.lower <= top
    if ell is _ring:
        assert rr.poincare_constant < r.lower


@pytest.mark.slow
def test_banana_error_covers_a_finer_run() -> None:
    coarse = fv_poincare_3d(_banana, 1.0, R3, rtol=1e-2, bounds=False)
    fine = fv_poincare_3d(_banana, 1.0, R3, rtol=1e-2, resolution=1.6, bounds=False)
    assert fine.resolution["shape"] != coarse.resolution["shape"]
    assert abs(coarse.poincare_constant - fine.poincare_constant) <= coarse.error_estimate
    assert fine.error_estimate < coarse.error_estimate


@pytest.mark.slow
def test_dispatcher_sends_a_non_separable_3d_target_to_finite_volumes() -> None:
    x, y, z = sp.symbols("x y z", real=True)
    ell = -x**2 / 2 - (y - sp.Rational(3, 10) * x**2) ** 2 - z**2 / 2 - (z - sp.Rational(3, 10) * x * y) ** 2 / 2
    r = poincare_constant(Diffusion((x, y, z), ell), quick=True)
    assert (r.method, r.side, r.status) == ("fv3d", "estimate", "ok")
    direct = fv_poincare_3d(_banana, 1.0, R3, rtol=1e-2)
    assert r.poincare_constant == pytest.approx(direct.poincare_constant, rel=1e-9)
    assert r.lower is not None and r.lower <= r.poincare_constant + r.error_estimate


def test_off_diagonal_state_dependent_d_is_a_lower_bound_only() -> None:
    def D(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        m = np.zeros((*np.broadcast_shapes(x.shape, y.shape, z.shape), 3, 3))
        m[..., 0, 0] = m[..., 1, 1] = m[..., 2, 2] = 1.0 + 0.1 * np.tanh(x) ** 2
        m[..., 0, 1] = m[..., 1, 0] = 0.2
        return m

    r = fv_poincare_3d(_gauss, D, R3)
    assert (r.side, r.status) == ("lower_bound", "bound")
    assert 0 < r.poincare_constant <= 2.0 / 0.8  # D ⪰ 0.8 I: C_P <= 2/0.8


def test_non_diagonal_constant_d_on_a_finite_box_is_a_one_line_error() -> None:
    D = np.array([[1.0, 0.3, 0.0], [0.3, 1.0, 0.0], [0.0, 0.0, 1.0]])
    with pytest.raises(ModelError, match="non-diagonal constant D"):
        fv_poincare_3d(_gauss, D, [(-1.0, 1.0), (-INF, INF), (-INF, INF)])
