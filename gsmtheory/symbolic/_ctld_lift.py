r"""The CTLD lift of a target to (x, β): the lifted diffusion, model and spec, and its checks.

The lift (Qin & Risteski 2023, §CTLD; docs/design.md §1) has the identity diffusion in (x, β)
(Langevin on the joint p(x, β) ∝ r(β) · p^β(x), :mod:`._ctld_density`) and reflecting ends
β = 0 and β = β_max.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy as sp

from gsmtheory._errors import ModelError, SpecError
from gsmtheory.symbolic._ctld_density import (
    BETA,
    CTLDParameters,
    ctld_log_density_expr,
    ctld_parameters,
)
from gsmtheory.symbolic._diffusion import Diffusion
from gsmtheory.symbolic._model import MixtureExpressions, Model

__all__ = [
    "CTLDStationarity", "check_liftable", "ctld_lift", "ctld_lift_spec", "ctld_model",
    "ctld_stationarity",
]


def _formula_convolution(ell: sp.Expr, x: sp.Symbol, lambda_min: float, beta: sp.Symbol) -> sp.Expr:
    """log ∫ e^{ℓ(y)} N(x − y; 0, βλ) dy, left unevaluated (computed by the numeric layer)."""
    y = sp.Dummy("y", real=True)
    s = sp.nsimplify(lambda_min, rational=True) * beta
    kernel = sp.exp(-(x - y) ** 2 / (2 * s)) / sp.sqrt(2 * sp.pi * s)
    return sp.log(sp.Integral(sp.exp(ell.subs(x, y)) * kernel, (y, -sp.oo, sp.oo)))


def ctld_lift(target: Any, params: CTLDParameters | None = None, **overrides: object) -> Diffusion:
    r"""The CTLD diffusion over (x, β): ℓ(x, β) = log r(β) + log p^β(x), D = I, β ∈ [0, β_max].

    Parameters
    ----------
    target : Diffusion or Spec
        The target (a Spec's ``[ctld]`` table is used when ``params`` is None).
    params : CTLDParameters, optional
        λ, diam, β_max, log r; keyword ``overrides`` (lambda_min=, diameter=, beta_max=,
        log_r=) take precedence, the reported defaults fill the rest.

    Returns
    -------
    Diffusion
        Coordinates ``(*x, beta)``; closed form for Gaussian-mixture targets, an unevaluated
        convolution integral for 1D formula targets (the numeric layer evaluates it).

    Raises
    ------
    SpecError
        A formula target in d ≥ 2 (no closed-form convolution), a target on a bounded domain,
        λ ≤ 0 or β_max ≤ 0, or a coordinate already named ``beta``.

    Examples
    --------
    >>> from gsmtheory.symbolic import ctld_lift, load_spec
    >>> lifted = ctld_lift(load_spec("ctld-bimodal"))
    >>> lifted.coords, lifted.domain
    ((x, beta), ((-oo, oo), (0, 223)))
    """
    diffusion, resolved = _resolve(target, params, overrides)
    return _lift(diffusion, resolved)


def check_liftable(diffusion: Diffusion) -> None:
    """Raise the one-line reason why ``diffusion`` has no CTLD lift p(x, β) ∝ r(β)·(p * N(0, βλI))(x)
    (docs/design.md §1); nothing when it has one.

    Parameters
    ----------
    diffusion : Diffusion
        The target.

    Raises
    ------
    SpecError
        A formula target in d ≥ 2 (no closed-form convolution), a coordinate already named
        ``beta``, or a bounded domain.

    Examples
    --------
    >>> from gsmtheory.symbolic import check_liftable, load_spec
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
    bad = set(overrides) - {"lambda_min", "diameter", "beta_max", "log_r"}
    if bad:
        raise SpecError(f"unknown CTLD option(s) {', '.join(sorted(bad))}",
                        "use lambda_min, diameter, beta_max, log_r")
    check_liftable(diffusion)
    if params is None or overrides:
        params = ctld_parameters(diffusion, params, constants=constants, **overrides)  # type: ignore[arg-type]
    return diffusion, params


def _lift(diffusion: Diffusion, params: CTLDParameters) -> Diffusion:
    coords = (*diffusion.coords, BETA)
    if diffusion.mixture is not None:
        ell = ctld_log_density_expr(diffusion.mixture, diffusion.coords, params)
    else:
        ell = params.log_r + _formula_convolution(diffusion.log_density, diffusion.coords[0],
                                                  params.lambda_min, BETA)
    domain = (*((lo, hi) for lo, hi in diffusion.domain), (sp.Integer(0), sp.nsimplify(params.beta_max, rational=True)))
    return Diffusion(coords, ell, sp.eye(len(coords)), sp.zeros(len(coords), len(coords)), domain,
                     name=f"ctld({diffusion.name})", mixture=None)


def ctld_model(model: Model, params: CTLDParameters) -> Model:
    """The lifted model ℓ_θ(x, β) = log r(β) + log p^β_θ(x), p^β_θ = p_θ * N(0, βλI).

    Needs a Gaussian-mixture model (``[model.mixture]``): its covariance expression becomes
    Σ(θ) + βλI and its normalizer |Σ(θ)+βλI|^{-1/2} is kept, so ∫∫ r p^β_θ is θ-free (the
    lifted model is normalized up to a constant, as MLE on the lift needs).

    Parameters
    ----------
    model : Model
        A ``kind="mixture"`` model.
    params : CTLDParameters
        λ and log r.

    Returns
    -------
    Model
        Over the coordinates (x, β), with the same parameters and truth.

    Raises
    ------
    ModelError
        A model that is not a Gaussian mixture.

    Examples
    --------
    >>> from gsmtheory.symbolic import ctld_model
    >>> from gsmtheory.symbolic import ctld_parameters, load_spec
    >>> spec = load_spec("ctld-bimodal")                         # ½N(−2, 1) + ½N(2, 1), [ctld] λ = 1, diam = 4
    >>> params = ctld_parameters(spec.diffusion, spec.ctld)
    >>> lifted = ctld_model(spec.model, params)
    >>> lifted.coords, lifted.params, lifted.truth
    ((x, beta), (a,), (2.0,))
    """
    if model.kind != "mixture" or model.mixture is None:
        raise ModelError("the CTLD loss needs the model's convolution p_theta * N(0, beta*lambda) in closed form",
                         "give the model as a [model.mixture] table")
    mix = model.mixture
    d = len(model.coords)
    lambda_min = sp.nsimplify(params.lambda_min, rational=True)
    lifted = MixtureExpressions(mix.means, mix.weights,
                                tuple(tuple(mix.covariance[i][j] + (lambda_min * BETA if i == j else 0)
                                            for j in range(d)) for i in range(d)))
    ell = params.log_r + lifted.log_density(model.coords)
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
        The lifted :class:`Diffusion` over (x, β), the lifted :class:`Model` (None without a
        mixture model) and the resolved :class:`CTLDParameters`.

    Examples
    --------
    >>> from gsmtheory.symbolic import ctld_lift_spec, load_spec
    >>> diffusion, model, params = ctld_lift_spec(load_spec("ctld-bimodal"))
    >>> diffusion.coords, model.params, params.beta_max
    ((x, beta), (a,), 223.0)
    """
    diffusion, params = _resolve(spec, spec.ctld, overrides)
    lifted = _lift(diffusion, params)
    model = ctld_model(spec.model, params) if spec.model is not None else None
    return lifted, model, params


@dataclass(frozen=True)
class CTLDStationarity:
    """Stationarity of r(β)p^β for the reflected CTLD diffusion, decided in three parts.

    ``generic``: the Fokker–Planck residual of the identity diffusion with ℓ an undefined
    function of (x, β) expands to 0 (so it vanishes for every ℓ, the lifted one included);
    ``zero_flux``: the probability flux p ∂_β ℓ − ∂_β p through the faces β = 0, β_max is 0
    (the reflecting boundary condition holds for p); ``max_abs_residual``: the residual of the
    actual lifted ℓ at random points in 50-digit arithmetic (should be at the 1e-40 level).
    """

    generic: bool
    zero_flux: bool
    max_abs_residual: float
    points: int

    @property
    def verdict(self) -> bool:
        """True when all three parts hold."""
        return self.generic and self.zero_flux and self.max_abs_residual < 1e-30

    def to_dict(self) -> dict[str, object]:
        """JSON-able summary."""
        return {"stationary": self.verdict, "generic": self.generic, "zero_flux": self.zero_flux,
                "max_abs_residual": self.max_abs_residual, "points": self.points}


def ctld_stationarity(lifted: Diffusion, *, points: int = 8, seed: int = 0) -> CTLDStationarity:
    """Decide that p(x, β) ∝ e^{ℓ(x,β)} is stationary for the reflected identity diffusion.

    Fokker–Planck: ∂_t p = Σ_i ∂_i(−p ∂_iℓ + ∂_i p) = Σ_i ∂_i J_i with J_i = ∂_i p − p ∂_i ℓ ≡ 0
    for Langevin, so the bulk residual vanishes and the reflecting (no-flux) boundary condition
    n·J = 0 holds on the faces β ∈ {0, β_max}. (A direct ``Diffusion.stationarity()`` on the
    lifted log-sum-exp is slow: it expands the residual; this proves it for a generic ℓ.)

    Parameters
    ----------
    lifted : Diffusion
        The output of :func:`ctld_lift` (identity D over (x, β)).
    points : int
        Random points at which the actual residual is evaluated in 50-digit arithmetic.
    seed : int
        Seed of those points.

    Returns
    -------
    CTLDStationarity
        ``generic``, ``zero_flux`` and ``max_abs_residual``.

    Raises
    ------
    SpecError
        A diffusion that is not the identity CTLD lift.

    Examples
    --------
    >>> from gsmtheory.symbolic import ctld_lift, ctld_stationarity, load_spec
    >>> st = ctld_stationarity(ctld_lift(load_spec("ctld-bimodal")), points=2)
    >>> st.generic, st.zero_flux, st.max_abs_residual < 1e-30
    (True, True, True)
    """
    if not (lifted.D - sp.eye(lifted.dim)).is_zero_matrix or not lifted.Q.is_zero_matrix:
        raise SpecError("ctld_stationarity expects the identity CTLD diffusion", "pass ctld_lift(...)")
    f = sp.Function("ell")(*lifted.coords)
    generic = Diffusion(lifted.coords, f, lifted.D, lifted.Q, name="generic")
    gen_ok = sp.expand(generic.fokker_planck_residual()) == 0
    flux_ok = True
    b = lifted.coords[-1]
    for _, _, at in lifted.finite_ends:
        p = sp.exp(f)
        flux = (sp.diff(p, b) - p * sp.diff(f, b)).subs(b, at)
        flux_ok = flux_ok and sp.simplify(flux) == 0
    residual = lifted.fokker_planck_residual()
    worst = 0.0
    used = 0
    with mpmath.workdps(50):
        for pt in lifted.sample_points(points, seed=seed):
            subs = {c: sp.Float(v, 50) for c, v in pt.items()}
            try:
                value = abs(complex(residual.evalf(50, subs=subs)))
            except (TypeError, ValueError, ZeroDivisionError):
                continue
            if math.isfinite(value):
                used += 1
                worst = max(worst, value)
    return CTLDStationarity(bool(gen_ok), bool(flux_ok), worst if used else math.inf, used)
