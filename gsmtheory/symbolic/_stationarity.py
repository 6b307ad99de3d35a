"""Whether p ∝ e^ℓ is stationary for a diffusion: the Fokker–Planck residual decided symbolically,
then by 50-digit evaluation (docs/design.md §1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

__all__ = ["Stationarity", "decide_stationarity", "residual_at_points"]

#: residuals with more operations than this skip SymPy's simplification (it can take minutes)
SYMBOLIC_OPS_LIMIT = 400


@dataclass(frozen=True)
class Stationarity:
    """Verdict on ∇·(−b p + ∇·(D p)) = 0 for p ∝ e^ℓ.

    verdict is True, False or None (undecided); method says how it was reached:
    ``"symbolic"`` (the residual simplifies to 0), ``"mpmath-50"`` (50-digit evaluation at
    random points: a clearly nonzero value proves False; values at the 1e-40 level support
    True numerically) or ``"undecided"``.

    Attributes
    ----------
    verdict : bool or None
        Stationary, not, or undecided.
    method : str
        How the verdict was reached.
    residual : Expr
        The Fokker-Planck residual (0 when it simplified).
    max_abs_residual : float or None
        The largest |residual| at the evaluation points (numerical methods).
    points : int
        How many points were evaluated.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> st = load_spec("nonreversible-gaussian").diffusion.stationarity()    # a skew Q keeps p
    >>> st.verdict, st.method
    (True, 'symbolic')
    """

    verdict: bool | None
    method: str
    residual: sp.Expr
    max_abs_residual: float | None = None
    points: int = 0

    def to_dict(self) -> dict[str, object]:
        """JSON-able summary."""
        return {"stationary": self.verdict, "method": self.method,
                "max_abs_residual": self.max_abs_residual, "points": self.points}


def residual_at_points(residual: sp.Expr, points: list[dict[sp.Symbol, float]]) -> list[tuple[complex, float]]:
    r"""R(x) and the size Σ_j |t_j(x)| of its additive terms R = Σ_j t_j, in 50-digit arithmetic.

    Each term is evaluated to 50 significant digits and the terms are summed at that precision,
    so R(x) is correct to about 1e-50·Σ_j |t_j(x)|: far below the 1e-35 (relative) and 1e-30
    (absolute) levels at which a residual is called zero. (Evaluating R as one expression asks
    SymPy for 50 digits *relative to R*, which for R = 0 raises the precision until it gives up:
    three times the work for digits nobody reads.) A point where a term fails to evaluate (a
    pole, a non-number) or is not finite is left out.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> residual_at_points(x**2 - 3 * x + 1 / x, [{x: 2.0}, {x: 0.0}])
    [((-1.5+0j), 10.5)]
    """
    terms = sp.Add.make_args(residual)
    out = []
    with mpmath.workdps(50):
        for pt in points:
            subs = {c: sp.Float(v, 50) for c, v in pt.items()}
            try:
                values = [t.evalf(50, subs=subs) for t in terms]
                total = complex(sp.Add(*values).evalf(50))
                scale = sum(abs(complex(v)) for v in values)
            except (TypeError, ValueError, ZeroDivisionError):
                continue
            if np.isfinite(abs(total)) and np.isfinite(scale):
                out.append((total, scale))
    return out


def decide_stationarity(residual: sp.Expr,
                        sample_points: Callable[[], list[dict[sp.Symbol, float]]]) -> Stationarity:
    """Decide R = 0 for the Fokker–Planck residual R: symbolic simplification, then 50-digit mpmath.

    ``sample_points`` gives the evaluation points (called only when simplification does not decide).
    A value clearly nonzero relative to the size of R's terms (> 1e-12) proves False; values at the
    1e-35 level support True numerically; anything between is undecided.
    """
    # Simplification of large residuals (log-sum-exp targets, lifted chains) can take minutes;
    # past this size only the 50-digit numerical check is attempted.
    if sp.count_ops(residual) <= SYMBOLIC_OPS_LIMIT:
        simple = sp.expand(residual)
        if simple == 0 or sp.simplify(sp.cancel(simple)) == 0:
            return Stationarity(True, "symbolic", sp.Integer(0))
    worst, rel_worst, used = 0.0, 0.0, 0
    for value, scale in residual_at_points(residual, sample_points()):  # the terms' size sets the scale
        used += 1
        worst = max(worst, abs(value))
        rel_worst = max(rel_worst, abs(value) / (scale or 1.0))
    if used == 0:
        return Stationarity(None, "undecided", residual)
    if rel_worst < 1e-35:
        return Stationarity(True, "mpmath-50", residual, worst, used)
    if rel_worst > 1e-12:
        return Stationarity(False, "mpmath-50", residual, worst, used)
    return Stationarity(None, "undecided", residual, worst, used)
