r"""One-parameter tilts p_θ ∝ p e^{θh} at θ = 0: the efficiency ratio in closed form (docs/design.md §6).

ψ = L_s h, H = E(h), I = Var(h), so Γ_GSM/Γ_MLE = Var_p(h) E_p[(L_s h)²] / E(h)² ≥ 1
(Cauchy–Schwarz with the spectral decomposition of L_s), with equality iff h − E h is an
eigenfunction of L_s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, SpecError
from gsmtheory.estimation._efficiency import efficiency
from gsmtheory.estimation._sandwich import Moments, adaptive_moments
from gsmtheory.solve import build_problem, target_expectation
from gsmtheory.symbolic import Diffusion, Model, parse_expression

__all__ = ["TiltEfficiency", "tilt_efficiency"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class TiltEfficiency:
    r"""Γ_GSM/Γ_MLE = Var_p(h)·E_p[(L_s h)²]/E(h)² for the tilt p_θ ∝ p e^{θh} at θ = 0."""

    h: str
    variance: float
    generator_second_moment: float
    dirichlet: float
    ratio: float
    error: float
    sandwich_ratio: float | None
    eigenvalue: float | None

    @property
    def is_eigenfunction(self) -> bool:
        """True when the ratio is 1 to its error estimate (h − E h is an eigenfunction of L_s)."""
        return abs(self.ratio - 1.0) <= max(10 * self.error, 1e-9)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"h": self.h, "variance": self.variance,
                "generator_second_moment": self.generator_second_moment,
                "dirichlet": self.dirichlet, "ratio": self.ratio, "error": self.error,
                "sandwich_ratio": self.sandwich_ratio, "is_eigenfunction": self.is_eigenfunction,
                "eigenvalue": self.eigenvalue}


def tilt_efficiency(diffusion: Diffusion, h: sp.Expr | str, *, rtol: float = 1e-10,
                    compare_sandwich: bool = True) -> TiltEfficiency:
    r"""Exact efficiency ratio of the tilt p_θ ∝ p e^{θh} at θ = 0 (docs/design.md §6).

    ratio = Var_p(h)·E_p[(L_s h)²]/E(h)², E(h) = E_p[∇hᵀD∇h], L_s the reversible part of L.
    With ``compare_sandwich`` the sandwich of the model ℓ + θh is computed too (an equivalent
    formulation of the same number). ``eigenvalue`` is E(h)/Var(h) when h is an eigenfunction.
    """
    x = diffusion.coords
    if isinstance(h, str):
        h = parse_expression(h, {str(c): c for c in x}, what="h")
    h = sp.sympify(h)
    if not (h.free_symbols <= set(x)):
        raise SpecError(f"h uses symbols other than the coordinates: {h.free_symbols - set(x)}",
                        "write h in the coordinates only")
    Lh = diffusion.generator(h, reversible_only=True)
    dir_h = diffusion.dirichlet_integrand(h)
    f = build_problem(diffusion).compiled(f"tilt:{h}", x, [h, h**2, Lh, Lh**2, dir_h])

    def funcs(points: Array) -> list[Array]:
        cols = [points[:, i] for i in range(points.shape[1])]
        with np.errstate(all="ignore"):
            return [np.broadcast_to(np.asarray(v, dtype=float), cols[0].shape) for v in f(*cols)]

    def per_sample(points: Array) -> dict[str, Array]:
        return {"v": np.stack(funcs(points), axis=-1)}

    def combine(mm: Moments) -> Array:
        eh, eh2, _, elh2, edir = mm.mean["v"]
        var = eh2 - eh**2
        return np.array([var * elh2 / edir**2, var, elh2, edir])

    def expect(fn: Any, panels: int) -> Any:
        return target_expectation(diffusion, fn, panels)

    vals, err, _, _, _ = adaptive_moments(per_sample, [("v", "mean")], expect, combine, rtol,
                                   16 if diffusion.dim == 1 else 8, 4096 if diffusion.dim == 1 else 64)
    ratio, var, elh2, edir = (float(v) for v in vals)
    if edir <= 0:
        raise ModelError("E(h) = 0: h is constant on the support", "choose a non-constant h")
    sw = None
    if compare_sandwich:
        theta = sp.Symbol("theta_tilt", real=True)
        model = Model.from_log_density(x, (theta,), diffusion.log_density + theta * h, [0.0])
        eff = efficiency(diffusion, model, rtol=rtol, poincare=False)
        sw = eff.ratio
    eig = edir / var if abs(ratio - 1) <= max(10 * float(err[0]), 1e-9) else None
    return TiltEfficiency(str(h), var, elh2, edir, ratio, float(err[0]), sw, eig)
