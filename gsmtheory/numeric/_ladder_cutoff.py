r"""The last rungs of the refinement ladder (:mod:`gsmtheory.numeric._ladder`, steps 5–7).

- the cut-off: the domain cut at p = e^{-tail} and at e^{-(tail + TAIL_STEP)} with the same
  cells (:func:`cutoff_step`), and a third cut-off extrapolating what is left at the slower of a
  geometric and a power-law decay (:func:`cutoff_tail`); the 1D ladder's rest beyond its last
  cut-off from its last two changes (:func:`left_after`);
- the bracket checks (:func:`below_lower_bound`, :func:`check_bracket`): an estimate against its
  certified bounds;
- the status (:func:`settle`): ``ok`` if and only if the whole stated error meets rtol and the
  order check passed (docs/design.md §3).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from gsmtheory._errors import NumericalError

__all__ = ["MAX_TAIL", "TAIL_STEP", "below_lower_bound", "check_bracket", "cutoff_step", "cutoff_tail", "left_after",
           "power_exponent", "settle"]

#: the cut-off is pushed out by this many nats of density per step, to at most MAX_TAIL
TAIL_STEP = 20.0
MAX_TAIL = 100.0


def cutoff_step(trunc: dict[str, Any], tail: float, c1: float, c2: float, rtol: float) -> tuple[float, bool]:
    r"""One step of the domain cut-off check: (truncation error relative to C_P, stop here).

    c1, c2 are C_P on the box cut at p = e^{-tail} and at e^{-(tail + TAIL_STEP)} of the maximum,
    on the same cells. Without a spectral theory of the ends the change is assumed to at least
    halve per step, so twice it bounds what is left (recorded in ``trunc``). Stop when that
    meets rtol/4, when it is hopeless (> 100 rtol: the status will say not converged), or at
    MAX_TAIL.
    """
    change = abs(c2 / c1 - 1.0)
    trunc["tails"].append([tail, tail + TAIL_STEP])
    trunc["relative_change"].append(change)
    rel = 2 * change
    return rel, rel <= rtol / 4 or change > 100 * rtol or tail + TAIL_STEP > MAX_TAIL


def cutoff_tail(tail: float, c: Sequence[float]) -> float:
    r"""What is left of the truncation error of c[0] (relative), from C_P at three cut-offs.

    c = C_P on the box cut at e^{-tail}, e^{-(tail+Δ)}, e^{-(tail+2Δ)} (Δ = TAIL_STEP, same
    cells), with changes d₁ = |c₁ − c₀|, d₂ = |c₂ − c₁|. Two laws for the rest, the larger taken:
    geometric (an eigenfunction decaying exponentially, e.g. below the continuum):
    d₁/(1 − q), q = d₂/d₁; and a power law e(T) = a T^{−k} (an eigenfunction at the edge of the
    continuous spectrum, which does not decay: the truncated gap approaches σ like 1/L², L ∝ T^α),
    k fitted to d₁/d₂ (:func:`power_exponent`), e(tail) = d₁/(1 − (T/(T+Δ))^k). Twice d₁ is kept
    as a floor. Changes that do not shrink (d₂ ≥ d₁) or shrink more slowly than any power give
    inf: the truncation error cannot be bounded.
    """
    d1, d2 = abs(c[1] - c[0]), abs(c[2] - c[1])
    scale = abs(c[0])
    if d1 <= 1e-13 * scale:
        return 2 * d1 / scale
    fit = _shrinking(tail, d1, d2)
    if fit is None:
        return math.inf
    q, k = fit
    power = d1 / (1 - (tail / (tail + TAIL_STEP))**k)
    return max(2 * d1, d1 / (1 - q), power) / scale


def _shrinking(tail: float, d1: float, d2: float) -> tuple[float, float] | None:
    """(q = d₂/d₁, the power k of :func:`power_exponent`), or None when the changes do not shrink
    (d₂ ≥ d₁) or shrink more slowly than any power."""
    if d2 >= d1:
        return None
    k = power_exponent(tail, d2 / d1)
    return None if k is None else (d2 / d1, k)


def power_exponent(tail: float, q: float) -> float | None:
    r"""k of e(T) ∝ T^{−k} whose changes over [tail, tail+Δ] and [tail+Δ, tail+2Δ] have the ratio q = d₂/d₁.

    Bisection on d₁/d₂ = (1 − a^k)/(a^k − b^k), a = T/(T+Δ), b = T/(T+2Δ) (increasing in k);
    None when q < 1 is too close to 1 for any power (the changes shrink more slowly).
    """
    a, b = tail / (tail + TAIL_STEP), tail / (tail + 2 * TAIL_STEP)

    def ratio(k: float) -> float:  # d₁/d₂ under e(T) ∝ T^{−k} (inf where a^k underflows)
        gap = a**k - b**k
        return (1 - a**k) / gap if gap > 0 else math.inf

    if q <= 0.0:  # the second change vanished: faster than any power
        return math.inf
    if 1 / q <= ratio(1e-9):
        return None
    lo, hi = 1e-9, 1.0
    while ratio(hi) < 1 / q and hi < 1e4:
        hi *= 2
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ratio(mid) < 1 / q else (lo, mid)
    return hi


def left_after(tail: float, d1: float, d2: float) -> float:
    r"""What is left beyond the cut-off at tail + Δ, from its last two changes d₁ (tail → tail+Δ) and d₂ (→ tail+2Δ).

    The truncation error of the value at tail + Δ, in d's units: the larger of the geometric rest
    d₂/(1 − q), q = d₂/d₁, and twice the power law's d₂/(1 − ((T+Δ)/(T+2Δ))^k), k from
    :func:`power_exponent` (twice: fitted to two changes far out, the power law under-states the
    rest at the edge of a continuous spectrum by a few per cent; 1D ℓ = −√(1 + x²) at T = 180–200:
    5.6e-4 against the true 5.7e-4); never below 2·d₂. Changes that do not shrink give inf.
    """
    if d2 <= 0.0:
        return 0.0
    fit = _shrinking(tail, d1, d2)
    if fit is None:
        return math.inf
    q, k = fit
    power = d2 / (1 - ((tail + TAIL_STEP) / (tail + 2 * TAIL_STEP))**k)
    return max(2 * d2, d2 / (1 - q), 2 * power)


def settle(value: float, error: float, rtol: float, order_ok: bool = True) -> str:
    """The status a value with this error earns: ``"ok"`` if and only if the error meets rtol
    (relative) and the observed order matched the declared one, else ``"not_converged"``."""
    if order_ok and math.isfinite(error) and error <= rtol * abs(value):
        return "ok"
    return "not_converged"


def below_lower_bound(best: float, err: float, lower: float | None, status: str, msg: str,
                      *, what: str = "the estimate") -> tuple[float, float, bool, str]:
    """Hold an estimate to its certified lower bound: (value, error, became a bound, message).

    An ``ok`` estimate whose interval lies below the bound is a bug and raises; a not-converged
    one is replaced by the bound (error inf), and the message says so.
    """
    if lower is None or not best + err < lower * (1 - 1e-9):
        return best, err, False, msg
    if status == "ok":
        raise NumericalError(f"estimate C_P = {best:.10g} ± {err:.2g} lies below the certified lower bound "
                             f"{lower:.10g} (Rayleigh–Ritz)",
                             "the estimate is wrong: do not use it; report the target as a bug")
    return lower, math.inf, True, (f"{msg}; {what} {best:.6g} lies below the certified lower bound, "
                                   f"so only C_P >= {lower:.6g} is reported")


def check_bracket(value: float, err: float, lower: float | None, upper: float | None) -> None:
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
