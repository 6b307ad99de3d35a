r"""The box and the faces of :func:`gsmtheory.numeric._fv3d.fv_poincare_3d`.

- :func:`truncate_box_3d`: the box cut where p < e^{-tail} max p, on a tensor probe grid that grows until
  the density has decayed on every infinite side, with the probe's moments;
- :func:`sinh_faces`: faces uniform in asinh((t − c)/s), continued outwards with the same spacing;
- :func:`linear_map`: y ↦ ℓ(M y).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import ModelError
from gsmtheory.numeric._fv import cell_log_density

Array = NDArray[np.float64]
LogDensity3 = Callable[[Array, Array, Array], Array]
MatD = Callable[[Array, Array, Array], Array]

__all__ = ["linear_map", "sinh_faces", "truncate_box_3d"]

_PROBE = 41


# ----------------------------------------------------------------------------- the box
def truncate_box_3d(ell: LogDensity3, box: Sequence[tuple[float, float]], tail: float,
              points: Array | None) -> tuple[list[tuple[float, float]], list[tuple[float, float]], Array]:
    """(the box cut at e^{-tail}·max p, (mean, sd) of the marginals, covariance) on the probe grid."""
    centre = np.zeros(3) if points is None or len(points) == 0 else np.mean(points, axis=0)
    spread = np.ones(3) if points is None or len(points) < 2 else np.ptp(points, axis=0) / 2 + 1.0
    win = []
    for k, (lo, hi) in enumerate(box):
        a = lo if math.isfinite(lo) else min(centre[k] - 4 * spread[k], hi - 8 * spread[k]) \
            if math.isfinite(hi) else centre[k] - 4 * spread[k]
        b = hi if math.isfinite(hi) else max(centre[k] + 4 * spread[k], a + 8 * spread[k])
        win.append([float(a), float(b)])
    moments = [(0.0, 1.0)] * 3
    cov = np.eye(3)
    for _ in range(60):
        axes = [np.linspace(a, b, _PROBE) for a, b in win]
        grid = np.meshgrid(*axes, indexing="ij")
        v = cell_log_density(ell, *grid)
        top = float(np.max(v))
        keep = v >= top - tail
        grew = False
        new = []
        for k, (lo, hi) in enumerate(box):
            other = tuple(j for j in range(3) if j != k)
            slab = keep.any(axis=other)
            idx = np.nonzero(slab)[0]
            a, b = win[k]
            i0, i1 = int(idx[0]), int(idx[-1])
            if i0 == 0 and a > lo:
                a = max(lo, a - 2 * (b - a)) if math.isfinite(lo) else a - 2 * (b - a)
                grew = True
            elif i0 > 0:
                a = float(axes[k][i0 - 1])
            if i1 == _PROBE - 1 and b < hi:
                b = min(hi, b + 2 * (b - a)) if math.isfinite(hi) else b + 2 * (b - a)
                grew = True
            elif i1 < _PROBE - 1:
                b = float(axes[k][i1 + 1])
            if not (math.isfinite(a) and math.isfinite(b)) or b - a > 1e12:
                raise ModelError(f"the density does not decay along axis {k} towards infinity: it "
                                 "cannot be normalized",
                                 "use a log density that tends to -inf at infinite sides")
            new.append([a, b])
        w = np.exp(v - top)
        w /= w.sum()
        mean = [float(np.sum(w * g)) for g in grid]
        cov = np.array([[float(np.sum(w * (grid[i] - mean[i]) * (grid[j] - mean[j]))) for j in range(3)]
                        for i in range(3)])
        moments = [(mean[k], math.sqrt(max(cov[k, k], 1e-300))) for k in range(3)]
        done = not grew and all(abs(n[0] - o[0]) + abs(n[1] - o[1]) <= 0.05 * (o[1] - o[0])
                                for n, o in zip(new, win))
        win = new
        if done:
            break
    else:
        raise ModelError("the cut-off box did not settle", "give a finite box")
    return [(float(a), float(b)) for a, b in win], moments, cov


def linear_map(log_density: LogDensity3, M: Array) -> LogDensity3:
    """y ↦ ℓ(M y)."""
    def f(x: Array, y: Array, z: Array) -> Array:
        return log_density(*(M[i, 0] * x + M[i, 1] * y + M[i, 2] * z for i in range(3)))
    return f


def sinh_faces(lo: float, hi: float, n: int, c: float, s: float, extend: tuple[float, float] | None = None,
           limit: tuple[float, float] = (-math.inf, math.inf)) -> Array:
    """n + 1 faces uniform in u = asinh((t − c)/s) on [lo, hi]; with ``extend`` = (lo2, hi2), the
    same faces continued outwards with the same u-spacing to cover [lo2, hi2] (within ``limit``)."""
    u0, u1 = math.asinh((lo - c) / s), math.asinh((hi - c) / s)
    du = (u1 - u0) / n
    k0 = k1 = 0
    if extend is not None:
        if extend[0] < lo and lo > limit[0]:
            k0 = math.ceil((u0 - math.asinh((extend[0] - c) / s)) / du)
        if extend[1] > hi and hi < limit[1]:
            k1 = math.ceil((math.asinh((extend[1] - c) / s) - u1) / du)
    u = u0 + du * np.arange(-k0, n + k1 + 1)
    f = c + s * np.sinh(u)
    f[k0], f[k0 + n] = lo, hi
    if k0:
        f[0] = max(f[0], limit[0])
    if k1:
        f[-1] = min(f[-1], limit[1])
    return np.asarray(f, dtype=np.float64)
