r"""Finite volumes on tensor grids, shared by the 1D, 2D, 3D and lifted solvers.

One implementation of each piece of the reversible finite-volume scheme (docs/design.md §6):

- grids: :mod:`gsmtheory.numeric._fv_grid` (maps, stretched faces, the cut-off probes);
- the chain: :func:`tensor_chain` builds, on a tensor grid of cells with masses
  π_i = p_i V_i, the edges between neighbours along each axis with conductances
  c_ij = p_f D_f A / δ (p_f the density on the face, by default the geometric mean
  sqrt(p_i p_j); D_f the normal diffusion coefficient there; A the face area, δ the distance
  of the centres). The chain is reversible with respect to π and its Dirichlet form
  Σ c_ij (f_j − f_i)² is consistent with E(g) = E_p[∇gᵀ D ∇g] for diagonal D;
- the generator: :func:`reversible_matrix`, the symmetrized −Π^{1/2} L Π^{-1/2};
- the eigen-solve: :func:`top_pinv` (C_P = top eigenvalue of the pseudo-inverse, grounded
  sparse LU + Lanczos, optionally with the eigenvector) and :func:`top_inv` (with a positive
  potential, no grounding);
- extrapolation, the order check, the cut-off step and the status rule live in the ladder
  every discretisation shares, :mod:`gsmtheory.numeric._ladder`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sps
from numpy.typing import NDArray
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh, splu

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.numeric._fv_amg import amg_gap

__all__ = [
    "ChainFailure",
    "Edges",
    "cell_log_density",
    "constant_matrix",
    "reversible_matrix",
    "tensor_chain",
    "top_inv",
    "top_pinv",
]

Array = NDArray[np.float64]
Edges = list[tuple[Any, Any, Array]]


# ----------------------------------------------------------------------------- the chain
def cell_log_density(log_density: Callable[..., Any], *coords: Array) -> Array:
    """ℓ at broadcasting coordinate arrays, checked: NaN or +inf raise, all −inf raises."""
    with np.errstate(all="ignore"):
        shape = np.broadcast_shapes(*(np.shape(c) for c in coords))
        ell = np.asarray(log_density(*coords), dtype=np.float64) * np.ones(shape)
    if np.any(np.isnan(ell)):
        raise NumericalError("log density is NaN inside the box", "check the parameters and the box")
    if np.any(ell == np.inf):
        raise NumericalError("log density is +inf inside the box", "check the formula")
    if not np.any(np.isfinite(ell)):
        raise ModelError("the density is zero on the whole box", "check the log density and the box")
    return ell


def tensor_chain(ell: Array, widths: Sequence[Array], *,
                 face_log: Sequence[Array | None] | None = None,
                 face_coef: Sequence[Array | None] | None = None,
                 extra: Edges | None = None) -> tuple[Array, Edges]:
    r"""Normalized log π and edges (i, j, log c_ij) of the reversible chain on a tensor grid.

    π_i = p_i V_i (V_i = ∏_k widths[k][i_k]); along axis k the neighbours i, j share a face of
    area A (the product of the other widths) with centres δ = (w_i + w_j)/2 apart, and
    c_ij = p_f D_f A / δ with log p_f = ``face_log[k]`` (default ½(ℓ_i + ℓ_j), the geometric
    mean) and D_f = ``face_coef[k]`` (default 1; 0 removes the edge). ``extra`` edges (flat
    indices, unnormalized log c) are added as they are (the diagonal edges of an off-diagonal
    D). Masses and conductances are divided by Σ π.

    Parameters
    ----------
    ell : array, shape (n_1, ..., n_d)
        log p at the cell centres (−inf allowed: a cell without mass).
    widths : sequence of d arrays
        Cell widths along each axis.
    """
    d = ell.ndim
    lw = [np.log(np.asarray(w, dtype=np.float64)) for w in widths]
    lvol = np.zeros((1,) * d)
    for k in range(d):
        lvol = lvol + lw[k].reshape([-1 if j == k else 1 for j in range(d)])
    lp = ell + lvol
    idx = np.arange(ell.size).reshape(ell.shape)
    edges: Edges = []
    for k in range(d):
        a, b = [slice(None)] * d, [slice(None)] * d
        a[k], b[k] = slice(0, -1), slice(1, None)
        ta, tb = tuple(a), tuple(b)
        w = np.asarray(widths[k], dtype=np.float64)
        sh = [-1 if j == k else 1 for j in range(d)]
        larea = np.zeros((1,) * d)
        for j in range(d):
            if j != k:
                larea = larea + lw[j].reshape([-1 if i == j else 1 for i in range(d)])
        given = None if face_log is None else face_log[k]
        lf: Array = 0.5 * (ell[ta] + ell[tb]) if given is None else np.asarray(given, dtype=np.float64)
        lc = lf + larea - np.log(0.5 * (w[1:] + w[:-1])).reshape(sh)
        if face_coef is not None and face_coef[k] is not None:
            with np.errstate(divide="ignore"):
                lc = lc + np.log(np.asarray(face_coef[k], dtype=np.float64))
        ok = np.isfinite(lc)
        edges.append((idx[ta][ok], idx[tb][ok], lc[ok]))
    edges += list(extra or [])
    flat = lp.ravel()
    top = float(np.max(flat))
    z = top + math.log(float(np.sum(np.exp(flat - top))))
    return flat - z, [(i, j, c - z) for i, j, c in edges]


def reversible_matrix(lpk: Array, edges: list[tuple[Any, Any, Array]], keep: NDArray[Any], new_index: NDArray[Any],
                      diag: Array) -> Any:
    r"""The symmetrized generator −Π^{1/2} L Π^{-1/2} of a reversible chain, plus ``diag``, as CSC.

    For an edge (i, j) of log-conductance c (c = log(π_i q_ij) = log(π_j q_ji)) the off-diagonal
    entry is −e^{c − (ℓ_i + ℓ_j)/2} and each end gains e^{c − ℓ_i} on the diagonal (ℓ = log π
    of the kept cells, ``lpk``); edges touching a dropped cell are left out. ``diag`` carries a
    potential (0 for the plain generator).
    """
    n = lpk.size
    rows, cols, vals = [], [], []
    diag = np.asarray(diag, dtype=np.float64).copy()
    for a, b, lc in edges:
        ok = keep[a] & keep[b] & np.isfinite(lc)
        ia, ib, c = new_index[a[ok]], new_index[b[ok]], lc[ok]
        off = -np.exp(c - 0.5 * (lpk[ia] + lpk[ib]))
        rows += [ia, ib]
        cols += [ib, ia]
        vals += [off, off]
        diag += np.bincount(ia, np.exp(c - lpk[ia]), minlength=n)
        diag += np.bincount(ib, np.exp(c - lpk[ib]), minlength=n)
    return sps.coo_matrix((np.concatenate([*vals, diag]),
                           (np.concatenate([*rows, np.arange(n)]),
                            np.concatenate([*cols, np.arange(n)]))), shape=(n, n)).tocsc()


def top_pinv(lp: Array, edges: list[tuple[Any, Any, Array]], floor: float,
              tol: float, *, symmetric_lu: bool = True, ncv: int = 30,
              vector: bool = False, iterative_from: int | None = None) -> Any:
    """C_P of the chain: top eigenvalue of A⁺ (grounded LU + Lanczos); used in 2D and 3D.

    ``symmetric_lu`` (the default) selects SuperLU's symmetric mode (minimum degree on A + Aᵀ,
    diagonal pivots: stable, as the grounded A is symmetric positive definite), several times
    faster on 3D stencils and 1.3× on 2D ones (same C_P to 1e-14 relative on a banana and a
    double well); False gives partial pivoting; ``ncv`` is the Lanczos basis size. With
    ``iterative_from``, a chain of that many kept cells or more is first solved without a
    factorization (:func:`gsmtheory.numeric._fv_amg.amg_gap`, multigrid-preconditioned LOBPCG,
    accepted only at relative residual 1e-8), the LU as the fallback. With ``vector`` the
    result is (C_P, note, f) with f the discrete eigenfunction on all cells (f = v/√π on the
    cells that carry mass, 0 elsewhere; None on failure).
    """
    keep = lp >= float(np.max(lp)) - floor  # drop cells with no mass worth a float
    n_all = lp.size
    new_index = -np.ones(n_all, dtype=np.int64)
    new_index[keep] = np.arange(int(keep.sum()))
    lpk = lp[keep]
    n = lpk.size
    if n < 3:
        return _answer(math.nan, f"only {n} cells carry mass: refine the grid", None, vector)
    A = reversible_matrix(lpk, edges, keep, new_index, np.zeros(n))
    v0 = np.exp(0.5 * (lpk - float(np.max(lpk))))
    v0 /= np.linalg.norm(v0)
    gap = amg_gap(A, v0) if iterative_from is not None and n >= iterative_from else None
    if gap is not None:
        return _answer(1.0 / gap[0], "", _eigenfunction(gap[1], keep, lpk), vector)
    r = int(np.argmax(lpk))
    others = np.delete(np.arange(n), r)
    Ar = A[others][:, others].tocsc()
    try:
        lu = (splu(Ar, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
              if symmetric_lu else splu(Ar, permc_spec="MMD_AT_PLUS_A"))
    except RuntimeError as exc:
        return _answer(math.inf, f"grounded generator is singular ({exc}): disconnected support", None, vector)

    def proj(y: Array) -> Array:
        return y - v0 * float(v0 @ y)

    def mv(y: Array) -> Array:
        y = proj(np.ravel(y))
        z = np.zeros(n)
        z[others] = lu.solve(y[others])
        return proj(z)

    op = LinearOperator((n, n), matvec=mv, dtype=np.float64)
    rng = np.random.default_rng(0)
    start = proj(rng.standard_normal(n) * v0 + 1e-3 * rng.standard_normal(n))
    try:
        out = eigsh(op, k=1, which="LA", tol=tol, v0=start, ncv=min(n - 1, ncv),
                    return_eigenvectors=vector)
    except ArpackNoConvergence as exc:  # pragma: no cover - rare
        value = float(exc.eigenvalues[0]) if len(exc.eigenvalues) else math.nan
        return _answer(value, "Lanczos did not converge", None, vector)
    if not vector:
        return float(out[0]), ""
    w, vec = out
    return _answer(float(w[0]), "", _eigenfunction(vec[:, 0], keep, lpk), vector)


def _eigenfunction(v: Array, keep: NDArray[Any], lpk: Array) -> Array | None:
    """f = v/√π on the kept cells (up to a constant factor), 0 on the others; None if not finite."""
    f = np.zeros(keep.shape)
    with np.errstate(all="ignore"):
        f[keep] = v * np.exp(-0.5 * (lpk - float(np.max(lpk))))
    return f if np.all(np.isfinite(f)) else None


def _answer(value: float, note: str, f: Array | None, vector: bool) -> Any:
    return (value, note, f) if vector else (value, note)


def top_inv(lp: Array, edges: list[tuple[Any, Any, Array]], pot: Array, floor: float,
             tol: float, ncv: int = 20) -> tuple[float, str]:
    """sup_f Σπf² / (Σc(Δf)² + Σπ V f²) with V > 0: top eigenvalue of (A + diag V)⁻¹, no grounding.

    A is the symmetrized generator of :func:`top_pinv`; with a positive potential V the form is
    definite, so no mean-zero constraint and no grounding are needed (sectors ℓ ≥ 1 of a
    rotation-invariant problem, :mod:`gsmtheory.numeric._ctld_nd`).
    """
    keep = lp >= float(np.max(lp)) - floor
    new_index = -np.ones(lp.size, dtype=np.int64)
    new_index[keep] = np.arange(int(keep.sum()))
    lpk = lp[keep]
    n = lpk.size
    if n < 3:
        return math.nan, f"only {n} cells carry mass: refine the grid"
    diag = np.asarray(pot, dtype=np.float64)[keep]
    if not (np.all(np.isfinite(diag)) and np.all(diag >= 0)):
        raise NumericalError("the potential is negative or not finite", "give V >= 0")
    A = reversible_matrix(lpk, edges, keep, new_index, diag)
    try:
        lu = splu(A, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
    except RuntimeError as exc:
        return math.inf, f"the form with potential is singular ({exc})"
    op = LinearOperator((n, n), matvec=lambda y: lu.solve(np.ravel(y)), dtype=np.float64)
    v0 = np.exp(0.5 * (lpk - float(np.max(lpk))))
    w = eigsh(op, k=1, which="LA", tol=tol, v0=v0 / np.linalg.norm(v0), ncv=min(n - 1, ncv),
              return_eigenvectors=False)
    return float(w[0]), ""


class ChainFailure(Exception):
    """A grid whose chain has no gap (status ``"no_poincare"``) or could not be solved."""

    def __init__(self, status: str, note: str, shape: Sequence[int]) -> None:
        super().__init__(note)
        self.status, self.note, self.shape = status, note, list(shape)


def constant_matrix(D: Any, dim: int) -> Array:
    """A constant diffusion matrix as a validated dim × dim array: a number (times I), dim
    numbers (the diagonal) or the matrix; finite, symmetric and positive definite, else a
    one-line error."""
    arr = np.asarray(D, dtype=np.float64)
    if arr.ndim == 0:
        arr = float(arr) * np.eye(dim)
    elif arr.shape == (dim,):
        arr = np.diag(arr)
    if arr.shape != (dim, dim):
        raise SpecError(f"constant D has shape {arr.shape}",
                        f"give a number, {dim} numbers or a {dim}x{dim} matrix")
    if not np.all(np.isfinite(arr)):
        raise NumericalError("D contains NaN or inf", "use finite numbers")
    if not np.allclose(arr, arr.T, rtol=1e-12, atol=0):
        raise SpecError("D is not symmetric", "give a symmetric D")
    if np.linalg.eigvalsh(arr).min() <= 0:
        raise ModelError("D is not positive definite",
                         "a singular D controls no variance in some direction: no Poincaré "
                         "inequality; use a positive definite D")
    return arr
