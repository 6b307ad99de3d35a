r"""Finite-volume grids shared by the 1D, 2D and 3D solvers (:mod:`gsmtheory.numeric._fv`).

- :class:`AxisMap`: x = X(u) on u ∈ [0, 1], affine, or square-root at an end where D vanishes
  (so that Jacobi- and Laguerre-type ends become regular), sin² at both;
- :func:`stretched_faces`: faces uniform in u = asinh((t − c)/s) + (t − c)/w;
- :func:`probe_points` and :func:`extended_map`: where to look for the cut-off, and a larger
  interval whose cells contain the given ones exactly (the cut-off check).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import SpecError

__all__ = ["AxisMap", "Stretch", "extended_map", "probe_points", "stretched_faces"]

Array = NDArray[np.float64]
Stretch = tuple[float, float] | tuple[float, float, float] | None


# ----------------------------------------------------------------------------- grids
@dataclass(frozen=True)
class AxisMap:
    """x = X(u) on u ∈ [0, 1], with X'(u)."""

    a: float
    b: float
    kind: str  # "affine", "sqrt-left", "sqrt-right", "sin2"

    def __call__(self, u: Array) -> tuple[Array, Array]:
        w = self.b - self.a
        if self.kind == "affine":
            return self.a + w * u, np.full_like(u, w)
        if self.kind == "sqrt-left":
            return self.a + w * u * u, 2 * w * u
        if self.kind == "sqrt-right":
            v = 1 - u
            return self.b - w * v * v, 2 * w * v
        s = np.sin(0.5 * np.pi * u)
        return self.a + w * s * s, 0.5 * np.pi * w * np.sin(np.pi * u)

    def distance(self, t: Array, side: int) -> Array:
        """Exact distance from the end (side 0: X(t) − a; side 1: b − X(1 − t))."""
        w = self.b - self.a
        kind = self.kind
        if kind == "affine":
            return w * t
        if kind == "sin2":
            return w * np.sin(0.5 * np.pi * t) ** 2
        near_sq = (kind == "sqrt-left") == (side == 0)
        return w * t * t if near_sq else w * t * (2 - t)

    def from_right(self, v: Array) -> tuple[Array, Array]:
        """X(1 − v) and X'(1 − v), accurate for tiny v."""
        w = self.b - self.a
        if self.kind == "affine":
            return self.b - w * v, np.full_like(v, w)
        if self.kind == "sqrt-left":
            return self.a + w * (1 - v) ** 2, 2 * w * (1 - v)
        if self.kind == "sqrt-right":
            return self.b - w * v * v, 2 * w * v
        s = np.sin(0.5 * np.pi * v)
        return self.b - w * s * s, 0.5 * np.pi * w * np.sin(np.pi * v)


def stretched_faces(lo: float, hi: float, n: int, stretch: Stretch) -> Array:
    """n + 1 cell faces on [lo, hi], uniform in u(t) = asinh((t − c)/s) + (t − c)/w.

    ``stretch`` is None (affine faces), (s, c) (sinh faces, w = ∞) or (s, c, w): cells of
    width ≈ s·du near c, growing like |t − c|·du away from it, but never wider than w·du.
    """
    if stretch is None:
        return np.linspace(lo, hi, n + 1)
    s, c = float(stretch[0]), float(stretch[1])
    w = float(stretch[2]) if len(stretch) > 2 and stretch[2] is not None else math.inf  # type: ignore[misc]
    if not (s > 0 and math.isfinite(s) and math.isfinite(c) and w > 0):
        raise SpecError(f"stretch {stretch} needs a positive finite scale and a positive width",
                        "give (scale, centre) or (scale, centre, width)")

    def u(t: Array) -> Array:
        return np.asarray(np.arcsinh((t - c) / s) + (t - c) / w, dtype=np.float64)

    ends = u(np.array([lo, hi]))
    target = np.linspace(float(ends[0]), float(ends[1]), n + 1)
    if math.isinf(w):
        f = c + s * np.sinh(target)
    else:  # u is increasing: bisection to full float precision
        a, b = np.full(n + 1, lo), np.full(n + 1, hi)
        for _ in range(80):
            mid = 0.5 * (a + b)
            below = u(mid) < target
            a, b = np.where(below, mid, a), np.where(below, b, mid)
        f = 0.5 * (a + b)
    f[0], f[-1] = lo, hi
    return f


