r"""A certified upper bound on the Poincaré constant of p restricted to a box, with constant D.

For the measure μ_U = p·1_U/p(U) on a box U = ∏[l_i, u_i] (reflecting faces) and a constant D:

1. **1D, Muckenhoupt** (Muckenhoupt 1972; the median is not needed for this side): for ν ∝ e^f on
   [l, u] and any m in it, Var_ν g ≤ ∫(g − g(m))² dν ≤ 4 max(B₊, B₋) ∫ g'² dν with
   B₊ = sup_{x>m} ν[x, u) ∫_m^x e^{−f}, B₋ likewise (the normalisation cancels). On N cells with
   interval bounds f ∈ [f_k⁻, f_k⁺] (:func:`gsmtheory.symbolic._intervals.interval`), for x in cell
   j: ν[x, u) ≤ Σ_{k≥j} h e^{f_k⁺} and ∫_m^x e^{−f} ≤ Σ_{k=m..j} h e^{−f_k⁻}, so the cell maximum
   of the products bounds B₊ (and B₋) from above. :func:`hardy_upper` returns 4·max(B₊, B₋),
   minimised over the candidate m.
2. **Product**: ν = ⊗_i e^{f_i(x_i)} on U under a diagonal D has C_P(ν) = max_i C_P(f_i)/D_ii
   (tensorization); under a full D, E_D ≥ λ_min(D)·E_I gives C_P(ν, D) ≤ max_i C_P(f_i)/λ_min(D).
3. **Holley–Stroock** (Holley & Stroock 1987): ℓ = Σ_i f_i + W on U with osc_U W < ∞ gives
   C_P(μ_U) ≤ e^{osc_U W} C_P(ν). The f_i are the box averages of ℓ over the other coordinates
   (the additive part of ℓ in the uniform L² sense: f_i(x_i) = |U_{−i}|⁻¹∫ ℓ dx_{−i}), exact for a
   polynomial ℓ, so W = 0 for a product and osc W is the coupling's; osc W is bounded by branch
   and bound (:func:`gsmtheory.symbolic._intervals.minimum` of W and −W).

:func:`local_poincare_upper` returns the bound e^{osc W}·max_i C_i (with the D factor) and how.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from gsmtheory.symbolic._intervals import evaluate, interval, minimum, round_down, round_up

__all__ = ["LocalBound", "hardy_upper", "local_poincare_estimate", "local_poincare_upper"]

_CELLS = 4096
_CANDIDATES = 96


def _log_hardy(lmass: np.ndarray, linv: np.ndarray, nodes: np.ndarray) -> float:
    """log of min over the nodes m of max(B₊, B₋), in log space (a tail far out has e^{−f} beyond
    float64 while its mass is below it)."""
    lright = np.logaddexp.accumulate(lmass[::-1])[::-1]
    lleft = np.logaddexp.accumulate(lmass)
    best = math.inf
    for m in nodes:
        plus = float(np.max(lright[m:] + np.logaddexp.accumulate(linv[m:])))
        minus = float(np.max(lleft[:m] + np.logaddexp.accumulate(linv[:m][::-1])[::-1])) if m else -math.inf
        best = min(best, max(plus, minus))
    return best


def hardy_upper(f: sp.Expr, x: sp.Symbol, a: float, b: float, *, cells: int = _CELLS) -> float:
    """4·max(B₊, B₋) ≥ C_P(e^f on [a, b], D = 1), certified (module docstring, item 1); inf if
    f is not bounded on some cell. The sums run in log space; their rounding (≤ 8 ulps of each
    log-sum-exp, N of them) is covered by a factor exp(64 N ε (1 + max |log|))."""
    edges = np.linspace(a, b, cells + 1)
    edges[0], edges[-1] = a, b
    lo, hi = interval(f, [x], edges[:-1, None], edges[1:, None])
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        return math.inf
    lh = round_up(np.log(round_up(np.diff(edges))), 8)
    lmass, linv = round_up(lh + hi, 4), round_up(lh - lo, 4)
    share = np.cumsum(np.exp(lmass - lmass.max()))
    lo_m, hi_m = int(np.searchsorted(share / share[-1], 0.15)), int(np.searchsorted(share / share[-1], 0.85))
    nodes = np.unique(np.clip(np.linspace(lo_m, max(hi_m, lo_m + 1), _CANDIDATES).astype(int), 1, cells - 1))
    lb = _log_hardy(lmass, linv, nodes)
    margin = 64 * cells * float(np.finfo(float).eps) * (1 + abs(lb) + float(np.max(np.abs(lmass))))
    return float(round_up(np.array([4.0 * math.exp(min(lb + margin, 700.0))]), 16)[0]) if lb < 700 else math.inf


@dataclass(frozen=True)
class LocalBound:
    """C_P(p restricted to a box, D) ≤ ``upper`` (module docstring).

    Attributes
    ----------
    upper : float
    oscillation : float
        The certified bound on osc_U W (0 for a product).
    factors : tuple of float
        The 1D constants C_i (D = 1), certified.
    how : str
    """

    upper: float
    oscillation: float
    factors: tuple[float, ...]
    how: str


def _box_averages(ell: sp.Expr, coords: Sequence[sp.Symbol], box: Sequence[tuple[float, float]]
                  ) -> list[sp.Expr]:
    out = []
    for i, _c in enumerate(coords):
        f = ell
        for j, (cj, (a, b)) in enumerate(zip(coords, box)):
            if j != i:
                A, B = sp.Rational(a), sp.Rational(b)
                f = sp.integrate(f, (cj, A, B)) / (B - A)
        out.append(sp.expand(f))
    return out


def _hardy_float(f: np.ndarray, h: float) -> float:
    """4·max(B₊, B₋) from values of f on a uniform grid (an estimate, not a bound)."""
    lm = f - f.max() + math.log(h)
    share = np.cumsum(np.exp(lm))
    k = int(np.searchsorted(share / share[-1], 0.5))
    return 4.0 * math.exp(min(_log_hardy(lm, math.log(h) - (f - f.max()), np.array([max(k, 1)])), 700.0))


def local_poincare_estimate(ell: Callable[..., Any], box: Sequence[tuple[float, float]], D_diag: Sequence[float]) -> float:
    """A quick number for ranking boxes (not a bound): e^{osc W} max_i 4B_i/D_ii of
    :func:`local_poincare_upper`, with the box averages by Gauss–Legendre, osc W and B_i from
    samples. ``ell`` is ℓ as a NumPy callable."""
    d, n, m = len(box), 6, 256
    t, w = np.polynomial.legendre.leggauss(n)
    lo, hi = np.array([a for a, _ in box]), np.array([b for _, b in box])
    nodes = [0.5 * (a + b) + 0.5 * (b - a) * t for a, b in box]
    weights: np.ndarray = np.prod(np.array(list(itertools.product(*([0.5 * w] * (d - 1))))), axis=1) if d > 1 else np.ones(1)
    tables, out = [], 0.0
    for i in range(d):
        grid = np.linspace(lo[i], hi[i], m)
        rest = np.array(list(itertools.product(*[nodes[j] for j in range(d) if j != i]))) if d > 1 else np.zeros((1, 0))
        pts = np.insert(np.repeat(rest, m, axis=0), i, np.tile(grid, rest.shape[0]), axis=1)
        with np.errstate(all="ignore"):
            v = evaluate(ell, pts).reshape(rest.shape[0], m)
        tables.append((grid, weights @ v))
        out = max(out, _hardy_float(weights @ v, (hi[i] - lo[i]) / (m - 1)) / float(D_diag[i]))
    if d > 1:
        x = lo + (hi - lo) * np.random.default_rng(1).uniform(0, 1, (3000 * d, d))
        with np.errstate(all="ignore"):
            W = evaluate(ell, x) - np.sum([np.interp(x[:, i], *tables[i]) for i in range(d)], axis=0)
        out *= math.exp(min(float(np.max(W) - np.min(W)), 700.0))
    return out


def local_poincare_upper(ell: sp.Expr, coords: Sequence[sp.Symbol], box: Sequence[tuple[float, float]],
                         D: sp.Matrix, lambda_min_D: float) -> LocalBound:
    """C_P(μ_U, D) ≤ e^{osc W} max_i C_i / D_ii (diagonal D) or / λ_min(D); ``ell`` polynomial
    (module docstring)."""
    coords = list(coords)
    parts = _box_averages(ell, coords, box) if len(coords) > 1 else [sp.expand(ell)]
    W = sp.expand(ell - sum(parts)) if len(coords) > 1 else sp.Integer(0)
    osc = 0.0
    if W.free_symbols & set(coords):
        lo = minimum(W, coords, box, rtol=2e-3).lower
        hi = -minimum(-W, coords, box, rtol=2e-3).lower
        osc = float(round_up(np.array([hi - lo]), 4)[0])
    consts = tuple(hardy_upper(f, c, a, b) for f, c, (a, b) in zip(parts, coords, box))
    if D.is_diagonal():
        per = [C / float(round_down(np.array([float(D[i, i])]), 2)[0]) for i, C in enumerate(consts)]
        scale, dtxt = max(per), "diagonal D"
    else:
        scale, dtxt = max(consts) / lambda_min_D, f"λ_min(D) >= {lambda_min_D:.6g}"
    upper = float(round_up(np.array([math.exp(osc) * scale]), 8)[0]) if osc < 700 else math.inf
    how = (f"local constant on the box <= e^{{osc W}} max_i 4B_i ({dtxt}): osc W <= {osc:.4g} "
           f"(Holley–Stroock against the product of box averages), 4B_i = "
           + ", ".join(f"{c:.4g}" for c in consts) + " (Muckenhoupt, interval arithmetic on "
           f"{_CELLS} cells)")
    return LocalBound(upper, osc, consts, how)
