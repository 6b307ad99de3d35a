r"""Changes of variable for 1D ends the affine and square-root maps cannot resolve.

- :class:`LogEnds`: a finite end where D vanishes at infinite Liouville distance (D ~ |x − e|^β,
  β ≥ 2) is sent to t = ∓∞ by t = log|x − e|;
- :class:`SinhEnds`: an infinite end where D grows like |x|^β is solved in t = asinh x;
- :func:`detect_log_ends`, :func:`detect_growth_ends`: the numerical exponents that choose them;
- :func:`solve_mapped`: a 1D solve in the variable the ends need, its record mapped back to x.

In t, ℓ_t = ℓ∘X + log X' and D_t = D∘X / X'²: the same Dirichlet form (docs/design.md §1).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from gsmtheory.numeric._result import PoincareResult

__all__ = ["LogEnds", "SinhEnds", "detect_growth_ends", "detect_log_ends", "solve_mapped"]

Array = NDArray[np.float64]
Fn = Callable[[Array], Array]
Solve = Callable[[Fn, Fn, float, float, "Array | None"], PoincareResult]


@dataclass(frozen=True)
class LogEnds:
    """x = X(t) sending an end where D vanishes at infinite Liouville distance to t = ∓∞.

    left: X = lo + e^t; right: X = hi − e^{−t}; both: X = lo + (hi − lo)/(1 + e^{−t}). In t,
    ℓ_t = ℓ∘X + log X' and D_t = D∘X / X'² (the same Dirichlet form), and the Liouville
    variable y = ∫ dx/√D ~ c·t near the end for D ~ |x − e|² (exactly t for D = (x − e)²).
    """

    lo: float
    hi: float
    left: bool
    right: bool

    def x_of_t(self, t: Array) -> tuple[Array, Array, Array, Array]:
        """(x, log X'(t), distance to lo, distance to hi) with the distances exact."""
        lo, hi = self.lo, self.hi
        with np.errstate(all="ignore"):
            if self.left and self.right:
                w = hi - lo
                dlo = w / (1 + np.exp(-t))
                dhi = w / (1 + np.exp(t))
                x = np.where(t < 0, lo + dlo, hi - dhi)
                ldx = math.log(w) - np.logaddexp(0, -t) - np.logaddexp(0, t)
            elif self.left:
                dlo = np.exp(t)
                x = lo + dlo
                dhi = hi - x
                ldx = t
            else:
                dhi = np.exp(-t)
                x = hi - dhi
                dlo = x - lo
                ldx = -t
        return x, ldx, dlo, dhi

    def bounds(self) -> tuple[float, float]:
        if self.left and self.right:
            return -math.inf, math.inf
        if self.left:
            return -math.inf, (math.log(self.hi - self.lo) if math.isfinite(self.hi) else math.inf)
        return (-math.log(self.hi - self.lo) if math.isfinite(self.lo) else -math.inf), math.inf

    def t_of_x(self, x: Array) -> Array:
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(all="ignore"):
            if self.left and self.right:
                return np.log(x - self.lo) - np.log(self.hi - x)
            if self.left:
                return np.log(x - self.lo)
            return -np.log(self.hi - x)

    def wrap(self, fn: Fn, *, log_d: bool) -> Fn:
        """ℓ_t (log_d=False) or D_t (log_d=True); power laws in the distance where x = X(t)
        no longer resolves it (|e| ≫ distance), extrapolated linearly in t."""

        def raw(t: Array, xs: Array | None = None) -> Array:
            x, ldx, _, _ = self.x_of_t(t)
            x = x if xs is None else xs
            with np.errstate(all="ignore"):
                v = np.asarray(fn(x), dtype=np.float64) * np.ones_like(x)
                return (np.log(v) - 2 * ldx) if log_d else (v + ldx)

        def g(t: Array) -> Array:
            t = np.asarray(t, dtype=np.float64)
            x, _, dlo, dhi = self.x_of_t(t)
            out = raw(t)
            for end, dist, seen, sign in ((self.left, dlo, x - self.lo, -1.0),
                                          (self.right, dhi, self.hi - x, 1.0)):
                if not end:
                    continue
                with np.errstate(all="ignore"):  # unresolved, or underflowed to the end
                    bad = ~(np.abs(seen - dist) <= 1e-9 * dist) | ~(dist > 0)
                bad &= (t < 0) if sign < 0 else (t > 0)
                if not np.any(bad):
                    continue
                e = self.lo if sign < 0 else self.hi
                # reference points whose distance to e is exact in float64 (a power of two
                # ~1e-9 |e|): the power law is fitted where the next term is ~1e-9
                d0 = math.ldexp(1.0, math.frexp(abs(e))[1] - 31) if e != 0 else 1e-250
                xr = np.array([e - sign * d0, e - sign * 2 * d0])
                t1 = self.t_of_x(xr)
                v1 = raw(t1, xr)
                slope = (v1[1] - v1[0]) / (t1[1] - t1[0])
                out = np.where(bad, v1[0] + slope * (t - t1[0]), out)
            # x = X(t) overflows float64 far out in t: p is zero there (normalizable target)
            far = ~np.isfinite(x)
            if np.any(far):
                out = np.where(far, 0.0 if log_d else -np.inf, out)
            return np.exp(out) if log_d else out

        return g


@dataclass(frozen=True)
class SinhEnds:
    """x = X(t) for infinite ends where D grows like |x|^β, β > 0 (e.g. D = 1 + x²).

    Both ends infinite: X = sinh t; (lo, ∞): X = lo + sinh t, t > 0; (−∞, hi): X = hi + sinh t,
    t < 0. Near an infinite end y = ∫ dx/√D grows like log|x| for β = 2, so t is (up to a
    constant) the Liouville variable there, and a grid in t resolves both the bulk and a tail
    that in x reaches |x| ~ e^{tail/ν} (Student-t with D = 1 + x²/ν).
    """

    lo: float
    hi: float

    def x_of_t(self, t: Array) -> tuple[Array, Array]:
        base = 0.0 if math.isinf(self.lo) and math.isinf(self.hi) else (
            self.lo if math.isfinite(self.lo) else self.hi)
        with np.errstate(all="ignore"):
            return base + np.sinh(t), np.log(np.cosh(t))

    def bounds(self) -> tuple[float, float]:
        if math.isinf(self.lo) and math.isinf(self.hi):
            return -math.inf, math.inf
        return (0.0, math.inf) if math.isfinite(self.lo) else (-math.inf, 0.0)

    def t_of_x(self, x: Array) -> Array:
        base = 0.0 if math.isinf(self.lo) and math.isinf(self.hi) else (
            self.lo if math.isfinite(self.lo) else self.hi)
        return np.arcsinh(np.asarray(x, dtype=np.float64) - base)

    def wrap(self, fn: Fn, *, log_d: bool) -> Fn:
        def g(t: Array) -> Array:
            x, ldx = self.x_of_t(np.asarray(t, dtype=np.float64))
            with np.errstate(all="ignore"):
                v = np.asarray(fn(x), dtype=np.float64) * np.ones_like(x)
                out = (v * np.exp(-2 * ldx)) if log_d else (v + ldx)
            far = ~np.isfinite(x)  # sinh overflows: p is zero there (normalizable target)
            if np.any(far):
                out = np.where(far, 1.0 if log_d else -np.inf, out)
            return out

        return g


def detect_growth_ends(diff: Fn, lo: float, hi: float) -> bool:
    """True when D grows like |x|^β, β > 0.5, at an infinite end (numerical exponent)."""
    for e, sign in ((lo, -1.0), (hi, 1.0)):
        if math.isfinite(e):
            continue
        x = sign * np.array([2.0**20, 2.0**21])
        with np.errstate(all="ignore"):
            d = np.asarray(diff(x), dtype=np.float64) * np.ones(2)
        if d[0] > 0 and d[1] > 0 and math.log2(d[1] / d[0]) > 0.5:
            return True
    return False


def detect_log_ends(logp: Fn, diff: Fn, lo: float, hi: float) -> tuple[bool, bool]:
    """Finite ends where D vanishes like |x − e|^β, β > 1.5 (numerical exponent)."""
    out = []
    for e, sign in ((lo, 1.0), (hi, -1.0)):
        if not math.isfinite(e):
            out.append(False)
            continue
        other = hi if sign > 0 else lo
        scale = min(1.0, abs(other - e) / 4) if math.isfinite(other) else 1.0
        s = 1e-6 * scale
        with np.errstate(all="ignore"):
            d = np.asarray(diff(np.array([e, e + sign * s, e + 2 * sign * s])), float) \
                * np.ones(3)
        if d[0] > 0 or not (d[1] > 0 and d[2] > 0):
            out.append(False)
            continue
        beta = math.log(d[2] / d[1]) / math.log(2.0)
        out.append(beta > 1.5)
    return out[0], out[1]



def _mapped_back(res: PoincareResult, ta: float, tb: float, xa: float, xb: float, variable: str,
                 why: str) -> PoincareResult:
    """The result solved in t, with its truncation and message in x."""
    return replace(res, resolution={**dict(res.resolution), "variable": variable, "t_truncation": [ta, tb]},
                   message=res.message + why, truncation=((xa, xb),))


def solve_mapped(logp: Fn, diff: Fn, lo: float, hi: float, log_ends: tuple[bool, bool] | None,
                 points: Array | None, solve: Solve) -> PoincareResult:
    """``solve(ℓ, D, lo, hi, points)`` in the variable the ends need: t = log-distance to an end
    where D vanishes at infinite Liouville distance, t = asinh(x − x0) where D grows at an
    infinite end, else x itself; the record comes back in x."""
    if log_ends is None:
        log_ends = detect_log_ends(logp, diff, lo, hi)
    tr: LogEnds | SinhEnds
    if any(log_ends):
        tr = LogEnds(lo, hi, bool(log_ends[0]), bool(log_ends[1]))
    elif detect_growth_ends(diff, lo, hi):
        tr = SinhEnds(lo, hi)
    else:
        return solve(logp, diff, lo, hi, points)
    t_lo, t_hi = tr.bounds()
    pts = None if points is None else tr.t_of_x(np.asarray(points, float).ravel())
    if pts is not None:
        pts = pts[np.isfinite(pts)]
    res = solve(tr.wrap(logp, log_d=False), tr.wrap(diff, log_d=True), t_lo, t_hi, pts)
    (ta, tb), = res.truncation
    if isinstance(tr, LogEnds):
        xa = float(tr.x_of_t(np.array([ta]))[0][0])
        xb = float(tr.x_of_t(np.array([tb]))[0][0])
        where = " and ".join(w for w, on in (("lo", tr.left), ("hi", tr.right)) if on)
        return _mapped_back(res, ta, tb, xa, xb, f"t (log distance to {where})",
                            f"; solved in t = log-distance to the end(s) where D vanishes ({where})")
    xa, xb = (float(v) for v in tr.x_of_t(np.array([ta, tb]))[0])
    return _mapped_back(res, ta, tb, xa, xb, "t = asinh(x - x0)",
                        "; solved in t = asinh(x - x0) (D grows at an infinite end)")
