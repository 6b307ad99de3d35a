r"""Generator design for CTLD (beyond the paper): choose the temperature law r(β) and β_max.

Within the families power, log r(β) = −c·diam²/(λ(1+β)) + κ·log(1+β) (the paper's defaults:
c = 7, κ = 0, β_max = 14·diam²/λ − 1), and flat, log r(β) = 0, :func:`design_ctld` minimizes C_P
of the lift or ‖Γ_CTLD‖ by Nelder–Mead on (c, κ, log β_max) from the defaults, never reporting
worse than them; an optimum with β_max at its floor is status ``"boundary"`` (the lift is nearly
Langevin there). Derivation: docs/design.md §6, "Designing the temperature law r(β)".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
from scipy.optimize import minimize

from gsmtheory._errors import GSMError, SpecError
from gsmtheory.estimation._lifted_quadrature import lifted_quadrature
from gsmtheory.estimation._mixture_spec import one_parameter_model
from gsmtheory.numeric import ctld_poincare, mixture_logpdf, poincare_1d
from gsmtheory.solve import build_problem, ctld_schedule
from gsmtheory.symbolic import (
    BETA,
    CTLDParameters,
    GaussianMixture,
    Spec,
    ctld_parameters,
)

__all__ = ["BETA_MAX_FLOOR", "CTLD_FAMILIES", "CTLDDesign", "design_ctld", "design_log_r"]

#: smallest β_max searched (a shorter temperature range is Langevin on p for every purpose here)
BETA_MAX_FLOOR = 0.05

#: the parametric temperature laws and their parameters
CTLD_FAMILIES: dict[str, tuple[str, ...]] = {"power": ("c", "kappa", "beta_max"), "flat": ("beta_max",)}


def design_log_r(family: str, values: dict[str, float], lambda_min: float, diameter: float) -> sp.Expr:
    """log r(β) of a temperature family at ``values``: power: −c·diam²/(λ(1+β)) + κ·log(1+β); flat: 0.

    Parameters
    ----------
    family : str
        One of :data:`CTLD_FAMILIES`.
    values : dict
        ``c`` and ``kappa`` (made rational).
    lambda_min, diameter : float
        λ and diam of the target.

    Returns
    -------
    sympy.Expr
        log r(β).

    Raises
    ------
    SpecError
        An unknown family.

    Examples
    --------
    >>> design_log_r("power", {"c": 7, "kappa": 1}, 1.0, 4.0)     # c = 7, κ = 0: the reported default
    log(beta + 1) - 112/(beta + 1)
    """
    if family == "flat":
        return sp.Integer(0)
    if family == "power":
        c = sp.nsimplify(values["c"] * diameter ** 2 / lambda_min, rational=True)
        k = sp.nsimplify(values["kappa"], rational=True)
        return -c / (1 + BETA) + k * sp.log(1 + BETA)
    raise SpecError(f"unknown CTLD family {family!r}", f"use one of {', '.join(CTLD_FAMILIES)}")


@dataclass(frozen=True)
class CTLDDesign:
    """The best temperature law r(β) found in a family, against the reported defaults (:func:`design_ctld`).

    Attributes
    ----------
    objective : str
        ``"poincare"`` (C_P of the lift) or ``"variance"`` (‖Γ_CTLD‖ for ``parameter``).
    family : str
        ``"power"`` or ``"flat"``.
    parameter : str or None
        The estimated quantity of the variance objective.
    optimum, defaults : dict
        Family parameters (c, kappa, beta_max) at the optimum and at the reported defaults.
    log_r : str
        log r(β) at the optimum.
    value, value_default : float
        The objective at the optimum and at the defaults (fine resolution).
    error, error_default : float
        Their relative error estimates.
    improvement : float
        value_default / value (≥ 1 up to the errors).
    evaluations : int
        Objective evaluations by the optimizer (coarse resolution).
    status : str
        ``"ok"`` (optimizer converged and both values resolved), ``"boundary"`` (the best point
        has β_max at its floor: the infimum is approached where the lift degenerates to
        Langevin, and the family's other parameters are immaterial), ``"not_converged"``.
    message, method : str
        One line for a human; the optimizer.
    history : tuple
        (point, value) of each evaluation.
    langevin_value : float or None
        C_P of Langevin on p (no lift), for the C_P objective: the value a lift degenerating at
        the boundary approaches.

    Raises
    ------
    SpecError
        An unknown status.

    Examples
    --------
    >>> from gsmtheory.symbolic import GaussianMixture
    >>> mix = GaussianMixture(((-2.0,), (2.0,)), (0.5, 0.5), ((1.0,),))
    >>> d = design_ctld(mix, max_evaluations=2, fine=False, cells=8)
    >>> d.defaults, d.status                           # two evaluations: no verdict yet
    ({'c': 7.0, 'kappa': 0.0, 'beta_max': 223.0}, 'not_converged')
    """

    objective: str
    family: str
    parameter: str | None
    optimum: dict[str, float]
    defaults: dict[str, float]
    log_r: str
    value: float
    value_default: float
    error: float
    error_default: float
    improvement: float
    evaluations: int
    status: str
    message: str
    method: str = "Nelder-Mead on (c, kappa, log beta_max) from the reported defaults"
    history: tuple[tuple[tuple[float, ...], float], ...] = field(default=(), repr=False)
    langevin_value: float | None = None

    def __post_init__(self) -> None:
        if self.status not in ("ok", "boundary", "not_converged"):
            raise SpecError(f"status {self.status!r}", "use ok, boundary or not_converged")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able."""
        return {"objective": self.objective, "family": self.family, "parameter": self.parameter,
                "optimum": dict(self.optimum), "defaults": dict(self.defaults), "log_r": self.log_r,
                "value": self.value, "value_default": self.value_default, "error_estimate": self.error,
                "error_default": self.error_default, "improvement": self.improvement,
                "evaluations": self.evaluations, "status": self.status, "message": self.message,
                "method": self.method, "langevin_value": self.langevin_value}


def design_ctld(mixture: GaussianMixture, objective: str = "poincare", *, family: str = "power",
                parameter: str = "weight", max_evaluations: int = 60, xatol: float = 0.02,
                fine: bool = True, cells: int = 16, max_error: float = 1e-2) -> CTLDDesign:
    r"""Minimize C_P of CTLD, or ‖Γ_CTLD‖, over the temperature law r(β) and β_max (module docstring).

    Parameters
    ----------
    mixture : GaussianMixture
        A 1D target (λ = its variance and diam = the spread of its means, as the defaults use).
    objective : {"poincare", "variance"}
    family : {"power", "flat"}
    parameter : {"weight", "means"}
        The estimated quantity for ``objective="variance"``.
    max_evaluations : int
        Budget of objective evaluations for Nelder–Mead.
    xatol : float
        Nelder–Mead tolerance on (c, kappa, log beta_max).
    fine : bool
        Re-evaluate optimum and defaults at a finer resolution (else the coarse values are kept).
    cells : int
        Resolution of :func:`ctld_poincare` during the search (48 for the fine values).
    max_error : float
        Points whose relative error estimate exceeds this are rejected during the search
        (β_max is also floored at ``BETA_MAX_FLOOR``: below it the lift is plain Langevin).

    Returns
    -------
    CTLDDesign
        The optimum and the defaults, each at the fine resolution, with the improvement.

    Raises
    ------
    SpecError
        A target that is not a 1D mixture, an unknown objective, family or parameter.

    Examples
    --------
    >>> from gsmtheory.symbolic import GaussianMixture
    >>> mix = GaussianMixture(((-2.0,), (2.0,)), (0.5, 0.5), ((1.0,),))
    >>> d = design_ctld(mix, max_evaluations=2, fine=False, cells=8)
    >>> d.family, d.evaluations <= 2, d.improvement >= 1.0
    ('power', True, True)
    """
    _check_inputs(mixture, objective, family, max_evaluations)
    base = ctld_parameters(mixture)
    lambda_min, diam = base.lambda_min, base.diameter
    if diam <= 0:
        raise SpecError("the target has a single mode (diam = 0): nothing to design", "give separated means")
    spec: Spec = one_parameter_model(mixture, parameter) if objective == "variance" else None  # type: ignore[assignment]

    def unpack(z: Sequence[float] | np.ndarray) -> dict[str, float]:
        beta_max = float(math.exp(max(float(z[-1]), math.log(BETA_MAX_FLOOR))))
        if family == "flat":
            return {"beta_max": beta_max}
        return {"c": abs(float(z[0])), "kappa": float(z[1]), "beta_max": beta_max}

    def params_of(v: dict[str, float]) -> CTLDParameters:
        return ctld_parameters(mixture, beta_max=v["beta_max"], log_r=design_log_r(family, v, lambda_min, diam))

    def evaluate(v: dict[str, float], hi: bool) -> tuple[float, float]:
        p = params_of(v)
        if objective == "poincare":
            r = ctld_poincare(mixture, ctld_schedule(p), cells=48 if hi else cells)
            return r.poincare_constant, r.relative_error
        problem = build_problem(spec, lift=True, beta_max=p.beta_max, log_r=p.log_r)
        e = lifted_quadrature(problem, panels=6 if hi else 4, nh=8 if hi else 6)
        return float(np.linalg.norm(e.gsm_covariance, 2)), e.error

    history: list[tuple[tuple[float, ...], float]] = []

    def f(z: np.ndarray) -> float:
        v = unpack(z)
        try:
            val, err = evaluate(v, False)
        except GSMError:
            val, err = math.inf, math.inf
        # an unresolved value (relative error above max_error) is rejected, not exploited
        out = math.log(val) if val > 0 and math.isfinite(val) and err <= max_error else 1e6
        history.append((tuple(v.values()), val))
        return out

    beta_max0 = 14.0 * diam ** 2 / lambda_min - 1.0
    default = {"c": 7.0, "kappa": 0.0, "beta_max": beta_max0}
    z0, simplex = _simplex(family, beta_max0)
    res = minimize(f, z0, method="Nelder-Mead",
                   options={"initial_simplex": simplex, "maxfev": max_evaluations, "xatol": xatol, "fatol": 1e-3})
    best_z = res.x if res.fun <= f(z0) else z0
    opt = unpack(best_z)
    reported = dict(default)  # the reported law: the power family at c = 7, kappa = 0
    p_def = ctld_parameters(mixture)
    if objective == "poincare":
        rd = ctld_poincare(mixture, ctld_schedule(p_def), cells=48 if fine else cells)
        v_def, e_def = rd.poincare_constant, rd.relative_error
    else:
        eff = lifted_quadrature(build_problem(spec, lift=True), panels=6 if fine else 4, nh=8 if fine else 6)
        v_def, e_def = float(np.linalg.norm(eff.gsm_covariance, 2)), eff.error
    v_opt, e_opt = evaluate(opt, fine)
    if v_opt > v_def:  # the defaults are in the power family: never report worse than them
        if family == "power":
            opt, v_opt, e_opt = dict(default), v_def, e_def
    langevin = _langevin_poincare(mixture) if objective == "poincare" else None
    status, message = _verdict(res, objective, opt, (v_opt, e_opt), (v_def, e_def), langevin)
    return CTLDDesign(objective, family, parameter if objective == "variance" else None, opt, reported,
                      str(params_of(opt).log_r), v_opt, v_def, e_opt, e_def, v_def / v_opt, int(res.nfev), status,
                      message, history=tuple(history), langevin_value=langevin)


def _check_inputs(mixture: GaussianMixture, objective: str, family: str, max_evaluations: int) -> None:
    if not isinstance(mixture, GaussianMixture) or mixture.dim != 1:
        raise SpecError("design_ctld needs a 1D GaussianMixture target", "pass one")
    if objective not in ("poincare", "variance"):
        raise SpecError(f"unknown objective {objective!r}", "use 'poincare' or 'variance'")
    if family not in CTLD_FAMILIES:
        raise SpecError(f"unknown CTLD family {family!r}", f"use one of {', '.join(CTLD_FAMILIES)}")
    if max_evaluations < 1:
        raise SpecError("max_evaluations must be >= 1", "give a positive budget")


def _simplex(family: str, beta_max0: float) -> tuple[np.ndarray, np.ndarray]:
    """The start (c, kappa, log beta_max) = (7, 0, log of the default) and Nelder–Mead's first simplex."""
    if family == "flat":
        z0 = np.array([math.log(beta_max0)])
        return z0, np.array([z0, z0 - 1.0])
    z0 = np.array([7.0, 0.0, math.log(beta_max0)])
    return z0, z0[None, :] + np.array([[0.0, 0, 0], [-3.5, 0, 0], [0, 1.0, 0], [0, 0, -1.0]])


def _verdict(res: Any, objective: str, opt: dict[str, float], at_opt: tuple[float, float],
             at_default: tuple[float, float], langevin: float | None) -> tuple[str, str]:
    """(status, message) of a design: resolved values, where the optimum sits, the gain over the defaults."""
    (v_opt, e_opt), (v_def, e_def) = at_opt, at_default
    resolved = max(e_opt, e_def) < 1e-2
    at_floor = opt["beta_max"] <= BETA_MAX_FLOOR * (1 + 1e-9)
    status = "boundary" if at_floor and resolved else "ok" if res.success and resolved else "not_converged"
    message = (f"{res.message} ({res.nfev} evaluations); {objective} {v_opt:.4g} at the optimum vs {v_def:.4g} "
               f"at the defaults (x{v_def / v_opt:.3g})")
    if at_floor:
        message += (f"; the best law has beta_max at its floor {BETA_MAX_FLOOR:g}, where the lift is nearly "
                    "Langevin on p" + (f" (Langevin C_P {langevin:.4g})" if langevin is not None else "")
                    + ": lifting does not help at this separation")
    return status, message


def _langevin_poincare(mixture: GaussianMixture) -> float:
    """C_P of Langevin on the 1D mixture p (no lift), to 1e-6 relative."""
    means = np.array([float(m[0]) for m in mixture.means])
    return poincare_1d(lambda x: mixture_logpdf(mixture, x[..., None]), 1.0, -math.inf, math.inf, rtol=1e-6,
                       points=means).poincare_constant
