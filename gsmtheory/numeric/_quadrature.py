r"""Expectations under p ∝ e^ℓ, with error estimates that cover the tails.

Rules and adaptive integration here; the expectations themselves in
:mod:`gsmtheory.numeric._expect` (:class:`TailMap` in :mod:`gsmtheory.numeric._tail_map`).

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


import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, NumericalError

__all__ = ["GL_ORDER", "GL_T", "GL_W", "AdaptiveIntegrals", "Array", "LogDensity", "adaptive_integrals", "finite_max", "gauss_legendre_panels",
           "normal_rule", "support_interval"]

Array = NDArray[np.float64]
LogDensity = Callable[[Array], Array]
#: Gauss–Legendre order of one adaptive panel
GL_ORDER = 12
GL_T, GL_W = np.polynomial.legendre.leggauss(GL_ORDER)


def finite_max(values: Array) -> float:
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

    Parameters
    ----------
    logp : callable
        ℓ = log p up to a constant, vectorized.
    lo, hi : float
        The domain (``±inf`` allowed).
    drop : float, optional
        How far below its maximum ℓ must fall at a cut end.
    max_width : float, optional
        How far an infinite end may be pushed.

    Returns
    -------
    a, b : float
        The kept interval.

    Raises
    ------
    NumericalError
        If lo ≥ hi or ℓ is NaN.
    ModelError
        If ℓ is nowhere finite, or p does not decay at an infinite end.

    Examples
    --------
    For N(0, 1), ℓ = −x²/2 drops by 40 at |x| = √80 ≈ 8.94 (found on a grid):

    >>> import numpy as np
    >>> a, b = support_interval(lambda x: -x**2 / 2, -np.inf, np.inf)
    >>> round(a, 2), round(b, 2)
    (-8.95, 8.95)
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
        top = finite_max(values)
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
    r"""Nodes and weights of composite Gauss–Legendre on [a, b]; panels graded (ratio 1/2) at marked ends.

    Exact for polynomials of degree < 2·``order`` on each panel.

    Parameters
    ----------
    a, b : float
        Finite ends.
    panels : int
        Number of panels.
    order : int, optional
        Gauss–Legendre nodes per panel.
    grade_left, grade_right : bool, optional
        Shrink the panels geometrically toward that end (for endpoint singularities).

    Returns
    -------
    nodes, weights : ndarray
        ``panels · order`` nodes and their weights (summing to b − a).

    Examples
    --------
    ∫_0^1 e^x dx = e − 1:

    >>> import numpy as np
    >>> x, w = gauss_legendre_panels(0.0, 1.0, 4, 8)
    >>> x.shape, round(float(w @ np.exp(x)), 12)
    ((32,), 1.718281828459)
    """
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
    r"""E over N(0, I_d): n probabilists' Gauss–Hermite nodes per axis, exact for polynomials of degree
    < 2n per coordinate; nodes (n,) for d = 1 and the tensor power (n^d, d) for d ≥ 2; weights sum to 1.

    Parameters
    ----------
    n : int
        Nodes per axis.
    d : int, optional
        Dimension.

    Returns
    -------
    nodes, weights : ndarray
        The rule (no error term: exact on its polynomial class).

    Examples
    --------
    The fourth moment of N(0, 1) is 3, and E[x²y²] = 1 under N(0, I₂):

    >>> x, w = normal_rule(3)
    >>> round(float(w @ x**4), 12)
    3.0
    >>> x, w = normal_rule(4, d=2)
    >>> x.shape, round(float(w @ (x[:, 0]**2 * x[:, 1]**2)), 12)
    ((16, 2), 1.0)
    """
    z, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / w.sum()
    if d == 1:
        return z, w
    zz = np.stack([g.ravel() for g in np.meshgrid(*([z] * d), indexing="ij")], axis=-1)
    ww = np.prod(np.stack([g.ravel() for g in np.meshgrid(*([w] * d), indexing="ij")], axis=-1), axis=-1)
    return zz, ww


@dataclass(frozen=True)
class AdaptiveIntegrals:
    r"""∫ g_j over an interval for the columns j of a vector integrand, with errors and a verdict.

    Attributes
    ----------
    values, errors : ndarray
        The integrals (K,) and their absolute error estimates (inf for a divergent column).
    divergent : tuple of bool
        Columns whose integral diverges at the singular end.
    exponents : tuple of float
        The estimated powers α of |g| on each side of the singular end.
    status : str
        ``"ok"`` when every finite column met ``rtol``, else ``"not_converged"``.
    nodes, levels : int
        Final panels and rounds of bisection.
    edges, panel_values : ndarray
        The final panels (P, 2) and their values (P, K).

    Examples
    --------
    >>> import numpy as np
    >>> r = adaptive_integrals(lambda t: np.exp(-t)[:, None], np.array([0.0, 1.0]))
    >>> round(float(r.values[0]), 12), r.status
    (0.632120558829, 'ok')
    """

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
    t = (lefts[..., None] + half[..., None] * (GL_T + 1.0))
    vals = g(t.ravel())
    K = vals.shape[-1]
    vals = vals.reshape(3, a.size, GL_ORDER, K)
    sums = np.einsum("snok,o,sn->snk", vals, GL_W, half)
    abs_sums = np.einsum("snok,o,sn->snk", np.abs(vals), GL_W, half)
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

    Parameters
    ----------
    g : callable
        The vector integrand, points (N,) → values (N, K).
    breaks : ndarray
        The initial panel edges t_0 < … < t_n.
    rtol : float, optional
        Relative tolerance per column.
    max_nodes : int, optional
        Panel budget (status ``"not_converged"`` when reached).
    end : float, optional
        The breakpoint where g may be singular.
    max_levels : int, optional
        Rounds of bisection.

    Returns
    -------
    AdaptiveIntegrals
        Values, error estimates, divergent columns and the status.

    Examples
    --------
    ∫_0^10 e^{-t} dt = 1 − e^{-10} and ∫_0^10 t e^{-t} dt = 1 − 11 e^{-10}:

    >>> import numpy as np
    >>> r = adaptive_integrals(lambda t: np.stack([np.exp(-t), t * np.exp(-t)], axis=1),
    ...                        np.array([0.0, 1.0, 10.0]))
    >>> [round(float(v), 7) for v in r.values], bool(max(r.errors) < 1e-12), r.status
    ([0.9999546, 0.9995006], True, 'ok')
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
