r"""The 1D expectation record and the map of an infinite end to a finite one (:class:`TailMap`).

Used by :func:`gsmtheory.numeric.expect_1d` (:mod:`gsmtheory.numeric._expect`): an infinite end is
mapped to a finite one, x = m + s·t/(1−t²) on (−1, 1), or x = lo + s·u/(1−u) on [0, 1), so
nothing is cut off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import NumericalError
from gsmtheory.numeric._quadrature import Array, LogDensity, finite_max

__all__ = ["Expectation", "TailMap"]

@dataclass(frozen=True)
class Expectation:
    """E_p[f_j] for several f_j with an absolute error estimate of each.

    Attributes
    ----------
    values, errors : tuple of float
        Expectations and their error estimates (inf for a divergent one).
    log_normalizer : float
        log ∫ e^ℓ over the domain (1D: the whole domain; 2D: the integrated box).
    support : tuple
        2D: the box actually integrated over. 1D: where p lives (ℓ within ``drop`` of its
        maximum), for callers that need a box; the 1D integrals themselves cover the whole
        domain, tails included.
    resolution : dict
        Nodes / panels and order used.
    method : str
        How the numbers were computed.
    status : str
        ``ok``; ``not_converged`` (an error estimate above its tolerance); ``divergent`` (some
        E_p[f_j] is infinite: listed in ``divergent``); ``heavy_tail`` (2D: p or |f|p has
        non-negligible mass at the edge of the box, the error includes it).
    divergent : tuple of int
        Indices j whose integral diverges.
    exponents : tuple of float
        1D: per f_j, the power α of the mapped integrand t^α at its worst end (α ≤ −1 diverges).

    Examples
    --------
    A record from :func:`expect_1d`: the variance of N(0, 1) and log √(2π):

    >>> import numpy as np
    >>> e = expect_1d(lambda x: -x**2 / 2, lambda x: x**2, -np.inf, np.inf)
    >>> round(e.values[0], 10), e.errors[0] < 1e-12, round(e.log_normalizer, 6), e.divergent
    (1.0, True, 0.918939, ())
    """

    values: tuple[float, ...]
    errors: tuple[float, ...]
    log_normalizer: float
    support: tuple[tuple[float, float], ...]
    resolution: dict[str, int] = field(default_factory=dict)
    method: str = "gauss-legendre (composite, graded at finite ends), error |Q_n - Q_2n|"
    status: str = "ok"
    divergent: tuple[int, ...] = ()
    exponents: tuple[float, ...] = ()

    @property
    def controlled(self) -> bool:
        """True when the errors come from an adaptive rule (no refinement loop is needed)."""
        return "adaptive" in self.method




@dataclass(frozen=True)
class TailMap:
    r"""A map t ↦ x from [−1, 1] onto [lo, hi] (ends may be infinite) that puts both ends at t = 0.

    t = ±1 is a join point c inside the domain; t → 0⁻ is the lower end and t → 0⁺ the upper one,
    where floating point resolves any distance, so adaptive bisection can follow a singular end
    or a heavy tail as far as it needs. An infinite end: x = c ± s(1/|t| − 1), |x′| = s/t²; a
    finite end e: x = e ± ℓ|t|, |x′| = ℓ (ℓ = the distance from e to c). A density ~|x|^{−a}
    at an infinite end becomes ~|t|^{a−2}, an integrand ~δ^β at a finite end stays ~|t|^β, so
    the mapped integral is finite exactly when the original one is. c and s (median and spread
    of p) and the scan's quantiles come from :meth:`fit`.

    Attributes
    ----------
    lo, hi : float
        The domain.
    centre, scale : float
        c and s: the median and the interquartile half-width of p (for a doubly infinite domain).
    top : float
        max ℓ on the scan.
    quantiles : tuple of float
        The 31 quantiles k/32 of the scan (places for the initial panels).
    effective : (float, float)
        Where ℓ is within ``drop`` of its maximum.

    Examples
    --------
    For N(0, 1) the scale is the quartile Φ⁻¹(¾) = 0.6745 and t = ±½ maps to x = ±s:

    >>> import numpy as np
    >>> m = TailMap.fit(lambda x: -x**2 / 2, -np.inf, np.inf)
    >>> round(m.scale, 4), bool(np.allclose(m.x(np.array([-0.5, 0.5])), [-m.scale, m.scale]))
    (0.6745, True)
    >>> m.t(m.x(np.array([-0.25, 0.75])))
    array([-0.25,  0.75])
    """

    lo: float
    hi: float
    centre: float
    scale: float
    top: float
    quantiles: tuple[float, ...]
    effective: tuple[float, float]

    @property
    def join(self) -> float:
        """The point c that t = ±1 maps to."""
        if math.isinf(self.lo) and math.isinf(self.hi):
            return self.centre
        if math.isinf(self.hi):
            return self.lo + self.scale
        if math.isinf(self.lo):
            return self.hi - self.scale
        return 0.5 * (self.lo + self.hi)

    def _sides(self, t: Array) -> tuple[NDArray[np.bool_], Array, Array]:
        """(x, |x′|) on each side, selected by the sign of t (1/u − 1 and s/u² computed once)."""
        c = self.join
        u = np.abs(t)
        with np.errstate(all="ignore"):
            if math.isinf(self.lo) or math.isinf(self.hi):
                q, j_inf = 1.0 / u - 1.0, self.scale / (u * u)
            if math.isinf(self.lo):
                x_lo, j_lo = c - self.scale * q, j_inf
            else:
                x_lo, j_lo = self.lo + (c - self.lo) * u, np.full_like(u, c - self.lo)
            if math.isinf(self.hi):
                x_hi, j_hi = c + self.scale * q, j_inf
            else:
                x_hi, j_hi = self.hi - (self.hi - c) * u, np.full_like(u, self.hi - c)
        neg = t < 0
        return neg, np.where(neg, x_lo, x_hi), np.where(neg, j_lo, j_hi)

    def x(self, t: Array) -> Array:
        """x(t)."""
        return self._sides(np.asarray(t, dtype=float))[1]

    def jacobian(self, t: Array) -> Array:
        """|x′(t)|."""
        return self._sides(np.asarray(t, dtype=float))[2]

    def x_and_jacobian(self, t: Array) -> tuple[Array, Array]:
        """(x(t), |x′(t)|) in one pass."""
        _, x, jac = self._sides(np.asarray(t, dtype=float))
        return x, jac

    def density(self, logp: LogDensity, t: Array) -> Array:
        """w(t) = e^{ℓ(x(t)) − top}·|x′(t)|: p ∝ e^ℓ on the t-scale, relative to its maximum (0 where ℓ = −∞)."""
        return self.mapped(logp, t)[3]

    def mapped(self, logp: LogDensity, t: Array) -> tuple[Array, Array, Array, Array]:
        """(x(t), ℓ(x(t)), e^{ℓ − top}, w(t)) in one pass: :meth:`density` with what it is made of
        (a caller checks ℓ for NaN and weighs integrands by the relative density)."""
        x, jac = self.x_and_jacobian(t)
        with np.errstate(all="ignore"):
            lv = np.asarray(logp(x), dtype=float)
            rel = np.exp(np.where(np.isfinite(lv), lv - self.top, -np.inf))
            return x, lv, rel, np.where(rel > 0, rel * jac, 0.0)

    def t(self, x: Array) -> Array:
        """The inverse map x ↦ t."""
        x = np.asarray(x, dtype=float)
        c = self.join
        with np.errstate(all="ignore"):
            lo_t = (-self.scale / (c - x + self.scale) if math.isinf(self.lo)
                    else -(x - self.lo) / (c - self.lo))
            hi_t = (self.scale / (x - c + self.scale) if math.isinf(self.hi)
                    else (self.hi - x) / (self.hi - c))
        return np.where(x < c, lo_t, hi_t)

    def breaks(self, panels: int) -> Array:
        """Initial partition of [−1, 1]: uniform, at p's quantiles, graded towards the ends at t = 0."""
        grade = 0.5 ** np.arange(1, 31)
        pts = [np.linspace(-1.0, 1.0, 2 * panels + 1), grade, -grade]
        if self.quantiles:
            pts.append(self.t(np.asarray(self.quantiles)))
        out = np.unique(np.concatenate(pts))
        out = out[(out >= -1.0) & (out <= 1.0) & np.isfinite(out)]
        return np.unique(np.concatenate([[-1.0, 0.0, 1.0], out]))

    @classmethod
    def fit(cls, logp: LogDensity, lo: float, hi: float, *, drop: float = 40.0) -> TailMap:
        """Scan ℓ on a multi-scale grid (fine near the centre, geometric out to 1e12) for the map."""
        if not lo < hi:
            raise NumericalError(f"empty interval [{lo}, {hi}]", "give lo < hi")
        lin = np.linspace(-8.0, 8.0, 2001)
        geo = np.geomspace(1e-12, 1e12, 3001)
        if math.isinf(lo) and math.isinf(hi):
            grid = np.concatenate([lin, geo, -geo])
        elif math.isinf(hi):
            grid = lo + np.concatenate([lin[lin > 0], geo])
        elif math.isinf(lo):
            grid = hi - np.concatenate([lin[lin > 0], geo])
        else:
            u = np.concatenate([np.linspace(0.0, 1.0, 4001)[1:-1], np.geomspace(1e-14, 0.5, 600),
                                1.0 - np.geomspace(1e-14, 0.5, 600)])
            grid = lo + (hi - lo) * u
        grid = np.unique(grid[(grid > lo) & (grid < hi)])
        with np.errstate(all="ignore"):
            lv = np.asarray(logp(grid), dtype=float)
        if np.any(np.isnan(lv)):
            raise NumericalError("the log density is NaN on the domain", "check parameters and log_density")
        top = finite_max(lv)
        if top == math.inf:
            top = finite_max(np.where(np.isinf(lv), np.nan, lv))
        rel = np.exp(np.where(np.isfinite(lv), np.minimum(lv - top, 0.0), -np.inf))
        keep = np.nonzero(lv >= top - drop)[0]
        effective = (float(lo) if math.isfinite(lo) else float(grid[max(keep[0] - 1, 0)]),
                     float(hi) if math.isfinite(hi) else float(grid[min(keep[-1] + 1, grid.size - 1)]))
        mass = np.concatenate([[0.0], np.cumsum(0.5 * (rel[1:] + rel[:-1]) * np.diff(grid))])
        quantiles: tuple[float, ...] = ()
        centre, scale = 0.0, 1.0
        if mass[-1] > 0 and math.isfinite(mass[-1]):
            cdf = mass / mass[-1]
            qs = np.interp(np.linspace(0.0, 1.0, 33)[1:-1], cdf, grid)
            quantiles = tuple(float(q) for q in qs)
            q25, q50, q75 = np.interp([0.25, 0.5, 0.75], cdf, grid)
            if math.isinf(lo) and math.isinf(hi):
                centre, scale = float(q50), float(q75 - q25) / 2
            elif math.isinf(hi):
                scale = float(q50 - lo)
            elif math.isinf(lo):
                scale = float(hi - q50)
            else:
                scale = float(hi - lo)
        if not (math.isfinite(scale) and scale > 0):
            scale = 1.0
        return cls(float(lo), float(hi), centre, scale, top, quantiles, effective)
