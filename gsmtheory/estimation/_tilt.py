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
from gsmtheory.estimation._moments import Moments
from gsmtheory.estimation._sandwich import adaptive_moments
from gsmtheory.solve import build_problem, target_expectation
from gsmtheory.symbolic import Diffusion, Model, parse_expression

__all__ = ["TiltEfficiency", "tilt_efficiency"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class TiltEfficiency:
    """Γ_GSM/Γ_MLE = Var_p(h)·E_p[(L_s h)²]/E(h)² for the tilt p_θ ∝ p e^{θh} at θ = 0 (docs/design.md §6).

    Attributes
    ----------
    h : str
        The tilt direction.
    variance, generator_second_moment, dirichlet : float
        Var_p(h), E_p[(L_s h)²] and E(h) = E_p[∇hᵀD∇h].
    ratio : float
        The efficiency ratio (≥ 1, = 1 iff h − E h is an eigenfunction of L_s).
    error : float
        Its error estimate.
    sandwich_ratio : float or None
        The same ratio from the sandwich of the model ℓ + θh, when computed.
    eigenvalue : float or None
        E(h)/Var(h) when h is an eigenfunction.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> t = tilt_efficiency(load_spec("gaussian", constants={"sigma": 1.0}).diffusion, "x")
    >>> round(t.ratio, 10), t.is_eigenfunction, round(t.eigenvalue, 10)    # x is Hermite H₁
    (1.0, True, 1.0)
    """

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
    """Exact efficiency ratio of the tilt p_θ ∝ p e^{θh} at θ = 0 (docs/design.md §6).

    ratio = Var_p(h)·E_p[(L_s h)²]/E(h)², E(h) = E_p[∇hᵀD∇h], L_s the reversible part of L.
    With ``compare_sandwich`` the sandwich of the model ℓ + θh is computed too (an equivalent
    formulation of the same number). ``eigenvalue`` is E(h)/Var(h) when h is an eigenfunction.

    Parameters
    ----------
    diffusion : Diffusion
        p ∝ e^ℓ and D.
    h : sympy.Expr or str
        The tilt, in the coordinates.
    rtol : float
        Quadrature tolerance.
    compare_sandwich : bool
        Also compute the ratio from the sandwich.

    Returns
    -------
    TiltEfficiency
        The ratio with its ingredients and error.

    Raises
    ------
    SpecError
        ``h`` uses symbols other than the coordinates.
    ModelError
        E(h) = 0 (h constant on the support).

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> t = tilt_efficiency(load_spec("gaussian", constants={"sigma": 1.0}).diffusion, "x**4",
    ...                     compare_sandwich=False)
    >>> round(t.ratio, 8)                  # Var x⁴ = 96, E[(12x² − 4x⁴)²] = 672, E(x⁴) = 240: 96·672/240²
    1.12
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
