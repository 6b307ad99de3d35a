r"""The certified lower bound of a 2D answer: Rayleigh–Ritz on polynomials and the bilinear
interpolant of a discrete eigenfunction (any g in the span gives Var_p(g)/E(g) ≤ C_P)."""

from __future__ import annotations

from typing import Any

import numpy as np

from gsmtheory.numeric._chain2d import Array, DFun2, LogDensity2, eval_ell
from gsmtheory.numeric._fv_grid import AxisMap
from gsmtheory.numeric._ritz import ritz_min_eigenvalue

__all__ = ["ritz_lower_2d"]


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


def ritz_lower_2d(log_density: LogDensity2,
                   dfun: DFun2,
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
        ell = eval_ell(log_density, X, Y) + np.log(DX * DY) + np.log(np.outer(wu, wv))
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
