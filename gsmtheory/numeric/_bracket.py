r"""Combining the two sides of an answer: a lower and an upper bound into a value or a bracket.

- :func:`two_sided`: [lower, upper] from a lower-bound and an upper-bound record, reported as a
  value (midpoint ± half-width, status ``"ok"``) only when they agree to ``rtol``;
- :func:`with_upper_bound`: a certified upper bound attached to an estimate, which it must not
  contradict (docs/design.md §3: a bound is never shown as a value).
"""

from __future__ import annotations

import math
from dataclasses import replace

from gsmtheory._errors import NumericalError
from gsmtheory.numeric._result import PoincareResult

__all__ = ["two_sided", "with_upper_bound"]


def two_sided(lower: PoincareResult, upper: PoincareResult | None, *, rtol: float = 1e-4,
              why_not: str = "") -> PoincareResult:
    r"""Combine a lower-bound record (e.g. Rayleigh–Ritz) with an upper-bound record.

    C_P ∈ [lo, up] with lo = ``lower.lower`` (the Ritz value less its quadrature change) and
    up = ``upper.upper``. When up − lo ≤ rtol·up the answer is a value: the midpoint with error
    (up − lo)/2, status ``"ok"``, side ``"estimate"``. Otherwise status ``"bound"``, side
    ``"bracket"``, value the midpoint and error the half-width, so that value ± error is the
    bracket — never a one-sided number shown as a value. Without an upper bound the lower
    record is returned, its message saying that only a lower bound is known (and ``why_not``).

    Parameters
    ----------
    lower : PoincareResult
        A lower-bound record.
    upper : PoincareResult or None
        A certified upper-bound record, or None.
    rtol : float, optional
        Relative width below which the bracket is reported as a value.
    why_not : str, optional
        Why there is no upper bound (appended to the message).

    Returns
    -------
    PoincareResult
        The combined record (see above).

    Raises
    ------
    NumericalError
        If the lower bound exceeds the upper bound (a bug in one of them).

    Examples
    --------
    The Rayleigh quotient of g = x and Bakry–Émery for N(0, 1) meet at C_P = 1; a looser
    upper bound leaves a bracket [1, 2]:

    >>> import numpy as np
    >>> low = rayleigh_quotient(lambda x: x, np.ones_like, lambda x: -x**2 / 2, 1.0, -np.inf, np.inf)
    >>> r = two_sided(low, bakry_emery_bound(1.0))
    >>> round(r.poincare_constant, 9), r.status, r.side
    (1.0, 'ok', 'estimate')
    >>> r = two_sided(low, bakry_emery_bound(0.5))
    >>> round(r.poincare_constant, 9), round(r.error_estimate, 9), r.status, r.side
    (1.5, 0.5, 'bound', 'bracket')
    """
    if upper is None or upper.upper is None or not math.isfinite(upper.upper):
        tail = f"; no upper bound: {why_not}" if why_not else "; no upper bound certified"
        return PoincareResult(lower.poincare_constant, lower.error_estimate, lower.method,
                              lower.resolution, lower.status,
                              ("lower bound only: " if lower.lower is not None else "") + lower.message + tail,
                              lower.side,
                              lower.truncation, lower=lower.lower, upper=lower.upper)
    lo = lower.lower if lower.lower is not None else lower.poincare_constant - lower.error_estimate
    lo = max(float(lo), 0.0)
    up = float(upper.upper)
    if lo > up * (1 + 1e-9):
        raise NumericalError(f"lower bound {lo:.10g} ({lower.method}) exceeds the certified upper "
                             f"bound {up:.10g} ({upper.method})",
                             "a bug in one of the bounds: do not use either; report the target")
    lo = min(lo, up)
    mid, half = 0.5 * (lo + up), 0.5 * (up - lo)
    method = f"{lower.method}+{upper.method}"
    res = {"lower": dict(lower.resolution), "upper": dict(upper.resolution)}
    if up - lo <= rtol * up:
        return PoincareResult(mid, half, method, res, "ok",
                              f"lower and upper bounds agree to {half / mid:.2g}: {lower.method} "
                              f"lower, {upper.message}", "estimate", lower.truncation,
                              lower=lo, upper=up)
    return PoincareResult(mid, half, method, res, "bound",
                          f"two-sided bound {lo:.6g} <= C_P <= {up:.6g} (not a value): "
                          f"{lower.method} lower; {upper.message}", "bracket", lower.truncation,
                          lower=lo, upper=up)


def with_upper_bound(result: PoincareResult, upper: PoincareResult | None) -> PoincareResult:
    r"""An estimate with a certified upper bound attached: ``upper`` becomes min(result.upper, up).

    The estimate is untouched (a bound is not a value); an estimate whose whole interval lies
    above the certified bound, C − err > up, contradicts a proof and raises.

    Parameters
    ----------
    result : PoincareResult
        The estimate.
    upper : PoincareResult or None
        A certified upper-bound record (None or an infinite bound leaves ``result`` as it is).

    Returns
    -------
    PoincareResult
        ``result`` with ``upper`` tightened and the bound named in the message.

    Raises
    ------
    NumericalError
        If C − err exceeds the certified bound.

    Examples
    --------
    >>> r = with_upper_bound(gaussian_poincare_constant(1.0), bakry_emery_bound(0.5))
    >>> r.poincare_constant, r.upper
    (1.0, 1.0)
    """
    if upper is None or upper.upper is None or not math.isfinite(upper.upper):
        return result
    up = float(upper.upper)
    c, err = result.poincare_constant, result.error_estimate
    if math.isfinite(c) and c - err > up * (1 + 1e-9):
        raise NumericalError(f"estimate {c:.10g} ± {err:.2g} ({result.method}) exceeds the certified "
                             f"upper bound {up:.10g} ({upper.method})",
                             "a bug in the solver or the bound: do not use either; report the target")
    if result.upper is not None and result.upper <= up:
        return result
    return replace(result, upper=up, message=f"{result.message}; certified C_P <= {up:.6g} ({upper.method})",
                   resolution={**dict(result.resolution), "upper_bound": dict(upper.resolution)})
