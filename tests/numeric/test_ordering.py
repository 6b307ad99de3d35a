"""Tests of gsmtheory/numeric/_ordering.py: nested dissection of tensor grids for the sparse LU."""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sps
from scipy.sparse.linalg import splu

from gsmtheory.numeric._ordering import PermutedLU, grid_dissection


def _q1_pattern(shape: tuple[int, ...], kept: np.ndarray) -> sps.csc_matrix:
    """A symmetric positive definite matrix with the 27-point (Q1) coupling on the kept nodes."""
    idx = np.arange(np.prod(shape)).reshape(shape)
    rows, cols = [], []
    for off in itertools.product((-1, 0, 1), repeat=len(shape)):
        a = tuple(slice(max(0, -o), s - max(0, o)) for o, s in zip(off, shape))
        b = tuple(slice(max(0, o), s - max(0, -o)) for o, s in zip(off, shape))
        rows.append(idx[a].ravel())
        cols.append(idx[b].ravel())
    r, c = np.concatenate(rows), np.concatenate(cols)
    pos = np.full(idx.size, -1)
    pos[kept] = np.arange(kept.size)
    ok = (pos[r] >= 0) & (pos[c] >= 0)
    r, c = pos[r[ok]], pos[c[ok]]
    A = sps.coo_matrix((np.where(r == c, 30.0, -1.0), (r, c)), shape=(kept.size, kept.size))
    return A.tocsc()


def test_the_order_is_a_permutation_of_the_kept_nodes_with_the_separators_last() -> None:
    shape = (9, 7, 5)
    q = grid_dissection(shape)
    assert sorted(q.tolist()) == list(range(9 * 7 * 5))
    i = np.unravel_index(q[-7 * 5:], shape)  # the first cut is the middle plane of the longest axis
    assert set(i[0].tolist()) == {4}
    kept = np.flatnonzero(np.random.default_rng(0).random(9 * 7 * 5) < 0.7)
    qk = grid_dissection(shape, kept)
    assert sorted(qk.tolist()) == list(range(kept.size))
    # restricting keeps the relative order of the full grid's order
    assert np.array_equal(kept[qk], q[np.isin(q, kept)])


def test_the_permuted_factor_solves_the_system_with_less_fill_on_a_27_point_stencil() -> None:
    shape = (24, 18, 16)
    kept = np.flatnonzero(np.random.default_rng(1).random(int(np.prod(shape))) < 0.95)
    A = _q1_pattern(shape, kept)
    q = grid_dissection(shape, kept)
    opts = {"diag_pivot_thresh": 0.0, "options": {"SymmetricMode": True}}
    mmd = splu(A, permc_spec="MMD_AT_PLUS_A", **opts)
    nd = splu(A[q][:, q].tocsc(), permc_spec="NATURAL", **opts)
    assert nd.L.nnz + nd.U.nnz < 0.8 * (mmd.L.nnz + mmd.U.nnz)
    b = np.random.default_rng(2).standard_normal(kept.size)
    x = PermutedLU(nd, q).solve(b)
    assert np.linalg.norm(A @ x - b) <= 1e-12 * np.linalg.norm(b)
    assert np.allclose(x, mmd.solve(b), rtol=0, atol=1e-13 * np.abs(x).max())
