r"""Checks a spec's expressions must pass before anything is derived from them.

- :func:`check_real`: ℓ, D, Q and the model must be real-valued on the domain. SymPy's
  assumptions decide where they can (``is_extended_real``); otherwise the expression is
  evaluated at points inside the domain and a non-negligible imaginary part refutes it
  (``sqrt(-1)*x``, ``log(-1 - x**2)``).
- :func:`check_normalizable` (1D): ∫ e^ℓ < ∞ is decided from the ends. At an infinite end,
  ℓ must tend to −∞ and faster than −log|x|: with r = lim ℓ/log|x|, r > −1 (or ℓ not → −∞)
  means e^ℓ ≥ |x|^{−1+ε} there, not integrable. At a finite end a where ℓ → +∞, with
  r = lim ℓ/log(x − a), r < −1 means e^ℓ ~ (x − a)^r, not integrable. r = −1 is left undecided
  (the numerics decide). Limits run under a time limit and are skipped when it is exceeded
  (or off the main thread, where no alarm can stop them).
- :func:`check_normalizable_nd` (d = 2, 3): by Fubini, ∫ e^ℓ < ∞ needs almost every 1D slice
  to be integrable; a coordinate along which the slices through two generic points of the
  other coordinates both have infinite mass refutes it (p ∝ e^(−x²) in (x, y): flat in y).
- :func:`score_mismatch`: whether the model at its ``truth`` reproduces the target
  (ℓ − ℓ_θ* constant in x), which the theorems assume (realizability); a sentence when not.
- :func:`kinks_1d`: where Abs, sign, Min, Max, Heaviside or Piecewise switch, so that
  quadrature can put a panel edge there.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import mpmath
import sympy as sp

from gsmtheory._errors import SpecError
from gsmtheory.symbolic._intervals import lambdified
from gsmtheory.symbolic._limits import limited

__all__ = ["check_normalizable", "check_normalizable_nd", "check_real", "kinks_1d", "score_mismatch"]

_ASSUME_OPS = 300


def _show(expr: sp.Expr) -> str:
    text = sp.sstr(expr)
    return text if len(text) <= 60 else text[:57] + "..."


def check_real(expr: sp.Expr, what: str, points: Sequence[Mapping[sp.Symbol, float]],
               subs: Mapping[sp.Symbol, float] | None = None) -> None:
    """Raise :class:`SpecError` when ``expr`` is not real-valued on the domain (see module docs)."""
    e = sp.sympify(expr)
    if subs:
        e = e.subs({k: sp.Float(v) for k, v in subs.items()})
    if e.has(sp.zoo, sp.nan):
        raise SpecError(f"{what} is undefined ({_show(e)})", "fix the expression")
    if sp.count_ops(e) <= _ASSUME_OPS:
        done, verdict = limited(lambda: e.is_extended_real, 2.0)
        if done and verdict is True:
            return
    pts = list(points) if e.free_symbols else [{}]
    for pt in pts:
        try:
            value = complex(e.evalf(30, subs={k: sp.Float(v, 30) for k, v in pt.items()}))
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            continue
        if not (math.isfinite(value.real) and math.isfinite(value.imag)):
            continue
        if abs(value.imag) > 1e-12 * max(1.0, abs(value.real)):
            where = ", ".join(f"{k} = {v:.4g}" for k, v in pt.items()) or "every point"
            raise SpecError(f"{what} is complex-valued: {_show(e)} = {value:.4g} at {where}",
                            "write a real expression on the domain (check signs under log and sqrt, "
                            "or bound the domain)")


def _lim(expr: sp.Expr, x: sp.Symbol, at: Any, direction: str = "+-") -> sp.Expr | None:
    """The limit, or None when SymPy does not decide it in 3 s or raises (Min, Max: not implemented)."""
    try:
        done, value = limited(lambda: sp.limit(expr, x, at, direction if direction != "+-" else "+"), 3.0)
    except Exception:  # undecided: the question is left to the numerics
        return None
    if not done or value is None or value.has(sp.AccumBounds, sp.Limit, sp.nan, sp.zoo):
        return None
    return value


@lru_cache(maxsize=256)
def _normalizability(ell: sp.Expr, x: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> str | None:
    """The reason p ∝ e^ℓ is not normalizable on (lo, hi), or None when it is (or undecided)."""
    if ell.free_symbols <= {x} and ell.is_polynomial(x):
        poly = sp.Poly(ell, x)
        if all(c.is_extended_real for c in poly.coeffs()):
            return _polynomial_normalizability(ell, poly, x, lo, hi)
    return _normalizability_by_limits(ell, x, lo, hi)


def _polynomial_normalizability(ell: sp.Expr, poly: sp.Poly, x: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> str | None:
    """:func:`_normalizability_by_limits` of a polynomial ℓ = c_n xⁿ + … (``poly``; the reason quotes
    ``ell`` as written), from its leading term: finite at a finite end; at ±∞ it tends to
    sign(c_n (±1)ⁿ)·∞ (n ≥ 1), and to −∞ faster than any multiple of log|x|, or it is the constant
    c_0 (n = 0)."""
    n = poly.degree()
    for end in (lo, hi):
        if end not in (sp.oo, -sp.oo):
            continue  # ℓ finite there: p bounded near the end
        if n <= 0:
            return f"{_show(ell)} -> {ell} as {x} -> {end}"
        if poly.LC() * (1 if end == sp.oo or n % 2 == 0 else -1) > 0:
            return f"{_show(ell)} -> oo as {x} -> {end}"
    return None


def _normalizability_by_limits(ell: sp.Expr, x: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> str | None:
    """The reason of :func:`_normalizability` from SymPy limits of ℓ and ℓ/log|x − end| at the ends."""
    for end, side in ((lo, "+"), (hi, "-")):
        if end in (sp.oo, -sp.oo):
            r = _lim(ell / sp.log(sp.Abs(x)), x, end, "-" if end == sp.oo else "+")
            if r == -sp.oo:  # then ℓ → −∞ too (log|x| → ∞), faster than any multiple of log|x|: one limit, not two
                continue
            lim = _lim(ell, x, end, "-" if end == sp.oo else "+")
            if lim is None:
                continue
            if lim != -sp.oo:
                return f"{_show(ell)} -> {lim} as {x} -> {end}"
            if r is not None and r.is_extended_real and (r == sp.oo or (r.is_finite and float(r) > -1)):
                return f"e^({_show(ell)}) decays only like |{x}|^({r}) as {x} -> {end}"
        else:
            lim = _lim(ell, x, end, side)
            if lim != sp.oo:
                continue
            dist = (x - end) if side == "+" else (end - x)
            r = _lim(ell / sp.log(dist), x, end, side)
            if r is not None and r.is_extended_real and (r == -sp.oo or (r.is_finite and float(r) < -1)):
                return f"e^({_show(ell)}) grows like |{x} - {end}|^({r}) at {x} = {end}"
    return None


def check_normalizable(ell: sp.Expr, x: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> None:
    """Raise :class:`SpecError` when p ∝ e^ℓ provably has infinite mass on (lo, hi) (1D)."""
    reason = _normalizability(sp.sympify(ell), x, sp.sympify(lo), sp.sympify(hi))
    if reason is not None:
        raise SpecError(f"p ∝ exp({_show(ell)}) is not normalizable on ({_end(lo)}, {_end(hi)}): {reason}",
                        "make log_density tend to -infinity fast enough at the ends, or bound the domain, "
                        "so that p can be normalized")


#: seconds the slice analysis of one density may take (SymPy limits); beyond it, undecided
_ND_BUDGET = 6.0
_NOT_NORMALIZABLE_FIX = ("make log_density tend to -infinity fast enough along every coordinate, or bound "
                         "the domain, so that p can be normalized")


def check_normalizable_nd(ell: sp.Expr, coords: Sequence[sp.Symbol], domain: Sequence[tuple[Any, Any]],
                          points: Sequence[Mapping[sp.Symbol, float]], what: str = "p") -> None:
    """Raise :class:`SpecError` when p ∝ e^ℓ provably has infinite mass on the box (d ≤ 3).

    In 1D this is :func:`check_normalizable`. In 2D and 3D each coordinate is tested on the
    slices through the first two of ``points`` (the other coordinates fixed there): when both
    slices have infinite mass, so do the slices of a neighbourhood, and by Fubini so does p.
    Undecided limits, larger d and a spent time budget leave the question to the numerics.
    """
    d = len(coords)
    e = sp.sympify(ell)
    if d == 1:
        reason = _normalizability(e, coords[0], sp.sympify(domain[0][0]), sp.sympify(domain[0][1]))
        if reason is not None:
            raise SpecError(f"{what} ∝ exp({_show(e)}) is not normalizable on ({_end(domain[0][0])}, "
                            f"{_end(domain[0][1])}): {reason}", _NOT_NORMALIZABLE_FIX)
        return
    if d > 3 or len(points) < 2:
        return
    start = time.monotonic()
    for i, x in enumerate(coords):
        found = []
        for pt in points[:2]:
            if time.monotonic() - start > _ND_BUDGET:
                return
            fixed = {c: sp.Rational(f"{float(pt[c]):.2g}") for c in coords if c != x}
            reason = _normalizability(e.subs(fixed), x, sp.sympify(domain[i][0]), sp.sympify(domain[i][1]))
            if reason is None:
                break
            found.append((fixed, reason))
        else:
            fixed, reason = found[0]
            at = ", ".join(f"{c} = {float(v):g}" for c, v in fixed.items())
            raise SpecError(f"{what} ∝ exp({_show(e)}) is not normalizable: along {x}, at {at}, {reason}",
                            _NOT_NORMALIZABLE_FIX)


def score_mismatch(ell: sp.Expr, model_ell: sp.Expr, coords: Sequence[sp.Symbol],
                     points: Sequence[Mapping[sp.Symbol, float]], truth: str = "truth") -> str | None:
    """None when p_θ* ∝ e^(ℓ_θ*) reproduces p ∝ e^ℓ — ∇(ℓ − ℓ_θ*) = 0 at every one of ``points``
    to 1e-8 relative to |∇ℓ| + 1 — else one sentence saying where the scores differ (d ≤ 3;
    larger d returns None: not checked here)."""
    if len(coords) > 3:
        return None
    gap = [sp.diff(ell - model_ell, x) for x in coords]
    score = [sp.diff(ell, x) for x in coords]
    worst: tuple[float, Mapping[sp.Symbol, float] | None, float] = (0.0, None, 0.0)
    for pt in points:
        values = _at_30_digits(gap + score, pt)
        if values is None:
            continue
        g, s = values[:len(gap)], values[len(gap):]
        size = math.sqrt(sum(abs(v) ** 2 for v in g))
        rel = size / (1.0 + math.sqrt(sum(abs(v) ** 2 for v in s)))
        if math.isfinite(rel) and rel > worst[0]:
            worst = (rel, pt, size)
    rel, at_worst, size = worst
    if at_worst is None or rel <= 1e-8:
        return None
    where = ", ".join(f"{k} = {v:.3g}" for k, v in at_worst.items())
    return (f"the model at {truth} does not reproduce the target: their scores differ by {size:.3g} at {where} "
            "(misspecified: the theorems assume p = p_θ*, and the GSM and ML estimators converge to other "
            "parameters than the truth)")


def _at_30_digits(exprs: list[sp.Expr], point: Mapping[sp.Symbol, float]) -> list[complex] | None:
    """The expressions at ``point`` in 30-digit mpmath arithmetic (lambdified once per list, about a
    hundred times faster than ``evalf`` on a mixture's scores; rounding ~1e-30 relative, against
    the 1e-8 test); ``evalf`` to 20 digits where that fails; None where neither gives numbers."""
    names = tuple(point)
    try:
        with mpmath.workdps(30):
            return [complex(v) for v in lambdified(names, tuple(exprs), "mpmath")(*map(mpmath.mpf, point.values()))]
    except (TypeError, ValueError, ArithmeticError, NameError, AttributeError, NotImplementedError,
            RecursionError, SyntaxError):
        pass  # not expressible in mpmath
    at = {k: sp.Float(v, 30) for k, v in point.items()}
    try:
        return [complex(e.evalf(20, subs=at)) for e in exprs]
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None


def _end(v: sp.Expr) -> str:
    return "inf" if v == sp.oo else "-inf" if v == -sp.oo else str(v)


def _kink_arguments(expr: sp.Expr) -> set[sp.Expr]:
    args: set[sp.Expr] = set()
    for atom in expr.atoms(sp.Abs, sp.sign, sp.Heaviside, sp.DiracDelta):
        args.add(atom.args[0])
    for atom in expr.atoms(sp.Min, sp.Max):
        parts = atom.args
        args.update(parts[i] - parts[j] for i in range(len(parts)) for j in range(i + 1, len(parts)))
    for pw in expr.atoms(sp.Piecewise):
        for _value, cond in pw.args:
            for rel in cond.atoms(sp.core.relational.Relational):
                args.add(rel.lhs - rel.rhs)
    return args


@lru_cache(maxsize=256)
def _kinks(exprs: tuple[sp.Expr, ...], x: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> tuple[float, ...]:
    args: set[sp.Expr] = set()
    for e in exprs:
        args |= _kink_arguments(sp.sympify(e))
    out: set[float] = set()
    for arg in args:
        if arg.free_symbols != {x}:
            continue
        def solve(a: sp.Expr = arg) -> sp.Set:
            return sp.solveset(a, x, sp.Interval.open(lo, hi))

        done, sol = limited(solve, 2.0)
        if done and isinstance(sol, sp.FiniteSet):
            out.update(float(v) for v in sol if v.is_real)
    return tuple(sorted(out))


def kinks_1d(exprs: Sequence[sp.Expr], x: sp.Symbol, lo: Any, hi: Any,
             subs: Mapping[sp.Symbol, float] | None = None) -> tuple[float, ...]:
    """Points of (lo, hi) where an expression has a kink or a jump.

    The zeros of the arguments of Abs, sign, Heaviside and of the differences of Min/Max
    arguments, and the boundaries of Piecewise conditions (after substituting ``subs``, e.g.
    θ*). Quadrature panels that end there never straddle a jump, so their error estimates stay
    valid.

    Parameters
    ----------
    exprs : sequence of Expr
        The integrands' pieces.
    x : Symbol
        The coordinate.
    lo, hi : number or ±oo
        The interval.
    subs : mapping, optional
        Values substituted first (the parameters).

    Returns
    -------
    tuple of float
        The points, sorted; () where SymPy cannot solve within its time limit.

    Examples
    --------
    >>> import sympy as sp
    >>> from gsmtheory.symbolic import kinks_1d
    >>> x, c = sp.Symbol("x", real=True), sp.Symbol("c", real=True)
    >>> kinks_1d([sp.Min(x, c), sp.Abs(x + 1)], x, -sp.oo, sp.oo, subs={c: 2.0})
    (-1.0, 2.0)
    """
    es = tuple(sp.sympify(e).subs({k: sp.Float(v) for k, v in (subs or {}).items()}) for e in exprs)
    return _kinks(es, x, sp.sympify(lo), sp.sympify(hi))
