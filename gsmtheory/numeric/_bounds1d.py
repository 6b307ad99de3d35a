r"""The two sides of a 1D answer: Muckenhoupt's B on the chain and a certified Rayleigh quotient.

- :func:`log_muckenhoupt_b`: B = max(B₊, B₋) at the median (Muckenhoupt 1972), C_P ≤ 4B;
- :func:`rayleigh_lower_1d`: Var(g)/E(g) ≤ C_P for the interpolated discrete eigenfunction, with
  a quadrature margin;
- :func:`rayleigh_quotient` and :func:`muckenhoupt_bracket`: the same two sides as public bounds
  for a given test function g and for a density on its own (B/2 ≤ C_P ≤ 4B).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.numeric._chain1d import (
    GL6_T,
    GL6_W,
    GRADED_T,
    GRADED_W,
    as_callable,
    chain_1d,
    log_cumsums,
    log_sum_exp,
    mapped_log,
    truncate_support,
)
from gsmtheory.numeric._fv_grid import AxisMap
from gsmtheory.numeric._result import PoincareResult

__all__ = ["log_muckenhoupt_b", "muckenhoupt_bracket", "rayleigh_lower_1d", "rayleigh_quotient"]

Array = NDArray[np.float64]
Fn = Callable[[Array], Array]
_GL4_T, _GL4_W = np.polynomial.legendre.leggauss(4)
_GL4_T, _GL4_W = 0.5 * (_GL4_T + 1.0), 0.5 * _GL4_W


def log_muckenhoupt_b(lp: Array, lc: Array) -> float:
    """log B, B = max(B₊, B₋) of Muckenhoupt at the median, on the chain (cell-level sup)."""
    lP, lS = log_cumsums(lp)
    lr = -lc
    k_med = int(np.searchsorted(np.exp(lP), 0.5))
    right = np.logaddexp.accumulate(lr[k_med:]) + lS[k_med:]
    left_r = np.logaddexp.accumulate(lr[:k_med][::-1])[::-1] + lP[:k_med]
    return max(float(np.max(right)) if right.size else -math.inf,
               float(np.max(left_r)) if left_r.size else -math.inf)


def rayleigh_lower_1d(log_density: Fn, diff: Fn, m: AxisMap, n: int, inc: Array) -> float | None:
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
    for T_, W_ in ((GL6_T, GL6_W), (_GL4_T, _GL4_W)):
        i = np.arange(n, dtype=np.float64)[:, None]
        t = 0.5 * T_[None, :]
        off = np.concatenate([i + t, i + 0.5 + t])
        ell, ldx = mapped_log(log_density, "log density", m, off * h, (n - off) * h,
                               take_log=False, allow_neg_inf=True)
        ld, _ = mapped_log(diff, "D", m, off * h, (n - off) * h, take_log=True,
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
        gr = 0.5 * h * GRADED_T
        for row, (uu, vv) in ((0, (gr, 1.0 - gr)), (2 * n - 1, (1.0 - gr, gr))):
            le_, ldxe = mapped_log(log_density, "log density", m, uu, vv, take_log=False,
                                    allow_neg_inf=True)
            val = float(log_sum_exp(le_ + ldxe + np.log(0.5 * h * GRADED_W)))
            wts[row, :] = 0.0
            wts[row, 0] = math.exp(val - top) if math.isfinite(val) else 0.0
            le[row, :] = -np.inf
        mass = float(np.sum(wts))
        if not mass > 0:
            return None
        # about g's value where the mass sits: an eigenfunction at the edge of a continuous spectrum
        # grows like p^(-1/2) into the tails, so normalized g is nearly constant on the bulk, and a mean
        # taken from g itself rounds by ulp(g) there: that rounding alone gave Var ~ 1e-60 against a
        # true 1e-85 and a "lower bound" of 3.8e23 (ℓ = −0.57√(1+x²) for x > 0, −0.81√(1+x²) below,
        # plus 0.68 e^{−x²/1.4}: C_P ≈ 12.3)
        gs = g - g.flat[int(np.argmax(wts))]
        mean = float(np.sum(wts * gs)) / mass
        var = float(np.sum(wts * (gs - mean) ** 2)) / mass
        energy = float(np.sum(np.exp(le) * (slope / h) ** 2)) / mass
        if not (energy > 0 and math.isfinite(energy) and math.isfinite(var)):
            return None
        qs.append(var / energy)
    margin = abs(qs[0] - qs[1])
    if not margin <= 1e-3 * min(qs):  # the rules disagree: the quadrature is not trusted
        return None
    return min(qs) - margin


def _map_for(log_density: Callable[[Array], Array], diff: Callable[[Array], Array],
             lo: float, hi: float, tail: float) -> AxisMap:
    a, b, _ = truncate_support(log_density, lo, hi, tail=tail)
    with np.errstate(all="ignore"):
        d = np.asarray(diff(np.array([a, b])), dtype=np.float64) * np.ones(2)
    left, right = a == lo and not d[0] > 0, b == hi and not d[1] > 0
    kind = {(False, False): "affine", (True, False): "sqrt-left",
            (False, True): "sqrt-right", (True, True): "sin2"}[(left, right)]
    return AxisMap(a, b, kind)


def rayleigh_quotient(g: Callable[[Array], Array], dg: Callable[[Array], Array],
                      log_density: Callable[[Array], Array],
                      diffusion_coef: Callable[[Array], Array] | float, lo: float, hi: float,
                      *, n: int = 4000, tail: float = 40.0) -> PoincareResult:
    r"""Lower bound C_P ≥ Var_p(g) / ∫ D g'² p (1D), by Gauss–Legendre quadrature.

    ``g`` and its derivative ``dg`` are vectorized callables. The quotient is computed on the
    truncated domain with n cells of 6 Gauss nodes (relative quadrature error far below the
    reported digits for smooth g); ``side="lower_bound"``, status ``"bound"``
    (docs/design.md §3).

    Parameters
    ----------
    g, dg : callable
        The test function and its derivative, vectorized over a 1D array.
    log_density : callable
        ℓ = log p up to a constant, vectorized.
    diffusion_coef : callable or float
        The diffusion coefficient D(x) (a constant is broadcast).
    lo, hi : float
        The ends of the domain (``±inf`` allowed).
    n : int, optional
        Quadrature cells on the truncated domain.
    tail : float, optional
        Truncation where p < e^{-tail} max p (:func:`truncate_support`).

    Returns
    -------
    PoincareResult
        ``poincare_constant`` = ``lower`` = Var(g)/E(g), error 0, side ``"lower_bound"``.

    Raises
    ------
    NumericalError
        If g or g' is not finite on the domain.
    SpecError
        If E(g) = 0 (g constant).

    Examples
    --------
    For N(0, 1) and D = 1, g(x) = x is the first eigenfunction: the bound is C_P = 1 exactly.

    >>> import numpy as np
    >>> r = rayleigh_quotient(lambda x: x, np.ones_like, lambda x: -x**2 / 2, 1.0, -np.inf, np.inf)
    >>> round(r.poincare_constant, 6), r.side
    (1.0, 'lower_bound')
    """
    logp = as_callable(log_density, "log density")
    diff = as_callable(diffusion_coef, "D")
    m = _map_for(logp, diff, float(lo), float(hi), tail)
    t, w = np.polynomial.legendre.leggauss(6)
    u = ((np.arange(n)[:, None] + 0.5 * (t[None, :] + 1)) / n).ravel()
    wu = np.tile(0.5 * w / n, n)
    x, dx = m(u)
    with np.errstate(all="ignore"):
        lw = np.asarray(logp(x), float) + np.log(dx) + np.log(wu)
    lw = np.where(np.isfinite(lw), lw, -np.inf)
    pw = np.exp(lw - np.max(lw))
    pw /= pw.sum()
    gv = np.asarray(g(x), float) * np.ones_like(x)
    dv = np.asarray(dg(x), float) * np.ones_like(x)
    dd = np.asarray(diff(x), float) * np.ones_like(x)
    if not (np.all(np.isfinite(gv)) and np.all(np.isfinite(dv))):
        raise NumericalError("test function or its derivative is not finite",
                             "use a g that is finite on the domain")
    mean = float(pw @ gv)
    var = float(pw @ (gv - mean) ** 2)
    energy = float(pw @ (dd * dv * dv))
    if energy <= 0:
        raise SpecError("E(g) = 0: g is constant", "use a non-constant test function")
    q = var / energy
    return PoincareResult(q, 0.0, "rayleigh_quotient", {"nodes": int(x.size)}, "bound",
                          "Var(g)/E(g) <= C_P for every g", "lower_bound", ((m.a, m.b),),
                          lower=q)


def muckenhoupt_bracket(log_density: Callable[[Array], Array],
                        diffusion_coef: Callable[[Array], Array] | float, lo: float, hi: float,
                        *, n: int = 8192, tail: float = 40.0) -> PoincareResult:
    r"""Two-sided 1D bracket B/2 ≤ C_P ≤ 4B (Muckenhoupt's Hardy inequality at the median).

    B = max(B₊, B₋), B₊ = sup_{x>m} μ[x, b) ∫_m^x dz/(pD), B₋ likewise to the left, m the
    median of p. The upper half is Muckenhoupt's 4B applied on each side of the median
    (Var g ≤ E(g − g(m))²); the lower half follows from Var f ≥ E f²/2 for f vanishing on a
    half of the mass (Miclo 1999, Prop. 1.3; Chen 2005, Thm 5.?). B is computed from the
    finite-volume chain of :func:`poincare_1d` with ``n`` cells (cell-level sup; the
    discretization error is O(1/n²) relative). ``value`` = B, ``lower`` = B/2, ``upper`` = 4B.

    Parameters
    ----------
    log_density : callable
        ℓ = log p up to a constant, vectorized.
    diffusion_coef : callable or float
        The diffusion coefficient D(x).
    lo, hi : float
        The ends of the domain (``±inf`` allowed).
    n : int, optional
        Finite-volume cells.
    tail : float, optional
        Truncation where p < e^{-tail} max p.

    Returns
    -------
    PoincareResult
        Status ``"bound"``, side ``"bracket"``, ``poincare_constant`` = B, ``lower`` = B/2,
        ``upper`` = 4B.

    Examples
    --------
    The standard Gaussian (C_P = 1) lies inside the bracket:

    >>> import numpy as np
    >>> r = muckenhoupt_bracket(lambda x: -x**2 / 2, 1.0, -np.inf, np.inf)
    >>> r.side, r.lower <= 1.0 <= r.upper
    ('bracket', True)
    """
    logp = as_callable(log_density, "log density")
    diff = as_callable(diffusion_coef, "D")
    m = _map_for(logp, diff, float(lo), float(hi), tail)
    lp, lc = chain_1d(logp, diff, m, n)
    lP, lS = log_cumsums(lp)  # face k: mass left of / right of the face
    lr = -lc  # log resistance between centres k and k+1
    k_med = int(np.searchsorted(np.exp(lP), 0.5))  # first face with Π_k >= 1/2
    # right side: B+ = max_{k >= k_med} S_k * sum_{j=k_med}^{k} r_j
    right = np.logaddexp.accumulate(lr[k_med:]) + lS[k_med:]
    left_r = np.logaddexp.accumulate(lr[:k_med][::-1])[::-1] + lP[:k_med]
    lb = max(float(np.max(right)) if right.size else -np.inf,
             float(np.max(left_r)) if left_r.size else -np.inf)
    b_val = math.exp(lb)
    return PoincareResult(b_val, 0.0, "muckenhoupt", {"cells": n}, "bound",
                          "B/2 <= C_P <= 4B (Muckenhoupt bracket at the median)", "bracket",
                          ((m.a, m.b),), lower=b_val / 2, upper=4 * b_val)
