"""Tests of gsmtheory/numeric/_fv_amg.py: the spectral gap of a large chain by multigrid LOBPCG."""

from __future__ import annotations

import numpy as np
import pytest

import gsmtheory.numeric._fv as fv
import gsmtheory.numeric._fv_amg as fv_amg
from gsmtheory.numeric._fv import reversible_matrix, tensor_chain, top_pinv
from gsmtheory.numeric._fv_amg import RESIDUAL, WarmStart, amg_gap


def _double_well_chain(barrier: float, n: tuple[int, int, int]) -> tuple[np.ndarray, list]:
    """A 3D double well ℓ = −barrier·(x² − 1)² − y²/2 − 2z² on a tensor grid (metastable for large barrier)."""
    faces = [np.linspace(-2.2, 2.2, n[0] + 1), np.linspace(-5.0, 5.0, n[1] + 1), np.linspace(-2.5, 2.5, n[2] + 1)]
    x, y, z = np.meshgrid(*[0.5 * (f[1:] + f[:-1]) for f in faces], indexing="ij")
    ell = -barrier * (x**2 - 1) ** 2 - y**2 / 2 - 2 * z**2
    return tensor_chain(ell, [np.diff(f) for f in faces])


@pytest.fixture
def factorizations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per sparse LU that top_pinv makes from here on (the fallback's, never the multigrid's)."""
    calls: list[int] = []
    real = fv.splu

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(fv, "splu", counted)
    return calls


@pytest.mark.parametrize("barrier", [1.0, 9.0])
def test_the_iterative_gap_is_the_factorized_one(barrier: float, factorizations: list[int]) -> None:
    """Same C_P and eigenfunction as the grounded LU + Lanczos, on a chain of 14,400 cells; at
    barrier 9 the chain is metastable (C_P in the hundreds against 1 across the other axes)."""
    lp, edges = _double_well_chain(barrier, (40, 20, 18))
    lu = top_pinv(lp, edges, 40.0, tol=1e-12, ncv=20, vector=True)
    assert factorizations == [1]
    it = top_pinv(lp, edges, 40.0, tol=1e-12, ncv=20, vector=True, iterative_from=0)
    assert factorizations == [1]  # the multigrid answer was accepted, not the fallback's
    assert lu[1] == it[1] == ""
    assert abs(it[0] - lu[0]) <= 1e-10 * lu[0]
    if barrier > 1:
        assert lu[0] > 100.0  # the slow mode, not the fast y and z ones
    f, g = lu[2] / np.linalg.norm(lu[2]), it[2] / np.linalg.norm(it[2])
    assert abs(abs(float(f @ g)) - 1.0) < 1e-8


@pytest.mark.parametrize(("barrier", "accepted"), [(14.0, True), (20.0, False)])
def test_deep_wells_stay_within_the_residual_bound_or_fall_back(barrier: float, accepted: bool,
                                                                 factorizations: list[int]) -> None:
    """The worst cases found: the smaller the gap against ‖A‖, the larger the rounding in λ = vᵀAv.
    Barrier 14 (C_P ≈ 4.6e4) is accepted within the guaranteed 1e-8 (measured 3.4e-9); at barrier
    20 (C_P ≈ 1.3e7) the residual cannot be reached and the LU answers, the same number."""
    lp, edges = _double_well_chain(barrier, (48, 20, 16))
    lu = top_pinv(lp, edges, 40.0, tol=1e-12, ncv=20)
    it = top_pinv(lp, edges, 40.0, tol=1e-12, ncv=20, iterative_from=0)
    assert factorizations == ([1] if accepted else [1, 1])
    assert abs(it[0] - lu[0]) <= RESIDUAL * lu[0]


def test_an_answer_short_of_its_residual_is_refused() -> None:
    lp, edges = _double_well_chain(6.0, (40, 20, 18))
    keep = lp >= lp.max() - 40.0
    index = -np.ones(lp.size, dtype=np.int64)
    index[keep] = np.arange(int(keep.sum()))
    A = reversible_matrix(lp[keep], edges, keep, index, np.zeros(int(keep.sum())))
    v0 = np.exp(0.5 * (lp[keep] - lp.max()))
    v0 /= np.linalg.norm(v0)
    assert amg_gap(A, v0, max_iterations=0) is None  # twenty iterations alone do not reach r ≤ 1e-8 λ
    value, v = amg_gap(A, v0)
    assert np.linalg.norm(A @ v - value * v) <= RESIDUAL * value


def test_a_refused_gap_leaves_the_answer_to_the_lu(factorizations: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    lp, edges = _double_well_chain(1.0, (24, 12, 12))
    real_gap = fv.amg_gap
    with_amg = top_pinv(lp, edges, 40.0, tol=1e-12, iterative_from=0)
    assert factorizations == []
    monkeypatch.setattr(fv, "amg_gap", lambda A, v0, **kw: real_gap(A, v0, max_iterations=0, **kw))  # refused
    without = top_pinv(lp, edges, 40.0, tol=1e-12, iterative_from=0)
    assert factorizations == [1]
    assert abs(with_amg[0] - without[0]) <= 1e-10 * without[0]


def test_the_warm_start_interpolates_multilinear_functions_exactly() -> None:
    """f = (1 + x)(2 − y)(z + 3) is multilinear: interpolated and extrapolated (the new grid reaches past
    the old centres) without error; nothing is guessed before a grid is remembered."""
    warm = WarmStart()
    old = (np.linspace(-1, 1, 5), np.linspace(0, 2, 4), np.linspace(-3, 3, 7))
    new = (np.linspace(-1.2, 1.2, 9), np.linspace(-0.1, 2.1, 6), np.linspace(-3.3, 3.3, 11))
    assert warm.guess(new) is None
    f = [np.meshgrid(*c, indexing="ij") for c in (old, new)]
    warm.remember(old, ((1 + f[0][0]) * (2 - f[0][1]) * (f[0][2] + 3)).ravel())
    exact = ((1 + f[1][0]) * (2 - f[1][1]) * (f[1][2] + 3)).ravel()
    assert np.allclose(warm.guess(new), exact, rtol=0, atol=1e-12)
    warm.remember(new, None)  # a failed solve keeps the last eigenfunction
    assert warm.f is not None and warm.f.size == 5 * 4 * 7


@pytest.mark.parametrize("barrier", [9.0, 14.0])
def test_a_warm_start_from_a_coarser_grid_gives_the_same_gap_in_fewer_iterations(
        barrier: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """The metastable double well on 40×20×18 cells, started from the 27×14×12 grid's eigenfunction:
    the LU's C_P within the residual bound as from a random start, in fewer LOBPCG iterations (24
    against 32 at barrier 9, 29 against 38 at 14; on the 3D CTLD lift at m = 5, 720 against 1330)."""
    iterations: list[int] = []
    real = fv_amg.lobpcg

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        lam, x, history = real(*args, retResidualNormsHistory=True, **kwargs)
        iterations.append(len(history))
        return lam, x

    monkeypatch.setattr(fv_amg, "lobpcg", counted)

    def centres(n: tuple[int, int, int]) -> tuple[np.ndarray, ...]:
        sides = [(-2.2, 2.2), (-5.0, 5.0), (-2.5, 2.5)]
        return tuple(0.5 * (f[1:] + f[:-1]) for f in (np.linspace(a, b, k + 1) for (a, b), k in zip(sides, n)))

    warm = WarmStart()
    coarse = top_pinv(*_double_well_chain(barrier, (27, 14, 12)), 40.0, tol=1e-12, ncv=20, vector=True)
    warm.remember(centres((27, 14, 12)), coarse[2])
    lp, edges = _double_well_chain(barrier, (40, 20, 18))
    lu = top_pinv(lp, edges, 40.0, tol=1e-12, ncv=20)
    iterations.clear()
    cold = top_pinv(lp, edges, 40.0, tol=1e-12, ncv=20, iterative_from=0)
    n_cold = sum(iterations)
    iterations.clear()
    hot = top_pinv(lp, edges, 40.0, tol=1e-12, ncv=20, iterative_from=0, start=warm.guess(centres((40, 20, 18))))
    n_hot = sum(iterations)
    assert abs(cold[0] - lu[0]) <= RESIDUAL * lu[0] and abs(hot[0] - lu[0]) <= RESIDUAL * lu[0]
    assert n_hot < n_cold, (n_hot, n_cold)
