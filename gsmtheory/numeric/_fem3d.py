r"""Poincaré constants with a variable metric in 3D: trilinear finite elements on tensor grids.

Problem: a weight w = e^ℓ on a box B ⊂ R³ (reflecting faces), a symmetric positive definite
metric A(x) and an optional potential V ≥ 0,

    C = sup_g ∫ (g − ḡ)² w / ∫ ∇gᵀ A ∇g w              (no potential; ḡ the w-mean),
    C = sup_g ∫ g² w / (∫ ∇gᵀ A ∇g w + ∫ V g² w)         (with V, no centring).

This is what the finite-volume solver :func:`gsmtheory.numeric.poincare_3d` cannot do: A has
off-diagonal entries (a sheared coordinate, e.g. the ridge coordinate t = ρ/s(β) of the CTLD
sectors, :mod:`gsmtheory.numeric._ctld_nd`).

Discretization: Q1 (trilinear) elements on the tensor grid of :func:`gsmtheory.numeric._fv_grid.stretched_faces` (stretched
faces), 2×2×2 Gauss points per element, ℓ, A and V evaluated at the Gauss points. The
stiffness K_ij = ∫ ∇φ_iᵀ A ∇φ_j w, mass M_ij = ∫ φ_i φ_j w, potential P_ij = ∫ V φ_i φ_j w;
elements whose weight at every Gauss point is below e^{−tail} of the maximum are dropped
(natural, i.e. reflecting, boundary there). C = 1/μ with μ the smallest non-zero generalized
eigenvalue of K x = μ M x (shift-invert Lanczos about −ε: the constants are the exact null
space, since Σ_i φ_i = 1), or the smallest of (K + P) x = μ M x. The discrete problem is a
Rayleigh–Ritz restriction, so each grid's value is a lower bound of the truncated problem's C
up to quadrature; the eigenvalue error is O(h²) per mapped axis.

Extrapolation: as :func:`poincare_3d` (``"axes"``): each axis refined alone through
``levels`` and extrapolated by Richardson in h² (error: disagreement of its two
extrapolations), axis limits summed, one grid refined on all axes measuring the cross terms
(added to the error).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh, splu

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.numeric._fv_grid import Stretch, finite_sides, stretched_faces
from gsmtheory.numeric._ladder_axes import refine_axes
from gsmtheory.numeric._ladder_cutoff import settle
from gsmtheory.numeric._ordering import PermutedLU, grid_dissection
from gsmtheory.numeric._result import PoincareResult

__all__ = ["FEM3D_ORDER", "fem_poincare_3d"]

#: declared order of the trilinear elements in each axis's element width (refine_axes checks it)
FEM3D_ORDER = 2.0

Array = NDArray[np.float64]
Field3 = Callable[[Array, Array, Array], Array]
Metric3 = Callable[[Array, Array, Array], tuple[Array, Array, Array, Array, Array, Array]]

_GAUSS = (0.5 - 0.5 / math.sqrt(3.0), 0.5 + 0.5 / math.sqrt(3.0))


_CORNERS = list(itertools.product(range(2), repeat=3))


def _gauss_fields(log_weight: Field3, metric: Metric3, faces: Sequence[Array], potential: Field3 | None
                  ) -> list[tuple[Array, tuple[Array, ...], Array | None, tuple[float, ...]]]:
    """Per Gauss point of every element: (log weight, metric, potential, local coordinates)."""
    h = [np.diff(f) for f in faces]
    shp = tuple(f.size - 1 for f in faces)
    out = []
    for q in itertools.product(range(2), repeat=3):
        X = np.meshgrid(*[faces[a][:-1] + _GAUSS[q[a]] * h[a] for a in range(3)], indexing="ij")
        with np.errstate(all="ignore"):
            lw = np.asarray(log_weight(*X), dtype=np.float64) * np.ones(shp)
            met = tuple(np.asarray(c, dtype=np.float64) * np.ones(shp) for c in metric(*X))
            pot = (np.asarray(potential(*X), dtype=np.float64) * np.ones(shp)
                   if potential is not None else None)
        if np.any(np.isnan(lw)) or np.any(lw == np.inf):
            raise NumericalError("log weight is NaN or +inf inside the box", "check the formula and the box")
        out.append((lw, met, pot, tuple(_GAUSS[q[a]] for a in range(3))))
    return out


def _numbering(keep_el: Array, n: list[int]) -> tuple[Any, Array, NDArray[np.intp]]:
    """(kept elements, their 8 global node numbers among the kept nodes, the kept nodes' flat indices)."""
    el = np.nonzero(keep_el)
    node = sum((np.asarray(el[a])[:, None] + np.array([c[a] for c in _CORNERS])[None, :]) * stride
               for a, stride in enumerate((n[1] * n[2], n[2], 1)))
    used = np.unique(node)
    new = -np.ones(n[0] * n[1] * n[2], dtype=np.int64)
    new[used] = np.arange(used.size)
    return el, new[node], used


def _shape_functions(x: tuple[float, ...], hk: list[Array], size: int) -> tuple[Array, Array]:
    """Values (8,) and gradients (8, 3, elements) of the trilinear shape functions at x."""
    val = np.empty((len(_CORNERS),))
    grad = np.empty((len(_CORNERS), 3, size))
    for i, c in enumerate(_CORNERS):
        L = [x[a] if c[a] else 1.0 - x[a] for a in range(3)]
        dL = [(1.0 if c[a] else -1.0) / hk[a] for a in range(3)]
        val[i] = L[0] * L[1] * L[2]
        grad[i, 0] = dL[0] * L[1] * L[2]
        grad[i, 1] = L[0] * dL[1] * L[2]
        grad[i, 2] = L[0] * L[1] * dL[2]
    return val, grad


def _assemble(log_weight: Field3, metric: Metric3, faces: Sequence[Array], tail: float,
              potential: Field3 | None) -> tuple[Any, Any, Any, NDArray[np.intp]]:
    """K, M, P (or None) on the kept nodes, and the kept nodes' flat indices in the node grid."""
    n = [f.size for f in faces]
    h = [np.diff(f) for f in faces]
    fields = _gauss_fields(log_weight, metric, faces, potential)
    top = max(float(np.max(lw)) for lw, _, _, _ in fields)
    if not math.isfinite(top):
        raise NumericalError("the weight is zero on the whole box", "check the log weight and the box")
    keep_el = np.zeros(tuple(v - 1 for v in n), dtype=bool)
    for lw, _, _, _ in fields:
        keep_el |= lw >= top - tail
    el, node, used = _numbering(keep_el, n)
    nk = used.size
    vol_k = (h[0][:, None, None] * h[1][None, :, None] * h[2][None, None, :] / 8.0)[el]
    hk = [h[a][el[a]] for a in range(3)]
    Ke = np.zeros((node.shape[0], 8, 8))
    Me = np.zeros_like(Ke)
    Pe = np.zeros_like(Ke) if potential is not None else None
    for lw, met, pot, x in fields:
        W = np.exp(lw[el] - top) * vol_k
        W[~np.isfinite(W)] = 0.0
        val, grad = _shape_functions(x, hk, W.size)
        a00, a01, a02, a11, a12, a22 = (m_[el] for m_ in met)
        Ag = np.stack([a00 * grad[:, 0] + a01 * grad[:, 1] + a02 * grad[:, 2],
                       a01 * grad[:, 0] + a11 * grad[:, 1] + a12 * grad[:, 2],
                       a02 * grad[:, 0] + a12 * grad[:, 1] + a22 * grad[:, 2]], axis=1)
        Ke += np.einsum("e,iae,jae->eij", W, grad, Ag, optimize=True)
        vv = np.outer(val, val)
        Me += W[:, None, None] * vv[None]
        if Pe is not None and pot is not None:
            V = pot[el]
            if not (np.all(np.isfinite(V)) and np.all(V >= 0)):
                raise NumericalError("the potential is negative or not finite", "give V >= 0")
            Pe += (W * V)[:, None, None] * vv[None]
    rows, cols = np.repeat(node, 8, axis=1).ravel(), np.tile(node, (1, 8)).ravel()

    def glob(E: Array) -> Any:
        return coo_matrix((E.ravel(), (rows, cols)), shape=(nk, nk)).tocsc()

    return glob(Ke), glob(Me), (glob(Pe) if Pe is not None else None), used


def _solve_fem(log_weight: Field3, metric: Metric3, sides: Sequence[tuple[float, float]],
               n: Sequence[int], st: Sequence[Stretch], tail: float, potential: Field3 | None
               ) -> tuple[float, int]:
    """C on one grid of n[a] elements per axis, and the number of kept nodes."""
    faces = [stretched_faces(lo, hi, k, s) for (lo, hi), k, s in zip(sides, n, st)]
    K, M, P, used = _assemble(log_weight, metric, faces, tail, potential)
    nk = used.size
    if nk < 4:
        return math.nan, nk
    # scale of μ: the Rayleigh quotient of one coordinate (cheap, any sign of error is fine)
    dK = K.diagonal()
    dM = M.diagonal()
    eps = float(np.median(dK / np.maximum(dM, 1e-300))) * 1e-6
    A = (K + P) if P is not None else (K + eps * M)
    q = grid_dissection([f.size for f in faces], used)  # nested dissection: 3-4x faster than minimum degree here
    lu = PermutedLU(splu(A.tocsc()[q][:, q], permc_spec="NATURAL", diag_pivot_thresh=0.0,
                         options={"SymmetricMode": True}), q)
    op = LinearOperator(A.shape, matvec=lambda y: lu.solve(np.ravel(y)), dtype=np.float64)
    try:
        if P is not None:
            w = eigsh(A, k=1, M=M, sigma=0.0, which="LM", OPinv=op, tol=1e-12, return_eigenvectors=False)
            return float(1.0 / np.min(w)), nk
        w = eigsh(K, k=2, M=M, sigma=-eps, which="LM", OPinv=op, tol=1e-12, return_eigenvectors=False)
    except ArpackNoConvergence:
        return math.nan, nk
    mu = float(np.max(w))
    if not mu > 10 * eps:
        raise NumericalError("the finite-element stiffness has a second null vector (the kept nodes "
                             "are disconnected)", "raise tail or widen the box")
    return 1.0 / mu, nk


def fem_poincare_3d(log_weight: Field3, metric: Metric3, box: Sequence[Sequence[float]], *,
                    shape: Sequence[int] = (16, 16, 16), rtol: float = 1e-3,
                    levels: Sequence[float] = (1.0, 1.5, 2.0), stretch: Sequence[Stretch] | None = None,
                    tail: float = 40.0, max_cells: int = 400_000,
                    potential: Field3 | None = None) -> PoincareResult:
    r"""C = sup Var_w g / ∫∇gᵀA∇g w (or with a potential, module docstring) by Q1 finite elements.

    Parameters
    ----------
    log_weight : callable
        ℓ(x, y, z), vectorized, unnormalized.
    metric : callable
        (x, y, z) ↦ (A00, A01, A02, A11, A12, A22), the symmetric positive definite A.
    box, shape, rtol, levels, stretch, tail, max_cells, potential
        As in :func:`gsmtheory.numeric.poincare_3d` (shape counts elements per axis).

    Returns
    -------
    PoincareResult
        ``method="fem3d"``, ``side="estimate"``.
    """
    if not 0 < rtol < 1:
        raise SpecError(f"rtol = {rtol} is not in (0, 1)", "use e.g. rtol=1e-3")
    lv = [float(v) for v in levels]
    if len(lv) < 3 or any(not b > a for a, b in itertools.pairwise(lv)) or lv[0] <= 0:
        raise SpecError(f"levels {levels} must be at least three increasing positive factors",
                        "use e.g. (1, 1.5, 2)")
    if len(shape) != 3:
        raise SpecError("fem_poincare_3d needs a 3-entry shape", "give one cell count per axis")
    sides = finite_sides(box, 3, "fem_poincare_3d")
    st: list[Stretch] = [None, None, None] if stretch is None else list(stretch)
    start = time.perf_counter()
    grids: list[list[int]] = []
    values: list[float] = []
    kept: list[int] = []

    def solve(n: list[int]) -> float | None:
        if n in grids:
            return values[grids.index(n)]
        if n[0] * n[1] * n[2] > max_cells:
            return None
        c, k = _solve_fem(log_weight, metric, sides, n, st, tail, potential)
        if not math.isfinite(c):
            raise _Failed(f"the eigensolver failed on {n[0]}x{n[1]}x{n[2]} elements ({k} nodes kept)")
        grids.append(n)
        values.append(c)
        kept.append(k)
        return c

    try:
        return _extrapolate(solve, shape, lv, rtol, grids, values, kept, st, tail, sides, start)
    except _Failed as exc:
        return PoincareResult(0.0, math.inf, "fem3d", {"levels": grids, "values": values}, "failed",
                              str(exc), "estimate", tuple(sides))


class _Failed(Exception):
    """A grid whose eigensolve failed (reported as status "failed", never as a value)."""


def _extrapolate(solve: Callable[[list[int]], float | None], shape: Sequence[int],
                 lv: list[float], rtol: float, grids: list[list[int]], values: list[float], kept: list[int],
                 st: Sequence[Stretch], tail: float, sides: Sequence[tuple[float, float]],
                 start: float) -> PoincareResult:
    """Per-axis Richardson with the cross-term check (:func:`gsmtheory.numeric._ladder_axes.refine_axes`)."""
    fit = refine_axes(solve, shape, lv, FEM3D_ORDER)
    best, err, base, axes, cross = fit.value, fit.error, fit.base, fit.axes, fit.cross
    status = settle(best, err, rtol, fit.order_ok)
    big = int(np.argmax([g[0] * g[1] * g[2] for g in grids]))
    g = grids[big]
    msg = (f"fem3d (Q1, variable metric): {len(grids)} grids up to {g[0]}x{g[1]}x{g[2]} elements "
           f"({kept[big]} nodes kept), per-axis extrapolation, relative error estimate {err / abs(best):.2g}")
    if status != "ok":
        msg = f"not converged: {msg} > rtol {rtol:g}"
    res = {"extrapolation": "per axis: C + sum_k a_k h_k^2", "base": base, "axes": axes, "cross": cross,
           "shape": g, "levels": grids, "values": values, "nodes_kept": kept,
           "stretch": [list(s) if s is not None else None for s in st], "tail": tail,
           "seconds": time.perf_counter() - start}
    return PoincareResult(best, err, "fem3d", res, status, msg, "estimate", tuple(sides))
