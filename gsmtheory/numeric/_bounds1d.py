r"""The two sides of a 1D answer: Muckenhoupt's B on the chain and a certified Rayleigh quotient.

- :func:`log_muckenhoupt_b`: B = max(B₊, B₋) at the median (Muckenhoupt 1972), C_P ≤ 4B;
- :func:`rayleigh_lower_1d`: Var(g)/E(g) ≤ C_P for the interpolated discrete eigenfunction, with
  a quadrature margin.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from gsmtheory.numeric._chain1d import (
    GL6_T,
    GL6_W,
    GRADED_T,
    GRADED_W,
    log_cumsums,
    log_sum_exp,
    mapped_log,
)
from gsmtheory.numeric._fv_grid import AxisMap

__all__ = ["log_muckenhoupt_b", "rayleigh_lower_1d"]

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

