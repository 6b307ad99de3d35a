r"""One-dimensional Poincaré constants with relative precision, however large C_P is.

Setting (DESIGN.md §1, §6): p ∝ e^ℓ on (lo, hi), D(x) > 0 inside, finite ends reflecting,
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
to ``rtol``; the error estimate is the change between the last two extrapolations (or the
round-off floor). References: Miclo (1999) for the birth–death variance identity;
Chen (2005) "Eigenvalues, Inequalities and Ergodic Theory", ch. 5.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import eigh_tridiagonal, eigvalsh
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.numeric._poincare import PoincareResult

__all__ = ["poincare_1d"]

Array = NDArray[np.float64]
Fn = Callable[[Array], Array]
_EPS = float(np.finfo(float).eps)


# ----------------------------------------------------------------------------- inputs
def _callable(f: Fn | float, what: str) -> Fn:
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
def _probe_points(lo: float, hi: float, points: Array) -> Array:
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
    x = _probe_points(lo, hi, pts)
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
@dataclass(frozen=True)
class _Map:
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


def _mapped_log(fn: Fn, what: str, m: _Map, u: Array, v: Array, *, take_log: bool,
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


def _chain(log_density: Fn, diff: Fn, m: _Map, n: int) -> tuple[Array, Array]:
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


def _log_cumsums(lp: Array) -> tuple[Array, Array]:
    """log Π_k = log Σ_{i≤k} π_i and log S_k = log Σ_{i>k} π_i for k = 0..n−2."""
    lP = np.logaddexp.accumulate(lp)[:-1]
    lS = np.logaddexp.accumulate(lp[::-1])[::-1][1:]
    return lP, lS


def _green_log_top(lp: Array, lc: Array, tol: float) -> tuple[float, str]:
    """log of the top eigenvalue of K_{kl} = Π_{k∧l} S_{k∨l}/√(c_k c_l); relative precision."""
    lP, lS = _log_cumsums(lp)
    if np.any(~np.isfinite(lc)):
        return math.inf, "the density vanishes inside the domain (disconnected support)"
    ldiag = lP + lS - lc
    lscale = float(np.max(ldiag))
    A = np.exp(lP - 0.5 * (lc + lscale))
    B = np.exp(lS - 0.5 * (lc + lscale))
    m = lc.size
    if m <= 64:
        idx = np.arange(m)
        lo_ = np.minimum.outer(idx, idx)
        hi_ = np.maximum.outer(idx, idx)
        K = np.exp(lP[lo_] + lS[hi_] - 0.5 * (lc[:, None] + lc[None, :]) - lscale)
        return math.log(float(eigvalsh(K, subset_by_index=[m - 1, m - 1])[0])) + lscale, ""

    def mv(phi: Array) -> Array:
        phi = np.ravel(phi)
        left = np.cumsum(A * phi)
        right = np.cumsum((B * phi)[::-1])[::-1]
        right = np.append(right[1:], 0.0)
        return B * left + A * right

    op = LinearOperator((m, m), matvec=mv, dtype=np.float64)
    v0 = np.sqrt(np.exp(ldiag - lscale)) + 1e-3
    try:
        w = eigsh(op, k=1, which="LA", tol=tol, v0=v0, ncv=min(m, 40), maxiter=20 * m,
                  return_eigenvectors=False)
    except ArpackNoConvergence as exc:  # pragma: no cover - rare
        if len(exc.eigenvalues):
            return math.log(float(exc.eigenvalues[0])) + lscale, "Lanczos did not converge"
        return math.nan, "Lanczos did not converge"
    return math.log(float(w[0])) + lscale, ""


def _fv_gap(lp: Array, lc: Array) -> tuple[float, float]:
    """(C_P, relative round-off floor) from the symmetric tridiagonal generator by bisection."""
    c_over = np.exp(lc - lp[:-1])  # c_k / π_k
    c_under = np.exp(lc - lp[1:])  # c_k / π_{k+1}
    diag = np.zeros(lp.size)
    diag[:-1] += c_over
    diag[1:] += c_under
    off = -np.exp(lc - 0.5 * (lp[:-1] + lp[1:]))
    lam = eigh_tridiagonal(diag, off, eigvals_only=True, select="i", select_range=(1, 1))[0]
    norm = float(np.max(diag) * 2)
    if lam <= 0:
        return math.inf, math.inf
    return 1.0 / float(lam), 10 * _EPS * norm / float(lam)


# ----------------------------------------------------------------------------- refinement
def extrapolate(values: list[float], floors: list[float]) -> tuple[float, float, dict[str, Any]]:
    """Best value and error estimate from values on grids refined by 2 each time.

    The observed ratio r = δ_{m−2}/δ_{m−1} of successive differences gives the Aitken
    value A = C_m + δ_{m−1}/(r − 1) (any convergence order); the error estimate is
    |A_m − A_{m−1}| when two Aitken values exist, otherwise the size of the correction,
    and never below the round-off floor.
    """
    c = np.asarray(values, dtype=np.float64)
    floor = float(floors[-1]) * abs(float(c[-1]))
    info: dict[str, Any] = {"order": None, "extrapolated": False}
    if c.size < 2:
        return float(c[-1]), math.inf, info
    d = np.diff(c)
    if abs(d[-1]) <= 2 * floor and c.size >= 3 and abs(d[-2]) <= 64 * max(floor, abs(d[-1])):
        return float(c[-1]), max(abs(float(d[-1])), floor), info
    if c.size < 3:
        return float(c[-1]), max(abs(float(d[-1])), floor), info

    def aitken(j: int) -> tuple[float, float] | None:
        # uses c[j-2], c[j-1], c[j]
        d1, d2 = c[j - 1] - c[j - 2], c[j] - c[j - 1]
        if d2 == 0 or d1 == 0:
            return None
        r = d1 / d2
        if not r > 1.3:
            return None
        return float(c[j] + d2 / (r - 1)), float(r)

    last = aitken(c.size - 1)
    if last is None:
        return float(c[-1]), max(abs(float(d[-1])) * 4, floor), info
    a_m, r = last
    info.update(order=math.log2(r), extrapolated=True)
    prev = aitken(c.size - 2) if c.size >= 4 else None
    if prev is None:
        err = abs(a_m - float(c[-1]))
    else:
        err = abs(a_m - prev[0])
    return a_m, max(err, floor), info


def _initial_cells(log_density: Fn, diff: Fn, m: _Map) -> int:
    u = np.linspace(0, 1, 4097)[1:-1]
    x, dx = m(u)
    ell = _eval(log_density, x, "log density", allow_neg_inf=True)
    ell = np.where(np.isfinite(ell), ell, np.nan)
    ld = np.log(np.maximum(_eval(diff, x, "D"), 1e-300) / dx**2)
    tv = float(np.nansum(np.abs(np.diff(ell + np.log(dx)))) + np.sum(np.abs(np.diff(ld))))
    return int(2 ** np.clip(math.ceil(math.log2(max(tv, 1.0) * 2)), 7, 14))


def poincare_1d(log_density: Fn, diffusion_coef: Fn | float, lo: float, hi: float, *,
                method: str = "auto", rtol: float = 1e-8, tail: float = 40.0,
                max_cells: int = 2**22, points: Array | None = None) -> PoincareResult:
    r"""C_P = sup_g Var_p(g) / ∫ D g'² p for p ∝ e^ℓ on (lo, hi), with an error estimate.

    Parameters
    ----------
    log_density : callable
        ℓ(x), vectorized over numpy arrays, unnormalized; −inf allowed where p = 0.
    diffusion_coef : callable or float
        D(x) > 0 inside (lo, hi); it may vanish at a finite end (Jacobi D = x(1−x),
        Laguerre/CIR D = x).
    lo, hi : float
        Ends of the domain (±inf allowed; finite ends reflect).
    method : {"auto", "green", "fv"}
        Solver of the finite-volume chain (module docstring). ``"auto"`` takes ``"fv"`` when
        its round-off floor ε‖A‖C_P is below rtol/100 and ``"green"`` otherwise.
    rtol : float
        Target relative error; cells are doubled until the error estimate meets it.
    tail : float
        Truncate where ℓ < max ℓ − tail (p below e^{-tail} of its maximum).
    max_cells : int
        Give up (status ``"not_converged"``) beyond this many cells.
    points : array, optional
        Places where the mass is known to sit (e.g. mixture means); helps the truncation.

    Returns
    -------
    PoincareResult
        ``side="estimate"``; status ``"ok"`` when the error estimate ≤ rtol·C_P.
    """
    if method not in ("auto", "green", "fv"):
        raise SpecError(f"unknown 1D method {method!r}", "use 'auto', 'green' or 'fv'")
    lo, hi = float(lo), float(hi)
    if math.isnan(lo) or math.isnan(hi) or not lo < hi:
        raise NumericalError(f"domain ({lo}, {hi}) is empty or NaN", "give lo < hi")
    if not 0 < rtol < 1:
        raise SpecError(f"rtol = {rtol} is not in (0, 1)", "use e.g. rtol=1e-8")
    logp = _callable(log_density, "log density")
    diff = _callable(diffusion_coef, "D")
    a, b, _ = truncate_support(logp, lo, hi, tail=tail, points=points)
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
    mp = _Map(a, b, kind)
    n = _initial_cells(logp, diff, mp)

    values: list[float] = []
    logs: list[float] = []
    floors: list[float] = []
    levels: list[int] = []
    used = method
    solvers: set[str] = set()
    notes = []
    status, best, err = "not_converged", math.nan, math.inf
    info: dict[str, Any] = {}
    while True:
        lp, lc = _chain(logp, diff, mp, n)
        solver = method
        if method == "auto":
            lg, note = _green_log_top(lp, lc, tol=1e-14)
            norm = float(np.max(np.exp(lc - lp[:-1]) + np.exp(lc - lp[1:])))
            rel_floor = 10 * _EPS * norm * math.exp(min(lg, 700.0))
            solver = "fv" if rel_floor < rtol / 1000 else "green"
        if solver == "fv":
            cp, fl = _fv_gap(lp, lc)
            if math.isinf(cp):
                return PoincareResult(0.0, math.inf, "fv", {"cells": n}, "failed",
                                      "the absolute-precision tridiagonal solver lost the gap "
                                      "(computed gap <= 0: the gap is below eps*||A||); use "
                                      "method='green'", "estimate", ((a, b),))
            lg, note = math.log(cp), ""
        elif method == "green":
            lg, note = _green_log_top(lp, lc, tol=1e-14)
        if solver == "green":
            fl = 10 * _EPS * math.sqrt(n)
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
            if err <= rtol * abs(best) and len(values) >= 3:
                status = "ok"
                break
        if 2 * n > max_cells:
            break
        n *= 2
    overflow = logs[-1] > 700
    resolution = {"cells": levels[-1], "levels": levels,
                  "values": [v for v in values], "map": kind, "tail": tail,
                  "observed_order": info.get("order"), "extrapolated": info.get("extrapolated")}
    if overflow:
        log_cp, log_err = best, err
        cp = math.inf
        abs_err = math.inf
        msg = (f"C_P = exp({log_cp:.10g}) overflows float64; log C_P known to ±{log_err:.2g}")
        st = "overflow" if status == "ok" else status
        return PoincareResult(cp, abs_err, used, resolution, st, msg, "estimate", ((a, b),),
                              log_poincare_constant=log_cp)
    if status != "ok":
        msg = (f"not converged: relative error estimate {err / abs(best):.2g} > rtol {rtol:g} "
               f"at {levels[-1]} cells")
        warnings.warn(f"poincare_1d {msg}", RuntimeWarning, stacklevel=2)
    else:
        msg = f"{used}: {len(levels)} levels up to {levels[-1]} cells, domain [{a:.6g}, {b:.6g}]"
    if notes:
        msg += "; " + "; ".join(sorted(set(notes)))
    return PoincareResult(best, err, used, resolution, status, msg, "estimate", ((a, b),))
