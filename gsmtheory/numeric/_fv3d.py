r"""C_P of a general 3D target by reversible finite volumes: any constant D, diagonal D(x).

Setting (docs/design.md §1, §6): p ∝ e^ℓ on a box B ⊂ R³ (±inf allowed, finite sides reflect),
E(g) = E_p[∇gᵀ D ∇g], C_P = sup Var_p(g)/E(g). This is the d = 3 answer for targets that are
neither products nor reducible mixtures (issue #14 item 5).

- D: a constant D on an unbounded domain is whitened, x = L y with D = L Lᵀ (then
  |∇_y h|² = ∇gᵀ D ∇g and C_P is unchanged); a constant diagonal D, or a state-dependent
  diagonal D(x), enters the conductances along each axis. A non-diagonal D(x) (or a
  non-diagonal constant D on a box with finite sides) is refused with a one-line error.
- Box: the domain cut where p < e^{-tail} max p, found on a tensor probe grid that grows
  until the density has decayed on every infinite side.
- Grid: faces uniform in u = asinh((t − c)/s) per axis (c, s the probe's marginal mean and
  standard deviation), cells π_i = p_i V_i, conductances c_ij = sqrt(p_i p_j) D_kk(face) A/δ
  (:func:`gsmtheory.numeric._fv.tensor_chain`), C_P of the chain by grounded LU and Lanczos
  (:func:`gsmtheory.numeric._fv.top_pinv`).
- Grid error: :func:`gsmtheory.numeric._fv.refine_axes` (each axis refined alone through
  ``levels``, Richardson per axis, cross terms measured on one grid refined on all axes).
  If that misses rtol, the base grid is refined by 1.5 and the ladder solved again (while
  the cells stay under ``max_cells``).
- Cut-off error: the base grid is solved again on the box cut at e^{-(tail+20)} with the same
  cells (the u-spacing continued outwards); twice the change is added to the error (as in
  :func:`gsmtheory.numeric.poincare_2d`: no spectral theory of the ends in 3D); the cut-off
  is pushed out while that does not meet rtol and the change is small.
- Lower bound (the certified side): Rayleigh–Ritz on the monomials of degree ≤ 4 in
  standardized coordinates and the trilinear interpolant g_h of the base grid's discrete
  eigenfunction; quadrature is Gauss on every patch between cell centres (where g_h is
  trilinear) with 3 and 4 points per axis, lower = min − |difference|. The neglected mass
  (outside the box, and nodes below e^{-tail} of the heaviest) is below e^{-tail} of the
  maximum density per node.

Status ``"ok"`` when grid and cut-off errors together meet rtol, else ``"not_converged"``
(with a warning); a not-converged estimate below the lower bound is replaced by the bound.
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.numeric._fv import (
    ChainFailure,
    cell_log_density,
    constant_matrix,
    tensor_chain,
    top_pinv,
)
from gsmtheory.numeric._fv3d_box import linear_map, sinh_faces, truncate_box_3d
from gsmtheory.numeric._fv3d_ritz import ritz_lower_3d
from gsmtheory.numeric._ladder import TAIL_STEP, below_lower_bound, cutoff_step, refine_axes, settle
from gsmtheory.numeric._result import PoincareResult, Side

__all__ = ["FV3D_ORDER", "fv_poincare_3d"]

Array = NDArray[np.float64]
LogDensity3 = Callable[[Array, Array, Array], Array]
Diffusion3 = Callable[[Array, Array, Array], Any] | float | Sequence[Any] | Array
MatD = Callable[[Array, Array, Array], Array]

#: declared order of the 3D finite volumes in each axis's cell width (refine_axes checks it)
FV3D_ORDER = 2.0
_CELLS_PER_U = 2.75
_ROTATE = 0.2  # rotate to the principal axes above this correlation


# ----------------------------------------------------------------------------- D
def _constant_d(D: Any) -> Array | None:
    """The 3×3 matrix of a constant D (None when D is a callable)."""
    if callable(D):
        return None
    return constant_matrix(D, 3)


def _matrix_d(D: Callable[[Array, Array, Array], Any]) -> MatD:
    """D(x, y, z) → (..., 3, 3); D returns 3 diagonal entries, 9 entries or (..., 3, 3)."""
    def f(x: Array, y: Array, z: Array) -> Array:
        shape = np.broadcast_shapes(np.shape(x), np.shape(y), np.shape(z))
        with np.errstate(all="ignore"):
            out = D(x, y, z)
        if isinstance(out, tuple | list) and len(out) in (3, 9):
            vals = [np.broadcast_to(np.asarray(v, dtype=np.float64), shape) for v in out]
            if len(vals) == 3:
                m = np.zeros((*shape, 3, 3))
                for k in range(3):
                    m[..., k, k] = vals[k]
            else:
                m = np.stack(vals, -1).reshape(*shape, 3, 3)
        else:
            m = np.broadcast_to(np.asarray(out, dtype=np.float64), (*shape, 3, 3))
        if m.shape[-2:] != (3, 3):
            raise SpecError("D(x, y, z) must return 3 diagonal entries, 9 entries or (..., 3, 3)",
                            "return the entries of the symmetric matrix")
        if np.any(np.isnan(m)):
            raise NumericalError("D is NaN inside the box", "check the parameters")
        if m.size and np.linalg.eigvalsh(0.5 * (m + np.swapaxes(m, -1, -2))).min() <= 0:
            raise ModelError("D is not positive definite somewhere inside the box",
                             "use a D that is positive definite inside the domain")
        return m
    return f


def _const_matrix(Dc: Array) -> MatD:
    def f(x: Array, y: Array, z: Array) -> Array:
        return np.broadcast_to(Dc, (*np.broadcast_shapes(np.shape(x), np.shape(y), np.shape(z)), 3, 3))
    return f


def _chain(ell: LogDensity3, dfun: MatD | None, faces: Sequence[Array]) -> tuple[Array, list[Any]]:
    centres = [0.5 * (f[1:] + f[:-1]) for f in faces]
    grid = np.meshgrid(*centres, indexing="ij")
    coef: list[Array | None] = [None, None, None]
    if dfun is not None:
        for k in range(3):
            pts = [g for g in centres]
            pts[k] = faces[k][1:-1]
            coef[k] = np.asarray(dfun(*np.meshgrid(*pts, indexing="ij"))[..., k, k], dtype=np.float64)
    return tensor_chain(cell_log_density(ell, *grid), [np.diff(f) for f in faces], face_coef=coef)


# ----------------------------------------------------------------------------- the solver
def fv_poincare_3d(log_density: LogDensity3, diffusion: Diffusion3, box: Sequence[Sequence[float]], *,
                   rtol: float = 1e-3, resolution: float = 1.0, levels: Sequence[float] = (1.0, 1.5, 2.0),
                   tail: float = 40.0, max_cells: int = 60_000, points: Array | None = None,
                   bounds: bool = True) -> PoincareResult:
    r"""C_P = sup_g Var_p(g) / E_p[∇gᵀ D ∇g] for p ∝ e^ℓ on a 3D box (module docstring).

    Parameters
    ----------
    log_density : callable
        ℓ(x, y, z), vectorized over three broadcasting arrays, unnormalized.
    diffusion : float, 3 numbers, 3×3 array, or callable
        Constant D (a number means D = dI; a non-diagonal constant D needs an unbounded
        domain, where it is whitened), or ``D(x, y, z)`` returning 3 diagonal entries,
        9 entries (row-major) or an array (..., 3, 3) that must be diagonal.
    box : three (lo, hi)
        The domain; ±inf allowed, finite sides reflect.
    rtol : float
        Target relative error of grid and cut-off errors together (decides ``status``).
    resolution : float
        Base cells per unit of u = asinh((t − c)/s), times 2.75 (16 cells over ±9 sd).
    levels : sequence of float
        Refinement factors of :func:`gsmtheory.numeric._fv.refine_axes`.
    tail, max_cells, points
        Cut-off e^{-tail}; the largest grid solved; points (n, 3) where the mass is (e.g.
        mixture means) to start the box search from.
    bounds : bool
        Compute the Rayleigh–Ritz lower bound (``lower``).

    Returns
    -------
    PoincareResult
        ``method="fv3d"``, ``side="estimate"`` (``"lower_bound"`` when a not-converged
        estimate falls below the certified bound); status ``"ok"`` or ``"not_converged"``.
    """
    if not 0 < rtol < 1:
        raise SpecError(f"rtol = {rtol} is not in (0, 1)", "use e.g. rtol=1e-3")
    if len(box) != 3:
        raise SpecError(f"fv_poincare_3d needs 3 sides, got {len(box)}", "give (lo, hi) per axis")
    if not (math.isfinite(resolution) and resolution > 0):
        raise SpecError(f"resolution = {resolution} must be positive", "use e.g. resolution=1")
    sides = [(float(a), float(b)) for a, b in box]
    for lo, hi in sides:
        if math.isnan(lo) or math.isnan(hi) or not lo < hi:
            raise SpecError(f"box side ({lo}, {hi}) is empty or NaN", "give lo < hi")
    start = time.perf_counter()
    pts = None if points is None else np.atleast_2d(np.asarray(points, dtype=np.float64))
    Dc = _constant_d(diffusion)
    dfun: MatD | None = None
    linear: Array | None = None  # x = M y
    unbounded = all(math.isinf(lo) and math.isinf(hi) for lo, hi in sides)
    if Dc is not None and unbounded:
        # whiten (D = L Lᵀ, x = L y: E(g) = E|∇_y h|²), then rotate y to the principal axes of
        # the target (any rotation keeps D = I), so that the tensor grid follows its shape
        L = np.asarray(np.linalg.cholesky(Dc), dtype=np.float64)
        _, _, cov = truncate_box_3d(linear_map(log_density, L), sides, tail,
                              None if pts is None else np.asarray(np.linalg.solve(L, pts.T).T, dtype=np.float64))
        sd = np.sqrt(np.diag(cov))
        corr = np.abs(cov / np.outer(sd, sd) - np.eye(3)).max()
        R = np.linalg.eigh(cov)[1] if corr > _ROTATE else np.eye(3)
        M = np.asarray(L @ R, dtype=np.float64)
        if not np.allclose(M, np.eye(3), rtol=0, atol=1e-14):
            linear = M
    elif Dc is not None:
        if np.abs(Dc - np.diag(np.diag(Dc))).max() > 0:
            raise ModelError("a non-diagonal constant D on a box with finite sides is not handled by "
                             "the 3D finite volumes",
                             "change variables so that D is diagonal, or use an unbounded domain")
        if not np.all(np.diag(Dc) == 1.0):
            dd = np.diag(Dc).copy()

            dfun = _const_matrix(np.diag(dd))
    else:
        dfun = _matrix_d(diffusion)  # type: ignore[arg-type]
    ell = log_density if linear is None else linear_map(log_density, linear)
    if linear is not None and pts is not None:
        pts = np.asarray(np.linalg.solve(linear, pts.T).T, dtype=np.float64)
    lv = [float(v) for v in levels]
    if len(lv) < 2 or any(not b > a for a, b in itertools.pairwise(lv)) or lv[0] != 1.0:
        raise SpecError(f"levels {levels} must start at 1 and increase", "use e.g. (1, 1.5, 2)")

    if dfun is not None and Dc is None:  # a state-dependent D: the chain takes a diagonal one
        win, mom, _ = truncate_box_3d(ell, sides, tail, pts)
        probe = np.meshgrid(*[a + (b - a) * (np.arange(17) + 0.5) / 17 for a, b in win], indexing="ij")
        m = dfun(*probe)
        for k, (lo, hi) in enumerate(sides):  # a vanishing normal D at a reflecting face
            for end in (lo, hi):
                if math.isfinite(end) and win[k][0 if end == lo else 1] == end:
                    at_end = list(probe)
                    at_end[k] = np.full_like(probe[k], end)
                    try:
                        positive = bool(np.all(dfun(*at_end)[..., k, k] > 0))
                    except ModelError:
                        positive = False
                    if not positive:
                        raise ModelError(f"D_{k + 1}{k + 1} vanishes on the face x_{k + 1} = {end:g}: the 3D "
                                         "finite volumes have no square-root map there",
                                         "change variables (x = end + t^2) or use poincare_2d/poincare_1d")
        if np.any(m[..., [0, 0, 1], [1, 2, 2]] != 0):
            faces = [sinh_faces(a, b, 24, c, sd) for (a, b), (c, sd) in zip(win, mom)]
            only, info = ritz_lower_3d(ell, dfun, faces, None, tail)
            if only is None:
                raise NumericalError("the Rayleigh–Ritz matrix is degenerate",
                                     "check the diffusion matrix and the density")
            return PoincareResult(only, math.inf, "rayleigh_ritz", {"lower_bound": info}, "bound",
                                  f"C_P >= {only:.6g} (Rayleigh–Ritz, degree <= 4): a state-dependent D "
                                  "with off-diagonal entries is not handled by the 3D finite volumes",
                                  "lower_bound", tuple(win), lower=only)
    notes: list[str] = []

    def shape_for(win: list[tuple[float, float]], mom: list[tuple[float, float]], res: float) -> list[int]:
        return [max(8, math.ceil(_CELLS_PER_U * res * (math.asinh((b - m) / s) - math.asinh((a - m) / s))))
                for (a, b), (m, s) in zip(win, mom)]

    def solve(faces: Sequence[Array], vector: bool = False) -> Any:
        lp, edges = _chain(ell, dfun, faces)
        out = top_pinv(lp, edges, T + TAIL_STEP, tol=1e-12, symmetric_lu=True, ncv=20, vector=vector)
        if out[1]:
            notes.append(out[1])
        if math.isinf(out[0]):
            raise ChainFailure("no_poincare", f"no Poincaré inequality: {out[1]}", [f.size - 1 for f in faces])
        if math.isnan(out[0]):
            raise ChainFailure("failed", out[1], [f.size - 1 for f in faces])
        return out

    # the cut-off: the base grid on the box at e^-T and on the box at e^-(T+20), same cells
    T = tail
    trunc: dict[str, Any] = {"tails": [], "relative_change": []}
    trunc_rel = 0.0
    try:
        while True:
            win, mom, _ = truncate_box_3d(ell, sides, T, pts)
            shape = shape_for(win, mom, resolution)
            faces = [sinh_faces(a, b, n, m, s) for (a, b), n, (m, s) in zip(win, shape, mom)]
            win2, _, _ = truncate_box_3d(ell, sides, T + TAIL_STEP, pts)
            faces2 = [sinh_faces(a, b, n, m, s, extend=e, limit=lim)
                      for (a, b), n, (m, s), e, lim in zip(win, shape, mom, win2, sides)]
            if all(f2.size == f.size for f, f2 in zip(faces, faces2)):
                break
            c1 = solve(faces)[0]
            c2 = solve(faces2)[0]
            trunc_rel, stop = cutoff_step(trunc, T, c1, c2, rtol)
            if stop:
                break
            T += TAIL_STEP
        trunc["tail"] = T
        # the grid: per-axis refinement; refine the base grid by 1.5 while rtol is not met
        res = resolution
        attempts: list[dict[str, Any]] = []
        while True:
            shape = shape_for(win, mom, res)
            cache: dict[tuple[int, ...], float] = {}

            def at(n: list[int], cache: dict[tuple[int, ...], float] = cache) -> float | None:
                if n[0] * n[1] * n[2] > max_cells:
                    notes.append(f"skipped {n[0]}x{n[1]}x{n[2]} cells (max_cells={max_cells})")
                    return None
                key = tuple(n)
                if key not in cache:
                    fc = [sinh_faces(a, b, k, m, s) for (a, b), k, (m, s) in zip(win, n, mom)]
                    cache[key] = float(solve(fc)[0])
                return cache[key]

            ref = refine_axes(at, shape, lv, FV3D_ORDER)
            attempts.append({"shape": shape, "value": ref.value, "error": ref.error,
                             "grids": [list(k) for k in cache]})
            ok = ref.error + trunc_rel * abs(ref.value) <= rtol * abs(ref.value)
            bigger = [math.ceil(1.5 * n) for n in shape]
            nxt = [math.ceil(lv[1] * n) for n in bigger]
            if ok or nxt[0] * nxt[1] * nxt[2] > max_cells:
                break
            res *= 1.5
        best, grid_err = ref.value, ref.error
        base_faces = [sinh_faces(a, b, k, m, s) for (a, b), k, (m, s) in zip(win, shape, mom)]
        fvec = solve(base_faces, vector=bounds)[2] if bounds else None
    except ChainFailure as fail:
        value, error = (math.inf, 0.0) if fail.status == "no_poincare" else (0.0, math.inf)
        return PoincareResult(value, error, "fv3d", {"shape": fail.shape}, fail.status, fail.note,
                              "estimate", tuple(sides))
    if not best > 0:  # a wild extrapolation: keep the finest raw value, error from the spread
        raw = [v for a in ref.axes for v in a["values"]]
        best, grid_err = raw[-1], max(raw) - min(raw) + grid_err
    trunc_err = trunc_rel * abs(best)
    err = grid_err + trunc_err
    status = settle(best, err, rtol, ref.order_ok)
    resolution_info: dict[str, Any] = {
        "shape": shape, "axes": ref.axes, "cross": ref.cross, "attempts": attempts,
        "tail": T, "truncation_check": trunc, "grid_error": grid_err, "truncation_error": trunc_err,
        "stretch": [list(m) for m in mom], "linear_map": None if linear is None else linear.tolist(),
        "diffusion": "identity" if dfun is None else "diagonal"}
    lower: float | None = None
    if bounds:
        lower, info = ritz_lower_3d(ell, dfun, base_faces, fvec, T)
        resolution_info["lower_bound"] = info
    side: Side = "estimate"
    where = "the box in y, x = M y (M whitens D and rotates to the principal axes)" if linear is not None else "the box"
    if status == "ok":
        msg = (f"fv3d: per-axis refinement from {shape[0]}x{shape[1]}x{shape[2]} cells on {where} "
               f"cut at e^-{T:g} (checked at e^-{T + TAIL_STEP:g})")
    elif trunc_err > rtol * abs(best) / 2:
        msg = (f"not converged: C_P changes by {trunc['relative_change'][-1]:.2g} (relative) when the "
               f"cut-off moves from e^-{T:g} to e^-{T + TAIL_STEP:g} of the maximum density")
    else:
        msg = (f"not converged: relative error estimate {err / abs(best):.2g} > rtol {rtol:g} "
               f"at {shape[0]}x{shape[1]}x{shape[2]} base cells")
    best, err, bound, msg = below_lower_bound(best, err, lower, status, msg)
    if bound:
        side = "lower_bound"
    if status != "ok":
        warnings.warn(f"fv_poincare_3d {msg}", RuntimeWarning, stacklevel=2)
    if notes:
        msg += "; " + "; ".join(sorted(set(notes)))
    resolution_info["seconds"] = time.perf_counter() - start
    return PoincareResult(best, err, "fv3d", resolution_info, status, msg, side, tuple(win), lower=lower)
