r"""The Poincaré result record: C_P with its error, provenance, status, side and bounds.

One record for every solver in this layer (1D, 2D, 3D, lifted, reduced, bounds), so that a
value, its interval and what it certifies travel together (docs/design.md §3: never a bare float).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from gsmtheory._errors import NumericalError
from gsmtheory._json import plain

__all__ = ["PoincareResult", "Side"]

Side = Literal["estimate", "upper_bound", "lower_bound", "exact", "bracket"]
_SIDES = ("estimate", "upper_bound", "lower_bound", "exact", "bracket")
_STATUSES = ("ok", "not_converged", "bound", "no_poincare", "overflow", "failed")


@dataclass(frozen=True)
class PoincareResult:
    r"""A Poincaré constant C_P (Var_p g ≤ C_P E(g)) with its error and provenance.

    Attributes
    ----------
    poincare_constant : float
        C_P (``inf`` when no Poincaré inequality holds or it overflows float64).
    spectral_gap : float
        1 / C_P.
    error_estimate : float
        Absolute error estimate of ``poincare_constant`` (from refinement, or 0 for closed
        forms); ``relative_error`` is error_estimate / C_P.
    method : str
        ``"green"``, ``"fv"``, ``"fv2d"``, ``"gaussian"``, ``"tensorization"``,
        ``"rayleigh_ritz"``, ``"muckenhoupt"``, ``"bakry_emery"``, ``"holley_stroock"``,
        ``"rayleigh_quotient"``, ``"degenerate"``, ...
    resolution : dict
        What was used: cells per level, values per level, quadrature nodes, basis degree.
    status : str
        ``"ok"`` (converged to the requested tolerance), ``"not_converged"``, ``"bound"``
        (a one-sided bound), ``"no_poincare"`` (C_P = ∞), ``"overflow"``, ``"failed"``.
    message : str
        One line for a human.
    side : str
        What the number certifies: ``"estimate"`` (two-sided approximation with the error
        estimate), ``"exact"`` (closed form), ``"lower_bound"``, ``"upper_bound"`` or
        ``"bracket"`` (then ``lower``/``upper`` hold the bracket).
    truncation : tuple of (lo, hi)
        The domain actually used, per coordinate.
    log_poincare_constant : float
        log C_P, finite even where C_P overflows float64.
    lower, upper : float or None
        A certified bracket where one is known: ``lower`` from a Rayleigh quotient (any test
        function g gives Var(g)/E(g) ≤ C_P) or 1/σ (σ the bottom of the essential spectrum),
        ``upper`` from Muckenhoupt (1D, 4B), Bakry–Émery, Holley–Stroock or a closed form. A
        converged estimate outside [lower, upper] (beyond its error estimate) raises
        :class:`NumericalError`: it is a bug, never an answer.

    Raises
    ------
    NumericalError
        On construction: a NaN or negative constant, an unknown side or status, crossing
        bounds, or an ``"ok"`` estimate outside its certified [lower, upper] beyond its error.

    Examples
    --------
    The Ornstein–Uhlenbeck constant of N(0, 4) as a closed-form record, and what a record refuses:

    >>> r = PoincareResult(4.0, 0.0, "gaussian", status="ok", side="exact", lower=4.0, upper=4.0)
    >>> r.spectral_gap, r.relative_error, r.ok
    (0.25, 0.0, True)
    >>> PoincareResult(5.0, 0.1, "fv", lower=1.0, upper=4.0)
    Traceback (most recent call last):
    ...
    gsmtheory._errors.NumericalError: estimate C_P = 5 ± 0.1 lies above its upper bound 4...
    """

    poincare_constant: float
    error_estimate: float
    method: str
    resolution: Mapping[str, Any] = field(default_factory=dict)
    status: str = "ok"
    message: str = ""
    side: Side = "estimate"
    truncation: tuple[tuple[float, float], ...] = ()
    log_poincare_constant: float | None = None
    lower: float | None = None
    upper: float | None = None

    def __post_init__(self) -> None:
        c = float(self.poincare_constant)
        if math.isnan(c) or c < 0:
            raise NumericalError(f"Poincaré constant {c} is NaN or negative",
                                 "report the failure through status='failed' instead")
        if self.side not in _SIDES:
            raise NumericalError(f"side {self.side!r} is not one of {_SIDES}", "use one of them")
        if self.status not in _STATUSES:
            raise NumericalError(f"status {self.status!r} is not one of {_STATUSES}",
                                 "use one of them")
        object.__setattr__(self, "poincare_constant", c)
        object.__setattr__(self, "error_estimate", float(self.error_estimate))
        object.__setattr__(self, "truncation",
                           tuple((float(a), float(b)) for a, b in self.truncation))
        lo_, up_ = self.lower, self.upper
        if lo_ is not None and up_ is not None and float(lo_) > float(up_) * (1 + 1e-9):
            raise NumericalError(f"certified bounds cross: lower {lo_} > upper {up_}",
                                 "this is a bug in the bounds; report the target")
        if self.status == "ok" and math.isfinite(c):
            e = float(self.error_estimate)
            if lo_ is not None and c + e < float(lo_) * (1 - 1e-9):
                raise NumericalError(
                    f"estimate C_P = {c:.10g} ± {e:.2g} lies below its certified lower bound "
                    f"{lo_:.10g}", "the estimate is wrong: do not use it; report the target")
            if up_ is not None and c - e > float(up_) * (1 + 1e-9):
                raise NumericalError(
                    f"estimate C_P = {c:.10g} ± {e:.2g} lies above its upper bound {up_:.10g}",
                    "the estimate is wrong: do not use it; report the target")
        if self.log_poincare_constant is None:
            object.__setattr__(self, "log_poincare_constant",
                               math.log(c) if c > 0 else -math.inf)

    @property
    def spectral_gap(self) -> float:
        """1 / C_P (0 when C_P = ∞)."""
        c = self.poincare_constant
        if math.isinf(c):
            return 0.0
        if c == 0:
            return math.inf
        return 1.0 / c

    @property
    def relative_error(self) -> float:
        """error_estimate / C_P."""
        c = self.poincare_constant
        if c == 0 or math.isinf(c):
            return math.nan if self.error_estimate else 0.0
        return self.error_estimate / c

    @property
    def ok(self) -> bool:
        """True when the value is trustworthy to its error estimate."""
        return self.status in ("ok", "bound")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict with the keys of docs/design.md §4 ``poincare`` (and provenance)."""
        return plain({
            "poincare_constant": self.poincare_constant,
            "spectral_gap": self.spectral_gap,
            "error_estimate": self.error_estimate,
            "relative_error": self.relative_error,
            "log_poincare_constant": self.log_poincare_constant,
            "method": self.method,
            "resolution": dict(self.resolution),
            "status": self.status,
            "message": self.message,
            "side": self.side,
            "truncation": [list(t) for t in self.truncation],
            "lower": self.lower,
            "upper": self.upper,
        })


# ----------------------------------------------------------------------------- dispatcher
