r"""The certified lower bound of :func:`gsmtheory.numeric._fv3d.fv_poincare_3d`: Rayleigh–Ritz on
monomials and the trilinear finite-volume eigenfunction, Gauss quadrature on every patch between
cell centres.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory.numeric._fv import cell_log_density
from gsmtheory.numeric._ritz import ritz_min_eigenvalue

Array = NDArray[np.float64]
LogDensity3 = Callable[[Array, Array, Array], Array]
MatD = Callable[[Array, Array, Array], Array]

__all__ = ["ritz_lower_3d"]


# ----------------------------------------------------------------------------- lower bound
def _trilinear(f: Array, centres: Sequence[Array], x: Sequence[Array]) -> tuple[Array, list[Array]]:
    """Trilinear interpolant of centre values f at points x (constant beyond the outer centres)
    and its gradient."""
    idx, t, inside, inv = [], [], [], []
    for k in range(3):
        c = centres[k]
        i = np.clip(np.searchsorted(c, x[k]) - 1, 0, c.size - 2)
        h = c[i + 1] - c[i]
        raw = (x[k] - c[i]) / h
        idx.append(i)
        t.append(np.clip(raw, 0.0, 1.0))
        inside.append((raw >= 0) & (raw <= 1))
        inv.append(1.0 / h)
    g = np.zeros(x[0].shape)
    grad = [np.zeros(x[0].shape) for _ in range(3)]
    for corner in itertools.product((0, 1), repeat=3):
        val = f[idx[0] + corner[0], idx[1] + corner[1], idx[2] + corner[2]]
        wts = [t[k] if corner[k] else 1 - t[k] for k in range(3)]
        g += val * wts[0] * wts[1] * wts[2]
        for k in range(3):
            dk = (1.0 if corner[k] else -1.0) * inv[k] * inside[k]
            others = [wts[j] for j in range(3) if j != k]
            grad[k] += val * dk * others[0] * others[1]
    return g, grad


def _patch_rule(faces: Array, k: int) -> tuple[Array, Array]:
    """k-point Gauss–Legendre on each interval between cell centres and the two end halves."""
    c = 0.5 * (faces[1:] + faces[:-1])
    edges = np.concatenate([[faces[0]], c, [faces[-1]]])
    t, w = np.polynomial.legendre.leggauss(k)
    t, w = 0.5 * (t + 1), 0.5 * w
    lo, hi = edges[:-1], edges[1:]
    return (lo[:, None] + (hi - lo)[:, None] * t).ravel(), ((hi - lo)[:, None] * w).ravel()


def _exponents(degree: int) -> list[tuple[int, ...]]:
    out = [e for e in itertools.product(range(degree + 1), repeat=3) if 1 <= sum(e) <= degree]
    return sorted(out, key=lambda e: (sum(e), e))


def _nodes(ell: LogDensity3, faces: Sequence[Array], kq: int, tail: float) -> tuple[Array, list[Array]]:
    """Normalized weights and coordinates of the patch rule with kq points per axis (nodes below
    e^{-tail} of the heaviest dropped, as outside the box)."""
    rules = [_patch_rule(fc, kq) for fc in faces]
    X = np.meshgrid(*[r[0] for r in rules], indexing="ij")
    lw = sum(np.log(r[1]).reshape([-1 if j == k else 1 for j in range(3)]) for k, r in enumerate(rules))
    v = cell_log_density(ell, *X) + lw
    fin = np.isfinite(v)
    top = float(np.max(v[fin]))
    w = np.where(fin, np.exp(np.where(fin, v, top) - top), 0.0)
    keep = w > math.exp(-tail)
    return w[keep] / w[keep].sum(), [a[keep] for a in X]


def _basis_3d(zs: list[Array], sd: Array, exps: list[tuple[int, ...]], nb: int) -> tuple[Array, Array]:
    """Values (N, nb) and gradients (3, N, nb) of the monomials in standardized coordinates."""
    vals = np.empty((zs[0].size, nb))
    grads = np.zeros((3, zs[0].size, nb))
    for j, e in enumerate(exps):
        terms = [zs[i] ** e[i] for i in range(3)]
        vals[:, j] = terms[0] * terms[1] * terms[2]
        for i in range(3):
            if e[i]:
                tt = list(terms)
                tt[i] = e[i] * zs[i] ** (e[i] - 1)
                grads[i, :, j] = tt[0] * tt[1] * tt[2] / sd[i]
    return vals, grads


def _ritz_value(w: Array, x: list[Array], dfun: MatD | None, exps: list[tuple[int, ...]], f: Array | None,
                centres: list[Array]) -> float | None:
    """1/λ_min of the Ritz pencil on this rule (None: degenerate)."""
    mean = np.array([w @ a for a in x])
    sd = np.sqrt(np.maximum([w @ (a - m) ** 2 for a, m in zip(x, mean)], 1e-300))
    z = [(a - m) / s for a, m, s in zip(x, mean, sd)]
    nb = len(exps) + (f is not None)
    first, second, K = np.zeros(nb), np.zeros((nb, nb)), np.zeros((nb, nb))
    dm = np.broadcast_to(np.eye(3), (w.size, 3, 3)) if dfun is None else dfun(*x)
    scale = float(np.max(np.abs(f))) if f is not None else 1.0
    for s0 in range(0, w.size, 40_000):
        sl = slice(s0, s0 + 40_000)
        vals, grads = _basis_3d([a[sl] for a in z], sd, exps, nb)
        if f is not None:
            g, gg = _trilinear(f / scale, centres, [a[sl] for a in x])
            vals[:, -1] = g
            for i in range(3):
                grads[i, :, -1] = gg[i]
        ws = w[sl]
        first += ws @ vals
        second += (vals * ws[:, None]).T @ vals
        for i in range(3):
            for j in range(3):
                dij = dm[sl, i, j]
                if np.any(dij != 0):
                    K += (grads[i] * (ws * dij)[:, None]).T @ grads[j]
    C = second - np.outer(first, first)
    col = np.sqrt(np.maximum(np.diag(C), 1e-300))
    kmin = ritz_min_eigenvalue(C / np.outer(col, col), K / np.outer(col, col))
    return 1.0 / kmin if kmin > 0 else None


def ritz_lower_3d(ell: LogDensity3, dfun: MatD | None, faces: Sequence[Array], fvec: Array | None,
                  tail: float, degree: int = 4) -> tuple[float | None, dict[str, Any]]:
    r"""Rayleigh–Ritz on {monomials of degree ≤ ``degree``} ∪ {g_h}: a lower bound on C_P
    (3 and 4 Gauss points per patch; lower = the smaller value less their difference)."""
    exps = _exponents(degree)
    centres = [0.5 * (f[1:] + f[:-1]) for f in faces]
    shape = tuple(c.size for c in centres)
    f = None if fvec is None else fvec.reshape(shape)
    if f is not None and not np.max(np.abs(f)) > 0:
        f = None
    qs = []
    for kq in (3, 4):
        q = _ritz_value(*_nodes(ell, faces, kq, tail), dfun, exps, f, centres)
        if q is None:
            return None, {"note": "degenerate Ritz matrix"}
        qs.append(q)
    lower = min(qs) - abs(qs[0] - qs[1])
    return (lower if lower > 0 else None), {"ritz_values": qs, "grid": list(shape),
                                            "basis": f"degree<={degree} + g_h"}
