r"""Two-dimensional Poincaré constants: reversible finite volumes and shift-invert Lanczos.

Setting (docs/design.md §1, §6): p ∝ e^ℓ on a box (finite sides reflect), E(g) = E_p[∇gᵀ D ∇g]
with D(x) symmetric positive definite, possibly state-dependent and with off-diagonal
entries. The box is truncated where p < e^{-tail}·max p (reported). On a uniform grid of
cells (h_x, h_y), the Markov chain with cell masses π_i = p(x_i) h_x h_y and edge
conductances

    axis edges     c_x = p D'_xx h_y / h_x,   D'_xx = D_xx − |D_xy| h_x / h_y,
                   c_y = p D'_yy h_x / h_y,   D'_yy = D_yy − |D_xy| h_y / h_x,
    diagonal edges c_± = p · max(±D_xy, 0)   (to the (+1, ±1) neighbour),

(p and D at the edge midpoint) is reversible with respect to π, and its Dirichlet form
Σ_e c_e (f_j − f_i)² is consistent with E: the diagonal edges carry the off-diagonal part of
D. This needs D'_xx, D'_yy ≥ 0, i.e. |D_xy| h_x/h_y ≤ D_xx and |D_xy| h_y/h_x ≤ D_yy; the
aspect ratio h_x/h_y is chosen inside that window (which is never empty for D ≻ 0 when D is
constant; for state-dependent D an empty window is reported as an error — change variables).

C_P of the chain is the top eigenvalue of the pseudo-inverse of A = Π^{1/2}(−Q)Π^{-1/2}:
A⁺ = P₀ E A_r⁻¹ Eᵀ P₀, with A_r the SPD matrix grounded at the heaviest cell r, P₀ the
projection off √π, one sparse LU of A_r and Lanczos on A⁺ (shift-invert at 0 without a
shift). Grids are refined by 2 per axis and the values extrapolated (Aitken); the grid error
is the size of the last correction. The truncation error is measured: the coarsest grid is
solved again on the box cut at e^{-(tail+20)} with the same cells, and twice the change is
added (there is no spectral theory of the ends in 2D to extrapolate with; a change that does
not shrink makes the status ``"not_converged"`` — the curved ridge of a banana-shaped target
carries its slowest mode far out). The certified lower bound is Rayleigh–Ritz on polynomials
of degree ≤ 4 and the bilinear interpolant of a coarse discrete eigenfunction.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.numeric._fv import Edges, constant_matrix, tensor_chain, top_pinv
from gsmtheory.numeric._fv_grid import AxisMap, extended_map, probe_points
from gsmtheory.numeric._ladder import TAIL_STEP, below_lower_bound, cutoff_step, extrapolate_at
from gsmtheory.numeric._result import PoincareResult, Side
from gsmtheory.numeric._ritz import ritz_min_eigenvalue

__all__ = ["FV2D_ORDER", "poincare_2d"]

#: declared order of the 2D finite-volume chain in its cell width (the ladder checks it)
FV2D_ORDER = 2.0


Array = NDArray[np.float64]
LogDensity2 = Callable[[Array, Array], Array]
Diffusion2 = Callable[[Array, Array], Any] | float | Sequence[Any] | Array


def _eval_ell(f: LogDensity2, x: Array, y: Array) -> Array:
    with np.errstate(all="ignore"):
        v = np.asarray(f(x, y), dtype=np.float64) * np.ones(np.broadcast_shapes(x.shape, y.shape))
    if np.any(np.isnan(v)):
        i = np.nonzero(np.isnan(v))
        raise NumericalError(f"log density is NaN at ({x[i][0] if x.ndim else x:.4g}, "
                             f"{y[i][0] if y.ndim else y:.4g})",
                             "check the parameters (NaN parameters?) and the box")
    if np.any(v == np.inf):
        raise NumericalError("log density is +inf inside the box", "check the formula")
    return v


def _diffusion(D: Diffusion2) -> Callable[[Array, Array], tuple[Array, Array, Array]]:
    """Normalize D to a callable (x, y) -> (D_xx, D_xy, D_yy)."""
    if callable(D):
        def f(x: Array, y: Array) -> tuple[Array, Array, Array]:
            with np.errstate(all="ignore"):
                out = D(x, y)
            if isinstance(out, tuple | list) and len(out) == 3:
                dxx, dxy, dyy = (np.asarray(o, dtype=np.float64) for o in out)
            else:
                arr = np.asarray(out, dtype=np.float64)
                if arr.shape[-2:] != (2, 2):
                    raise SpecError("D(x, y) must return (D_xx, D_xy, D_yy) or (..., 2, 2)",
                                    "return the three entries of the symmetric matrix")
                if not np.allclose(arr[..., 0, 1], arr[..., 1, 0], rtol=1e-12, atol=0):
                    raise SpecError("D is not symmetric", "give a symmetric D")
                dxx, dxy, dyy = arr[..., 0, 0], arr[..., 0, 1], arr[..., 1, 1]
            shape = np.broadcast_shapes(x.shape, y.shape)
            return tuple(np.broadcast_to(a, shape) for a in (dxx, dxy, dyy))  # type: ignore
        return f
    arr = constant_matrix(D, 2)
    c = arr

    def g(x: Array, y: Array) -> tuple[Array, Array, Array]:
        shape = np.broadcast_shapes(np.shape(x), np.shape(y))
        return (np.full(shape, c[0, 0]), np.full(shape, c[0, 1]), np.full(shape, c[1, 1]))
    return g


def truncate_box(log_density: LogDensity2, box: Sequence[Sequence[float]], *,
                 tail: float = 40.0, points: Array | None = None
                 ) -> tuple[tuple[float, float], tuple[float, float]]:
    """Sub-box outside which p < e^{-tail} max p (finite sides kept exactly when reached)."""
    (xlo, xhi), (ylo, yhi) = ((float(a), float(b)) for a, b in box)
    for lo, hi in ((xlo, xhi), (ylo, yhi)):
        if math.isnan(lo) or math.isnan(hi) or not lo < hi:
            raise NumericalError(f"box side ({lo}, {hi}) is empty or NaN", "give lo < hi")
    pts = np.zeros((0, 2)) if points is None else np.atleast_2d(np.asarray(points, float))
    px = probe_points(xlo, xhi, pts[:, 0])
    py = probe_points(ylo, yhi, pts[:, 1])
    # keep the probe sets moderate: subsample uniformly in index
    if px.size > 300:
        px = px[np.unique(np.linspace(0, px.size - 1, 300).astype(int))]
    if py.size > 300:
        py = py[np.unique(np.linspace(0, py.size - 1, 300).astype(int))]
    window: tuple[float, float, float, float] | None = None
    lmax = -np.inf
    for _ in range(8):
        X, Y = np.meshgrid(px, py, indexing="ij")
        ell = _eval_ell(log_density, X, Y)
        lmax = max(lmax, float(np.max(ell)))
        if not math.isfinite(lmax):
            raise ModelError("the density is zero on the whole box", "check the log density")
        keep = ell >= lmax - tail
        ix = np.nonzero(keep.any(axis=1))[0]
        iy = np.nonzero(keep.any(axis=0))[0]
        sides = []
        for idx, grid, lo, hi, name in ((ix, px, xlo, xhi, "x"), (iy, py, ylo, yhi, "y")):
            i0, i1 = int(idx[0]), int(idx[-1])
            if (math.isinf(lo) and i0 == 0) or (math.isinf(hi) and i1 == grid.size - 1):
                raise ModelError(f"the density does not decay along {name} towards infinity: "
                                 "it cannot be normalized",
                                 "use a log density that tends to -inf at infinite sides")
            sides.append(lo if i0 == 0 else float(grid[i0 - 1]))
            sides.append(hi if i1 == grid.size - 1 else float(grid[i1 + 1]))
        new = (sides[0], sides[1], sides[2], sides[3])
        if window is not None and all(
                abs(a - b) <= 1e-3 * (new[1] - new[0] if k < 2 else new[3] - new[2])
                for k, (a, b) in enumerate(zip(new, window))):
            window = new
            break
        window = new
        px = np.linspace(new[0], new[1], 161)
        py = np.linspace(new[2], new[3], 161)
        px = px[(px > xlo) & (px < xhi)] if px.size else px
        py = py[(py > ylo) & (py < yhi)] if py.size else py
        px = np.unique(np.concatenate([[new[0], new[1]], px]).clip(xlo, xhi))
        py = np.unique(np.concatenate([[new[2], new[3]], py]).clip(ylo, yhi))
        px = px[np.isfinite(px)]
        py = py[np.isfinite(py)]
    assert window is not None
    return (window[0], window[1]), (window[2], window[3])


def _chain2d(log_density: LogDensity2, dfun: Callable[[Array, Array], tuple[Array, Array, Array]],
             mx: AxisMap, my: AxisMap, nx: int, ny: int) -> tuple[Array, list[tuple[Any, Any, Array]]]:
    """log π (nx·ny,) normalized, and edges (i, j, log c) in flat indices, on the mapped grid.

    With x = X(u), y = Y(v) (u, v uniform in [0, 1]) the chain is built for p̃ = p X'Y' and
    D̃ = J⁻¹ D J⁻ᵀ, J = diag(X', Y'): the same Dirichlet form in the new coordinates.
    """
    hx, hy = 1.0 / nx, 1.0 / ny
    uc = (np.arange(nx) + 0.5) * hx
    vc = (np.arange(ny) + 0.5) * hy
    U, V = np.meshgrid(uc, vc, indexing="ij")

    def at(u: Array, v: Array) -> tuple[Array, Array, Array, Array]:
        x, dx = mx(u)
        y, dy = my(v)
        return x, y, dx, dy

    X, Y, DX, DY = at(U, V)
    ell = _eval_ell(log_density, X, Y) + np.log(DX * DY)
    idx = np.arange(nx * ny).reshape(nx, ny)
    ratio = hx / hy

    def face(sl_a: tuple[slice, slice], sl_b: tuple[slice, slice], kind: str) -> tuple[Array, Array]:
        """(log p̃, coefficient) on the edges from sl_a to sl_b (coefficient 0: no edge)."""
        um, vm = 0.5 * (U[sl_a] + U[sl_b]), 0.5 * (V[sl_a] + V[sl_b])
        xm, ym, dxm, dym = at(um, vm)
        dxx, dxy, dyy = dfun(xm, ym)
        if np.any(np.isnan(dxx)) or np.any(np.isnan(dxy)) or np.any(np.isnan(dyy)):
            raise NumericalError("D is NaN inside the box", "check the parameters")
        if np.any(dxx * dyy - dxy**2 <= 0) or np.any(dxx <= 0) or np.any(dyy <= 0):
            raise ModelError("D is not positive definite somewhere inside the box",
                             "use a D that is positive definite inside the domain")
        txx, txy, tyy = dxx / dxm**2, dxy / (dxm * dym), dyy / dym**2
        if kind == "x":  # D'_xx; the face area over the distance h_y/h_x is added by the chain
            coef = txx - np.abs(txy) * ratio
        elif kind == "y":
            coef = tyy - np.abs(txy) / ratio
        elif kind == "+":
            coef = np.maximum(txy, 0.0)
        else:
            coef = np.maximum(-txy, 0.0)
        if kind in ("x", "y"):
            scale = np.maximum(txx, tyy * ratio**2) if kind == "x" else np.maximum(txx / ratio**2, tyy)
            if np.any(coef < -1e-12 * scale):
                raise ModelError(
                    "off-diagonal D too large for the grid: the finite-volume chain needs "
                    "|D_xy| h_x/h_y <= D_xx and |D_xy| h_y/h_x <= D_yy everywhere",
                    "change variables (for constant D, y = D^{-1/2} x gives D = I) or pass "
                    "a shape whose aspect ratio fits")
            coef = np.maximum(coef, 0.0)
        mask = coef > 0
        lf = np.full(coef.shape, -np.inf)
        if np.any(mask):
            lf[mask] = _eval_ell(log_density, xm[mask], ym[mask]) + np.log(dxm[mask] * dym[mask])
        return lf, coef

    s_ = slice(None)
    fx = face((slice(0, -1), s_), (slice(1, None), s_), "x")
    fy = face((s_, slice(0, -1)), (s_, slice(1, None)), "y")
    diagonal: Edges = []
    for sl_a, sl_b, kind in (((slice(0, -1), slice(0, -1)), (slice(1, None), slice(1, None)), "+"),
                             ((slice(0, -1), slice(1, None)), (slice(1, None), slice(0, -1)), "-")):
        lf, coef = face(sl_a, sl_b, kind)
        mask = coef > 0
        if np.any(mask):
            diagonal.append((idx[sl_a][mask].ravel(), idx[sl_b][mask].ravel(),
                             (lf[mask] + np.log(coef[mask])).ravel()))
    return tensor_chain(ell, [np.full(nx, hx), np.full(ny, hy)], face_log=[fx[0], fy[0]],
                        face_coef=[fx[1], fy[1]], extra=diagonal)


def _axis_map(dfun: Callable[[Array, Array], tuple[Array, Array, Array]], side: tuple[float, float],
              other: tuple[float, float], box_side: tuple[float, float], axis: int) -> AxisMap:
    """Square-root map at a finite end of the box where D's normal entry vanishes."""
    t = (np.arange(16) + 0.5) / 16
    o = other[0] + t * (other[1] - other[0])
    deg = []
    for end, orig in zip(side, box_side):
        if end != orig:
            deg.append(False)
            continue
        e = np.full_like(o, end)
        dxx, _, dyy = dfun(e, o) if axis == 0 else dfun(o, e)
        normal = np.asarray(dxx if axis == 0 else dyy)
        deg.append(bool(np.any(~(normal > 0))))
    kind = {(False, False): "affine", (True, False): "sqrt-left",
            (False, True): "sqrt-right", (True, True): "sin2"}[(deg[0], deg[1])]
    return AxisMap(side[0], side[1], kind)


