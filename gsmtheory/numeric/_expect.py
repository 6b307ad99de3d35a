r"""Expectations under p ∝ e^ℓ, with error estimates that cover the tails (docs/design.md §3).

1D (:func:`expect_1d`): E_p[f] = ∫ f e^ℓ / ∫ e^ℓ over the *whole* interval, an infinite end mapped
to a finite one (:class:`gsmtheory.numeric._tail_map.TailMap`) and the mapped integrals computed by
adaptive bisection (:func:`gsmtheory.numeric._quadrature.adaptive_integrals`); a power law t^α with
α ≤ −1 of the mapped integrand at an end means the integral diverges and is reported as such.
:func:`inverse_cdf_1d` inverts the CDF of the same construction.

2D (:func:`expect_2d`): tensor composite Gauss–Legendre over the box outside which ℓ has dropped
by ``drop`` below its maximum, error |Q_n − Q_2n|, plus a truncation check: the mass of p and
of |f|p in the outermost panel ring, which is added to the error (and flags a heavy tail).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, NumericalError
from gsmtheory.numeric._quadrature import (
    GL_ORDER,
    GL_T,
    GL_W,
    Array,
    LogDensity,
    adaptive_integrals,
    gauss_legendre_panels,
    support_interval,
)
from gsmtheory.numeric._tail_map import Expectation, TailMap

__all__ = ["NEGLIGIBLE_MASS", "expect_1d", "expect_2d", "inverse_cdf_1d"]

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

    Parameters
    ----------
    logp : callable
        ℓ = log p up to a constant, vectorized.
    funcs : callable
        x ↦ f(x) or [f_1(x), …, f_K(x)].
    lo, hi : float
        The domain (``±inf`` allowed).
    panels, order, drop : optional
        Initial partition (``order`` unused, ``drop`` for the scan).
    rtol, max_nodes : optional
        Tolerance and panel budget of :func:`adaptive_integrals`.
    points : sequence of float, optional
        Kinks or jumps of the integrand.

    Returns
    -------
    Expectation
        The expectations with their error estimates, log Z, and status ``"ok"``,
        ``"not_converged"`` or ``"divergent"``.

    Raises
    ------
    NumericalError
        If ℓ is NaN or an integrand is not finite where p carries mass.
    ModelError
        If p is not normalizable or has no mass on the domain.

    Examples
    --------
    The second and fourth moments of N(0, 1) are 1 and 3, and log Z = log √(2π):

    >>> import numpy as np
    >>> e = expect_1d(lambda x: -x**2 / 2, lambda x: [x**2, x**4], -np.inf, np.inf)
    >>> [round(v, 10) for v in e.values], round(e.log_normalizer, 10), e.status
    ([1.0, 3.0], 0.9189385332, 'ok')
    """
    tmap = TailMap.fit(logp, lo, hi, drop=drop)

    def integrand(t: Array) -> Array:
        x, lv, rel, w = tmap.mapped(logp, t)
        if np.any(np.isnan(lv)):
            raise NumericalError("the log density is NaN on the domain", "check parameters and log_density")
        with np.errstate(all="ignore"):
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
    return Expectation(tuple(values), tuple(errors), math.log(z) + tmap.top, (tmap.effective,),
                       {"nodes": res.nodes, "levels": res.levels, "order": GL_ORDER},
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

    Parameters
    ----------
    logp : callable
        ℓ = log p up to a constant, vectorized.
    lo, hi : float
        The domain (``±inf`` allowed).
    u : ndarray
        Uniforms in [0, 1].
    rtol, tol : float, optional
        Tolerance of the CDF's quadrature and of the root.

    Returns
    -------
    x : ndarray
        The samples, the shape of ``u``.
    error : float
        The bound on |F(x) − u| (see above).

    Raises
    ------
    NumericalError
        If some u lies outside [0, 1].
    ModelError
        If p is not normalizable.

    Examples
    --------
    The 97.5 % quantile of N(0, 1) is 1.959964:

    >>> import numpy as np
    >>> x, err = inverse_cdf_1d(lambda x: -x**2 / 2, -np.inf, np.inf, np.array([0.5, 0.975]))
    >>> [round(float(v), 6) + 0.0 for v in x], err < 1e-12
    ([0.0, 1.959964], True)
    """
    u = np.asarray(u, dtype=float)
    if np.any((u < 0) | (u > 1)):
        raise NumericalError("uniforms must lie in [0, 1]", "pass u = rng.random(n)")
    tmap = TailMap.fit(logp, lo, hi)

    def w(t: Array) -> Array:
        return tmap.density(logp, t)

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

    def F(t: Array, at: NDArray[np.intp]) -> Array:  # CDF at x(t) inside panel at: F(lower x edge) + ∫_t^{edge} w / z
        half = (edge[at] - t) / 2
        nodes = t[:, None] + half[:, None] * (GL_T[None, :] + 1.0)
        vals = w(nodes.ravel()).reshape(nodes.shape)
        return np.asarray(base[at] + half * (vals @ GL_W) / z, dtype=float)

    t = 0.5 * (lo_t + hi_t)
    active = np.arange(t.size)  # the roots not found yet: a found one stays found (its bracket only shrinks)
    for _ in range(200):
        ta, lo_a, hi_a = t[active], lo_t[active], hi_t[active]
        g = F(ta, active) - target[active]
        done = (np.abs(g) <= tol) | (hi_a - lo_a <= 4 * np.finfo(float).eps * np.maximum(np.abs(ta), 1e-300))
        if np.all(done):
            break
        keep = ~done
        active, ta, g, lo_a, hi_a = active[keep], ta[keep], g[keep], lo_a[keep], hi_a[keep]
        lo_a = np.where(g > 0, ta, lo_a)  # F decreases in t
        hi_a = np.where(g > 0, hi_a, ta)
        dens = w(ta) / z
        with np.errstate(all="ignore"):
            newton = ta + g / dens
        ok = np.isfinite(newton) & (newton > lo_a) & (newton < hi_a)
        t[active] = np.where(ok, newton, 0.5 * (lo_a + hi_a))
        lo_t[active], hi_t[active] = lo_a, hi_a
    resid = float(np.max(np.abs(F(t, np.arange(t.size)) - target))) if t.size else 0.0
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

    Parameters
    ----------
    logp : callable
        (x, y) ↦ ℓ, vectorized.
    funcs : callable
        (x, y) ↦ f or a list of them.
    box : ((float, float), (float, float))
        The domain.
    panels, order : int, optional
        Panels per axis and Gauss–Legendre nodes per panel.
    drop : float, optional
        The cut-off of infinite ends.

    Returns
    -------
    Expectation
        The expectations with their error estimates (status ``"ok"`` or ``"heavy_tail"``).

    Raises
    ------
    ModelError
        If ℓ is not finite anywhere on the box.
    NumericalError
        If an integrand is not finite where p carries mass.

    Examples
    --------
    E[x²y²] = 1 under N(0, I₂):

    >>> import numpy as np
    >>> e = expect_2d(lambda x, y: -(x**2 + y**2) / 2, lambda x, y: [x**2 * y**2],
    ...               ((-np.inf, np.inf), (-np.inf, np.inf)))
    >>> round(e.values[0], 10), e.status
    (1.0, 'ok')
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
