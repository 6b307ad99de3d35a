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
- extrapolation: :func:`richardson` (C + a h² through two grids),
  :func:`richardson_limit` (the limit and the disagreement of two extrapolations),
  :func:`extrapolate` (Aitken for grids refined by 2, any order) and :func:`refine_axes`
  (each axis refined alone, the limits summed, the cross terms measured on one grid).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sps
from numpy.typing import NDArray
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh, splu

from gsmtheory._errors import ModelError, NumericalError, SpecError

__all__ = [
    "AxesRefinement",
    "ChainFailure",
    "Edges",
    "cell_log_density",
    "extrapolate",
    "refine_axes",
    "reversible_matrix",
    "richardson",
    "richardson_limit",
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
              tol: float, *, symmetric_lu: bool = False, ncv: int = 30,
              vector: bool = False) -> Any:
    """C_P of the chain: top eigenvalue of A⁺ (grounded LU + Lanczos); used in 2D and 3D.

    ``symmetric_lu`` selects SuperLU's symmetric mode (minimum degree on A + Aᵀ, diagonal
    pivots), several times faster on 3D stencils; ``ncv`` is the Lanczos basis size. With
    ``vector`` the result is (C_P, note, f) with f the discrete eigenfunction on all cells
    (f = v/√π on the cells that carry mass, 0 elsewhere; None on failure).
    """
    keep = lp >= float(np.max(lp)) - floor  # drop cells with no mass worth a float
    n_all = lp.size
    new_index = -np.ones(n_all, dtype=np.int64)
    new_index[keep] = np.arange(int(keep.sum()))
    lpk = lp[keep]
    n = lpk.size
    if n < 3:
        if vector:
            return math.nan, f"only {n} cells carry mass: refine the grid", None
        return math.nan, f"only {n} cells carry mass: refine the grid"
    A = reversible_matrix(lpk, edges, keep, new_index, np.zeros(n))
    v0 = np.exp(0.5 * (lpk - float(np.max(lpk))))
    v0 /= np.linalg.norm(v0)
    r = int(np.argmax(lpk))
    others = np.delete(np.arange(n), r)
    Ar = A[others][:, others].tocsc()
    try:
        lu = (splu(Ar, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
              if symmetric_lu else splu(Ar, permc_spec="MMD_AT_PLUS_A"))
    except RuntimeError as exc:
        if vector:
            return math.inf, f"grounded generator is singular ({exc}): disconnected support", None
        return math.inf, f"grounded generator is singular ({exc}): disconnected support"

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
        if len(exc.eigenvalues):
            if vector:
                return float(exc.eigenvalues[0]), "Lanczos did not converge", None
            return float(exc.eigenvalues[0]), "Lanczos did not converge"
        if vector:
            return math.nan, "Lanczos did not converge", None
        return math.nan, "Lanczos did not converge"
    if not vector:
        return float(out[0]), ""
    w, vec = out
    f = np.zeros(n_all)
    with np.errstate(all="ignore"):
        f[keep] = vec[:, 0] * np.exp(-0.5 * (lpk - float(np.max(lpk))))
    return float(w[0]), "", (f if np.all(np.isfinite(f)) else None)


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


# ----------------------------------------------------------------------------- extrapolation
def richardson(c: Sequence[float], h: Sequence[float], i: int, j: int) -> float:
    """Richardson for c = C + a h²: the C through points i and j (h relative grid widths)."""
    hi2, hj2 = h[i] ** 2, h[j] ** 2
    return float((c[j] * hi2 - c[i] * hj2) / (hi2 - hj2))


def extrapolate(values: list[float], floors: list[float]) -> tuple[float, float, dict[str, Any]]:
    """Best value and error estimate from values on grids refined by 2 each time.

    The observed ratio r = δ_{m−2}/δ_{m−1} of successive differences gives the Aitken
    value A = C_m + δ_{m−1}/(r − 1) (any convergence order); the error estimate is
    |A_m − A_{m−1}| when two Aitken values exist, otherwise the size of the correction,
    and never below the round-off floor.
    """
    c = np.asarray(values, dtype=np.float64)
    floor = float(floors[-1]) * abs(float(c[-1]))
    info: dict[str, Any] = {"order": None, "extrapolated": False}
    if c.size < 2:
        return float(c[-1]), math.inf, info
    d = np.diff(c)
    if abs(d[-1]) <= 2 * floor and c.size >= 3 and abs(d[-2]) <= 64 * max(floor, abs(d[-1])):
        return float(c[-1]), max(abs(float(d[-1])), floor), info
    if c.size < 3:
        return float(c[-1]), max(abs(float(d[-1])), floor), info

    def aitken(j: int) -> tuple[float, float] | None:
        # uses c[j-2], c[j-1], c[j]
        d1, d2 = c[j - 1] - c[j - 2], c[j] - c[j - 1]
        if d2 == 0 or d1 == 0:
            return None
        r = d1 / d2
        if not r > 1.3:
            return None
        return float(c[j] + d2 / (r - 1)), float(r)

    last = aitken(c.size - 1)
    if last is None:
        return float(c[-1]), max(abs(float(d[-1])) * 4, floor), info
    a_m, r = last
    info.update(order=math.log2(r), extrapolated=True)
    prev = aitken(c.size - 2) if c.size >= 4 else None
    if prev is None:
        err = abs(a_m - float(c[-1]))
    else:
        err = abs(a_m - prev[0])
    return a_m, max(err, floor), info


def richardson_limit(c: Sequence[float], h: Sequence[float]) -> tuple[float, float]:
    """(limit, error) of values c on grids of relative widths h (coarse to fine), c = C + a h².

    One value: (c, inf). Two: the Richardson value and its distance from the finer value.
    Three or more: the Richardson value of the last two grids, and its disagreement with the
    one through the third-last and the last grid.
    """
    n = len(c)
    if n == 1:
        return float(c[0]), math.inf
    if n == 2:
        lim = richardson(c, h, 0, 1)
        return lim, abs(lim - float(c[1]))
    lim = richardson(c, h, n - 2, n - 1)
    return lim, abs(lim - richardson(c, h, n - 3, n - 1))


class ChainFailure(Exception):
    """A grid whose chain has no gap (status ``"no_poincare"``) or could not be solved."""

    def __init__(self, status: str, note: str, shape: Sequence[int]) -> None:
        super().__init__(note)
        self.status, self.note, self.shape = status, note, list(shape)


@dataclass(frozen=True)
class AxesRefinement:
    """The result of :func:`refine_axes`: the limit, its error, and what was solved."""

    value: float
    error: float
    base: list[int]
    axes: list[dict[str, Any]]
    cross: dict[str, Any] | None


def refine_axes(solve: Callable[[list[int]], float | None], shape: Sequence[int],
                levels: Sequence[float]) -> AxesRefinement:
    r"""C(h) = C + Σ_k a_k h_k² + Σ_{k<l} a_kl h_k² h_l² + …, fitted axis by axis.

    ``solve(cells)`` returns the grid's value (None when skipped, :class:`ChainFailure` when
    the chain fails). The base grid ceil(levels[0]·shape) is solved, then each axis refined
    alone through ``levels`` and extrapolated by :func:`richardson_limit`; the limits are
    summed, C ≈ c_0 + Σ_k (C_k − c_0), which is off by Σ a_kl. One grid refined on all axes
    at ``levels[1]`` differs from the additive prediction by Σ a_kl (1 − g_k)(1 − g_l),
    g_k = (h_k'/h_k)²; that measured |Σ a_kl| is added to the error (infinite when it could
    not be measured). The error is at least 1e-9 of the value.
    """
    lv = [float(v) for v in levels]
    d = len(shape)
    base = [math.ceil(lv[0] * int(s)) for s in shape]
    c0 = solve(base)
    if c0 is None:
        raise SpecError("the base grid exceeds max_cells", "raise max_cells or pass a smaller shape")
    axes: list[dict[str, Any]] = []
    for k in range(d):
        ns, cs = [base[k]], [c0]
        for f in lv[1:]:
            n = list(base)
            n[k] = math.ceil(f * int(shape[k]))
            out = solve(n)
            if out is not None:
                ns.append(n[k])
                cs.append(out)
        lim, e = richardson_limit(cs, [ns[0] / v for v in ns])
        axes.append({"cells": ns, "values": cs, "limit": lim, "error": e})
    best = c0 + sum(a["limit"] - c0 for a in axes)
    err = sum(a["error"] for a in axes)
    cross: dict[str, Any] | None = None
    if all(len(a["values"]) > 1 for a in axes):
        n1 = [a["cells"][1] for a in axes]
        out = solve(n1)
        if out is not None:
            g = [(a["cells"][0] / a["cells"][1]) ** 2 for a in axes]
            pred = c0 + sum(a["values"][1] - c0 for a in axes)
            pairs = list(itertools.combinations(range(d), 2))
            factor = sum((1 - g[i]) * (1 - g[j]) for i, j in pairs) / len(pairs)
            cross = {"cells": n1, "value": out, "predicted": pred, "error": abs(out - pred) / factor}
            err += cross["error"]
    if cross is None:
        err = math.inf
    err = max(err, 1e-9 * abs(best))
    return AxesRefinement(best, err, base, axes, cross)


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


def below_lower_bound(best: float, err: float, lower: float | None, status: str, msg: str,
                      *, what: str = "the estimate") -> tuple[float, float, bool, str]:
    """Hold an estimate to its certified lower bound: (value, error, became a bound, message).

    An ``ok`` estimate whose interval lies below the bound is a bug and raises; a not-converged
    one is replaced by the bound (error inf), and the message says so.
    """
    if lower is None or not best + err < lower * (1 - 1e-9):
        return best, err, False, msg
    if status == "ok":
        raise NumericalError(f"estimate C_P = {best:.10g} ± {err:.2g} lies below the certified lower bound "
                             f"{lower:.10g} (Rayleigh–Ritz)",
                             "the estimate is wrong: do not use it; report the target as a bug")
    return lower, math.inf, True, (f"{msg}; {what} {best:.6g} lies below the certified lower bound, "
                                   f"so only C_P >= {lower:.6g} is reported")


#: the cut-off is pushed out by this many nats of density per step, to at most MAX_TAIL
TAIL_STEP = 20.0
MAX_TAIL = 100.0


def cutoff_step(trunc: dict[str, Any], tail: float, c1: float, c2: float, rtol: float) -> tuple[float, bool]:
    r"""One step of the domain cut-off check: (truncation error relative to C_P, stop here).

    c1, c2 are C_P on the box cut at p = e^{-tail} and at e^{-(tail + TAIL_STEP)} of the maximum,
    on the same cells. With no spectral theory of the ends in d ≥ 2 the change is assumed to at
    least halve per step, so twice it bounds what is left (recorded in ``trunc``). Stop when that
    meets rtol/4, when it is hopeless (> 100 rtol: the status will say not converged), or at
    MAX_TAIL.
    """
    change = abs(c2 / c1 - 1.0)
    trunc["tails"].append([tail, tail + TAIL_STEP])
    trunc["relative_change"].append(change)
    rel = 2 * change
    return rel, rel <= rtol / 4 or change > 100 * rtol or tail + TAIL_STEP > MAX_TAIL
