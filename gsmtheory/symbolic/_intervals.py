r"""Outward-rounded interval arithmetic of SymPy expressions over arrays of boxes, and certified extrema.

The certificates of :mod:`gsmtheory.symbolic._lyapunov` and :mod:`gsmtheory.symbolic._rays` need
inequalities such as ψ(x) ≥ θ on a region, proved and never sampled. :func:`interval` evaluates an
expression on n boxes at once (arrays ``lo``, ``hi`` of shape (n, d)) and returns, per box, an
interval that contains every value the expression takes there:

- +, −, × and integer powers are computed in IEEE double (correctly rounded, error ≤ ½ ulp) and
  then moved outward by 2 ulps; exp, log, tanh, atan, cosh, sinh, real powers by 8 ulps (NumPy's
  float64 elementary functions are accurate to < 4 ulps); a number that is not a double is
  enclosed by its two neighbours;
- monotone functions map endpoints; even powers and cosh of an interval around 0 start at 0 / 1;
  sin, cos, tanh, erf, atan are bounded; a 0 × ∞ endpoint product is 0 (the product of the sets);
  anything undefined or not understood is (−∞, ∞), which proves nothing (never a wrong bound).

:func:`minimum` bounds min f over a finite box by branch and bound (the rigorous lower bound is the
smallest interval bound over the leaves; leaves within the tolerance of the best sampled value are
not split further). :func:`region_minimum` does the same over a region with half-infinite axes:
with x_i = e_i ± u_i (u_i ≥ 0) on each infinite axis, a polynomial in the u_i whose every
coefficient of positive u-degree is ≥ 0 on the finite axes takes its minimum on the face u = 0;
where a coefficient is not, the edge is pushed out (the strip in between becomes a finite box)
up to ``pushes`` times. ``sharp`` bounds come with the estimate (best sampled value) they approach.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

__all__ = ["Extremum", "evaluate", "interval", "lambdified", "minimum", "region_minimum", "round_down", "round_up"]

Array = NDArray[np.float64]
_EPS = float(np.finfo(float).eps)
_TINY = 1e-300
_BASIC, _ELEMENTARY = 2, 8


def round_down(v: Array, ulps: int = _BASIC) -> Array:
    """v moved down by ``ulps`` units in the last place (and below 0 by a tiny amount); an infinite
    end stays itself and a NaN (an undefined operation) becomes −inf, the conservative lower end."""
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.where(np.isinf(v), v, v - (np.abs(v) * (ulps * _EPS) + _TINY))
    return np.where(np.isnan(out), -np.inf, out)


def round_up(v: Array, ulps: int = _BASIC) -> Array:
    """v moved up by ``ulps`` units in the last place; an infinite end stays itself and a NaN
    becomes +inf, the conservative upper end."""
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.where(np.isinf(v), v, v + (np.abs(v) * (ulps * _EPS) + _TINY))
    return np.where(np.isnan(out), np.inf, out)


def _clean(lo: Array, hi: Array) -> tuple[Array, Array]:
    return np.where(np.isnan(lo), -np.inf, lo), np.where(np.isnan(hi), np.inf, hi)


def _number(v: sp.Expr, n: int) -> tuple[Array, Array]:
    if v.is_Integer and abs(int(v)) < 2**53:
        f = np.full(n, float(int(v)))
        return f, f
    if v.is_real is not True or not v.is_finite:
        return np.full(n, -np.inf), np.full(n, np.inf)
    f = np.full(n, float(v))
    return round_down(f, 1), round_up(f, 1)


def _mul(a: tuple[Array, Array], b: tuple[Array, Array]) -> tuple[Array, Array]:
    with np.errstate(invalid="ignore", over="ignore"):
        c = np.stack([a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]])
    exact = np.stack([(x == 0) | (y == 0) for x in a for y in b])  # a product with a 0 factor is exactly 0
    c = np.where(exact, 0.0, c)  # (also 0 × ∞ at an endpoint: the product of the sets is 0 there)
    return (np.where(exact, 0.0, round_down(c)).min(axis=0), np.where(exact, 0.0, round_up(c)).max(axis=0))


def _int_power(a: tuple[Array, Array], n: int) -> tuple[Array, Array]:
    lo, hi = a
    with np.errstate(over="ignore", invalid="ignore"):
        if n % 2 == 1:  # 0ⁿ is exactly 0 (only an exact 0 is kept; a tiny base may underflow)
            return (np.where(lo == 0, 0.0, round_down(lo**n, n + 2)), np.where(hi == 0, 0.0, round_up(hi**n, n + 2)))
        mag_lo = np.where((lo <= 0) & (hi >= 0), 0.0, np.minimum(np.abs(lo), np.abs(hi)))
        mag_hi = np.maximum(np.abs(lo), np.abs(hi))
        return np.maximum(round_down(mag_lo**n, n + 2), 0.0), round_up(mag_hi**n, n + 2)


def _reciprocal(a: tuple[Array, Array]) -> tuple[Array, Array]:
    lo, hi = a
    pos, neg = lo > 0, hi < 0
    with np.errstate(divide="ignore", invalid="ignore"):
        rlo = np.where(pos | neg, round_down(1.0 / hi), -np.inf)
        rhi = np.where(pos | neg, round_up(1.0 / lo), np.inf)
        rlo = np.where((lo == 0) & (hi > 0), round_down(1.0 / hi), rlo)  # [0, h]: 1/x ∈ [1/h, ∞)
    return rlo, rhi


def _power(base: tuple[Array, Array], e: sp.Expr, n: int) -> tuple[Array, Array]:
    if e.is_Integer:
        k = int(e)
        if k >= 0:
            return _int_power(base, k) if k else (np.ones(n), np.ones(n))
        return _reciprocal(_int_power(base, -k))
    if not (e.is_number and e.is_real):
        return np.full(n, -np.inf), np.full(n, np.inf)
    ev = float(e)
    lo, hi = base
    ok = lo >= 0
    with np.errstate(all="ignore"):
        a, b = (lo**ev, hi**ev) if ev > 0 else (hi**ev, lo**ev)
    return np.where(ok, np.maximum(round_down(a, _ELEMENTARY), 0.0), -np.inf), np.where(ok, round_up(b, _ELEMENTARY), np.inf)


def _monotone(fn: Callable[[Array], Array], a: tuple[Array, Array], bounds: tuple[float, float] = (-np.inf, np.inf)
              ) -> tuple[Array, Array]:
    with np.errstate(all="ignore"):
        return (np.maximum(round_down(fn(a[0]), _ELEMENTARY), bounds[0]),
                np.minimum(round_up(fn(a[1]), _ELEMENTARY), bounds[1]))


def _cosh(a: tuple[Array, Array]) -> tuple[Array, Array]:
    lo, hi = a
    mag_lo = np.where((lo <= 0) & (hi >= 0), 0.0, np.minimum(np.abs(lo), np.abs(hi)))
    with np.errstate(over="ignore"):
        return np.maximum(round_down(np.cosh(mag_lo), _ELEMENTARY), 1.0), round_up(np.cosh(np.maximum(np.abs(lo), np.abs(hi))),
                                                                           _ELEMENTARY)


def _abs(a: tuple[Array, Array]) -> tuple[Array, Array]:
    lo, hi = a
    return np.where((lo <= 0) & (hi >= 0), 0.0, np.minimum(np.abs(lo), np.abs(hi))), np.maximum(np.abs(lo), np.abs(hi))


def _log(a: tuple[Array, Array]) -> tuple[Array, Array]:
    lo, hi = a
    with np.errstate(all="ignore"):
        return (np.where(lo > 0, round_down(np.log(np.where(lo > 0, lo, 1.0)), _ELEMENTARY), -np.inf),
                np.where(hi > 0, round_up(np.log(np.where(hi > 0, hi, 1.0)), _ELEMENTARY), np.nan))


_MONOTONE: dict[type, tuple[Callable[[Array], Array], tuple[float, float]]] = {
    sp.exp: (np.exp, (0.0, np.inf)), sp.tanh: (np.tanh, (-1.0, 1.0)), sp.sinh: (np.sinh, (-np.inf, np.inf)),
    sp.atan: (np.arctan, (-math.pi / 2 * (1 + 4 * _EPS), math.pi / 2 * (1 + 4 * _EPS))),
}


def interval(expr: sp.Expr, coords: Sequence[sp.Symbol], lo: Array, hi: Array) -> tuple[Array, Array]:
    """Per box (rows of ``lo``/``hi``, shape (n, d)), an interval holding every value of ``expr``
    on it (module docstring); (−∞, ∞) where nothing is proved."""
    lo, hi = np.atleast_2d(np.asarray(lo, float)), np.atleast_2d(np.asarray(hi, float))
    index = {c: i for i, c in enumerate(coords)}
    n = lo.shape[0]
    memo: dict[sp.Expr, tuple[Array, Array]] = {}

    def ev(e: sp.Expr) -> tuple[Array, Array]:
        if e in memo:
            return memo[e]
        out = _node(e)
        memo[e] = _clean(*out)
        return memo[e]

    def _node(e: sp.Expr) -> tuple[Array, Array]:
        if e.is_Symbol:
            if e not in index:
                return np.full(n, -np.inf), np.full(n, np.inf)
            return lo[:, index[e]].copy(), hi[:, index[e]].copy()
        if e.is_number:
            return _number(e, n)
        if isinstance(e, sp.Add):
            parts = [ev(a) for a in e.args]
            with np.errstate(invalid="ignore"):  # a float sum that is 0 is exactly 0 (no underflow in +)
                lo_s: Array = np.sum([p[0] for p in parts], axis=0)
                hi_s: Array = np.sum([p[1] for p in parts], axis=0)
                k = 2 * len(parts)
                return np.where(lo_s == 0, 0.0, round_down(lo_s, k)), np.where(hi_s == 0, 0.0, round_up(hi_s, k))
        if isinstance(e, sp.Mul):
            out = ev(e.args[0])
            for a in e.args[1:]:
                out = _mul(out, ev(a))
            return out
        if isinstance(e, sp.Pow):
            return _power(ev(e.args[0]), e.args[1], n) if e.args[1].is_number else \
                _monotone(np.exp, _mul(ev(e.args[1]), _log(ev(e.args[0]))), (0.0, np.inf))
        if isinstance(e, sp.log):
            return _log(ev(e.args[0]))
        if isinstance(e, sp.cosh):
            return _cosh(ev(e.args[0]))
        if isinstance(e, sp.Abs):
            return _abs(ev(e.args[0]))
        if isinstance(e, sp.sin | sp.cos | sp.erf) and e.args[0].is_extended_real is not False:
            return np.full(n, -1.0), np.full(n, 1.0)
        for kind, (fn, bounds) in _MONOTONE.items():
            if isinstance(e, kind):
                return _monotone(fn, ev(sp.sympify(e).args[0]), bounds)
        return np.full(n, -np.inf), np.full(n, np.inf)

    return ev(sp.sympify(expr))


# ----------------------------------------------------------------------------- branch and bound
@dataclass(frozen=True)
class Extremum:
    """A certified lower bound on min f over a region and the best sampled value (≥ the minimum).

    Attributes
    ----------
    lower : float
        min f ≥ lower, proved by interval arithmetic (−inf when nothing is proved).
    estimate : float
        The smallest value of f found at a point of the region (not a bound from below).
    why : str
        Empty, or why the bound is −inf.
    """

    lower: float
    estimate: float
    why: str = ""


def evaluate(f: Callable[..., Any], x: Array) -> Array:
    """A lambdified f at the rows of x, as a float array of length N (constants broadcast)."""
    with np.errstate(all="ignore"):
        return np.broadcast_to(np.asarray(f(*x.T), dtype=np.float64), (x.shape[0],))


def _point_values(f: Callable[..., Any], x: Array) -> Array:
    v = evaluate(f, x)
    return np.where(np.isfinite(v), v, np.inf)


def minimum(expr: sp.Expr, coords: Sequence[sp.Symbol], box: Sequence[tuple[float, float]], *,
            rtol: float = 1e-3, atol: float = 1e-9, target: float | None = None,
            max_boxes: int = 400_000) -> Extremum:
    """Branch and bound for min ``expr`` over a finite box (module docstring).

    ``target``: leaves whose bound already reaches it are not split (enough to prove f ≥ target).
    """
    coords = list(coords)
    if not coords:
        v = interval(expr, [], np.zeros((1, 0)), np.zeros((1, 0)))
        return Extremum(float(v[0][0]), float(sp.sympify(expr)))
    f = lambdified(tuple(coords), sp.sympify(expr))
    lo = np.array([[float(a) for a, _ in box]])
    hi = np.array([[float(b) for _, b in box]])
    best, done, seen = math.inf, math.inf, 0
    while lo.shape[0]:
        L, _ = interval(expr, coords, lo, hi)
        best = min(best, float(np.min(_point_values(f, 0.5 * (lo + hi)))), float(np.min(_point_values(f, lo))))
        tol = max(atol, rtol * abs(best)) if math.isfinite(best) else atol
        stop = L >= best - tol
        if target is not None:
            stop |= L >= target
        if stop.any():
            done = min(done, float(L[stop].min()))
        lo, hi, L = lo[~stop], hi[~stop], L[~stop]
        seen += int(stop.size)
        if lo.shape[0] and seen + 2 * lo.shape[0] > max_boxes:
            return Extremum(min(done, float(L.min())), best)
        if not lo.shape[0]:
            break
        axis = np.argmax(hi - lo, axis=1)
        rows = np.arange(lo.shape[0])
        mid = 0.5 * (lo[rows, axis] + hi[rows, axis])
        lo2, hi2 = lo.copy(), hi.copy()
        hi[rows, axis] = mid
        lo2[rows, axis] = mid
        lo, hi = np.concatenate([lo, lo2]), np.concatenate([hi, hi2])
    return Extremum(done, best)


@functools.lru_cache(maxsize=1024)
def lambdified(coords: tuple[sp.Symbol, ...], expr: sp.Expr | tuple[sp.Expr, ...],
               module: str = "numpy") -> Callable[..., Any]:
    """sp.lambdify(coords, expr, module), once per triple (a certificate bounds the same coefficient
    on many regions; a spec's scores are compared at several points); a tuple of expressions gives
    a function returning a list."""
    target = list(expr) if isinstance(expr, tuple) else expr
    return sp.lambdify(coords, target, module, docstring_limit=0)  # type: ignore[no-any-return]


def _shifted(expr: sp.Expr, tails: dict[sp.Symbol, tuple[float, int]]) -> tuple[sp.Poly | None, list[sp.Symbol]]:
    """expr with x_i = e_i + s_i·u_i on the tail axes, as a polynomial in the u_i (None if it is not).

    A polynomial with rational coefficients is composed in SymPy's sparse polynomial ring (exact, the
    same polynomial as expanding the substituted expression, several times faster); anything else is
    substituted and expanded."""
    us = [sp.Dummy(f"u{i}", nonnegative=True) for i in range(len(tails))]
    expr = sp.sympify(expr)
    syms = tuple(sorted(expr.free_symbols | set(tails), key=str))
    exact = _rational_poly(expr, syms)
    if exact is not None:
        ring, *gens = sp.ring(list(syms) + us, sp.QQ)
        of = dict(zip(list(syms) + us, gens))
        f = ring.from_dict({m + (0,) * len(us): c for m, c in exact.terms()})
        f = f.compose([(of[x], ring(sp.Rational(e)) + s * of[u]) for (x, (e, s)), u in zip(tails.items(), us)])
        return sp.Poly(f.as_expr(), *us), us
    shifted = sp.expand(expr.xreplace({x: sp.Rational(e) + s * u for (x, (e, s)), u in zip(tails.items(), us)}))
    try:
        return sp.Poly(shifted, *us), us
    except sp.PolynomialError:
        return None, us


@functools.lru_cache(maxsize=64)
def _rational_poly(expr: sp.Expr, syms: tuple[sp.Symbol, ...]) -> sp.Poly | None:
    """expr as a polynomial in all of ``syms`` over ZZ or QQ, or None (cached: a certificate asks for
    the same generator expression on every region)."""
    try:
        poly = sp.Poly(expr, *syms)
    except sp.PolynomialError:
        return None
    return poly if poly.domain.is_ZZ or poly.domain.is_QQ else None


def _forms_copositive(poly: sp.Poly, us: list[sp.Symbol], fc: list[sp.Symbol],
                      fbox: list[tuple[float, float]]) -> bool:
    """Every homogeneous part H_k (k ≥ 1) of poly in u is ≥ 0 on the orthant u ≥ 0, for every value
    of the finite coordinates: H_k is homogeneous, so it suffices on the faces max_i u_i = 1 (boxes
    u_i = 1, u_j ∈ [0, 1]), each bounded by branch and bound. Then poly(u) ≥ poly(0)."""
    forms: dict[int, sp.Expr] = {}
    for mono, coef in poly.terms():
        if sum(mono):
            forms[sum(mono)] = forms.get(sum(mono), sp.Integer(0)) + coef * sp.Mul(*[u**k for u, k in zip(us, mono)])
    for form in forms.values():
        for _i, ui in enumerate(us):
            rest = [u for u in us if u is not ui]
            face = form.xreplace({ui: sp.Integer(1)})
            if minimum(face, fc + rest, fbox + [(0.0, 1.0)] * len(rest), rtol=1e-2, target=0.0,
                       max_boxes=40_000).lower < 0:
                return False
    return True


def region_minimum(expr: sp.Expr, coords: Sequence[sp.Symbol], region: Sequence[tuple[float, float]], *,
                   center: Sequence[float], pushes: int = 3, rtol: float = 1e-3, target: float | None = None,
                   max_boxes: int = 400_000) -> Extremum:
    """A certified lower bound of min ``expr`` over a product of intervals, some half-infinite
    (an infinite axis starts at a finite edge on the side away from ``center``); module docstring."""
    coords = list(coords)
    tails = {c: (a if math.isinf(b) else b, 1 if math.isinf(b) else -1)
             for c, (a, b) in zip(coords, region) if math.isinf(a) or math.isinf(b)}
    finite = [(c, ab) for c, ab in zip(coords, region) if c not in tails]
    if not tails:
        return minimum(expr, coords, region, rtol=rtol, target=target, max_boxes=max_boxes)
    poly, us = _shifted(expr, tails)
    fc, fbox = [c for c, _ in finite], [ab for _, ab in finite]
    if poly is not None:
        ok = all(minimum(coef, fc, fbox, rtol=1e-2, target=0.0).lower >= 0
                 for mono, coef in poly.terms() if any(mono)) or _forms_copositive(poly, us, fc, fbox)
        if ok:
            face = poly.as_expr().xreplace({u: 0 for u in us})
            return minimum(face, fc, fbox, rtol=rtol, target=target, max_boxes=max_boxes)
    if pushes <= 0:  # interval arithmetic on the unbounded region itself, as a last resort
        L, _ = interval(expr, coords, np.array([[a for a, _ in region]]), np.array([[b for _, b in region]]))
        lower = float(L[0])
        return Extremum(lower, math.inf, "" if math.isfinite(lower) else
                        "not proved bounded below on an unbounded part of the region")
    pieces = []
    for c, (a, b) in zip(coords, region):
        if c in tails:
            k = coords.index(c)
            e, s = tails[c]
            far = center[k] + 2.0 * (e - center[k])
            pieces.append([(min(e, far), max(e, far)), (far, math.inf) if s > 0 else (-math.inf, far)])
        else:
            pieces.append([(a, b)])
    parts = [region_minimum(expr, coords, list(p), center=center, pushes=pushes - 1, rtol=rtol, target=target,
                            max_boxes=max_boxes) for p in itertools.product(*pieces)]
    why = next((p.why for p in parts if p.why), "")
    return Extremum(min(p.lower for p in parts), min(p.estimate for p in parts), why)
