r"""Expectations under p ∝ e^ℓ by composite Gauss–Legendre quadrature, with refinement errors.

E_p[f] = ∫ f e^ℓ / ∫ e^ℓ over the support of p: infinite ends are truncated where
ℓ < max ℓ − ``drop`` (e^{-40} ≈ 4e-18 of the peak by default) and finite ends are kept, with
panels graded geometrically towards them so that endpoint singularities (x^{a−1} densities,
D vanishing at an end) are resolved. The error estimate is |Q_n − Q_{2n}| from a second,
doubled resolution; the reported value is the finer one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, NumericalError

__all__ = ["Expectation", "expect_1d", "expect_2d", "gauss_legendre_panels", "support_interval"]

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


@dataclass(frozen=True)
class Expectation:
    """E_p[f_j] for several f_j with the absolute error estimate |Q_n − Q_2n| of each.

    Attributes
    ----------
    values, errors : tuple of float
        Expectations and their error estimates.
    log_normalizer : float
        log ∫ e^ℓ over the truncated support.
    support : tuple
        The box actually integrated over.
    resolution : dict
        Panels and order of the finer rule.
    """

    values: tuple[float, ...]
    errors: tuple[float, ...]
    log_normalizer: float
    support: tuple[tuple[float, float], ...]
    resolution: dict[str, int] = field(default_factory=dict)
    method: str = "gauss-legendre (composite, graded at finite ends), error |Q_n - Q_2n|"


def _rule(lo_inf: bool, hi_inf: bool, a: float, b: float, panels: int, order: int) -> tuple[Array, Array]:
    return gauss_legendre_panels(a, b, panels, order, grade_left=not lo_inf, grade_right=not hi_inf)


def _weighted(logp_values: Array, weights: Array) -> tuple[Array, float]:
    lv = np.where(np.isfinite(logp_values), logp_values, -np.inf)
    top = float(np.max(lv))
    w = np.exp(lv - top) * weights
    return w, top


def expect_1d(logp: LogDensity, funcs: Callable[[Array], list[Array] | Array], lo: float, hi: float, *,
              panels: int = 64, order: int = 16, drop: float = 40.0) -> Expectation:
    r"""E_p[f](for each f returned by ``funcs``) for p ∝ e^ℓ on [lo, hi] (ends may be infinite).

    ``funcs(x)`` returns one array or a list of arrays, each the size of ``x``.
    """
    a, b = support_interval(logp, lo, hi, drop=drop)
    results = []
    for n in (panels, 2 * panels):
        x, w = _rule(not math.isfinite(lo), not math.isfinite(hi), a, b, n, order)
        with np.errstate(all="ignore"):
            weights, top = _weighted(np.asarray(logp(x), dtype=float), w)
            f = funcs(x)
            fs = [np.broadcast_to(np.asarray(v, dtype=float), x.shape) for v in (f if isinstance(f, list | tuple) else [f])]
            z = weights.sum()
            vals = [_weighted_mean(weights, v, z) for v in fs]
        results.append((vals, math.log(z) + top))
    (coarse, _), (fine, logz) = results
    errors = tuple(abs(f - c) for f, c in zip(fine, coarse, strict=True))
    if any(not math.isfinite(v) for v in fine):
        raise NumericalError("an expectation is not finite", "check that the integrand is integrable under p")
    return Expectation(tuple(fine), errors, logz, ((a, b),), {"panels": 2 * panels, "order": order})


def expect_2d(logp: Callable[[Array, Array], Array],
              funcs: Callable[[Array, Array], list[Array] | Array],
              box: tuple[tuple[float, float], tuple[float, float]], *,
              panels: int = 24, order: int = 12, drop: float = 40.0) -> Expectation:
    r"""E_p[f] for p ∝ e^{ℓ(x, y)} on a box (ends may be infinite), tensor Gauss–Legendre."""
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
    results = []
    for n in (panels, 2 * panels):
        x, wx = _rule(not math.isfinite(xlo), not math.isfinite(xhi), a, b, n, order)
        y, wy = _rule(not math.isfinite(ylo), not math.isfinite(yhi), c, d, n, order)
        X, Y = np.meshgrid(x, y, indexing="ij")
        with np.errstate(all="ignore"):
            weights, top = _weighted(np.asarray(logp(X, Y), dtype=float), wx[:, None] * wy[None, :])
            f = funcs(X, Y)
            fs = [np.broadcast_to(np.asarray(v, dtype=float), X.shape) for v in (f if isinstance(f, list | tuple) else [f])]
            z = weights.sum()
            vals = [_weighted_mean(weights, v, z) for v in fs]
        results.append((vals, math.log(z) + top))
    (coarse, _), (fine, logz) = results
    errors = tuple(abs(f - c_) for f, c_ in zip(fine, coarse, strict=True))
    return Expectation(tuple(fine), errors, logz, ((a, b), (c, d)), {"panels": 2 * panels, "order": order})


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
