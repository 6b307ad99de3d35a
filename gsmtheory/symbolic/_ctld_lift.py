r"""Continuously tempered Langevin dynamics (CTLD): its constants, the lifted density and diffusion.

Joint density on R^d × [0, β_max] (Qin & Risteski 2023, §CTLD; docs/design.md §1):

    p(x, β) ∝ r(β) · p^β(x),      p^β = p * N(0, βλI),

Langevin in (x, β) reflected at β = 0, β_max; p^β is :mod:`._smoothing`. Reported defaults:
λ = λ_min(Σ), diam = max|μ_j − μ_k|, log r(β) = −7·diam²/(λ(1+β)), β_max = 14·diam²/λ − 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from gsmtheory._errors import ModelError, SpecError
from gsmtheory.symbolic._diffusion import Diffusion
from gsmtheory.symbolic._gaussian_mixture import GaussianMixture
from gsmtheory.symbolic._model import Model
from gsmtheory.symbolic._parse import parse_expression
from gsmtheory.symbolic._reflected import ReflectedStationarity, reflected_langevin_stationarity
from gsmtheory.symbolic._smoothing import heat_identity_residual, smoothed_formula, smoothed_mixture
from gsmtheory.symbolic._spec_values import parse_number

__all__ = [
    "BETA", "CTLDParameters", "check_liftable", "ctld_heat_identity", "ctld_lift", "ctld_lift_spec",
    "ctld_log_density_expr", "ctld_model", "ctld_parameters", "ctld_stationarity", "ctld_table",
]


#: the temperature coordinate (the spec parser reserves the name ``beta`` for it)
BETA = sp.Symbol("beta", real=True)
_KEYS = ("lambda_min", "diameter", "beta_max", "log_r")


@dataclass(frozen=True)
class CTLDParameters:
    r"""The ``[ctld]`` table, resolved and validated (only here): λ, diam, β_max and log r(β).

    Attributes
    ----------
    lambda_min : float
        λ > 0, the variance scale of the tempering noise N(0, βλI).
    diameter : float
        diam ≥ 0 (only enters the defaults of log r and β_max).
    beta_max : float
        Upper reflecting end of β (> 0).
    log_r : Expr
        log r(β), an expression in :data:`BETA` (unnormalized).
    defaults : tuple of str
        Names of the entries that took the reported defaults.

    Raises
    ------
    SpecError
        A λ, diameter or β_max that is not positive and finite.

    Examples
    --------
    >>> p = ctld_parameters(load_spec("bimodal").diffusion)      # means ±2, unit variance
    >>> p.lambda_min, p.diameter, p.beta_max, p.log_r            # β_max = 14·4²/1 − 1
    (1.0, 4.0, 223.0, -112/(beta + 1))
    """

    lambda_min: float
    diameter: float
    beta_max: float
    log_r: sp.Expr
    defaults: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "defaults", tuple(self.defaults))
        for name in ("lambda_min", "beta_max"):
            v = getattr(self, name)
            if isinstance(v, int | float) and math.isfinite(v) and v > 0:
                continue
            if name == "beta_max" and "beta_max" in self.defaults:
                raise SpecError(f"the default beta_max = 14*diam^2/lambda - 1 = {v:.4g} is not positive "
                                f"(diam = {self.diameter:.4g}, lambda = {self.lambda_min:.4g})",
                                "give [ctld] beta_max > 0 explicitly")
            raise SpecError(f"CTLD {name} = {v} must be a positive finite number",
                            f"set {name} > 0 or leave it out for the default")
        given = "diameter" not in self.defaults
        if not (math.isfinite(self.diameter) and (self.diameter > 0 if given else self.diameter >= 0)):
            raise SpecError(f"CTLD diameter = {self.diameter} must be a positive finite number",
                            "set diameter > 0 or leave it out for the default")
        log_r = sp.sympify(self.log_r)
        if extra := log_r.free_symbols - {BETA}:
            raise SpecError(f"log r(beta) uses undeclared symbol(s) {', '.join(sorted(map(str, extra)))}",
                            "write log_r in beta and [constants] only")
        object.__setattr__(self, "log_r", log_r)

    def to_dict(self) -> dict[str, object]:
        """JSON-able form."""
        return {"lambda_min": self.lambda_min, "diameter": self.diameter, "beta_max": self.beta_max,
                "log_r": str(self.log_r), "defaults": list(self.defaults)}


def ctld_parameters(target: Diffusion | GaussianMixture, base: CTLDParameters | None = None, *,
                    constants: Mapping[str, float] | None = None, lambda_min: float | None = None,
                    diameter: float | None = None, beta_max: float | None = None,
                    log_r: str | sp.Expr | None = None) -> CTLDParameters:
    r"""Resolve λ, diam, β_max, log r(β): keyword values, then ``base``'s given entries, then the defaults.

    Parameters
    ----------
    target, base : Diffusion or GaussianMixture, CTLDParameters or None
        The target to lift; a resolved ``[ctld]`` table whose given entries apply.
    constants : mapping, optional
        Names a ``log_r`` string may use besides ``beta``.
    lambda_min, diameter, beta_max, log_r : float, float, float, str or Expr, optional
        Overrides (log r in ``beta``).

    Returns
    -------
    CTLDParameters
        With ``defaults`` naming the entries that took the reported default.

    Raises
    ------
    SpecError
        λ or β_max ≤ 0 (the default too), a non-mixture target without λ, a log r not in β.

    Examples
    --------
    >>> spec = load_spec("ctld-bimodal")                         # ½N(−2, 1) + ½N(2, 1), [ctld] λ = 1, diam = 4
    >>> p = ctld_parameters(spec.diffusion, spec.ctld)
    >>> p.lambda_min, p.diameter, p.beta_max, p.defaults, ctld_parameters(spec.diffusion, spec.ctld, beta_max=50.0).beta_max
    (1.0, 4.0, 223.0, ('beta_max', 'log_r'), 50.0)
    """
    given = {} if base is None else {k: getattr(base, k) for k in _KEYS if k not in base.defaults}
    given.update({k: v for k, v in zip(_KEYS, (lambda_min, diameter, beta_max, log_r), strict=True) if v is not None})
    mix = target if isinstance(target, GaussianMixture) else target.mixture
    defaults = [k for k in _KEYS if k not in given]
    for name, what in (("lambda_min", "lambda_min"), ("diameter", "a diameter")):
        if name in defaults and mix is None:
            raise SpecError(f"CTLD of a target that is not a Gaussian mixture needs {what}",
                            f"give [ctld] {name} explicitly" + (" (and diameter)" if name == "lambda_min" else
                                                                " (the spread of the modes)"))
    lambda_min = float(given["lambda_min"]) if "lambda_min" in given else float(mix.covariance_eigenvalues[0])  # type: ignore[union-attr]
    diam = float(given["diameter"]) if "diameter" in given else float(mix.diameter)  # type: ignore[union-attr]
    usable = math.isfinite(lambda_min) and lambda_min > 0  # else CTLDParameters refuses λ before any default is used
    beta_max = float(given["beta_max"]) if "beta_max" in given else (14.0 * diam ** 2 / lambda_min - 1.0 if usable else math.nan)
    if "log_r" not in given:
        expr = -sp.nsimplify(7.0 * diam ** 2 / lambda_min, rational=True) / (1 + BETA) if usable else sp.S.Zero
    elif isinstance(given["log_r"], str):
        names: dict[str, sp.Expr] = {k: sp.Rational(repr(float(v))) for k, v in (constants or {}).items()}
        names["beta"] = BETA
        expr = parse_expression(given["log_r"], names, what="[ctld] log_r",
                                declare="[constants]: log_r is a function of beta alone")
    else:
        expr = sp.sympify(given["log_r"])
    return CTLDParameters(lambda_min, diam, beta_max, expr, tuple(defaults))


def ctld_log_density_expr(mixture: GaussianMixture, coords: tuple[sp.Symbol, ...], params: CTLDParameters,
                          beta: sp.Symbol = BETA) -> sp.Expr:
    """ℓ(x, β) = log r(β) + log Σ_k w_k |Σ+βλI|^{-1/2} exp(−½(x−μ_k)ᵀ(Σ+βλI)⁻¹(x−μ_k)).

    Parameters
    ----------
    mixture, params : GaussianMixture, CTLDParameters
        The target; λ and log r.
    coords, beta : tuple of Symbol, Symbol
        x and the temperature coordinate.

    Returns
    -------
    Expr
        log r plus :func:`smoothed_mixture` with variance βλ ((2π)^{-d/2} dropped).

    Examples
    --------
    >>> spec = load_spec("ctld-bimodal")                         # ½N(−2, 1) + ½N(2, 1), [ctld] λ = 1, diam = 4
    >>> ell = ctld_log_density_expr(spec.diffusion.mixture, spec.diffusion.coords, ctld_parameters(spec.diffusion, spec.ctld))
    >>> sorted(map(str, ell.free_symbols))
    ['beta', 'x']
    """
    lambda_min = sp.nsimplify(params.lambda_min, rational=True)
    return params.log_r.subs(BETA, beta) + smoothed_mixture(mixture, lambda_min * beta).log_density(coords)


def ctld_heat_identity(mixture: GaussianMixture, params: CTLDParameters, *, check: str = "density") -> sp.Expr:
    """Residual of ∂_β p^β = (λ/2) Δ_x p^β for p^β = p * N(0, βλI): :func:`heat_identity_residual`.

    Parameters
    ----------
    mixture, params : GaussianMixture, CTLDParameters
        The target p, and λ (the other constants are not used).
    check : {"density", "log"}
        The identity for p^β, or for log p^β.

    Returns
    -------
    Expr
        The residual in (x, β), not yet simplified.

    Examples
    --------
    >>> spec = load_spec("ctld-bimodal")                         # ½N(−2, 1) + ½N(2, 1), [ctld] λ = 1, diam = 4
    >>> ctld_heat_identity(spec.diffusion.mixture, ctld_parameters(spec.diffusion, spec.ctld)).simplify()
    0
    """
    return heat_identity_residual(mixture, params.lambda_min, BETA, check=check)


def ctld_table(table: Any, names: Mapping[str, sp.Expr], diffusion: Diffusion, consts: Mapping[str, float]) -> CTLDParameters:
    """The ``[ctld]`` table resolved (what it leaves out takes the reported defaults)."""
    if not isinstance(table, dict):
        raise SpecError("[ctld] must be a table", "give lambda_min and diameter (optional beta_max, log_r)")
    if bad := set(table) - set(_KEYS):
        raise SpecError(f"unknown [ctld] key(s) {', '.join(sorted(bad))}", "use lambda_min, diameter, beta_max, log_r")
    values = {k: parse_number(table[k], names, f"[ctld] {k}") for k in ("lambda_min", "diameter", "beta_max") if k in table}
    log_r = None if table.get("log_r") is None else str(table["log_r"])
    return ctld_parameters(diffusion, constants=consts, log_r=log_r, lambda_min=values.get("lambda_min"),
                           diameter=values.get("diameter"), beta_max=values.get("beta_max"))


def ctld_lift(target: Any, params: CTLDParameters | None = None, **overrides: object) -> Diffusion:
    r"""The CTLD diffusion over (x, β): ℓ(x, β) = log r(β) + log p^β(x), D = I, β ∈ [0, β_max].

    Parameters
    ----------
    target : Diffusion or Spec
        The target (a Spec's ``[ctld]`` table is used when ``params`` is None).
    params : CTLDParameters, optional
        The constants; keyword ``overrides`` (as :func:`ctld_parameters`) win, defaults fill in.

    Returns
    -------
    Diffusion
        Over ``(*x, beta)``; for a 1D formula target ℓ holds an unevaluated integral.

    Raises
    ------
    SpecError
        A target without a lift (:func:`check_liftable`), λ ≤ 0 or β_max ≤ 0.

    Examples
    --------
    >>> lifted = ctld_lift(load_spec("ctld-bimodal"))
    >>> lifted.coords, lifted.domain
    ((x, beta), ((-oo, oo), (0, 223)))
    """
    diffusion, params = _resolve(target, params, overrides)
    coords = (*diffusion.coords, BETA)
    variance = sp.nsimplify(params.lambda_min, rational=True) * BETA  # a mixture stays one, a 1D formula an integral
    ell = ctld_log_density_expr(diffusion.mixture, diffusion.coords, params) if diffusion.mixture is not None else \
        params.log_r + smoothed_formula(diffusion.log_density, diffusion.coords[0], variance)
    domain = (*((lo, hi) for lo, hi in diffusion.domain), (sp.Integer(0), sp.nsimplify(params.beta_max, rational=True)))
    return Diffusion(coords, ell, sp.eye(len(coords)), sp.zeros(len(coords), len(coords)), domain,
                     name=f"ctld({diffusion.name})", mixture=None)


def check_liftable(diffusion: Diffusion) -> None:
    """Raise why ``diffusion`` has no CTLD lift p(x, β) ∝ r(β)·(p * N(0, βλI))(x); nothing if it has one.

    Parameters
    ----------
    diffusion : Diffusion
        The target.

    Raises
    ------
    SpecError
        A formula target in d ≥ 2, a coordinate named ``beta``, or a bounded domain.

    Examples
    --------
    >>> check_liftable(load_spec("ctld-bimodal").diffusion) is None
    True
    >>> check_liftable(load_spec("reflected-gaussian").diffusion)
    Traceback (most recent call last):
    ...
    gsmtheory._errors.SpecError: CTLD convolves over the whole space but the target's domain is bounded; drop the [domain] table for a CTLD lift
    """
    if diffusion.mixture is None and diffusion.dim >= 2:
        raise SpecError(f"CTLD needs p * N(0, beta*lambda*I) in closed form; the {diffusion.dim}D target "
                        f"{diffusion.name!r} is a formula, not a Gaussian mixture",
                        "give the target as a [mixture] table, or use a 1D formula target")
    if any(str(c) == "beta" for c in diffusion.coords):
        raise SpecError("a coordinate is already named beta", "rename it; beta is the CTLD temperature")
    if any(lo.is_finite or hi.is_finite for lo, hi in diffusion.domain):
        raise SpecError("CTLD convolves over the whole space but the target's domain is bounded",
                        "drop the [domain] table for a CTLD lift")


def _resolve(target: Any, params: CTLDParameters | None,
             overrides: Mapping[str, object]) -> tuple[Diffusion, CTLDParameters]:
    constants: Mapping[str, float] = {}
    if isinstance(target, Diffusion):
        diffusion = target
    elif isinstance(getattr(target, "diffusion", None), Diffusion):  # a Spec
        diffusion = target.diffusion
        params = params if params is not None else target.ctld
        constants = target.constants_map
    else:
        raise SpecError(f"cannot lift a {type(target).__name__}", "pass a Diffusion or a Spec")
    if bad := set(overrides) - set(_KEYS):
        raise SpecError(f"unknown CTLD option(s) {', '.join(sorted(bad))}", "use lambda_min, diameter, beta_max, log_r")
    check_liftable(diffusion)
    if params is None or overrides:
        params = ctld_parameters(diffusion, params, constants=constants, **overrides)  # type: ignore[arg-type]
    return diffusion, params


def ctld_model(model: Model, params: CTLDParameters) -> Model:
    """The lifted model ℓ_θ(x, β) = log r(β) + log p^β_θ(x), p^β_θ = p_θ * N(0, βλI).

    Parameters
    ----------
    model, params : Model, CTLDParameters
        A ``[model.mixture]`` model; λ and log r.

    Returns
    -------
    Model
        Over (x, β), same parameters and truth; the normalizer |Σ(θ)+βλI|^{-1/2} is kept
        (:func:`smoothed_mixture`), so ∫∫ r p^β_θ is θ-free, as MLE on the lift needs.

    Raises
    ------
    ModelError
        A model that is not a Gaussian mixture.

    Examples
    --------
    >>> spec = load_spec("ctld-bimodal")                         # ½N(−2, 1) + ½N(2, 1), [ctld] λ = 1, diam = 4
    >>> ctld_model(spec.model, ctld_parameters(spec.diffusion, spec.ctld)).coords
    (x, beta)
    """
    if model.kind != "mixture" or model.mixture is None:
        raise ModelError("the CTLD loss needs the model's convolution p_theta * N(0, beta*lambda) in closed form",
                         "give the model as a [model.mixture] table")
    lambda_min = sp.nsimplify(params.lambda_min, rational=True)
    ell = params.log_r + smoothed_mixture(model.mixture, lambda_min * BETA).log_density(model.coords)
    return Model((*model.coords, BETA), model.params, ell, model.truth, "formula", None, None, None,
                 normalized=True)


def ctld_lift_spec(spec: Any, **overrides: object) -> tuple[Diffusion, Model | None, CTLDParameters]:
    """Lift a spec (its ``[ctld]`` table, or the defaults): (diffusion, lifted model or None, parameters).

    Parameters
    ----------
    spec : Spec
        A spec whose target is a Gaussian mixture or a 1D formula.
    **overrides
        ``lambda_min``, ``diameter``, ``beta_max``, ``log_r`` over the table.

    Returns
    -------
    tuple
        (:class:`Diffusion`, :class:`Model` or None, :class:`CTLDParameters`).

    Examples
    --------
    >>> diffusion, model, params = ctld_lift_spec(load_spec("ctld-bimodal"))
    >>> diffusion.coords, model.params, params.beta_max
    ((x, beta), (a,), 223.0)
    """
    diffusion, params = _resolve(spec, spec.ctld, overrides)
    lifted = ctld_lift(diffusion, params)
    model = ctld_model(spec.model, params) if spec.model is not None else None
    return lifted, model, params


def ctld_stationarity(lifted: Diffusion, *, points: int = 8, seed: int = 0) -> ReflectedStationarity:
    """Decide that p(x, β) ∝ e^{ℓ(x,β)} is stationary for the lift: :func:`reflected_langevin_stationarity`.

    Parameters
    ----------
    lifted : Diffusion
        The output of :func:`ctld_lift` (Langevin on (x, β), reflected at β = 0 and β_max).
    points, seed : int
        How many random points evaluate the actual residual (50 digits), and their seed.

    Returns
    -------
    ReflectedStationarity
        ``generic``, ``zero_flux`` and ``max_abs_residual``.

    Raises
    ------
    SpecError
        Not the identity CTLD lift.

    Examples
    --------
    >>> ctld_stationarity(ctld_lift(load_spec("ctld-bimodal")), points=2).verdict
    True
    """
    if lifted.coords[-1] != BETA or not (lifted.D - sp.eye(lifted.dim)).is_zero_matrix or not lifted.Q.is_zero_matrix:
        raise SpecError("ctld_stationarity expects the identity CTLD diffusion", "pass ctld_lift(...)")
    return reflected_langevin_stationarity(lifted, points=points, seed=seed)

