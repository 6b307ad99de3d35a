r"""The 1D finite-volume chain: checked inputs, the cut-off of the support, cells and conductances.

Setting (docs/design.md §1, §6): p ∝ e^ℓ on (lo, hi), D(x) > 0 inside, finite ends reflecting,
E(g) = ∫ D g'² p. The interval is truncated where p < e^{-tail}·max p (:func:`truncate_support`),
mapped to u ∈ [0, 1] by x = X(u) (:func:`end_map`: a square-root map at an end where D vanishes,
so that Jacobi- and Laguerre-type ends become regular), and discretized by the reversible chain

    π_i = ∫_cell p̃ du,    1/c_{i+½} = ∫_{u_i}^{u_{i+1}} du / (p̃ D̃),    p̃ = p∘X · X',  D̃ = D∘X / X'²

(:func:`chain_1d`), whose Dirichlet form Σ c_{i+½}(f_{i+1} − f_i)² is consistent with E and
second order in h = 1/n.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.numeric._fv_grid import AxisMap, probe_points

__all__ = ["GL6_T", "GL6_W", "GRADED_T", "GRADED_W", "as_callable", "chain_1d", "end_map", "eval_checked",
           "initial_cells", "liouville_length", "log_cumsums", "log_sum_exp", "mapped_log",
           "normalized_chain_1d", "resolved_cells", "truncate_support"]

Array = NDArray[np.float64]
Fn = Callable[[Array], Array]


# ----------------------------------------------------------------------------- inputs
def as_callable(f: Fn | float, what: str) -> Fn:
    if callable(f):
        return f
    try:
        value = float(f)
    except (TypeError, ValueError):
        raise SpecError(f"{what} must be a number or a vectorized callable",
                        "pass a float or a function of a numpy array") from None
    if not math.isfinite(value):
        raise NumericalError(f"{what} is {value}", "use a finite number")
    return lambda x: np.full(np.shape(x), value)


def eval_checked(f: Fn, x: Array, what: str, *, allow_neg_inf: bool = False) -> Array:
    with np.errstate(all="ignore"):
        y = np.asarray(f(x), dtype=np.float64)
    if y.shape != x.shape:
        y = np.broadcast_to(y, x.shape).astype(np.float64)
    if np.any(np.isnan(y)):
        bad = float(x[np.isnan(y)][0])
        raise NumericalError(f"{what} is NaN at x = {bad:.6g}",
                             "check the parameters (NaN parameters?) and the domain")
    if np.any(y == np.inf) or (not allow_neg_inf and np.any(y == -np.inf)):
        bad = float(x[~np.isfinite(y)][0])
        raise NumericalError(f"{what} is infinite at x = {bad:.6g}",
                             "check the formula and the domain")
    return y


# ----------------------------------------------------------------------------- truncation
def truncate_support(log_density: Fn, lo: float, hi: float, *, tail: float = 40.0,
                     points: Array | None = None) -> tuple[float, float, float]:
    r"""Interval [a, b] ⊆ (lo, hi) outside which p < e^{-tail} · max p; returns (a, b, max ℓ).

    Finite ends inside the kept region are returned exactly (so a vanishing D there is seen).
    The mass cut off is of order e^{-tail} times the width (the solvers account for it in their
    error estimate).

    Parameters
    ----------
    log_density : callable
        ℓ = log p up to a constant, vectorized.
    lo, hi : float
        The domain (``±inf`` allowed).
    tail : float, optional
        How far below its maximum log p must fall at a cut end.
    points : ndarray, optional
        Extra points where ℓ is evaluated to find its maximum.

    Returns
    -------
    a, b, max_log : float
        The kept interval and the largest ℓ seen.

    Raises
    ------
    ModelError
        If p does not decay at an infinite end (cannot be normalized).

    Examples
    --------
    For N(0, 1) the cut is near √80 ≈ 8.94:

    >>> import numpy as np
    >>> a, b, top = truncate_support(lambda x: -x**2 / 2, -np.inf, np.inf)
    >>> round(b, 1), a == -b, top == 0
    (8.9, True, True)
    """
    pts = np.zeros(0) if points is None else np.asarray(points, dtype=np.float64).ravel()
    x = probe_points(lo, hi, pts)
    ell = eval_checked(log_density, x, "log density", allow_neg_inf=True)
    window = (lo, hi)
    lmax = -np.inf
    for _ in range(6):
        lmax = max(lmax, float(np.max(ell)))
        if not math.isfinite(lmax):
            raise ModelError("the density is zero everywhere it was evaluated",
                             "check the log density and the domain")
        keep = np.nonzero(ell >= lmax - tail)[0]
        i0, i1 = int(keep[0]), int(keep[-1])
        for end, i, edge in (("+inf", i1, len(x) - 1), ("-inf", i0, 0)):
            infinite = math.isinf(hi) if end == "+inf" else math.isinf(lo)
            if infinite and i == edge:
                raise ModelError(
                    f"the density does not decay towards {end} (log p = {ell[i]:.4g} at "
                    f"x = {x[i]:.4g}, within {tail:g} of its maximum): it cannot be normalized, or its "
                    "tail is so heavy that no Poincaré inequality holds (C_P = inf; a Cauchy tail, say)",
                    "use a log density that tends to -inf at infinite ends, or a finite domain")
        a = lo if i0 == 0 else float(x[i0 - 1])
        b = hi if i1 == len(x) - 1 else float(x[i1 + 1])
        if math.isinf(a) or math.isinf(b):  # pragma: no cover - guarded above
            raise ModelError("could not bound the support", "give a finite domain")
        new = (a, b)
        if new == window:
            break
        window = new
        grid = np.linspace(a, b, 4097)
        grid = grid[(grid > lo) & (grid < hi)]
        xs = np.unique(np.concatenate([grid, x[(x >= a) & (x <= b)]]))
        x, ell = xs, eval_checked(log_density, xs, "log density", allow_neg_inf=True)
    a, b = window
    return float(a), float(b), float(lmax)


# ----------------------------------------------------------------------------- the chain
GL6_T, GL6_W = np.polynomial.legendre.leggauss(6)
GL6_T, GL6_W = 0.5 * (GL6_T + 1.0), 0.5 * GL6_W
# geometric grading toward an end: [2^-(j+1), 2^-j], j = 0..49, 6 Gauss nodes each
GRADED_J = 2.0 ** -np.arange(50)
GRADED_T = (0.5 * GRADED_J[:, None] * (1.0 + GL6_T[None, :])).ravel()
GRADED_W = (0.5 * GRADED_J[:, None] * GL6_W[None, :]).ravel()


def log_sum_exp(a: Array, axis: int = -1) -> Array:
    top = np.max(a, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.squeeze(top, axis) + np.log(np.sum(np.exp(a - top), axis=axis))


def mapped_log(fn: Fn, what: str, m: AxisMap, u: Array, v: Array, *, take_log: bool,
                allow_neg_inf: bool) -> tuple[Array, Array]:
    """(log fn(X) or fn(X), log X') at nodes given by u and v = 1 − u (both exact).

    Where x = X(u) cannot resolve its distance from the nearer end to 1e-7 (a density like
    (1 − x)^{-1/2} puts mass √ε within ε of the end x = 1), the value is extended as a
    power law in the distance from two resolved reference nodes further in.
    """
    left = u <= 0.5
    xl, dxl = m(u)
    xr, dxr = m.from_right(v)
    x, dx = np.where(left, xl, xr), np.where(left, dxl, dxr)
    t = np.where(left, u, v)
    exact = np.where(left, m.distance(u, 0), m.distance(v, 1))
    seen = np.where(left, x - m.a, m.b - x)
    resolved = (seen > 0) & (np.abs(seen - exact) <= 1e-7 * exact)

    def raw(xx: Array) -> Array:
        with np.errstate(all="ignore"):
            y = np.asarray(fn(xx), dtype=np.float64) * np.ones_like(xx)
            return np.log(y) if take_log else y

    val = raw(x)
    # (not ~allow_neg_inf: ~False is the integer −1, which made ``bad`` an integer array and x[bad] a
    # fancy index, so a D that vanishes on a region crashed here instead of naming the point)
    bad = resolved & (np.isnan(val) | (val == np.inf) | ((val == -np.inf) & (not allow_neg_inf)))
    if np.any(bad):
        xb = float(x[bad][0])
        with np.errstate(all="ignore"):  # log of a negative value is NaN: say "not positive", not "NaN"
            negative = take_log and bool(np.asarray(fn(np.array([xb])), dtype=np.float64).reshape(-1)[0] < 0)
        if take_log and (negative or not np.isnan(val[bad][0])):
            raise ModelError(f"{what} is not positive inside the domain at x = {xb:.6g}",
                             "use a diffusion coefficient that is > 0 inside the domain (it "
                             "may vanish only at a finite end)")
        kind = "NaN" if np.isnan(val[bad][0]) else "infinite"
        raise NumericalError(f"{what} is {kind} at x = {xb:.6g}",
                             "check the parameters (NaN parameters?) and the domain")
    for side in (0, 1):
        mask = ~resolved & ((left) if side == 0 else (~left))
        if not np.any(mask):
            continue
        cutoff = float(np.max(t[mask]))
        tr = cutoff * 2.0 ** np.arange(1, 40, dtype=np.float64)
        tr = tr[tr < 0.5]
        xr_, _ = m(tr) if side == 0 else m.from_right(tr)
        ex = m.distance(tr, side)
        se = xr_ - m.a if side == 0 else m.b - xr_
        ok = np.nonzero((se > 0) & (np.abs(se - ex) <= 1e-9 * ex))[0]
        if ok.size < 2:
            val = np.where(mask, -np.inf if not take_log else np.nan, val)
            continue
        t1, t2 = tr[ok[0]], tr[ok[1]]
        v1, v2 = raw(np.array([xr_[ok[0]], xr_[ok[1]]]))
        slope = (v2 - v1) / math.log(t2 / t1)
        with np.errstate(divide="ignore"):
            val = np.where(mask, v1 + slope * (np.log(t) - math.log(t1)), val)
    return val, np.log(dx)


def chain_1d(log_density: Fn, diff: Fn, m: AxisMap, n: int) -> tuple[Array, Array]:
    """Normalized log cell masses (n,) and log conductances (n−1,) (:func:`normalized_chain_1d`)."""
    lp, lc, _ = normalized_chain_1d(log_density, diff, m, n)
    return lp, lc


def normalized_chain_1d(log_density: Fn, diff: Fn, m: AxisMap, n: int) -> tuple[Array, Array, float]:
    """Normalized log cell masses (n,), log conductances (n−1,) between cell centres, and log Z.

    Z = ∫ p̃ du over the cells (the masses and conductances are divided by it).

    π_i = ∫_cell p̃ du and 1/c_{i+½} = ∫_{u_i}^{u_{i+1}} du / (p̃ D̃) (resistances in series),
    by 6-point Gauss–Legendre on half-cells, geometrically graded in the two end half-cells
    (integrable end singularities such as p̃ ~ u^{2a−1} for Beta(a, b)).
    """
    h = 1.0 / n
    i = np.arange(n, dtype=np.float64)[:, None]
    t = 0.5 * GL6_T[None, :]
    off = np.concatenate([i + t, i + 0.5 + t])  # u / h: left halves, then right halves
    ell, ldx = mapped_log(log_density, "log density", m, off * h, (n - off) * h,
                           take_log=False, allow_neg_inf=True)
    ld, _ = mapped_log(diff, "D", m, off * h, (n - off) * h, take_log=True,
                        allow_neg_inf=False)
    if np.any(np.isnan(ld)):
        raise ModelError("D is not positive next to an end of the domain",
                         "use a diffusion coefficient that is > 0 inside the domain")
    lw = math.log(0.5 * h) + np.log(GL6_W)[None, :]
    lpt = ell + ldx  # log p̃
    lres = -(lpt + ld - 2 * ldx)  # log 1/(p̃ D̃)
    mass_l, mass_r = log_sum_exp(lpt[:n] + lw), log_sum_exp(lpt[n:] + lw)
    g = 0.5 * h * GRADED_T  # graded end half-cells
    for side in (0, 1):
        uu, vv = (g, 1.0 - g) if side == 0 else (1.0 - g, g)
        le, ldxe = mapped_log(log_density, "log density", m, uu, vv, take_log=False,
                               allow_neg_inf=True)
        val = float(log_sum_exp(le + ldxe + np.log(0.5 * h * GRADED_W)))
        if side == 0:
            mass_l[0] = val
        else:
            mass_r[-1] = val
    lp = np.logaddexp(mass_l, mass_r)
    lc = -np.logaddexp(log_sum_exp(lres[n:][:-1] + lw), log_sum_exp(lres[:n][1:] + lw))
    top = float(np.max(lp))
    z = top + math.log(float(np.sum(np.exp(lp - top))))
    return lp - z, lc - z, z


def log_cumsums(lp: Array) -> tuple[Array, Array]:
    """log Π_k = log Σ_{i≤k} π_i and log S_k = log Σ_{i>k} π_i for k = 0..n−2."""
    lP = np.logaddexp.accumulate(lp)[:-1]
    lS = np.logaddexp.accumulate(lp[::-1])[::-1][1:]
    return lP, lS


# ----------------------------------------------------------------------------- refinement
def initial_cells(log_density: Fn, diff: Fn, m: AxisMap) -> int:
    u = np.linspace(0, 1, 4097)[1:-1]
    x, dx = m(u)
    ell = eval_checked(log_density, x, "log density", allow_neg_inf=True)
    ell = np.where(np.isfinite(ell), ell, np.nan)
    ld = np.log(np.maximum(eval_checked(diff, x, "D"), 1e-300) / dx**2)
    tv = float(np.nansum(np.abs(np.diff(ell + np.log(dx)))) + np.sum(np.abs(np.diff(ld))))
    return int(2 ** np.clip(math.ceil(math.log2(max(tv, 1.0) * 2)), 7, 14))


_GL64_T, _GL64_W = np.polynomial.legendre.leggauss(64)


def end_map(diff: Fn, a: float, b: float, lo: float, hi: float) -> AxisMap:
    ends = np.array([a, b])
    with np.errstate(all="ignore"):
        d_ends = np.asarray(diff(ends), dtype=np.float64) * np.ones(2)
    if np.any(d_ends < 0):
        raise ModelError(f"D is negative at the end x = {ends[d_ends < 0][0]:.6g}",
                         "use a diffusion coefficient that is >= 0")
    left_deg = a == lo and not d_ends[0] > 0
    right_deg = b == hi and not d_ends[1] > 0
    kind = {(False, False): "affine", (True, False): "sqrt-left",
            (False, True): "sqrt-right", (True, True): "sin2"}[(left_deg, right_deg)]
    return AxisMap(a, b, kind)


def resolved_cells(logp: Fn, mp: AxisMap, n: int, added: list[tuple[int, float, float]]) -> int:
    """Cells (n·2^k, at most 2^16) at which the added intervals change ℓ by at most 1 nat per cell."""
    if mp.kind != "affine":
        return n
    h = (mp.b - mp.a) / n
    jump = 0.0
    for _side, x0, x1 in added:
        edges = np.linspace(x0, x1, max(round((x1 - x0) / h), 1) + 1)
        with np.errstate(all="ignore"):
            ell = np.asarray(logp(edges), dtype=np.float64) * np.ones_like(edges)
        ell = ell[np.isfinite(ell)]
        if ell.size > 1:
            jump = max(jump, float(np.max(np.abs(np.diff(ell)))))
    if not jump > 1.0:
        return n
    k = math.ceil(math.log2(jump))
    return int(min(n * 2**k, max(n, 2**16)))


def liouville_length(diff: Fn, x0: float, x1: float) -> float:
    """∫_{x0}^{x1} dx/√D by 64-point Gauss–Legendre (the distance the cut-off moved)."""
    t, w = _GL64_T, _GL64_W
    x = 0.5 * (x0 + x1) + 0.5 * (x1 - x0) * t
    with np.errstate(all="ignore"):
        d = np.asarray(diff(x), dtype=np.float64) * np.ones_like(x)
    if not np.all(d > 0):
        return math.nan
    return float(0.5 * (x1 - x0) * np.sum(w / np.sqrt(d)))