def probe_points(lo: float, hi: float, points: Array) -> Array:
    k = 2.0 ** np.arange(-30, 63)
    if math.isinf(lo) and math.isinf(hi):
        base = np.concatenate([-k, [0.0], k, np.linspace(-4, 4, 257)])
        for c in points:
            base = np.concatenate([base, c - k, c + k, [c]])
    elif math.isinf(hi):
        base = np.concatenate([lo + k, np.linspace(lo, lo + 8, 257)[1:]])
        for c in points:
            base = np.concatenate([base, c - k, c + k, [c]])
    elif math.isinf(lo):
        base = np.concatenate([hi - k, np.linspace(hi - 8, hi, 257)[:-1]])
        for c in points:
            base = np.concatenate([base, c - k, c + k, [c]])
    else:
        w = hi - lo
        t = 2.0 ** np.arange(-40, 0)
        base = np.concatenate([lo + w * t, hi - w * t, np.linspace(lo, hi, 1025)[1:-1], points])
    x = np.unique(base)
    return x[(x > lo) & (x < hi)]


def extended_map(mp: AxisMap, n: int, lo: float, hi: float, a2: float, b2: float
                  ) -> tuple[AxisMap, int, list[tuple[int, float, float]]] | None:
    """A map on a larger interval whose n2 cells contain the n cells of (mp, n) exactly.

    Returns (map, n2, the added (side, x0, x1) intervals), or None when nothing is added.
    """
    w = mp.b - mp.a
    if mp.kind == "affine":
        h = w / n
        k1 = math.ceil((mp.a - a2) / h) if a2 < mp.a else 0
        k2 = math.ceil((b2 - mp.b) / h) if b2 > mp.b else 0
        if math.isfinite(lo):
            k1 = min(k1, max(math.ceil((mp.a - lo) / h) - 1, 0))
        if math.isfinite(hi):
            k2 = min(k2, max(math.ceil((hi - mp.b) / h) - 1, 0))
        if k1 + k2 == 0:
            return None
        added = [iv for iv in ((0, mp.a - k1 * h, mp.a), (1, mp.b, mp.b + k2 * h))
                 if iv[2] > iv[1]]
        return AxisMap(mp.a - k1 * h, mp.b + k2 * h, "affine"), n + k1 + k2, added
    if mp.kind in ("sqrt-left", "sqrt-right"):
        left = mp.kind == "sqrt-left"
        target = (b2 - mp.a) if left else (mp.b - a2)
        limit = (hi - mp.a) if left else (mp.b - lo)
        if not target > w:
            return None
        n2 = math.ceil(n * math.sqrt(target / w))
        while n2 > n and not w * (n2 / n) ** 2 < limit:
            n2 -= 1
        if n2 == n:
            return None
        w2 = w * (n2 / n) ** 2
        if left:
            return AxisMap(mp.a, mp.a + w2, kind="sqrt-left"), n2, [(1, mp.b, mp.a + w2)]
        return AxisMap(mp.b - w2, mp.b, kind="sqrt-right"), n2, [(0, mp.b - w2, mp.a)]
    return None


def finite_sides(box: Sequence[Sequence[float]], dim: int, what: str) -> list[tuple[float, float]]:
    """The sides of a box a tensor-grid solver can mesh: ``dim`` finite intervals lo < hi."""
    if len(box) != dim:
        raise SpecError(f"{what} needs a {dim}-sided box", "give (lo, hi) per axis")
    sides = [(float(a), float(b)) for a, b in box]
    for lo, hi in sides:
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise SpecError(f"box side ({lo}, {hi}) must be finite with lo < hi",
                            "truncate infinite sides where the density is below e^-40 of its max")
    return sides