def _aspect(dfun: Callable[[Array, Array], tuple[Array, Array, Array]], mx: AxisMap,
            my: AxisMap) -> float | None:
    """h_u/h_v admissible for the diagonal-edge scheme (None when D is diagonal)."""
    t = (np.arange(40) + 0.5) / 40
    U, V = np.meshgrid(t, t, indexing="ij")
    (X, DX), (Y, DY) = mx(U), my(V)
    dxx, dxy, dyy = (np.asarray(a) for a in dfun(X, Y))
    if np.any(np.isnan(dxx)) or np.any(np.isnan(dxy)) or np.any(np.isnan(dyy)):
        raise NumericalError("D is NaN inside the box", "check the parameters")
    if np.any(dxx <= 0) or np.any(dyy <= 0) or np.any(dxx * dyy - dxy**2 <= 0):
        raise ModelError("D is not positive definite somewhere inside the box",
                         "use a D that is positive definite inside the domain")
    dxx, dxy, dyy = dxx / DX**2, dxy / (DX * DY), dyy / DY**2
    a = np.abs(dxy)
    if not np.any(a > 0):
        return None
    nz = a > 0
    lo = float(np.max(a[nz] / dyy[nz]))
    hi = float(np.min(dxx[nz] / a[nz]))
    if lo > hi:
        raise ModelError("off-diagonal D varies too much for one grid aspect ratio",
                         "change variables so that D is closer to diagonal")
    return math.sqrt(lo * hi)


