r"""Limits at the ends of an interval for the end analysis, decided exactly or under a time guard.

:func:`end_limit` first tries an exact rule: a rational function of x, or of u = e^{∓x} at ±∞
(every hyperbolic and exponential potential of the catalogue's hard cases: Pöschl–Teller, Scarf,
Rosen–Morse, Morse), has its limit from the lowest-order terms of its numerator and denominator
(:func:`rational_limit`), in a fraction of the time of SymPy's Gruntz algorithm (a guard of 4 s
made Scarf's ends 'unknown' on a loaded machine). Otherwise SymPy's ``limit`` runs under
:func:`guarded` (SIGALRM in the main thread); what it does not decide is None, never a guess.
:func:`provably_nonzero` is the cheap test that spares ``simplify`` where an expression is not 0.
"""

from __future__ import annotations

import cmath
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import sympy as sp

__all__ = ["as_float", "end_limit", "fast_limit", "guarded", "limited", "provably_nonzero", "rational_limit"]

T = TypeVar("T")


class _Timeout(Exception):
    pass


def _alarms() -> bool:
    """SIGALRM time limits are available: the main thread of a platform with setitimer."""
    return threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """Raise ``_Timeout`` in the body after ``seconds`` (SIGALRM); an outer alarm already running
    (a test's timeout) shortens the limit and gets back what is left of it afterwards. The handler
    raises only while the body runs: an alarm that arrives as the body ends is ignored, and the old
    handler and the outer alarm are always restored."""
    live = True

    def _raise(signum: int, frame: Any) -> None:
        if live:
            raise _Timeout

    pending = signal.getitimer(signal.ITIMER_REAL)[0]
    if pending and pending <= seconds:
        seconds = max(pending - 1e-3, 1e-3)
    t0 = time.monotonic()
    old = signal.signal(signal.SIGALRM, _raise)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        live = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if pending:
            signal.setitimer(signal.ITIMER_REAL, max(pending - (time.monotonic() - t0), 1e-3))


def guarded(fn: Callable[[], T], seconds: float) -> T | None:
    """fn() with a wall-clock limit (SIGALRM in the main thread; elsewhere fn runs unlimited);
    None when it times out or raises (SymPy raises many kinds: 'unknown' is the answer)."""
    try:
        if not _alarms():
            return fn()
        with _alarm(seconds):
            return fn()
    except Exception:
        return None


def limited(fn: Callable[[], T], seconds: float) -> tuple[bool, T | None]:
    """(True, fn()) when fn finishes within ``seconds``; (False, None) when it does not, or when no
    alarm is available (not the main thread), in which case fn is not run at all. Other exceptions
    of fn propagate (unlike :func:`guarded`)."""
    if not _alarms():
        return False, None
    try:
        with _alarm(seconds):
            return True, fn()
    except _Timeout:
        return False, None


def as_float(v: Any) -> float | None:
    if v is None:
        return None
    v = sp.sympify(v)
    if v in (sp.oo,):
        return math.inf
    if v in (-sp.oo,):
        return -math.inf
    if v.has(sp.zoo, sp.nan, sp.AccumBounds) or not v.is_number:
        return None
    try:
        c = complex(v)
    except (TypeError, ValueError):
        return None
    if abs(c.imag) > 1e-12 * max(1.0, abs(c.real)):
        return None
    return float(c.real)


def provably_nonzero(expr: sp.Expr) -> bool:
    """True when ``expr`` is finite and at least 1e-20 in size, to 30 digits (``evalf``), at one of
    three rational points of its free symbols (a constant: at itself), so that it is not 0; False
    says nothing (``simplify`` has to decide)."""
    names = sorted(expr.free_symbols, key=str)
    for k in range(3 if names else 1):
        point = {s: sp.Rational(3 + 2 * k + i, 7 + i) for i, s in enumerate(names)}
        try:
            value = complex(expr.evalf(30, subs=point))
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            continue
        if cmath.isfinite(value) and abs(value) > 1e-20:
            return True
    return False


_HYPERBOLIC = (sp.exp, sp.sinh, sp.cosh, sp.tanh, sp.coth, sp.sech, sp.csch)


def rational_limit(expr: sp.Expr, u: sp.Symbol) -> float | None:
    """lim expr as u → 0+ for a rational function of u, exactly from the lowest-order terms of its
    numerator and denominator (no Gruntz): None when expr is not one."""
    e = sp.cancel(sp.together(expr))
    if not e.is_rational_function(u):
        return None
    num, den = sp.fraction(e)
    pn, pd = sp.Poly(num, u), sp.Poly(den, u)
    if pn.is_zero:
        return 0.0
    (kn,), cn = min(pn.terms())
    (kd,), cd = min(pd.terms())
    if kn > kd:
        return 0.0
    ratio = as_float(cn / cd)
    if ratio is None:
        return None
    if kn == kd:
        return ratio
    return math.inf if ratio > 0 else -math.inf  # u^{kn−kd} → +∞ as u → 0+


def fast_limit(expr: sp.Expr, x: sp.Symbol, point: sp.Expr, seconds: float) -> float | None:
    """The limit at ±∞ of an expression that becomes rational in u = e^{∓x} (hyperbolic and
    exponential potentials: Pöschl–Teller, Scarf, Rosen–Morse, Morse) or is rational in x, decided
    by :func:`_rational_limit` in a fraction of Gruntz's time (the guard of 4 s made Scarf
    'unknown' on a loaded machine)."""
    if point not in (sp.oo, -sp.oo):
        return None
    if expr.is_rational_function(x):
        v = sp.Symbol("v_end", positive=True)
        return guarded(lambda: rational_limit(expr.subs(x, (1 if point == sp.oo else -1) / v), v), seconds)
    if not expr.has(*_HYPERBOLIC):
        return None
    u = sp.Symbol("u_end", positive=True)
    sub = -sp.log(u) if point == sp.oo else sp.log(u)
    return guarded(lambda: rational_limit(sp.powsimp(sp.expand(expr.rewrite(sp.exp).subs(x, sub))), u), seconds)


def end_limit(expr: sp.Expr, x: sp.Symbol, point: Any, direction: str,
           seconds: float) -> float | None:
    """lim expr as x → point, under the time guard; None when undecided.

    First exactly when it is a rational function of x or of u = e^{∓x} (:func:`_fast_limit`);
    otherwise at ±∞ an expression in exponentials / hyperbolic functions is rewritten in u
    (u → 0+), where SymPy's Gruntz algorithm is several times faster.
    """
    point = sp.sympify(point)
    fast = fast_limit(sp.sympify(expr), x, point, seconds)
    if fast is not None:
        return fast
    if point in (sp.oo, -sp.oo) and expr.has(*_HYPERBOLIC):
        u = sp.Symbol("u_end", positive=True)
        sub = -sp.log(u) if point == sp.oo else sp.log(u)

        def via_u() -> Any:
            e = sp.simplify(expr.rewrite(sp.exp).subs(x, sub))
            return sp.limit(e, u, 0, "+")

        got = as_float(guarded(via_u, seconds))
        if got is not None:
            return got
    return as_float(guarded(lambda: sp.limit(expr, x, point, direction), seconds))
