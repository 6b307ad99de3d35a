r"""Expectations under p ∝ e^ℓ, with error estimates that cover the tails.

1D (:func:`expect_1d`): E_p[f] = ∫ f e^ℓ / ∫ e^ℓ over the *whole* interval. An infinite end is
mapped to a finite one (:class:`TailMap`: x = m + s·t/(1−t²) on (−1, 1), or x = lo + s·u/(1−u)
on [0, 1)), so nothing is cut off; the mapped integrals are computed by adaptive bisection with
Gauss–Legendre panels (:func:`adaptive_integrals`), each panel's error |Q_panel − Q_halves|
summed over panels until every integral meets its tolerance. A power law of the mapped integrand
at an end, t^α with α ≤ −1, means the integral diverges (heavy tails, a singular end): it is
reported as divergent (value ±inf), never as a number.

2D (:func:`expect_2d`): tensor composite Gauss–Legendre over the box outside which ℓ has dropped
by ``drop`` below its maximum, error |Q_n − Q_2n|, plus a truncation check: the mass of p and
of |f|p in the outermost panel ring, which is added to the error (and flags a heavy tail).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, NumericalError

__all__ = ["AdaptiveIntegrals", "Expectation", "TailMap", "adaptive_integrals", "expect_1d", "expect_2d",
           "gauss_legendre_panels", "inverse_cdf_1d", "normal_rule", "support_interval"]

Array = NDArray[np.float64]
LogDensity = Callable[[Array], Array]


def _finite_max(values: Array) -> float:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        raise ModelError("the log density is not finite anywhere on the domain",
                         "check log_density and the domain")
    return float(finite.max())


def support_interval(logp: LogDensity, lo: float, hi: float, *, drop: float = 40.0,
                     max_width: float = 1e6) -> tuple[float, float]:
    r"""[a, b] ⊆ [lo, hi] outside which ℓ < max ℓ − ``drop``: where p carries no mass worth integrating.

    Finite ends are kept as they are. An infinite end is pushed outward (doubling) until ℓ has
    dropped by ``drop`` below its maximum; if it never does within ``max_width``, the density
    cannot be normalized and :class:`ModelError` is raised.
    """
    if lo >= hi:
        raise NumericalError(f"empty interval [{lo}, {hi}]", "give lo < hi")
    half = 8.0
    for _ in range(64):
        a = lo if math.isfinite(lo) else (min(hi, 0.0) - half if math.isfinite(hi) else -half)
        b = hi if math.isfinite(hi) else (max(lo, 0.0) + half if math.isfinite(lo) else half)
        grid = np.linspace(a, b, 4001)
        inner = grid[1:-1] if (math.isfinite(lo) or math.isfinite(hi)) else grid
        with np.errstate(all="ignore"):
            values = np.asarray(logp(inner), dtype=float)
        if np.any(np.isnan(values)):
            raise NumericalError("the log density is NaN on the domain", "check parameters and log_density")
        if np.any(values == np.inf):
            pass  # an integrable singularity at an end: handled by the graded panels
        top = _finite_max(values)
        ok_left = math.isfinite(lo) or values[0] < top - drop
        ok_right = math.isfinite(hi) or values[-1] < top - drop
        if ok_left and ok_right:
            break
        half *= 2.0
        if half > max_width:
            raise ModelError("the density cannot be normalized: it does not decay at an infinite end",
                             "make log_density tend to -infinity in the tails or bound the domain")
    keep = np.nonzero(values >= top - drop)[0]
    left = inner[max(keep[0] - 1, 0)] if not math.isfinite(lo) else lo
    right = inner[min(keep[-1] + 1, inner.size - 1)] if not math.isfinite(hi) else hi
    return float(left), float(right)


def gauss_legendre_panels(a: float, b: float, panels: int, order: int = 16, *,
                          grade_left: bool = False, grade_right: bool = False) -> tuple[Array, Array]:
    """Nodes and weights of composite Gauss–Legendre on [a, b]; panels graded (ratio 1/2) at marked ends."""
    breaks = np.linspace(0.0, 1.0, panels + 1)
    if grade_left or grade_right:
        depth = 60
        extra_l = 0.5 ** np.arange(depth, 0, -1) * breaks[1] if grade_left else np.array([])
        extra_r = 1.0 - (0.5 ** np.arange(1, depth + 1) * (1.0 - breaks[-2]))[::-1] if grade_right else np.array([])
        breaks = np.unique(np.concatenate([[0.0], extra_l, breaks, extra_r, [1.0]]))
    t, w = np.polynomial.legendre.leggauss(order)
    left, right = breaks[:-1], breaks[1:]
    half = (right - left) / 2.0
    nodes = (left[:, None] + half[:, None] * (t[None, :] + 1.0)).ravel()
    weights = (half[:, None] * w[None, :]).ravel()
    return a + (b - a) * nodes, (b - a) * weights


def normal_rule(n: int, d: int = 1) -> tuple[Array, Array]:
    """E over N(0, I_d): n probabilists' Gauss–Hermite nodes per axis, exact for polynomials of degree
    < 2n per coordinate; nodes (n,) for d = 1 and the tensor power (n^d, d) for d ≥ 2; weights sum to 1."""
    z, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / w.sum()
    if d == 1:
        return z, w
    zz = np.stack([g.ravel() for g in np.meshgrid(*([z] * d), indexing="ij")], axis=-1)
    ww = np.prod(np.stack([g.ravel() for g in np.meshgrid(*([w] * d), indexing="ij")], axis=-1), axis=-1)
    return zz, ww


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


_ORDER = 12
_GL_T, _GL_W = np.polynomial.legendre.leggauss(_ORDER)


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
        """(x, |x′|) on each side, selected by the sign of t."""
        c = self.join
        u = np.abs(t)
        with np.errstate(all="ignore"):
            if math.isinf(self.lo):
                x_lo, j_lo = c - self.scale * (1.0 / u - 1.0), self.scale / (u * u)
            else:
                x_lo, j_lo = self.lo + (c - self.lo) * u, np.full_like(u, c - self.lo)
            if math.isinf(self.hi):
                x_hi, j_hi = c + self.scale * (1.0 / u - 1.0), self.scale / (u * u)
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
        top = _finite_max(lv)
        if top == math.inf:
            top = _finite_max(np.where(np.isinf(lv), np.nan, lv))
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


@dataclass(frozen=True)
class AdaptiveIntegrals:
    """∫ g_j over an interval for the columns j of a vector integrand, with errors and a verdict."""

    values: Array
    errors: Array
    divergent: tuple[bool, ...]
    exponents: tuple[float, ...]
    status: str
    nodes: int
    levels: int
    edges: Array = field(default_factory=lambda: np.zeros((0, 2)), repr=False, compare=False)
    panel_values: Array = field(default_factory=lambda: np.zeros((0, 0)), repr=False, compare=False)


def _panel_sums(g: Callable[[Array], Array], a: Array, b: Array) -> tuple[Array, Array, Array, Array]:
    """GL sums of g over [a, b] and over its two halves, and of |g| over the halves (one call)."""
    m = (a + b) / 2
    lefts = np.stack([a, a, m])
    rights = np.stack([b, m, b])
    half = (rights - lefts) / 2
    t = (lefts[..., None] + half[..., None] * (_GL_T + 1.0))
    vals = g(t.ravel())
    K = vals.shape[-1]
    vals = vals.reshape(3, a.size, _ORDER, K)
    sums = np.einsum("snok,o,sn->snk", vals, _GL_W, half)
    abs_sums = np.einsum("snok,o,sn->snk", np.abs(vals), _GL_W, half)
    return sums[0], sums[1], sums[2], abs_sums[1] + abs_sums[2]


def _end_exponents(g: Callable[[Array], Array], end: float) -> Array:
    r"""Per side of ``end`` (rows: below, above) and column, the power α in |g| ~ δ^α, δ = |t − end|.

    Estimated from max |g| on clusters at δ = 10^{-8} and 10^{-10}: the slope of that pair
    (+inf where g vanishes there, as in light tails).
    """
    deltas = np.array([1e-8, 1e-10])
    cluster = np.array([1.0, 1.3, 1.7, 2.2])
    d = (deltas[:, None] * cluster[None, :]).ravel()
    rows = []
    for sign in (-1.0, 1.0):
        vals = np.abs(g(end + sign * d))
        vals = vals.reshape(len(deltas), len(cluster), -1).max(axis=1)
        with np.errstate(all="ignore"):
            slope = np.log(vals[-1] / vals[-2]) / math.log(deltas[-1] / deltas[-2])
        rows.append(np.where(vals[-1] == 0, np.inf, np.where(np.isfinite(slope), slope, np.inf)))
    return np.stack(rows)


def _end_factor(alpha: Array) -> Array:
    r"""1/(2^{1+α} − 1) (at least 1): the true error of an end panel over |Q − Q_halves| when g ~ δ^α.

    Bisecting the end panel multiplies its error by 2^{-(1+α)}, so Q_halves keeps that fraction
    of the error that |Q − Q_halves| measures as 1 − 2^{-(1+α)}; a factor 2 more for safety.
    """
    with np.errstate(all="ignore"):
        f = 2.0 / (2.0 ** (1.0 + alpha) - 1.0)
    return np.where((alpha > -1.0) & (alpha < 0.0), np.maximum(f, 1.0), 1.0)


def adaptive_integrals(g: Callable[[Array], Array], breaks: Array, *, rtol: float = 1e-11,
                       max_nodes: int = 6000, end: float = 0.0, max_levels: int = 200) -> AdaptiveIntegrals:
    r"""∫_{t_0}^{t_n} g(t) dt for a vector integrand g (points (N,) → (N, K)), adaptively.

    Each panel carries the Gauss–Legendre sum Q of order 12 on it and the sum over its two
    halves; its error is |Q − Q_halves| (times :func:`_end_factor` on the two panels that touch
    ``end``, the breakpoint where :class:`TailMap` puts the ends of the domain and g ~ δ^α may
    be singular) and its value Q_halves. Panels are bisected (worst first, all at
    once) until Σ errors ≤ rtol·∫|g| for every column, or ``max_nodes`` panels. Before that, the
    power α of |g| on each side of ``end`` is estimated (:func:`_end_exponents`): α ≤ −0.98 (−1
    is a logarithmic divergence; or α ≤ −0.95 without convergence) marks a column divergent,
    value ±inf and error inf. At most ``max_levels`` rounds of bisection.
    """
    alpha_ends = _end_exponents(g, end)
    alpha = alpha_ends.min(axis=0)
    f_lo, f_hi = _end_factor(alpha_ends[0]), _end_factor(alpha_ends[1])
    a = np.asarray(breaks[:-1], dtype=float)
    b = np.asarray(breaks[1:], dtype=float)
    coarse, left, right, absq = _panel_sums(g, a, b)
    clear_div = alpha <= -0.98  # −1 exactly: a logarithmic divergence (∫ dt/t)
    tiny = np.finfo(float).tiny
    levels = 0
    status = "ok"

    def errors_of() -> Array:
        e = np.abs(coarse - (left + right))
        e = np.where((b == end)[:, None], e * f_lo, e)
        return np.where((a == end)[:, None], e * f_hi, e)

    while True:
        err = errors_of()
        scale = absq.sum(axis=0)
        tol = rtol * np.where(scale > 0, scale, tiny)
        total_err = err.sum(axis=0)
        open_ = (total_err > tol) & ~clear_div & np.isfinite(total_err)
        if not np.any(open_):
            break
        width_ok = (b - a) > 8 * np.finfo(float).eps * np.maximum(np.abs(a), np.abs(b)) + 1e-300
        score = np.max(err[:, open_] / tol[open_], axis=1)
        pick = (score > 1.0 / (2 * a.size)) & width_ok
        if a.size + int(pick.sum()) > max_nodes or not np.any(pick) or levels >= max_levels:
            status = "not_converged"
            break
        m = (a[pick] + b[pick]) / 2
        na = np.concatenate([a[pick], m])
        nb = np.concatenate([m, b[pick]])
        ncoarse = np.concatenate([left[pick], right[pick]])
        _c, nl, nr, nabs = _panel_sums(g, na, nb)
        keep = ~pick
        a, b = np.concatenate([a[keep], na]), np.concatenate([b[keep], nb])
        coarse = np.concatenate([coarse[keep], ncoarse])
        left, right = np.concatenate([left[keep], nl]), np.concatenate([right[keep], nr])
        absq = np.concatenate([absq[keep], nabs])
        levels += 1
    values = (left + right).sum(axis=0)
    # rounding: the sums carry ~eps·∫|g| each, whatever the panels say
    errors = np.maximum(errors_of().sum(axis=0), 16 * np.finfo(float).eps * absq.sum(axis=0))
    unconverged = errors > rtol * np.maximum(absq.sum(axis=0), tiny)
    divergent = clear_div | ((alpha <= -0.95) & unconverged) | ~np.isfinite(values)
    values = np.where(divergent, np.where(values < 0, -np.inf, np.inf), values)
    errors = np.where(divergent, np.inf, errors)
    if status == "ok" and np.any(unconverged & ~divergent):
        status = "not_converged"
    order = np.argsort(a)
    return AdaptiveIntegrals(values, errors, tuple(bool(v) for v in divergent),
                             tuple(float(v) for v in alpha), status, int(a.size), levels,
                             np.stack([a[order], b[order]], axis=-1), (left + right)[order])


def _rule(lo_inf: bool, hi_inf: bool, a: float, b: float, panels: int, order: int) -> tuple[Array, Array]:
    return gauss_legendre_panels(a, b, panels, order, grade_left=not lo_inf, grade_right=not hi_inf)


def _weighted(logp_values: Array, weights: Array) -> tuple[Array, float]:
    lv = np.where(np.isfinite(logp_values), logp_values, -np.inf)
    top = float(np.max(lv))
    w = np.exp(lv - top) * weights
    return w, top


def expect_1d(logp: LogDensity, funcs: Callable[[Array], list[Array] | Array], lo: float, hi: float, *,
              panels: int = 64, order: int = 16, drop: float = 40.0, rtol: float = 1e-11,
              max_nodes: int = 6000, points: Sequence[float] = ()) -> Expectation:
    r"""E_p[f] (for each f returned by ``funcs``) for p ∝ e^ℓ on [lo, hi] (ends may be infinite).

    ``funcs(x)`` returns one array or a list of arrays, each the size of ``x``. The integrals
    Z = ∫e^ℓ and N_j = ∫f_j e^ℓ are computed over the *whole* interval, with no cut-off, by
    :func:`adaptive_integrals` after a tail map (:class:`TailMap`); the error of E_p[f_j] = N_j/Z
    is (δN_j + |E_p f_j| δZ)/Z from the adaptive error estimates. An integral that diverges
    (E_p|f| = ∞: heavy tails, or a singular end) has value ±inf, error inf and is listed in
    :attr:`Expectation.divergent`; Z = ∞ raises :class:`ModelError` (p is not normalizable).
    ``panels`` sets the initial partition; ``order`` and ``drop`` are kept for compatibility
    (the scan that places the initial panels uses ``drop``). ``points`` are kinks or jumps of the
    integrand (e.g. where Min, Abs or sign switch, from :func:`gsmtheory.symbolic.kinks_1d`):
    panel edges are put there, so no panel straddles a jump (whose error |Q − Q_halves| could
    otherwise understate).
    """
    tmap = TailMap.fit(logp, lo, hi, drop=drop)
    top = tmap.top

    def integrand(t: Array) -> Array:
        x, jac = tmap.x(t), tmap.jacobian(t)
        with np.errstate(all="ignore"):
            lv = np.asarray(logp(x), dtype=float)
            rel = np.exp(np.where(np.isfinite(lv), lv - top, -np.inf))
            if np.any(np.isnan(lv)):
                raise NumericalError("the log density is NaN on the domain", "check parameters and log_density")
            w = np.where(rel > 0, rel * jac, 0.0)
            f = funcs(x)
            fs = [np.broadcast_to(np.asarray(v, dtype=float), x.shape) for v in
                  (f if isinstance(f, list | tuple) else [f])]
            cols = [w]
            for v in fs:
                bad = ~np.isfinite(v) & (w > 0)
                if np.any(bad & (rel > NEGLIGIBLE_MASS * 1e-16)):
                    raise NumericalError("the integrand is not finite where p carries mass",
                                         "check the expression and parameters (overflow or a singularity)")
                cols.append(np.where(w > 0, w * np.where(np.isfinite(v), v, 0.0), 0.0))
        return np.stack(cols, axis=-1)

    with np.errstate(all="ignore"):
        breaks = tmap.breaks(max(panels // 4, 8))
        inside = [float(v) for v in points if tmap.lo < float(v) < tmap.hi]
        if inside:
            breaks = np.unique(np.concatenate([breaks, tmap.t(np.asarray(inside))]))
        res = adaptive_integrals(integrand, breaks, rtol=rtol, max_nodes=max_nodes)
    z, dz = float(res.values[0]), float(res.errors[0])
    if res.divergent[0] or not math.isfinite(z):
        raise ModelError(f"p ∝ e^ℓ is not normalizable on ({lo}, {hi}): ∫e^ℓ diverges "
                         f"(integrand ~ t^{res.exponents[0]:.3g} at an end of the mapped interval)",
                         "make log_density tend to -infinity fast enough or bound the domain")
    if z <= 0:
        raise ModelError("the density has no mass on the domain", "check log_density and the domain")
    values, errors, divergent = [], [], []
    for j in range(1, len(res.values)):
        n, dn = float(res.values[j]), float(res.errors[j])
        if res.divergent[j]:
            values.append(math.copysign(math.inf, n) if n != 0 else math.inf)
            errors.append(math.inf)
            divergent.append(j - 1)
            continue
        v = n / z
        values.append(v)
        errors.append((dn + abs(v) * dz) / z)
    if any(not math.isfinite(v) for k, v in enumerate(values) if k not in divergent):
        raise NumericalError("an expectation is not finite", "check that the integrand is integrable under p")
    status = "divergent" if divergent else res.status
    return Expectation(tuple(values), tuple(errors), math.log(z) + top, (tmap.effective,),
                       {"nodes": res.nodes, "levels": res.levels, "order": _ORDER},
                       "adaptive gauss-legendre on a tail-mapped interval (no cut-off), "
                       "error |Q_panel - Q_halves| summed, propagated to N/Z",
                       status, tuple(divergent), res.exponents[1:])


def inverse_cdf_1d(logp: LogDensity, lo: float, hi: float, u: Array, *, rtol: float = 1e-13,
                   tol: float = 1e-13) -> tuple[Array, float]:
    r"""x = F⁻¹(u) for p ∝ e^ℓ on [lo, hi] (ends may be infinite): exact inverse-CDF sampling.

    F is computed by :func:`adaptive_integrals` on the :class:`TailMap` (no cut-off, so heavy
    tails are sampled as far out as u asks); the final panels give F at their edges (a monotone
    table that brackets every root), and inside the bracketing panel F(x(t)) = F_edge + ∫_t^{b} w
    (Gauss–Legendre on [t, b], w the mapped density) is solved by safeguarded Newton (bisection
    when a step leaves the bracket) to |F − u| ≤ ``tol``. Returns the samples and the largest
    |F(x) − u| reached plus the CDF's own quadrature error (relative to the total mass).
    """
    u = np.asarray(u, dtype=float)
    if np.any((u < 0) | (u > 1)):
        raise NumericalError("uniforms must lie in [0, 1]", "pass u = rng.random(n)")
    tmap = TailMap.fit(logp, lo, hi)

    def w(t: Array) -> Array:
        with np.errstate(all="ignore"):
            lv = np.asarray(logp(tmap.x(t)), dtype=float)
            rel = np.exp(np.where(np.isfinite(lv), lv - tmap.top, -np.inf))
            return np.where(rel > 0, rel * tmap.jacobian(t), 0.0)

    with np.errstate(all="ignore"):
        res = adaptive_integrals(lambda t: w(t)[:, None], tmap.breaks(16), rtol=rtol)
    if res.divergent[0] or not math.isfinite(float(res.values[0])) or res.values[0] <= 0:
        raise ModelError(f"p ∝ e^ℓ is not normalizable on ({lo}, {hi})",
                         "make log_density tend to -infinity fast enough or bound the domain")
    z = float(res.values[0])
    a, b = res.edges[:, 0], res.edges[:, 1]
    mass = res.panel_values[:, 0] / z
    # x decreases in t on each side; increasing x: t from 0- down to -1, then from 1 down to 0+
    key = np.where(a < 0, -b, 2.0 - b)
    order = np.argsort(key)
    a, b, mass = a[order], b[order], mass[order]
    cum = np.concatenate([[0.0], np.cumsum(mass)])
    cum /= cum[-1]
    idx = np.clip(np.searchsorted(cum, u, side="left") - 1, 0, len(mass) - 1)
    while True:  # skip empty panels (no mass: the root is not inside them)
        empty = mass[idx] <= 0
        if not np.any(empty & (idx < len(mass) - 1)):
            break
        idx = np.where(empty & (idx < len(mass) - 1), idx + 1, idx)
    lo_t, hi_t = a[idx].copy(), b[idx].copy()
    edge, base, target = b[idx], cum[idx], u

    def F(t: Array) -> Array:  # CDF at x(t) inside the panel: F(lower x edge) + ∫_t^{edge} w / z
        half = (edge - t) / 2
        nodes = t[:, None] + half[:, None] * (_GL_T[None, :] + 1.0)
        vals = w(nodes.ravel()).reshape(nodes.shape)
        return np.asarray(base + half * (vals @ _GL_W) / z, dtype=float)

    t = 0.5 * (lo_t + hi_t)
    for _ in range(200):
        g = F(t) - target
        done = (np.abs(g) <= tol) | (hi_t - lo_t <= 4 * np.finfo(float).eps * np.maximum(np.abs(t), 1e-300))
        if np.all(done):
            break
        lo_t = np.where(g > 0, t, lo_t)  # F decreases in t
        hi_t = np.where(g > 0, hi_t, t)
        dens = w(t) / z
        with np.errstate(all="ignore"):
            newton = t + g / dens
        ok = np.isfinite(newton) & (newton > lo_t) & (newton < hi_t)
        t = np.where(done, t, np.where(ok, newton, 0.5 * (lo_t + hi_t)))
    resid = float(np.max(np.abs(F(t) - target))) if t.size else 0.0
    return tmap.x(t), resid + float(res.errors[0]) / z


def expect_2d(logp: Callable[[Array, Array], Array],
              funcs: Callable[[Array, Array], list[Array] | Array],
              box: tuple[tuple[float, float], tuple[float, float]], *,
              panels: int = 24, order: int = 12, drop: float = 40.0) -> Expectation:
    r"""E_p[f] for p ∝ e^{ℓ(x, y)} on a box (ends may be infinite), tensor Gauss–Legendre.

    Infinite ends are cut where the profile max ℓ has dropped by ``drop``; the error is
    |Q_n − Q_2n| plus the change of every integral when the box is enlarged to where it has
    dropped by 1.5·``drop`` (truncation). Status ``heavy_tail`` when p has relative mass
    > 1e-12 between the two boxes: the errors are then inf (a box wide enough for the tail
    leaves the core to a few nodes, and nothing here bounds that).
    """
    (xlo, xhi), (ylo, yhi) = box
    # support per coordinate: scan along lines through the maximum of a coarse grid
    gx = np.linspace(*(_coarse(xlo, xhi)), 201)
    gy = np.linspace(*(_coarse(ylo, yhi)), 201)
    with np.errstate(all="ignore"):
        grid = np.asarray(logp(gx[:, None], gy[None, :]), dtype=float)
    if not np.any(np.isfinite(grid)):
        raise ModelError("the log density is not finite anywhere on the box", "check log_density and the domain")

    def profile_x(x: Array) -> Array:  # max over y of ℓ(x, y): the x-extent of the support
        return np.max(np.asarray(logp(np.asarray(x)[:, None], gy[None, :]), dtype=float), axis=1)

    def profile_y(y: Array) -> Array:
        return np.max(np.asarray(logp(gx[:, None], np.asarray(y)[None, :]), dtype=float), axis=0)

    a, b = support_interval(profile_x, xlo, xhi, drop=drop)
    c, d = support_interval(profile_y, ylo, yhi, drop=drop)

    def integrate(n: int, xa: float, xb: float, yc: float, yd: float) -> tuple[list[float], float]:
        x, wx = _rule(not math.isfinite(xlo), not math.isfinite(xhi), xa, xb, n, order)
        y, wy = _rule(not math.isfinite(ylo), not math.isfinite(yhi), yc, yd, n, order)
        X, Y = np.meshgrid(x, y, indexing="ij")
        with np.errstate(all="ignore"):
            weights, top = _weighted(np.asarray(logp(X, Y), dtype=float), wx[:, None] * wy[None, :])
            f = funcs(X, Y)
            fs = [np.broadcast_to(np.asarray(v, dtype=float), X.shape) for v in (f if isinstance(f, list | tuple) else [f])]
            z = weights.sum()
            vals = [_weighted_mean(weights, v, z) for v in fs]
        return vals, math.log(z) + top

    coarse, _ = integrate(panels, a, b, c, d)
    fine, logz = integrate(2 * panels, a, b, c, d)
    errors = [abs(f - c_) for f, c_ in zip(fine, coarse, strict=True)]
    status = "ok"
    if not all(math.isfinite(v) for v in (xlo, xhi, ylo, yhi)):
        # truncation: the same integrals over the box where ℓ has dropped by 1.5·drop; their change
        # (the mass of p and of f·p between the boxes) is added to the error
        try:
            a2, b2 = support_interval(profile_x, xlo, xhi, drop=1.5 * drop)
            c2, d2 = support_interval(profile_y, ylo, yhi, drop=1.5 * drop)
            big, logz_big = integrate(2 * panels, a2, b2, c2, d2)
            trunc = [abs(g - f) for g, f in zip(big, fine, strict=True)]
            lost = abs(math.expm1(logz_big - logz))
        except ModelError:
            trunc, lost = [math.inf] * len(fine), math.inf
        errors = [e + t for e, t in zip(errors, trunc, strict=True)]
        if lost > 1e-12:
            # a box wide enough for the tail leaves the core to a handful of nodes: neither the
            # refinement difference nor the enlargement bounds the error any more
            status = "heavy_tail"
            errors = [math.inf] * len(errors)
    return Expectation(tuple(fine), tuple(errors), logz, ((a, b), (c, d)), {"panels": 2 * panels, "order": order},
                       "gauss-legendre (composite, graded at finite ends), error |Q_n - Q_2n| plus the "
                       "change on a box enlarged to 1.5x the drop (truncation)", status)


#: nodes whose integrand overflows (e.g. a ratio of underflowed exponentials far in the tails)
#: are dropped only while their total share of p's mass stays below this
NEGLIGIBLE_MASS = 1e-14


def _weighted_mean(weights: Array, values: Array, z: float) -> float:
    """Σ w f / z over nodes; non-finite f is tolerated only where p carries negligible mass."""
    bad = ~np.isfinite(values) & (weights > 0)
    if np.any(bad):
        share = float(weights[bad].sum() / z)
        if share > NEGLIGIBLE_MASS:
            raise NumericalError(f"the integrand is not finite where p carries mass {share:.2g}",
                                 "check the expression and parameters (overflow or a singularity)")
    good = np.isfinite(values) & (weights > 0)
    return float(np.sum(np.where(good, weights * np.where(good, values, 0.0), 0.0)) / z)


def _coarse(lo: float, hi: float) -> tuple[float, float]:
    a = lo if math.isfinite(lo) else (hi - 40.0 if math.isfinite(hi) else -40.0)
    b = hi if math.isfinite(hi) else (lo + 40.0 if math.isfinite(lo) else 40.0)
    eps = 1e-9 * (b - a)
    return a + eps, b - eps