def poincare_2d(log_density: LogDensity2, diffusion: Diffusion2,
                box: Sequence[Sequence[float]], *, rtol: float = 1e-4,
                shape: tuple[int, int] | None = None, min_levels: int = 3,
                max_levels: int = 6, tail: float = 40.0,
                max_cells: int = 1_500_000, points: Array | None = None,
                bounds: bool = True) -> PoincareResult:
    r"""C_P = sup_g Var_p(g) / E_p[∇gᵀ D ∇g] for p ∝ e^ℓ on a 2D box (module docstring).

    Parameters
    ----------
    log_density : callable
        ℓ(x, y), vectorized over two broadcasting arrays, unnormalized.
    diffusion : float, 2 numbers, 2×2 array, or callable
        Constant D (a number means D = dI), or ``D(x, y)`` returning ``(D_xx, D_xy, D_yy)``
        or an array ``(..., 2, 2)``. Off-diagonal entries use diagonal edges (module doc).
    box : ((x_lo, x_hi), (y_lo, y_hi))
        The domain; ±inf allowed, finite sides reflect. The lifted CTLD chain is the box
        (−inf, inf) × [0, β_max] with ℓ(x, β) = log r(β) + log (p * N(0, βλ))(x).
    rtol : float
        Target relative error of the extrapolated value.
    shape : (nx, ny), optional
        Coarsest grid; by default chosen from the variation of ℓ across the box.
    min_levels, max_levels : int
        Grids (each refining both axes by 2) are added until the error estimate meets rtol,
        at least ``min_levels`` (≥ 3) and at most ``max_levels`` of them.
    tail, max_cells, points
        As in :func:`poincare_1d`. The cut-off is checked by solving the coarsest grid again
        on the box cut at e^{-(tail+20)} with the same cells; 2× the change is the
        truncation error (it is pushed out while that does not meet rtol and the change is
        small; a large change is reported as ``not_converged``, never hidden).
    bounds : bool
        Compute the certified lower bound (Rayleigh–Ritz on polynomials of degree ≤ 4 and the
        bilinear discrete eigenfunction). A not-converged estimate below it is replaced by
        the bound (``side="lower_bound"``); a converged one below it raises.

    Returns
    -------
    PoincareResult
        ``method="fv2d"``, ``side="estimate"``; status ``"ok"`` when the error estimate
        meets rtol, else ``"not_converged"``.
    """
    if not 0 < rtol < 1:
        raise SpecError(f"rtol = {rtol} is not in (0, 1)", "use e.g. rtol=1e-4")
    if min_levels < 3 or max_levels < min_levels:
        raise SpecError("need 3 <= min_levels <= max_levels", "an error estimate needs 3 grids")
    dfun = _diffusion(diffusion)
    (bx0, bx1), (by0, by1) = ((float(a), float(b)) for a, b in box)

    def setup(T: float) -> tuple[tuple[float, float], tuple[float, float], AxisMap, AxisMap,
                                 float | None, int, int]:
        bx, by = truncate_box(log_density, box, tail=T, points=points)
        mx = _axis_map(dfun, bx, by, (bx0, bx1), 0)
        my = _axis_map(dfun, by, bx, (by0, by1), 1)
        ratio = _aspect(dfun, mx, my)
        if shape is None:
            t = (np.arange(256) + 0.5) / 256
            (xs, _), (ys, _) = mx(t), my(t)
            ell = _eval_ell(log_density, *np.meshgrid(xs, ys, indexing="ij"))
            ell = np.where(np.isfinite(ell), ell, np.nan)
            tvx = float(np.nanmax(np.nansum(np.abs(np.diff(ell, axis=0)), axis=0)))
            tvy = float(np.nanmax(np.nansum(np.abs(np.diff(ell, axis=1)), axis=1)))
            cap = 48 if rtol < 5e-4 else 24
            nx = int(np.clip(tvx / 16, 12, cap))
            ny = int(np.clip(tvy / 16, 12, cap))
            if ratio is not None:  # h_u/h_v = ratio
                h = math.sqrt(1.0 / (ratio * nx * ny))
                nx = max(8, round(1.0 / (ratio * h)))
                ny = max(8, round(1.0 / h))
        else:
            nx, ny = int(shape[0]), int(shape[1])
        return bx, by, mx, my, ratio, nx, ny

    # the cut-off: the same cells on a box cut at e^-T and at e^-(T+20) (coarsest grid)
    T = tail
    trunc: dict[str, Any] = {"tails": [], "relative_change": []}
    trunc_rel = 0.0
    while True:
        bx, by, mx, my, ratio, nx, ny = setup(T)
        ex, ey = truncate_box(log_density, box, tail=T + TAIL_STEP, points=points)
        emx = extended_map(mx, nx, bx0, bx1, *ex)
        emy = extended_map(my, ny, by0, by1, *ey)
        if (emx is None and emy is None) or nx * ny > max_cells:
            trunc_rel = 0.0
            break
        mx2, nx2 = (mx, nx) if emx is None else (emx[0], emx[1])
        my2, ny2 = (my, ny) if emy is None else (emy[0], emy[1])
        c1, _ = top_pinv(*_chain2d(log_density, dfun, mx, my, nx, ny), 700.0, tol=1e-12)
        c2, _ = top_pinv(*_chain2d(log_density, dfun, mx2, my2, nx2, ny2), 700.0, tol=1e-12)
        if not (math.isfinite(c1) and math.isfinite(c2) and c1 > 0):
            trunc_rel = 0.0
            break
        trunc_rel, stop = cutoff_step(trunc, T, c1, c2, rtol)
        if stop:
            break
        T += TAIL_STEP
    trunc["tail"] = T
    values: list[float] = []
    floors: list[float] = []
    grids: list[list[int]] = []
    status, best, err = "not_converged", math.nan, math.inf
    info: dict[str, Any] = {}
    notes: list[str] = []
    fvec: Array | None = None
    fgrid = [nx, ny]
    for k in range(max_levels):
        gx, gy = nx * 2**k, ny * 2**k
        if gx * gy > max_cells:
            notes.append(f"stopped before {gx}x{gy} cells (max_cells={max_cells})")
            break
        lp, edges = _chain2d(log_density, dfun, mx, my, gx, gy)
        small = bounds and (max(gx, gy) <= 32 or k == 0)
        out = top_pinv(lp, edges, 700.0, tol=1e-12, vector=small)
        cp, note = out[0], out[1]
        if small:
            fvec, fgrid = out[2], [gx, gy]
        if note:
            notes.append(note)
        if math.isinf(cp):
            return PoincareResult(math.inf, 0.0, "fv2d", {"shape": [gx, gy]}, "no_poincare",
                                  f"no Poincaré inequality: {note}", "estimate", (bx, by))
        if math.isnan(cp):
            return PoincareResult(0.0, math.inf, "fv2d", {"shape": [gx, gy]}, "failed",
                                  note, "estimate", (bx, by))
        values.append(cp)
        floors.append(1e-9)
        grids.append([gx, gy])
        if len(values) >= 3:
            ext = extrapolate_at(values, [1.0 / g[0] for g in grids], FV2D_ORDER, floor=1e-9 * abs(values[-1]))
            best, err = ext.value, ext.error
            info = {"order": ext.observed_order, "extrapolated": True, "order_ok": ext.order_ok}
            if err <= rtol * abs(best) and len(values) >= min_levels and ext.order_ok:
                status = "ok" if err + trunc_rel * abs(best) <= rtol * abs(best) else status
                break
    if not values:
        raise SpecError("the coarsest grid exceeds max_cells", "raise max_cells or pass shape")
    if len(values) < 3:
        best, err = values[-1], (abs(values[-1] - values[0]) if len(values) == 2 else math.inf)
    grid_err = err
    trunc_err = trunc_rel * abs(best)
    err = grid_err + trunc_err
    resolution = {"shape": grids[-1], "levels": grids, "values": values,
                  "observed_order": info.get("order"), "extrapolated": info.get("extrapolated"),
                  "tail": T, "aspect": ratio, "maps": [mx.kind, my.kind],
                  "truncation_check": trunc, "grid_error": grid_err,
                  "truncation_error": trunc_err}
    lower: float | None = None
    lower_info: dict[str, Any] = {}
    if bounds:
        lower, lower_info = _ritz_lower_2d(log_density, dfun, mx, my, fgrid, fvec)
        resolution["lower_bound"] = lower_info
    side: Side = "estimate"
    if status == "ok":
        msg = (f"fv2d: {len(grids)} grids up to {grids[-1][0]}x{grids[-1][1]} cells on "
               f"[{bx[0]:.4g}, {bx[1]:.4g}] x [{by[0]:.4g}, {by[1]:.4g}] (cut-off checked at "
               f"e^-{T + TAIL_STEP:g})")
    elif trunc_err > rtol * abs(best) / 2:
        ch = trunc["relative_change"][-1]
        msg = (f"not converged: C_P changes by {ch:.2g} (relative) when the cut-off moves from "
               f"p = e^-{T:g} to e^-{T + TAIL_STEP:g} of the maximum: the truncation error "
               "cannot be bounded (mass far out along a ridge or a heavy tail?)")
    else:
        msg = (f"not converged: relative error estimate {err / abs(best):.2g} > rtol {rtol:g} "
               f"at {grids[-1][0]}x{grids[-1][1]} cells")
    best, err, bound, msg = below_lower_bound(best, err, lower, status, msg, what="the truncated estimate")
    if bound:
        side = "lower_bound"
    if status != "ok":
        warnings.warn(f"poincare_2d {msg}", RuntimeWarning, stacklevel=2)
    if notes:
        msg += "; " + "; ".join(sorted(set(notes)))
    return PoincareResult(best, err, "fv2d", resolution, status, msg, side, (bx, by),
                          lower=lower)


