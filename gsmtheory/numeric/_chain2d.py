r"""The 2D finite-volume chain: checked inputs, the truncated box, cells, axis and diagonal edges.

Setting (docs/design.md §1, §6): p ∝ e^ℓ on a box (finite sides reflect), E(g) = E_p[∇gᵀ D ∇g]
with D(x) symmetric positive definite, possibly state-dependent and with off-diagonal entries. On
a grid of cells (h_x, h_y) in mapped variables, the chain with masses π_i = p(x_i) h_x h_y and

    axis edges     c_x = p D'_xx h_y / h_x,   D'_xx = D_xx − |D_xy| h_x / h_y,
                   c_y = p D'_yy h_x / h_y,   D'_yy = D_yy − |D_xy| h_y / h_x,
    diagonal edges c_± = p · max(±D_xy, 0)   (to the (+1, ±1) neighbour),

(p and D at the edge midpoint) is reversible with respect to π, and its Dirichlet form
Σ_e c_e (f_j − f_i)² is consistent with E: the diagonal edges carry the off-diagonal part of D.
This needs |D_xy| h_x/h_y ≤ D_xx and |D_xy| h_y/h_x ≤ D_yy; the aspect ratio h_x/h_y is chosen
inside that window (:func:`aspect_2d`; never empty for a constant D ≻ 0; for a state-dependent D an
empty window is reported as an error — change variables).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.numeric._fv import Edges, constant_matrix, tensor_chain
from gsmtheory.numeric._fv_grid import AxisMap, probe_points

__all__ = ["DFun2", "Diffusion2", "LogDensity2", "aspect_2d", "axis_map_2d", "chain_2d", "diffusion_2d",
           "eval_ell", "truncate_box"]

Array = NDArray[np.float64]
LogDensity2 = Callable[[Array, Array], Array]
Diffusion2 = Callable[[Array, Array], Any] | float | Sequence[Any] | Array
DFun2 = Callable[[Array, Array], tuple[Array, Array, Array]]


def eval_ell(f: LogDensity2, x: Array, y: Array) -> Array:
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


def diffusion_2d(D: Diffusion2) -> Callable[[Array, Array], tuple[Array, Array, Array]]:
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
        ell = eval_ell(log_density, X, Y)
        lmax = max(lmax, float(np.max(ell)))
        if not math.isfinite(lmax):
            raise ModelError("the density is zero on the whole box", "check the log density")
        keep = ell >= lmax - tail
        ix = np.nonzero(keep.any(axis=1))[0]
        iy = np.nonzero(keep.any(axis=0))[0]
        sides = []
        for idx, grid, lo, hi, name in ((ix, px, xlo, xhi, "x"), (iy, py, ylo, yhi, "y")):
            i0, i1 = int(idx[0]), int(idx[-1])
            at_lo, at_hi = i0 == 0, i1 == grid.size - 1
            if window is None and ((math.isinf(lo) and at_lo) or (math.isinf(hi) and at_hi)):
                # the first probes reach ±2^62 (probe_points): mass there means no decay
                raise ModelError(f"the density does not decay along {name} towards infinity: "
                                 "it cannot be normalized, or its tail is so heavy that no Poincaré "
                                 "inequality holds (C_P = inf)",
                                 "use a log density that tends to -inf at infinite sides")
            # a refined window's end can be kept where the coarser grid in the other variable
            # missed the ridge: widen that side by the window's width (the 3D box does the same)
            span = float(grid[-1] - grid[0])
            sides.append((lo if math.isfinite(lo) else float(grid[0]) - span) if at_lo else float(grid[i0 - 1]))
            sides.append((hi if math.isfinite(hi) else float(grid[-1]) + span) if at_hi else float(grid[i1 + 1]))
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


def chain_2d(log_density: LogDensity2, dfun: Callable[[Array, Array], tuple[Array, Array, Array]],
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
    ell = eval_ell(log_density, X, Y) + np.log(DX * DY)
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
            lf[mask] = eval_ell(log_density, xm[mask], ym[mask]) + np.log(dxm[mask] * dym[mask])
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


def axis_map_2d(dfun: Callable[[Array, Array], tuple[Array, Array, Array]], side: tuple[float, float],
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


def aspect_2d(dfun: Callable[[Array, Array], tuple[Array, Array, Array]], mx: AxisMap,
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

