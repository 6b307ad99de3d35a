r"""One-dimensional Poincaré constants with relative precision, however large C_P is.

Setting (docs/design.md §1, §6): p ∝ e^ℓ on (lo, hi), D(x) > 0 inside, finite ends reflecting,
E(g) = ∫ D g'² p. The interval is truncated where p < e^{-tail}·max p (reported), mapped
to u ∈ [0, 1] by x = X(u) (a square-root map at an end where D vanishes, so that Jacobi- and
Laguerre-type ends become regular), and discretized by the reversible finite-volume chain

    π_i = p̃(u_i) h,    c_{i+½} = p̃ D̃(u_{i+½}) / h,    p̃ = p∘X · X',  D̃ = D∘X / X'²,

whose Dirichlet form Σ c_{i+½}(f_{i+1} − f_i)² is consistent with E. Two exact solvers of the
same chain:

- ``"fv"``: the symmetric tridiagonal generator, second eigenvalue by bisection; its error is
  ε‖A‖ absolute, so it loses relative accuracy when C_P ε‖A‖ is not small;
- ``"green"``: the inverse generator on mean-zero functions. With Δ_k = f_{k+1} − f_k and
  φ_k = √c_k Δ_k, Var_π(f) = Σ_{k,l} Δ_k Δ_l Π_{k∧l} S_{k∨l} (Π_k = Σ_{i≤k} π_i,
  S_k = Σ_{i>k} π_i), so C_P is the top eigenvalue of the positive semiseparable kernel
  K_{kl} = Π_{k∧l} S_{k∨l} / √(c_k c_l) — the discrete form of
  ⟨g, (−L)⁻¹ g⟩_p = ∫ (∫_a^z g p)² / (pD)(z) dz. Π, S and c are kept in log space (S by a
  reverse cumulative sum, never 1 − Π), a matrix–vector product is two cumulative sums,
  and Lanczos finds the top eigenvalue to relative precision ε whatever its size.

The cell count is doubled until the Aitken-extrapolated values of successive levels agree
to ``rtol``; the grid error is the change between the last two extrapolations (or the
round-off floor). The truncation error is measured, not assumed: the coarsest chain is solved
again on the interval cut at e^{-(tail+20)} with the same cells, and the change is extrapolated
at the rate e^{-2κΔy} of the eigenfunction's tail (κ = √(σ_e − λ), σ_e the end's share of the
essential spectrum from :mod:`gsmtheory.symbolic._ends`); the cut-off moves out until that
meets rtol. If the truncated problem has no eigenvalue below σ, C_P = 1/σ exactly. Where D
vanishes at an end at infinite Liouville distance (D ~ |x − e|^β, β ≥ 2), the problem is solved
in t = log|x − e|. Every result carries a certified lower bound (the Rayleigh quotient of the
interpolated discrete eigenfunction) and Muckenhoupt's upper bound 4B.
References: Miclo (1999) for the birth–death variance identity; Chen (2005) "Eigenvalues,
Inequalities and Ergodic Theory", ch. 5; Muckenhoupt (1972).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import eigh, eigh_tridiagonal, eigvalsh
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.numeric._fv import extrapolate
from gsmtheory.numeric._fv_grid import AxisMap, extended_map, probe_points
from gsmtheory.numeric._result import PoincareResult, Side

__all__ = ["poincare_1d"]

Array = NDArray[np.float64]
Fn = Callable[[Array], Array]
_EPS = float(np.finfo(float).eps)


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


def _eval(f: Fn, x: Array, what: str, *, allow_neg_inf: bool = False) -> Array:
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
    """Interval [a, b] ⊆ (lo, hi) outside which p < e^{-tail} · max p; returns (a, b, max ℓ).

    Finite ends inside the kept region are returned exactly (so a vanishing D there is seen).

    Raises
    ------
    ModelError
        If p does not decay at an infinite end (cannot be normalized).
    """
    pts = np.zeros(0) if points is None else np.asarray(points, dtype=np.float64).ravel()
    x = probe_points(lo, hi, pts)
    ell = _eval(log_density, x, "log density", allow_neg_inf=True)
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
                    f"x = {x[i]:.4g}, within {tail:g} of its maximum): it cannot be normalized",
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
        x, ell = xs, _eval(log_density, xs, "log density", allow_neg_inf=True)
    a, b = window
    return float(a), float(b), float(lmax)


# ----------------------------------------------------------------------------- the chain
_GL_T, _GL_W = np.polynomial.legendre.leggauss(6)
_GL_T, _GL_W = 0.5 * (_GL_T + 1.0), 0.5 * _GL_W
# geometric grading toward an end: [2^-(j+1), 2^-j], j = 0..49, 6 Gauss nodes each
_GR_J = 2.0 ** -np.arange(50)
_GR_T = (0.5 * _GR_J[:, None] * (1.0 + _GL_T[None, :])).ravel()
_GR_W = (0.5 * _GR_J[:, None] * _GL_W[None, :]).ravel()


def _lse(a: Array, axis: int = -1) -> Array:
    top = np.max(a, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.squeeze(top, axis) + np.log(np.sum(np.exp(a - top), axis=axis))


def _mapped_log(fn: Fn, what: str, m: AxisMap, u: Array, v: Array, *, take_log: bool,
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
    bad = resolved & (np.isnan(val) | (val == np.inf) | (~allow_neg_inf & (val == -np.inf)))
    if np.any(bad):
        xb = float(x[bad][0])
        if take_log and not np.isnan(val[bad][0]):
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
    """Normalized log cell masses (n,) and log conductances (n−1,) between cell centres.

    π_i = ∫_cell p̃ du and 1/c_{i+½} = ∫_{u_i}^{u_{i+1}} du / (p̃ D̃) (resistances in series),
    by 6-point Gauss–Legendre on half-cells, geometrically graded in the two end half-cells
    (integrable end singularities such as p̃ ~ u^{2a−1} for Beta(a, b)).
    """
    h = 1.0 / n
    i = np.arange(n, dtype=np.float64)[:, None]
    t = 0.5 * _GL_T[None, :]
    off = np.concatenate([i + t, i + 0.5 + t])  # u / h: left halves, then right halves
    ell, ldx = _mapped_log(log_density, "log density", m, off * h, (n - off) * h,
                           take_log=False, allow_neg_inf=True)
    ld, _ = _mapped_log(diff, "D", m, off * h, (n - off) * h, take_log=True,
                        allow_neg_inf=False)
    if np.any(np.isnan(ld)):
        raise ModelError("D is not positive next to an end of the domain",
                         "use a diffusion coefficient that is > 0 inside the domain")
    lw = math.log(0.5 * h) + np.log(_GL_W)[None, :]
    lpt = ell + ldx  # log p̃
    lres = -(lpt + ld - 2 * ldx)  # log 1/(p̃ D̃)
    mass_l, mass_r = _lse(lpt[:n] + lw), _lse(lpt[n:] + lw)
    g = 0.5 * h * _GR_T  # graded end half-cells
    for side in (0, 1):
        uu, vv = (g, 1.0 - g) if side == 0 else (1.0 - g, g)
        le, ldxe = _mapped_log(log_density, "log density", m, uu, vv, take_log=False,
                               allow_neg_inf=True)
        val = float(_lse(le + ldxe + np.log(0.5 * h * _GR_W)))
        if side == 0:
            mass_l[0] = val
        else:
            mass_r[-1] = val
    lp = np.logaddexp(mass_l, mass_r)
    lc = -np.logaddexp(_lse(lres[n:][:-1] + lw), _lse(lres[:n][1:] + lw))
    top = float(np.max(lp))
    z = top + math.log(float(np.sum(np.exp(lp - top))))
    return lp - z, lc - z


def log_cumsums(lp: Array) -> tuple[Array, Array]:
    """log Π_k = log Σ_{i≤k} π_i and log S_k = log Σ_{i>k} π_i for k = 0..n−2."""
    lP = np.logaddexp.accumulate(lp)[:-1]
    lS = np.logaddexp.accumulate(lp[::-1])[::-1][1:]
    return lP, lS


def _green_log_top(lp: Array, lc: Array, tol: float, *, vector: bool = False
                   ) -> tuple[float, str, Array | None]:
    """log of the top eigenvalue of K_{kl} = Π_{k∧l} S_{k∨l}/√(c_k c_l); relative precision.

    With ``vector``, also the increments Δ_k = φ_k/√c_k of the top eigenvector φ (the discrete
    eigenfunction's differences, up to scale; None where they overflow).
    """
    lP, lS = log_cumsums(lp)
    if np.any(~np.isfinite(lc)):
        return math.inf, "the density vanishes inside the domain (disconnected support)", None
    ldiag = lP + lS - lc
    lscale = float(np.max(ldiag))
    A = np.exp(lP - 0.5 * (lc + lscale))
    B = np.exp(lS - 0.5 * (lc + lscale))
    m = lc.size

    def increments(phi: Array) -> Array | None:
        with np.errstate(all="ignore"):
            d = np.ravel(phi) * np.exp(-0.5 * (lc - float(np.max(lc))))
        return d if np.all(np.isfinite(d)) else None

    if m <= 64:
        idx = np.arange(m)
        lo_ = np.minimum.outer(idx, idx)
        hi_ = np.maximum.outer(idx, idx)
        K = np.exp(lP[lo_] + lS[hi_] - 0.5 * (lc[:, None] + lc[None, :]) - lscale)
        if vector:
            w_, v_ = eigh(K, subset_by_index=[m - 1, m - 1])
            return math.log(float(w_[0])) + lscale, "", increments(v_[:, 0])
        return (math.log(float(eigvalsh(K, subset_by_index=[m - 1, m - 1])[0])) + lscale, "",
                None)

    def mv(phi: Array) -> Array:
        phi = np.ravel(phi)
        left = np.cumsum(A * phi)
        right = np.cumsum((B * phi)[::-1])[::-1]
        right = np.append(right[1:], 0.0)
        return B * left + A * right

    op = LinearOperator((m, m), matvec=mv, dtype=np.float64)
    v0 = np.sqrt(np.exp(ldiag - lscale)) + 1e-3
    try:
        out = eigsh(op, k=1, which="LA", tol=tol, v0=v0, ncv=min(m, 40), maxiter=20 * m,
                    return_eigenvectors=vector)
    except ArpackNoConvergence as exc:  # pragma: no cover - rare
        if len(exc.eigenvalues):
            return math.log(float(exc.eigenvalues[0])) + lscale, "Lanczos did not converge", None
        return math.nan, "Lanczos did not converge", None
    if vector:
        w, vec = out
        return math.log(float(w[0])) + lscale, "", increments(vec[:, 0])
    return math.log(float(out[0])) + lscale, "", None


def _fv_gap(lp: Array, lc: Array, *, vector: bool = False
            ) -> tuple[float, float, Array | None]:
    """(C_P, relative round-off floor, increments of the eigenfunction or None) by bisection."""
    c_over = np.exp(lc - lp[:-1])  # c_k / π_k
    c_under = np.exp(lc - lp[1:])  # c_k / π_{k+1}
    diag = np.zeros(lp.size)
    diag[:-1] += c_over
    diag[1:] += c_under
    off = -np.exp(lc - 0.5 * (lp[:-1] + lp[1:]))
    inc = None
    if vector:
        w, v = eigh_tridiagonal(diag, off, select="i", select_range=(1, 1))
        lam = w[0]
        with np.errstate(all="ignore"):
            f = v[:, 0] * np.exp(-0.5 * (lp - float(np.max(lp))))
        inc = np.diff(f) if np.all(np.isfinite(f)) else None
    else:
        lam = eigh_tridiagonal(diag, off, eigvals_only=True, select="i", select_range=(1, 1))[0]
    norm = float(np.max(diag) * 2)
    if lam <= 0:
        return math.inf, math.inf, None
    return 1.0 / float(lam), 10 * _EPS * norm / float(lam), inc


# ----------------------------------------------------------------------------- refinement
def _initial_cells(log_density: Fn, diff: Fn, m: AxisMap) -> int:
    u = np.linspace(0, 1, 4097)[1:-1]
    x, dx = m(u)
    ell = _eval(log_density, x, "log density", allow_neg_inf=True)
    ell = np.where(np.isfinite(ell), ell, np.nan)
    ld = np.log(np.maximum(_eval(diff, x, "D"), 1e-300) / dx**2)
    tv = float(np.nansum(np.abs(np.diff(ell + np.log(dx)))) + np.sum(np.abs(np.diff(ld))))
    return int(2 ** np.clip(math.ceil(math.log2(max(tv, 1.0) * 2)), 7, 14))


# ----------------------------------------------------------------------------- truncation check
_TAIL_STEP = 20.0
_MAX_TAIL = 200.0
_MAX_BOUND_CELLS = 2**16  # the bounds use the finest level up to this size (memory, time)
_GL4_T, _GL4_W = np.polynomial.legendre.leggauss(4)
_GL4_T, _GL4_W = 0.5 * (_GL4_T + 1.0), 0.5 * _GL4_W
_GL64_T, _GL64_W = np.polynomial.legendre.leggauss(64)


def _map_kind(diff: Fn, a: float, b: float, lo: float, hi: float) -> AxisMap:
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


def _resolved_cells(logp: Fn, mp: AxisMap, n: int, added: list[tuple[int, float, float]]) -> int:
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


def _liouville_length(diff: Fn, x0: float, x1: float) -> float:
    """∫_{x0}^{x1} dx/√D by 64-point Gauss–Legendre (the distance the cut-off moved)."""
    t, w = _GL64_T, _GL64_W
    x = 0.5 * (x0 + x1) + 0.5 * (x1 - x0) * t
    with np.errstate(all="ignore"):
        d = np.asarray(diff(x), dtype=np.float64) * np.ones_like(x)
    if not np.all(d > 0):
        return math.nan
    return float(0.5 * (x1 - x0) * np.sum(w / np.sqrt(d)))


def _log_b(lp: Array, lc: Array) -> float:
    """log B, B = max(B₊, B₋) of Muckenhoupt at the median, on the chain (cell-level sup)."""
    lP, lS = log_cumsums(lp)
    lr = -lc
    k_med = int(np.searchsorted(np.exp(lP), 0.5))
    right = np.logaddexp.accumulate(lr[k_med:]) + lS[k_med:]
    left_r = np.logaddexp.accumulate(lr[:k_med][::-1])[::-1] + lP[:k_med]
    return max(float(np.max(right)) if right.size else -math.inf,
               float(np.max(left_r)) if left_r.size else -math.inf)


def _rayleigh_lower(log_density: Fn, diff: Fn, m: AxisMap, n: int, inc: Array) -> float | None:
    r"""Var(g)/E(g) ≤ C_P for the test function g built from the discrete eigenfunction.

    g is the piecewise-linear interpolant (in u) of the cell values f (f_{k+1} − f_k = inc_k),
    constant beyond the first and last cell centres and beyond the truncated interval. By the
    law of total variance the quotient on the truncated, renormalized measure is ≤ the
    quotient on the full measure (the energy sits inside, the variance only grows), so it is a
    lower bound on C_P. It is computed with 6- and 4-point Gauss rules on half-cells (graded
    at the ends); the returned value is min(q₆, q₄) − |q₆ − q₄| (quadrature margin).
    """
    f = np.concatenate([[0.0], np.cumsum(inc)])
    top_f = float(np.max(np.abs(f)))
    if not top_f > 0 or f.size != n:
        return None
    f = f / top_f
    h = 1.0 / n
    qs = []
    for T_, W_ in ((_GL_T, _GL_W), (_GL4_T, _GL4_W)):
        i = np.arange(n, dtype=np.float64)[:, None]
        t = 0.5 * T_[None, :]
        off = np.concatenate([i + t, i + 0.5 + t])
        ell, ldx = _mapped_log(log_density, "log density", m, off * h, (n - off) * h,
                               take_log=False, allow_neg_inf=True)
        ld, _ = _mapped_log(diff, "D", m, off * h, (n - off) * h, take_log=True,
                            allow_neg_inf=False)
        lmass = ell + ldx + math.log(0.5 * h) + np.log(W_)[None, :]
        # g and its u-slope on each half-cell
        ii = np.arange(n)
        lo_c = np.concatenate([ii - 1, ii])  # lower centre index of each half-cell
        lo_c = np.clip(lo_c, 0, n - 1)
        hi_c = np.clip(lo_c + 1, 0, n - 1)
        frac = off - (lo_c[:, None] + 0.5)
        slope = (f[hi_c] - f[lo_c])[:, None] * np.ones_like(off)
        slope[0, :] = 0.0
        slope[-1, :] = 0.0
        g = f[lo_c][:, None] + frac * slope
        g[0, :] = f[0]
        g[-1, :] = f[-1]
        finite = np.isfinite(lmass)
        top = float(np.max(lmass[finite]))
        wts = np.where(finite, np.exp(np.where(finite, lmass - top, 0.0)), 0.0)
        with np.errstate(all="ignore"):
            le = np.where(finite, ld - 2 * ldx + lmass - top, -np.inf)
        gr = 0.5 * h * _GR_T
        for row, (uu, vv) in ((0, (gr, 1.0 - gr)), (2 * n - 1, (1.0 - gr, gr))):
            le_, ldxe = _mapped_log(log_density, "log density", m, uu, vv, take_log=False,
                                    allow_neg_inf=True)
            val = float(_lse(le_ + ldxe + np.log(0.5 * h * _GR_W)))
            wts[row, :] = 0.0
            wts[row, 0] = math.exp(val - top) if math.isfinite(val) else 0.0
            le[row, :] = -np.inf
        mass = float(np.sum(wts))
        if not mass > 0:
            return None
        mean = float(np.sum(wts * g)) / mass
        var = float(np.sum(wts * (g - mean) ** 2)) / mass
        energy = float(np.sum(np.exp(le) * (slope / h) ** 2)) / mass
        if not (energy > 0 and math.isfinite(energy) and math.isfinite(var)):
            return None
        qs.append(var / energy)
    margin = abs(qs[0] - qs[1])
    if not margin <= 1e-3 * min(qs):  # the rules disagree: the quadrature is not trusted
        return None
    return min(qs) - margin


# ----------------------------------------------------------------------------- log-ends
@dataclass(frozen=True)
class _LogEnds:
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

        def raw(t: Array) -> Array:
            x, ldx, _, _ = self.x_of_t(t)
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
                d0 = max(abs(e) * 1e-6, 1e-250)
                xr = np.array([e - sign * d0, e - sign * 10 * d0])
                t1 = self.t_of_x(xr)
                v1 = raw(t1)
                slope = (v1[1] - v1[0]) / (t1[1] - t1[0])
                out = np.where(bad, v1[0] + slope * (t - t1[0]), out)
            # x = X(t) overflows float64 far out in t: p is zero there (normalizable target)
            far = ~np.isfinite(x)
            if np.any(far):
                out = np.where(far, 0.0 if log_d else -np.inf, out)
            return np.exp(out) if log_d else out

        return g


@dataclass(frozen=True)
class _SinhEnds:
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


def _detect_growth_ends(diff: Fn, lo: float, hi: float) -> bool:
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


def _detect_log_ends(logp: Fn, diff: Fn, lo: float, hi: float) -> tuple[bool, bool]:
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


# ----------------------------------------------------------------------------- solver
def poincare_1d(log_density: Fn, diffusion_coef: Fn | float, lo: float, hi: float, *,
                method: str = "auto", rtol: float = 1e-8, tail: float = 40.0,
                max_cells: int = 2**22, points: Array | None = None,
                sigma: float | None = None, log_ends: tuple[bool, bool] | None = None,
                ends_reason: str = "", bounds: bool = True,
                sigma_ends: tuple[float | None, float | None] | None = None) -> PoincareResult:
    r"""C_P = sup_g Var_p(g) / ∫ D g'² p for p ∝ e^ℓ on (lo, hi), two-sided, with an error estimate.

    Spectral facts used (:mod:`gsmtheory.symbolic._ends` derives them): with σ = inf σ_ess(−L),
    C_P = max(1/λ₁, 1/σ), λ₁ the lowest nonzero eigenvalue below σ; σ = 0 means no Poincaré
    inequality, and 1/σ ≤ C_P always (Weyl sequences).

    The error estimate covers grid refinement (Aitken on cells doubled), the truncation of
    infinite or negligible-mass parts of the domain, and the quadrature of the chain (in the
    refinement): the domain is cut where p < e^{-tail}·max p and again at tail + 20 with the
    same cells; the change Δ, divided by 1 − r with r = e^{−2κ ΔL}, κ = √(σ − λ), ΔL the
    Liouville distance the cut moved (an eigenfunction's tail decays like e^{−κ y}), is the
    truncation error; the cut is pushed out until it meets rtol. If the truncated problem
    finds no eigenvalue below σ, C_P = 1/σ (side ``"exact"``).

    Parameters
    ----------
    log_density : callable
        ℓ(x), vectorized over numpy arrays, unnormalized; −inf allowed where p = 0.
    diffusion_coef : callable or float
        D(x) > 0 inside (lo, hi); it may vanish at a finite end (Jacobi D = x(1−x),
        Laguerre/CIR D = x, or D = x² at infinite Liouville distance, solved in t = log x).
    lo, hi : float
        Ends of the domain (±inf allowed; finite ends reflect).
    method : {"auto", "green", "fv"}
        Solver of the finite-volume chain (module docstring). ``"auto"`` takes ``"fv"`` when
        its round-off floor ε‖A‖C_P is below rtol/1000 and ``"green"`` otherwise.
    rtol : float
        Target relative error; cells are doubled until the error estimate meets it.
    tail : float
        First cut-off: ℓ < max ℓ − tail (p below e^{-tail} of its maximum).
    max_cells : int
        Give up (status ``"not_converged"``) beyond this many cells.
    points : array, optional
        Places where the mass is known to sit (e.g. mixture means); helps the truncation.
    sigma : float, optional
        σ = inf σ_ess(−L) from the symbolic analysis of the ends (inf: discrete spectrum;
        None: unknown, the truncation error is then estimated assuming geometric decay).
    log_ends : (bool, bool), optional
        Finite ends where D vanishes at infinite Liouville distance (solve in t = log|x − e|);
        detected numerically when None.
    ends_reason : str
        The symbolic reasons, appended to the message.
    sigma_ends : (float or None, float or None), optional
        Each end's own bottom of σ_ess (lim W there; inf when W → ∞ or the end is at finite
        distance), to extrapolate the truncation at each end at its own rate.
    bounds : bool
        Compute the certified lower bound (Rayleigh quotient of the discrete eigenfunction)
        and the Muckenhoupt upper bound 4B.

    Returns
    -------
    PoincareResult
        ``side="estimate"`` (or ``"exact"`` for 1/σ), ``lower``/``upper`` the bracket; status
        ``"ok"`` when the error estimate (grid + truncation) ≤ rtol·C_P.
    """
    if method not in ("auto", "green", "fv"):
        raise SpecError(f"unknown 1D method {method!r}", "use 'auto', 'green' or 'fv'")
    lo, hi = float(lo), float(hi)
    if math.isnan(lo) or math.isnan(hi) or not lo < hi:
        raise NumericalError(f"domain ({lo}, {hi}) is empty or NaN", "give lo < hi")
    if not 0 < rtol < 1:
        raise SpecError(f"rtol = {rtol} is not in (0, 1)", "use e.g. rtol=1e-8")
    if sigma is not None and (math.isnan(sigma) or sigma < 0):
        sigma = None
    logp = as_callable(log_density, "log density")
    diff = as_callable(diffusion_coef, "D")
    if sigma == 0.0:
        why = ends_reason or "the essential spectrum reaches 0"
        return PoincareResult(math.inf, 0.0, "liouville", {"sigma": 0.0}, "no_poincare",
                              f"no Poincaré inequality: {why} (C_P = inf)", "exact",
                              ((lo, hi),), log_poincare_constant=math.inf,
                              lower=math.inf, upper=math.inf)
    if log_ends is None:
        log_ends = _detect_log_ends(logp, diff, lo, hi)
    if any(log_ends):
        tr = _LogEnds(lo, hi, bool(log_ends[0]), bool(log_ends[1]))
        t_lo, t_hi = tr.bounds()
        pts = None if points is None else tr.t_of_x(np.asarray(points, float).ravel())
        if pts is not None:
            pts = pts[np.isfinite(pts)]
        res = _solve(tr.wrap(logp, log_d=False), tr.wrap(diff, log_d=True), t_lo, t_hi,
                     method=method, rtol=rtol, tail=tail, max_cells=max_cells, points=pts,
                     sigma=sigma, ends_reason=ends_reason, bounds=bounds,
                     sigma_ends=sigma_ends)
        (ta, tb), = res.truncation
        xa = float(tr.x_of_t(np.array([ta]))[0][0])
        xb = float(tr.x_of_t(np.array([tb]))[0][0])
        where = " and ".join(w for w, on in (("lo", tr.left), ("hi", tr.right)) if on)
        return PoincareResult(res.poincare_constant, res.error_estimate, res.method,
                              {**dict(res.resolution), "variable": f"t (log distance to {where})",
                               "t_truncation": [ta, tb]},
                              res.status, res.message + f"; solved in t = log-distance to the "
                              f"end(s) where D vanishes ({where})", res.side, ((xa, xb),),
                              log_poincare_constant=res.log_poincare_constant,
                              lower=res.lower, upper=res.upper)
    if _detect_growth_ends(diff, lo, hi):
        sh = _SinhEnds(lo, hi)
        t_lo, t_hi = sh.bounds()
        pts = None if points is None else sh.t_of_x(np.asarray(points, float).ravel())
        res = _solve(sh.wrap(logp, log_d=False), sh.wrap(diff, log_d=True), t_lo, t_hi,
                     method=method, rtol=rtol, tail=tail, max_cells=max_cells, points=pts,
                     sigma=sigma, ends_reason=ends_reason, bounds=bounds,
                     sigma_ends=sigma_ends)
        (ta, tb), = res.truncation
        xa, xb = (float(v) for v in sh.x_of_t(np.array([ta, tb]))[0])
        return PoincareResult(res.poincare_constant, res.error_estimate, res.method,
                              {**dict(res.resolution), "variable": "t = asinh(x - x0)",
                               "t_truncation": [ta, tb]},
                              res.status, res.message + "; solved in t = asinh(x - x0) (D grows "
                              "at an infinite end)", res.side, ((xa, xb),),
                              log_poincare_constant=res.log_poincare_constant,
                              lower=res.lower, upper=res.upper)
    return _solve(logp, diff, lo, hi, method=method, rtol=rtol, tail=tail, max_cells=max_cells,
                  points=points, sigma=sigma, ends_reason=ends_reason, bounds=bounds,
                  sigma_ends=sigma_ends)


def _solve_level(lp: Array, lc: Array, method: str, rtol: float, n: int, *, vector: bool
                 ) -> tuple[float, float, str, str, Array | None]:
    """(log C_P, relative floor, solver used, note, eigenfunction increments) on one chain."""
    solver = method
    inc = None
    lg, note = math.nan, ""
    if method == "auto":
        lg, note, inc = _green_log_top(lp, lc, tol=1e-14, vector=vector)
        norm = float(np.max(np.exp(lc - lp[:-1]) + np.exp(lc - lp[1:])))
        rel_floor = 10 * _EPS * norm * math.exp(min(lg, 700.0)) if math.isfinite(lg) else 0.0
        solver = "fv" if rel_floor < rtol / 1000 else "green"
    if solver == "fv":
        cp, fl, inc2 = _fv_gap(lp, lc, vector=vector)
        if math.isinf(cp):
            return math.nan, math.inf, "fv", "fv-lost-gap", None
        inc = inc2 if inc2 is not None else inc
        return math.log(cp), fl, "fv", "", inc
    if method == "green":
        lg, note, inc = _green_log_top(lp, lc, tol=1e-14, vector=vector)
    return lg, 10 * _EPS * math.sqrt(n), "green", note, inc


def _ladder(logp: Fn, diff: Fn, mp: AxisMap, n: int, *, method: str, rtol: float, max_cells: int,
            bounds: bool, a: float, b: float, trunc_rel: float,
            first: tuple[Array, Array, tuple[Any, ...]] | None = None
            ) -> dict[str, Any] | PoincareResult:
    """Cells doubled from n until the extrapolated value meets rtol (with the truncation part).

    ``first`` is the chain and solution at n already computed by the cut-off check. The
    eigenfunction for the lower bound is kept from the second-finest level (≤ 2^16 cells):
    half the quadrature cost for a bound that is O(h²) less tight.
    """
    values: list[float] = []
    logs: list[float] = []
    floors: list[float] = []
    levels: list[int] = []
    solvers: set[str] = set()
    notes: list[str] = []
    status, best, err = "not_converged", math.nan, math.inf
    info: dict[str, Any] = {}
    incs: list[tuple[Array, int]] = []
    chain: tuple[Array, Array] | None = None
    while True:
        want = bounds and n <= _MAX_BOUND_CELLS
        if first is not None and not levels:
            lp, lc = first[0], first[1]
            lg, fl, solver, note, inc_n = first[2]
        else:
            lp, lc = chain_1d(logp, diff, mp, n)
            lg, fl, solver, note, inc_n = _solve_level(lp, lc, method, rtol, n, vector=want)
        if want and inc_n is not None:
            incs = [*incs[-1:], (inc_n, n)]
        if n <= _MAX_BOUND_CELLS:
            chain = (lp, lc)
        if note == "fv-lost-gap":
            return PoincareResult(0.0, math.inf, "fv", {"cells": n}, "failed",
                                  "the absolute-precision tridiagonal solver lost the gap "
                                  "(computed gap <= 0: the gap is below eps*||A||); use "
                                  "method='green'", "estimate", ((a, b),))
        solvers.add(solver)
        used = "+".join(sorted(solvers))
        if note:
            notes.append(note)
        if math.isinf(lg):
            return PoincareResult(math.inf, 0.0, used, {"cells": n}, "no_poincare",
                                  f"no Poincaré inequality: {note}", "estimate", ((a, b),),
                                  log_poincare_constant=math.inf)
        if math.isnan(lg):
            return PoincareResult(0.0, math.inf, used, {"cells": n}, "failed", note,
                                  "estimate", ((a, b),))
        logs.append(lg)
        levels.append(n)
        floors.append(fl)
        if lg > 700:  # C_P beyond float64: refine in log space
            values.append(lg)
            floors[-1] = fl / max(lg, 1.0)
        else:
            values.append(math.exp(lg))
        if len(values) >= 3:
            best, err, info = extrapolate(values, floors)
            if err <= rtol * abs(best):  # the grid has converged; truncation decides
                if err + trunc_rel * abs(best) <= rtol * abs(best):
                    status = "ok"
                    break
                if not trunc_rel < rtol:
                    break
        if 2 * n > max_cells:
            break
        n *= 2
    if len(values) < 3:
        best, err = values[-1], (abs(values[-1] - values[0]) if len(values) == 2 else math.inf)
    return {"best": best, "err": err, "info": info, "status": status, "levels": levels,
            "values": values, "logs": logs, "notes": notes,
            "inc": incs[0][0] if incs else None, "n_inc": incs[0][1] if incs else n,
            "chain": chain,
            "used": "+".join(sorted(solvers)), "log": logs[-1]}


def _solve(logp: Fn, diff: Fn, lo: float, hi: float, *, method: str, rtol: float, tail: float,
           max_cells: int, points: Array | None, sigma: float | None, ends_reason: str,
           bounds: bool, sigma_ends: tuple[float | None, float | None] | None = None
           ) -> PoincareResult:
    # 1. the cut-off: pushed out until the truncation error estimate meets rtol; with σ
    #    finite, κ = √(σ − λ) comes from the converged λ of the current cut-off
    T = tail
    trunc: dict[str, Any] = {"tails": [], "relative_change": [], "ratio": None}
    ext_chain: tuple[Array, Array] | None = None
    coarse_chain: tuple[Array, Array] | None = None
    big_steps = 0
    finite_sigma = sigma is not None and math.isfinite(sigma)
    while True:
        a, b, _ = truncate_support(logp, lo, hi, tail=T, points=points)
        mp = _map_kind(diff, a, b, lo, hi)
        n0 = _initial_cells(logp, diff, mp)
        change, lam_coarse = 0.0, math.nan
        dls: list[tuple[int, float]] = []
        first: tuple[Array, Array, tuple[Any, ...]] | None = None
        ext = None
        n_check = n0
        if not (a == lo and b == hi):
            a2, b2, _ = truncate_support(logp, lo, hi, tail=T + _TAIL_STEP, points=points)
            ext = extended_map(mp, n0, lo, hi, a2, b2)
            if ext is not None:
                # the added cells have the base width; where p is steep there (a finite end
                # approached by e^{-c/x}) a few cells can span tens of nats, and the comparison
                # would measure the discretization, not the cut-off: refine both problems alike
                n_check = _resolved_cells(logp, mp, n0, ext[2])
                if n_check != n0:
                    ext = extended_map(mp, n_check, lo, hi, a2, b2)
        if ext is not None:
            emap, n2, added = ext
            lp1, lc1 = chain_1d(logp, diff, mp, n_check)
            lp2, lc2 = chain_1d(logp, diff, emap, n2)
            coarse_chain, ext_chain = (lp1, lc1), (lp2, lc2)
            sol1 = _solve_level(lp1, lc1, method, rtol, n_check, vector=False)
            if n_check == n0:
                first = (lp1, lc1, sol1)
            l1 = sol1[0]
            l2 = _solve_level(lp2, lc2, method, rtol, n2, vector=False)[0]
            if math.isfinite(l1) and math.isfinite(l2):
                change = abs(math.expm1(l2 - l1))
                lam_coarse = math.exp(-l2)
                if finite_sigma:  # the extrapolation rate needs the distance moved
                    dls = [(e_i, _liouville_length(diff, x0, x1)) for e_i, x0, x1 in added]
            trunc["tails"].append([T, T + _TAIL_STEP])
            trunc["relative_change"].append(change)
        can_extend = ext is not None and T + _TAIL_STEP <= _MAX_TAIL and big_steps < 3
        if not finite_sigma and ext is not None:
            r = 0.0 if sigma is not None else 0.5
            if change / (1 - r) > rtol / 4 and can_extend:
                big_steps = big_steps + 1 if change > 0.5 else 0
                T += _TAIL_STEP
                continue
        lad = _ladder(logp, diff, mp, n0, method=method, rtol=rtol, max_cells=max_cells,
                      bounds=bounds, a=a, b=b, first=first,
                      trunc_rel=(change if sigma is not None else 2 * change))
        if isinstance(lad, PoincareResult):
            return lad
        if ext is None:
            regime, r = "none", 0.0
        elif not finite_sigma:
            regime, r = ("discrete", 0.0) if sigma is not None else ("unknown", 0.5)
        else:
            lam = 1.0 / lad["best"] if lad["log"] <= 700 else 0.0
            if lam >= sigma or lam_coarse >= sigma:  # type: ignore[operator]
                regime, r = "continuous", 1.0
            else:
                # each moved end: its eigenfunction tail decays like e^{-κ_e y},
                # κ_e = √(σ_e − λ) (σ_e = inf: faster than any exponential)
                r = 0.0
                for end_i, dl in dls:
                    s_e = sigma if sigma_ends is None or sigma_ends[end_i] is None \
                        else sigma_ends[end_i]
                    if s_e is None or math.isnan(s_e):
                        s_e = sigma
                    if math.isinf(s_e):  # type: ignore[arg-type]
                        continue
                    kappa = math.sqrt(max(s_e - lam, 0.0))  # type: ignore[operator]
                    r = max(r, math.exp(-2 * kappa * dl) if math.isfinite(dl) else 1.0)
                regime = "discrete"
        trunc_rel = change / (1 - r) if r < 1 else math.inf
        trunc["ratio"] = r
        if finite_sigma and regime == "discrete" and trunc_rel > rtol / 4 and r <= 0.5 \
                and can_extend:
            T += _TAIL_STEP
            continue
        break
    trunc["tail"] = T
    best, err, info, status = lad["best"], lad["err"], lad["info"], lad["status"]
    levels, values, logs, notes = lad["levels"], lad["values"], lad["logs"], lad["notes"]
    inc, chain, used, n_inc = lad["inc"], lad["chain"], lad["used"], lad["n_inc"]
    resolution: dict[str, Any] = {
        "cells": levels[-1], "levels": levels, "values": list(values), "map": mp.kind,
        "tail": T, "observed_order": info.get("order"), "extrapolated": info.get("extrapolated"),
        "truncation_check": trunc, "sigma": sigma}
    if logs[-1] > 700:
        msg = (f"C_P = exp({best:.10g}) overflows float64; log C_P known to ±{err:.2g} "
               "(grid only; no bracket in float64)")
        st = "overflow" if status == "ok" else status
        return PoincareResult(math.inf, math.inf, used, resolution, st, msg, "estimate",
                              ((a, b),), log_poincare_constant=best)
    grid_err = err
    trunc_err = trunc_rel * abs(best) if math.isfinite(trunc_rel) else math.inf
    err = grid_err + trunc_err
    if status == "ok" and err > rtol * abs(best):
        status = "not_converged"
    resolution.update(grid_error=grid_err, truncation_error=trunc_err)

    # 3. two-sided answer
    lower = _rayleigh_lower(logp, diff, mp, n_inc, inc) if bounds and inc is not None \
        else None
    if bounds and lower is None:  # fall back to the test function g(x) = x
        xc, _ = mp((np.arange(n_inc) + 0.5) / n_inc)
        lower = _rayleigh_lower(logp, diff, mp, n_inc, np.diff(xc))
    upper = None
    if bounds and chain is not None:
        lbs = [_log_b(*chain)]
        if ext_chain is not None:
            lbs.append(_log_b(*ext_chain))
        delta = 0.0
        if coarse_chain is not None:
            delta = abs(math.expm1(_log_b(*coarse_chain) - lbs[0]))
        lb = max(lbs)
        if lb < 700:
            upper = 4 * math.exp(lb) * (1 + 2 * delta + 1e-3)
    inv_sigma = 1.0 / sigma if sigma is not None and math.isfinite(sigma) and sigma > 0 else None
    if inv_sigma is not None:
        lower = inv_sigma if lower is None else max(lower, inv_sigma)
    side: Side = "estimate"
    suffix = f"; ends: {ends_reason}" if ends_reason else ""
    lam = 1.0 / best
    lam_err = err / best**2 if math.isfinite(err) else math.inf
    rq = lower if lower is not None else 0.0  # (max with 1/σ: a test function beating 1/σ?)
    beaten = inv_sigma is not None and rq > inv_sigma * (1 + 1e-9)
    if inv_sigma is not None and beaten and (regime == "continuous" or lam >= sigma):  # type: ignore[operator]
        status = "not_converged"
        msg = (f"not converged: the truncated problems find no eigenvalue below σ = {sigma:.6g} "
               f"(λ = {lam:.6g}) but a test function gives C_P >= {rq:.10g} > 1/σ: an "
               "eigenvalue just below the continuous spectrum that the cut-off cannot resolve")
    elif inv_sigma is not None and (regime == "continuous" or lam >= sigma):  # type: ignore[operator]
        # no eigenvalue below σ in the truncated problem: the gap is the bottom of σ_ess
        best, err, side, status = inv_sigma, 0.0, "exact", "ok"
        msg = (f"C_P = 1/σ = {inv_sigma:.10g}: the gap is the bottom σ = {sigma:.10g} of the "
               f"continuous spectrum (the truncated problems find no eigenvalue below σ: "
               f"λ = {lam:.6g} >= σ)")
    elif inv_sigma is not None and lam + lam_err >= sigma:  # type: ignore[operator]
        status = "not_converged"
        msg = (f"not converged: an eigenvalue λ = {lam:.6g} ± {lam_err:.2g} at the edge σ = "
               f"{sigma:.6g} of the continuous spectrum cannot be separated from it; "
               f"C_P >= 1/σ = {inv_sigma:.10g}")
    elif not math.isfinite(trunc_err) or trunc_err > rtol * abs(best):
        status = "not_converged"
        ch = trunc["relative_change"][-1] if trunc["relative_change"] else math.nan
        why = ("C_P keeps growing as the cut-off moves out: no Poincaré inequality or a "
               "continuous spectrum (heavy tail?)" if regime == "unknown" and ch > 0.5 else
               "the truncation error does not meet rtol (slowly decaying eigenfunction)")
        msg = (f"not converged: C_P changes by {ch:.2g} (relative) between cut-offs at "
               f"p = e^-{T:g} and e^-{T + _TAIL_STEP:g}: {why}")
    elif status != "ok":
        msg = (f"not converged: relative error estimate {err / abs(best):.2g} > rtol {rtol:g} "
               f"at {levels[-1]} cells")
    else:
        msg = (f"{used}: {len(levels)} levels up to {levels[-1]} cells, domain [{a:.6g}, "
               f"{b:.6g}] (cut-off checked at e^-{T + _TAIL_STEP:g})")
        if regime == "unknown":
            msg += "; σ_ess unknown: truncation error assumes geometric decay"
    if status != "ok":
        warnings.warn(f"poincare_1d {msg}", RuntimeWarning, stacklevel=3)
    if notes:
        msg += "; " + "; ".join(sorted(set(notes)))
    msg += suffix
    if status != "ok" and lower is not None and best + err < lower * (1 - 1e-9):
        # a not-converged estimate below a certified bound: report the bound, labelled as one
        msg += (f"; the estimate {best:.6g} lies below the certified lower bound, so only "
                f"C_P >= {lower:.10g} is reported")
        best, err, side = lower, math.inf, "lower_bound"
    if status == "ok":
        _check_bracket(best, err, lower, upper)
    elif lower is not None and upper is not None and lower > upper * (1 + 1e-9):
        _check_bracket(lower, 0.0, lower, upper)  # crossing bounds are a bug whatever the status
    return PoincareResult(best, err, used, resolution, status, msg, side, ((a, b),),
                          lower=lower, upper=upper)


def _check_bracket(value: float, err: float, lower: float | None, upper: float | None) -> None:
    """Fail loudly when an estimate lies outside its own certified bracket."""
    if lower is not None and upper is not None and lower > upper * (1 + 1e-9):
        raise NumericalError(f"certified bounds cross: lower {lower:.10g} > upper {upper:.10g}",
                             "this is a bug in the bounds; please report it with the target")
    if lower is not None and value + err < lower * (1 - 1e-9):
        raise NumericalError(
            f"estimate C_P = {value:.10g} ± {err:.2g} lies below the certified lower bound "
            f"{lower:.10g} (a test function's Rayleigh quotient)",
            "the estimate is wrong: do not use it; report the target as a bug")
    if upper is not None and value - err > upper * (1 + 1e-9):
        raise NumericalError(
            f"estimate C_P = {value:.10g} ± {err:.2g} lies above the certified upper bound "
            f"{upper:.10g}", "the estimate is wrong: do not use it; report the target as a bug")