def _bilinear(f: Array, u: Array, v: Array) -> tuple[Array, Array, Array]:
    """Bilinear interpolant of cell-centre values f (nx, ny) at (u, v) ∈ [0, 1]², constant
    beyond the outer centres; returns (g, ∂g/∂u, ∂g/∂v)."""
    nx, ny = f.shape
    su, sv = u * nx - 0.5, v * ny - 0.5
    i = np.clip(np.floor(su).astype(int), 0, nx - 2)
    j = np.clip(np.floor(sv).astype(int), 0, ny - 2)
    tu_raw, tv_raw = su - i, sv - j
    tu, tv = np.clip(tu_raw, 0.0, 1.0), np.clip(tv_raw, 0.0, 1.0)
    inu = (tu_raw >= 0) & (tu_raw <= 1)
    inv = (tv_raw >= 0) & (tv_raw <= 1)
    f00, f10, f01, f11 = f[i, j], f[i + 1, j], f[i, j + 1], f[i + 1, j + 1]
    g = (f00 * (1 - tu) * (1 - tv) + f10 * tu * (1 - tv) + f01 * (1 - tu) * tv
         + f11 * tu * tv)
    gu = ((f10 - f00) * (1 - tv) + (f11 - f01) * tv) * nx * inu
    gv = ((f01 - f00) * (1 - tu) + (f11 - f10) * tu) * ny * inv
    return g, gu, gv


