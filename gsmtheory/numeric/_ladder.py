r"""The refinement ladder every discretisation climbs: extrapolate at its declared order, check it.

A discretisation of C_P (1D, 2D and 3D finite volumes, the lifted CTLD chains, the ridge-coordinate
finite elements) declares the order p of its error, C(h) = C + a h^p + o(h^p) (docs/design.md §3:
"Discretisations share one refinement ladder"; the Poincaré methods mirror it in
``Theory.order``). The ladder is, for each of them:

1. validate the input and truncate the domain (the solver's own);
2. refine: values c_k on grids of relative widths h_k (coarse to fine);
3. extrapolate at the *declared* order (:func:`extrapolate_at`: Richardson through the last two
   grids; error = its distance from the Richardson value through the previous two; with three
   grids only, also the size of the correction: one difference of extrapolations cannot show
   that the values are in the asymptotic regime);
4. check the observed order q = log(δ_{k−1}/δ_k)/log(h_{k−1}/h_k)-type estimate from three
   grids (:func:`observed_order`) against p: q < p − ½ (the error decays more slowly than
   declared, so a Richardson error estimate would be too small) makes the value
   ``not_converged`` with a conservative error, never a tight one; q ≥ p + 1 on two
   successive triples (superconvergence) extrapolates at that observed order instead;
5. the cut-off: the domain cut at p = e^{-tail} and at e^{-(tail + TAIL_STEP)} with the same cells
   (:func:`gsmtheory.numeric._ladder_cutoff.cutoff_step`), at a resolution where the mode is resolved, and there a third cut-off
   extrapolates what is left at the slower of a geometric and a power-law decay
   (:func:`~gsmtheory.numeric._ladder_cutoff.cutoff_tail`: an eigenfunction at the continuum's edge does not decay);
6. bounds, and the bracket check (:mod:`gsmtheory.numeric._ladder_cutoff`);
7. the status (:func:`gsmtheory.numeric._ladder_cutoff.settle`): ``ok`` if and only if the whole stated error meets rtol and the
   order check passed.

:func:`gsmtheory.numeric._ladder_axes.refine_axes` is the per-axis variant for tensor grids in
d ≥ 3 (each axis refined alone, the cross terms measured on one grid refined on all axes). This
module holds steps 3 and 4 (Richardson, the observed order) and :func:`settle_ladder`, the short
ladder of a fixed set of grids (no cut-off); steps 5–7 are in :mod:`gsmtheory.numeric._ladder_cutoff`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gsmtheory.numeric._ladder_cutoff import settle

__all__ = [
    "ORDER_SLACK",
    "Extrapolation",
    "extrapolate_at",
    "observed_order",
    "richardson",
    "richardson_limit",
    "settle_ladder",
]

#: an observed order this far below the declared one fails the check
ORDER_SLACK = 0.5


# ----------------------------------------------------------------------------- Richardson
def richardson(c: Sequence[float], h: Sequence[float], i: int, j: int, order: float = 2.0) -> float:
    """The C of c = C + a h^order through points i and j (h relative grid widths)."""
    hi, hj = float(h[i]) ** order, float(h[j]) ** order
    return float((c[j] * hi - c[i] * hj) / (hi - hj))


def observed_order(c: Sequence[float], h: Sequence[float]) -> float | None:
    """q with c = C + a h^q through the last three values (None when the differences do not
    shrink monotonically: oscillating, stagnating or diverging values).

    For a constant ratio r = h_{k−1}/h_k, q = log(δ_{k−1}/δ_k)/log r; otherwise the equation
    (h₁^q − h₂^q)/(h₂^q − h₃^q) = δ₁/δ₂ is solved for q by bisection on (0, 16).
    """
    if len(c) < 3:
        return None
    c1, c2, c3 = (float(v) for v in c[-3:])
    h1, h2, h3 = (float(v) for v in h[-3:])
    d1, d2 = c2 - c1, c3 - c2
    if d1 == 0 or d2 == 0 or d1 * d2 < 0:
        return None
    target = d1 / d2
    if not target > 1:
        return None

    def ratio(q: float) -> float:
        return (h1**q - h2**q) / (h2**q - h3**q)

    lo, hi = 1e-6, 16.0
    if ratio(hi) < target:
        return hi
    if ratio(lo) > target:
        return None
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ratio(mid) < target else (lo, mid)
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class Extrapolation:
    """The extrapolated value of a ladder, its error and the order check.

    Attributes
    ----------
    value, error : float
        The limit and its error estimate (never below the round-off floor).
    declared_order : float
        p of the discretisation.
    observed_order : float or None
        q from the last three grids (None: fewer grids, or not monotone).
    order_ok : bool
        The check passed: q ≥ p − ½, or the values agree to the round-off floor. False means
        ``not_converged`` whatever the error says.
    note : str
        Why the check failed, in words ("" when it passed).
    """

    value: float
    error: float
    declared_order: float
    observed_order: float | None = None
    order_ok: bool = False
    note: str = ""
    info: dict[str, Any] = field(default_factory=dict)


def _at_floor(c: Sequence[float], floor: float) -> bool:
    """The last differences are round-off: the values have converged as far as float allows."""
    d_last, d_prev = abs(c[-1] - c[-2]), abs(c[-2] - c[-3])
    return d_last <= 2 * floor and d_prev <= 64 * max(floor, d_last)


def extrapolate_at(values: Sequence[float], widths: Sequence[float], order: float, *,
                   floor: float = 0.0) -> Extrapolation:
    r"""Richardson at the declared ``order`` with the observed order checked (module docstring).

    Parameters
    ----------
    values : sequence of float
        c_k, coarse to fine.
    widths : sequence of float
        Relative grid widths h_k (any scale), decreasing.
    order : float
        The discretisation's declared order p.
    floor : float
        Absolute round-off floor of the values (differences below it carry no order).
    """
    c = [float(v) for v in values]
    h = [float(v) for v in widths]
    p = float(order)
    if len(c) == 1:
        return Extrapolation(c[0], math.inf, p, note="one grid: no error estimate")
    if len(c) == 2:
        lim = richardson(c, h, 0, 1, p)
        return Extrapolation(lim, max(abs(lim - c[1]), floor), p,
                             note="two grids: the order cannot be checked")
    if _at_floor(c, floor):
        return Extrapolation(c[-1], max(abs(c[-1] - c[-2]), floor), p, None, True,
                             info={"at_round_off": True})
    n = len(c)
    lim = richardson(c, h, n - 2, n - 1, p)
    prev = richardson(c, h, n - 3, n - 2, p)
    err = abs(lim - prev)
    if n == 3:  # one difference of extrapolations cannot show it is asymptotic: the correction
        err = max(err, abs(lim - c[-1]))
    q = observed_order(c, h)
    q_prev = observed_order(c[:-1], h[:-1]) if n >= 4 else None
    if q is not None and q_prev is not None and min(q, q_prev) >= p + 1:
        # superconvergence seen on two triples (a smooth target on a symmetric grid): the
        # declared order would only inflate the error, so extrapolate at the slower observed one
        # (at the last triple's own order both pairs agree by construction: the error comes from
        # the previous triple's order and from the spread between the two orders)
        lim_e = richardson(c, h, n - 2, n - 1, min(q, q_prev))
        err_e = max(abs(richardson(c, h, n - 2, n - 1, q_prev) - richardson(c, h, n - 3, n - 2, q_prev)),
                    abs(richardson(c, h, n - 2, n - 1, q) - richardson(c, h, n - 2, n - 1, q_prev)))
        return Extrapolation(lim_e, max(err_e, floor), p, q, True, info={"extrapolated_at": min(q, q_prev)})
    if q is not None and q >= p - ORDER_SLACK:
        return Extrapolation(lim, max(err, floor), p, q, True)
    # the error does not decay at the declared order: a conservative error, never a tight one
    d = abs(c[-1] - c[-2])
    r = h[-2] / h[-1]
    q_tail = q
    if q is not None and q_prev is not None and q < q_prev:  # still slowing: project the trend one level
        q_tail = max(min(q, 2 * q - q_prev), 0.1)
    tail = d / (r**q_tail - 1) if q_tail is not None and q_tail > 0.1 else max(abs(c[-1] - c[-3]), d) * 10
    why = ("the values do not converge monotonically" if q is None else
           f"observed order {q:.2f} < declared {p:g}")
    return Extrapolation(c[-1], max(err, tail, d, floor), p, q, False,
                         note=f"{why}: the extrapolation is not trusted")


def richardson_limit(c: Sequence[float], h: Sequence[float], order: float = 2.0) -> tuple[float, float]:
    """(limit, error) of values c on grids of relative widths h (coarse to fine), c = C + a h^order.

    One value: (c, inf). Two: the Richardson value and its distance from the finer value.
    Three or more: the Richardson value of the last two grids, and its disagreement with the
    one through the third-last and the last grid.
    """
    n = len(c)
    if n == 1:
        return float(c[0]), math.inf
    if n == 2:
        lim = richardson(c, h, 0, 1, order)
        return lim, abs(lim - float(c[1]))
    lim = richardson(c, h, n - 2, n - 1, order)
    return lim, abs(lim - richardson(c, h, n - 3, n - 1, order))


def settle_ladder(values: Sequence[float], widths: Sequence[float], order: float,
                  rtol: float) -> tuple[float, float, float | None, str]:
    r"""(limit, error, observed order, status) of values c_k on a fixed set of grids of relative widths h_k.

    The limit is :func:`richardson_limit`'s at the declared ``order``; the error the larger of its
    error and, with three grids or more, the disagreement with the extrapolation through the two
    grids before (the error of :func:`extrapolate_at`), plus 1e-12 of the limit. The first alone
    missed on the 1D CTLD chain: at m = 2 on 24 cells it claimed 3.2e-3 where the value was 6.0e-3
    from the 96-cell one (tests/numeric/test_ctld_chain.py). With three grids or more the observed
    order is checked, and where it falls more than
    :data:`ORDER_SLACK` below ``order`` (values not equal to 1e-9) the spread max c − min c is the
    error and the status is ``"not_converged"`` (:func:`gsmtheory.numeric._ladder_cutoff.settle`).

    Parameters
    ----------
    values : sequence of float
        c_k, coarse to fine.
    widths : sequence of float
        Relative grid widths h_k, decreasing.
    order : float
        The declared order.
    rtol : float
        Relative error for status ``"ok"``.

    Returns
    -------
    tuple
        (limit, error, observed order or None, status).

    Examples
    --------
    c = 1 + h² on h = 1, 1/2, 1/4 extrapolates to 1:

    >>> limit, error, q, status = settle_ladder([2.0, 1.25, 1.0625], [1.0, 0.5, 0.25], 2.0, 1e-6)
    >>> limit, round(q, 12), status
    (1.0, 2.0, 'ok')
    """
    value, err = richardson_limit(values, widths, order)  # the last pair, against (first, last)
    n = len(values)
    if n >= 3:  # against the pair before, as extrapolate_at
        err = max(err, abs(value - richardson(values, widths, n - 3, n - 2, order)))
    err += 1e-12 * abs(value)
    q = observed_order(values, widths)
    order_ok = len(values) < 3 or (q is not None and q >= order - ORDER_SLACK) \
        or max(values) - min(values) <= 1e-9 * abs(value)
    if not order_ok:  # the extrapolation is not trusted: the spread of the grids is the error
        err = max(err, max(values) - min(values))
    return value, err, q, settle(value, err, rtol, order_ok)
