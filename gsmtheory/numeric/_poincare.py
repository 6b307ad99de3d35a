r"""Poincaré constants: the result record and the dispatcher from a symbolic diffusion.

C_P is the smallest C with Var_p(g) ≤ C · E(g), E(g) = E_p[∇gᵀ D ∇g] (DESIGN.md §1); the
spectral gap of the reversible generator is 1/C_P. :func:`poincare_constant` chooses the
method from the structure of the diffusion:

- Gaussian target, constant D: closed form C_P = λ_max(D^{-1/2} Σ D^{-1/2}) (the
  Ornstein–Uhlenbeck spectrum; claim 1 of DESIGN.md §2);
- d = 1: :func:`gsmtheory.numeric.poincare_1d` (finite volumes solved through the discrete
  Green's kernel, relative precision for any size of C_P);
- d = 2: :func:`gsmtheory.numeric.poincare_2d` (reversible finite volumes, shift-invert Lanczos);
- d ≥ 3: exact tensorization when ℓ and D split over coordinates, otherwise a Rayleigh–Ritz
  lower bound with a polynomial basis;
- D singular (e.g. underdamped Langevin): no Poincaré inequality for this Dirichlet form,
  C_P = ∞, status ``"no_poincare"``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from gsmtheory._errors import NumericalError

__all__ = ["PoincareResult"]

Side = Literal["estimate", "upper_bound", "lower_bound", "exact", "bracket"]
_SIDES = ("estimate", "upper_bound", "lower_bound", "exact", "bracket")
_STATUSES = ("ok", "not_converged", "bound", "no_poincare", "overflow", "failed")


def _plain(obj: Any) -> Any:
    """JSON-able plain python (floats, ints, str, bool, None, lists, dicts)."""
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj)
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if hasattr(obj, "item"):  # numpy scalar
        return _plain(obj.item())
    if hasattr(obj, "tolist"):
        return _plain(obj.tolist())
    return str(obj)


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
        A certified bracket where one is known.
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
        """JSON-able dict with the keys of DESIGN.md §4 ``poincare`` (and provenance)."""
        return _plain({
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