def _dual_rule(n: int, k: int) -> tuple[Array, Array]:
    """k-point Gauss–Legendre on each interval between cell centres (and the two end halves)."""
    c = (np.arange(n) + 0.5) / n
    edges = np.concatenate([[0.0], c, [1.0]])
    t, w = np.polynomial.legendre.leggauss(k)
    t, w = 0.5 * (t + 1), 0.5 * w
    lo, hi = edges[:-1], edges[1:]
    nodes = (lo[:, None] + (hi - lo)[:, None] * t[None, :]).ravel()
    weights = ((hi - lo)[:, None] * w[None, :]).ravel()
    return nodes, weights


def _ritz_lower_2d(log_density: LogDensity2,
                   dfun: Callable[[Array, Array], tuple[Array, Array, Array]],
                   mx: AxisMap, my: AxisMap, grid: list[int], fvec: Array | None, degree: int = 4
                   ) -> tuple[float | None, dict[str, Any]]:
    r"""Certified-side lower bound: Rayleigh–Ritz on {monomials of degree ≤ 4} ∪ {g_h}.

    g_h is the bilinear interpolant of a discrete eigenfunction (on a grid of ≤ 32 cells per
    axis). Any function in the span gives Var_p(g)/E(g) ≤ C_P. The quadrature is Gauss on
    every patch between cell centres (where g_h is bilinear), with 2 and 3 points per axis;
    lower = min − |difference| (quadrature margin). The neglected mass outside the box is
    below e^{-tail} of the maximum density.
    """
    qs = []
    f = None if fvec is None else fvec.reshape(grid[0], grid[1])
    for k in (2, 3):  # (1 point per patch misses the bilinear hourglass mode)
        (u, wu), (v, wv) = _dual_rule(grid[0], k), _dual_rule(grid[1], k)
        U, V = np.meshgrid(u, v, indexing="ij")
        (X, DX), (Y, DY) = mx(U), my(V)
        ell = _eval_ell(log_density, X, Y) + np.log(DX * DY) + np.log(np.outer(wu, wv))
        fin = np.isfinite(ell)
        w = np.where(fin, np.exp(np.where(fin, ell, 0.0) - float(np.max(ell[fin]))), 0.0)
        keep = w > 1e-300
        w = w[keep] / w[keep].sum()
        x, y = X[keep], Y[keep]
        mean = np.array([w @ x, w @ y])
        sd = np.sqrt(np.maximum(np.array([w @ (x - mean[0]) ** 2, w @ (y - mean[1]) ** 2]),
                                1e-300))
        zx, zy = (x - mean[0]) / sd[0], (y - mean[1]) / sd[1]
        vals, gx_, gy_ = [], [], []
        for tot in range(1, degree + 1):
            for a in range(tot + 1):
                b = tot - a
                vals.append(zx**a * zy**b)
                gx_.append((a * zx ** max(a - 1, 0) * zy**b) / sd[0] if a else 0 * zx)
                gy_.append((b * zx**a * zy ** max(b - 1, 0)) / sd[1] if b else 0 * zy)
        if f is not None:
            scale = float(np.max(np.abs(f)))
            if scale > 0:
                g, gu, gv = _bilinear(f / scale, U[keep], V[keep])
                vals.append(g)
                gx_.append(gu / DX[keep])
                gy_.append(gv / DY[keep])
        Phi = np.array(vals).T
        Gx, Gy = np.array(gx_).T, np.array(gy_).T
        Phi = Phi - w @ Phi
        col = np.sqrt(np.maximum(w @ Phi**2, 1e-300))  # unit variance per basis function
        Phi, Gx, Gy = Phi / col, Gx / col, Gy / col
        C = (Phi * w[:, None]).T @ Phi
        dxx, dxy, dyy = (np.broadcast_to(np.asarray(t, float), x.shape) for t in dfun(x, y))
        K = ((Gx * (w * dxx)[:, None]).T @ Gx + (Gx * (w * dxy)[:, None]).T @ Gy
             + (Gy * (w * dxy)[:, None]).T @ Gx + (Gy * (w * dyy)[:, None]).T @ Gy)
        kmin = ritz_min_eigenvalue(C, K)
        if not kmin > 0:
            return None, {"note": "degenerate Ritz matrix"}
        qs.append(1.0 / kmin)
    lower = min(qs) - abs(qs[0] - qs[1])
    return (lower if lower > 0 else None), {"ritz_values": qs, "grid": grid,
                                            "basis": "degree<=4 + g_h"}
