r"""Continuously tempered Langevin dynamics (CTLD): the lift of a target to (x, β).

Joint density on R^d × [0, β_max] (Qin & Risteski 2023, §CTLD; docs/design.md §1):

    p(x, β) ∝ r(β) · p^β(x),      p^β = p * N(0, βλI),

with the identity diffusion in (x, β) (Langevin on the joint) and reflecting ends β = 0 and
β = β_max. For a Gaussian mixture with shared covariance Σ the convolution is closed form,
p^β = Σ_k w_k N(μ_k, Σ + βλI), and the heat equation gives the β-score

    ∂_β log p^β = (λ/2) (Δ_x log p^β + |∇_x log p^β|²).

Reported defaults (secondary sources; every one overridable): λ = λ_min(Σ),
diam = max_{j,k}|μ_j − μ_k|, log r(β) = −7·diam²/(λ(1+β)), β_max = 14·diam²/λ − 1.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy as sp

from gsmtheory._errors import ModelError, SpecError
from gsmtheory.symbolic._diffusion import Diffusion
from gsmtheory.symbolic._gaussian_mixture import GaussianMixture
from gsmtheory.symbolic._model import MixtureExpressions, Model
from gsmtheory.symbolic._parse import parse_expression

__all__ = [
    "BETA",
    "CTLDParameters",
    "check_liftable",
    "ctld_heat_identity",
    "ctld_lift",
    "ctld_lift_spec",
    "ctld_log_density_expr",
    "ctld_model",
    "ctld_parameters",
]

#: the temperature coordinate (the spec parser reserves the name ``beta`` for it)
BETA = sp.Symbol("beta", real=True)


@dataclass(frozen=True)
class CTLDParameters:
    r"""The ``[ctld]`` table, resolved: λ, diam, β_max and log r(β), with which took the defaults.

    The one record of the CTLD constants (docs/design.md §1): a spec's ``[ctld]`` table is
    resolved into it when the spec is parsed (:func:`ctld_parameters` fills what the table
    leaves out with the reported defaults), and this constructor is the one place they are
    validated.

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
    >>> from gsmtheory.symbolic import ctld_parameters, load_spec
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
        extra = log_r.free_symbols - {BETA}
        if extra:
            raise SpecError(f"log r(beta) uses undeclared symbol(s) {', '.join(sorted(map(str, extra)))}",
                            "write log_r in beta and [constants] only")
        object.__setattr__(self, "log_r", log_r)

    @property
    def interval(self) -> tuple[float, float]:
        """(0, β_max)."""
        return (0.0, float(self.beta_max))

    def to_dict(self) -> dict[str, object]:
        """JSON-able form."""
        return {"lambda_min": self.lambda_min, "diameter": self.diameter, "beta_max": self.beta_max,
                "log_r": str(self.log_r), "defaults": list(self.defaults)}


def default_log_r(lambda_min: float, diameter: float) -> sp.Expr:
    """log r(β) = −7·diam²/(λ(1+β)) (reported default)."""
    c = sp.nsimplify(7.0 * diameter ** 2 / lambda_min, rational=True)
    return -c / (1 + BETA)


def ctld_parameters(target: Diffusion | GaussianMixture, base: CTLDParameters | None = None, *,
                    constants: Mapping[str, float] | None = None, lambda_min: float | None = None,
                    diameter: float | None = None, beta_max: float | None = None,
                    log_r: str | sp.Expr | None = None) -> CTLDParameters:
    r"""Resolve λ, diam, β_max and log r(β) from keyword values, ``base`` and the defaults.

    Keyword values win; then the entries of ``base`` that were given (not defaulted); what is
    still missing takes the reported default: λ = λ_min(Σ), diam = diameter of the means,
    β_max = 14·diam²/λ − 1, log r = −7·diam²/(λ(1+β)). A target that is not a Gaussian mixture
    has no default λ or diam. A string ``log_r`` is parsed with ``constants`` and ``beta``.

    Parameters
    ----------
    target : Diffusion or GaussianMixture
        The target to lift.
    base : CTLDParameters, optional
        A resolved ``[ctld]`` table whose given (not defaulted) entries apply.
    constants : mapping, optional
        Names a ``log_r`` expression may use besides ``beta``.
    lambda_min, diameter, beta_max : float, optional
        Overrides.
    log_r : str or Expr, optional
        log r(β), an expression in ``beta``.

    Returns
    -------
    CTLDParameters
        The constants, with ``defaults`` naming those that took the reported default.

    Raises
    ------
    SpecError
        λ ≤ 0, β_max ≤ 0 (also when the default 14·diam²/λ − 1 is ≤ 0), a non-mixture target
        without λ, or a log r in other symbols than β.

    Examples
    --------
    >>> from gsmtheory.symbolic import ctld_parameters, load_spec
    >>> spec = load_spec("ctld-bimodal")                         # ½N(−2, 1) + ½N(2, 1), [ctld] λ = 1, diam = 4
    >>> params = ctld_parameters(spec.diffusion, spec.ctld)
    >>> params.lambda_min, params.diameter, params.beta_max, params.defaults
    (1.0, 4.0, 223.0, ('beta_max', 'log_r'))
    >>> ctld_parameters(spec.diffusion, spec.ctld, beta_max=50.0).beta_max
    50.0
    """
    given = {} if base is None else {k: getattr(base, k) for k in ("lambda_min", "diameter", "beta_max", "log_r")
                                     if k not in base.defaults}
    for k, v in (("lambda_min", lambda_min), ("diameter", diameter), ("beta_max", beta_max), ("log_r", log_r)):
        if v is not None:
            given[k] = v
    mix = target if isinstance(target, GaussianMixture) else target.mixture
    defaults = [k for k in ("lambda_min", "diameter", "beta_max", "log_r") if k not in given]
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
        expr = default_log_r(lambda_min, diam) if usable else sp.S.Zero
    elif isinstance(given["log_r"], str):
        names: dict[str, sp.Expr] = {k: sp.Rational(repr(float(v))) for k, v in (constants or {}).items()}
        names["beta"] = BETA
        expr = parse_expression(given["log_r"], names, what="[ctld] log_r")
    else:
        expr = sp.sympify(given["log_r"])
    return CTLDParameters(lambda_min, diam, beta_max, expr, tuple(defaults))


def ctld_log_density_expr(mixture: GaussianMixture, coords: tuple[sp.Symbol, ...], params: CTLDParameters,
                          beta: sp.Symbol = BETA) -> sp.Expr:
    """ℓ(x, β) = log r(β) + log Σ_k w_k |Σ+βλI|^{-1/2} exp(−½(x−μ_k)ᵀ(Σ+βλI)⁻¹(x−μ_k)).

    The normalizer |Σ+βλI|^{-1/2} depends on β and is kept ((2π)^{-d/2} is dropped).

    Parameters
    ----------
    mixture : GaussianMixture
        The target.
    coords : tuple of Symbol
        x.
    params : CTLDParameters
        λ and log r.
    beta : Symbol
        The temperature coordinate.

    Returns
    -------
    Expr
        ℓ as a function of (x, β).

    Examples
    --------
    >>> import sympy as sp
    >>> from gsmtheory.symbolic import BETA, ctld_log_density_expr
    >>> from gsmtheory.symbolic import ctld_parameters, load_spec
    >>> spec = load_spec("ctld-bimodal")                         # ½N(−2, 1) + ½N(2, 1), [ctld] λ = 1, diam = 4
    >>> params = ctld_parameters(spec.diffusion, spec.ctld)
    >>> x = spec.diffusion.coords[0]
    >>> ell = ctld_log_density_expr(spec.diffusion.mixture, (x,), params)
    >>> sorted(map(str, ell.free_symbols))
    ['beta', 'x']
    """
    d = mixture.dim
    lambda_min = sp.nsimplify(params.lambda_min, rational=True)
    c = mixture.covariance
    rational = functools.lru_cache(maxsize=None)(lambda v: sp.nsimplify(v, rational=True))
    cov = [[rational(float(c[i][j])) if i == j or c[i][j] != 0 else sp.S.Zero for j in range(d)]
           for i in range(d)]  # each distinct number simplified once (d = 1000: 10⁶ entries)
    expr = MixtureExpressions(
        tuple(tuple(rational(float(v)) for v in mu) for mu in mixture.means),
        tuple(rational(float(w)) for w in mixture.weights),
        tuple(tuple(cov[i][j] + (lambda_min * beta if i == j else 0) for j in range(d)) for i in range(d)),
    ).log_density(coords)
    return params.log_r.subs(BETA, beta) + expr


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
    """Raise the one-line reason why ``diffusion`` has no CTLD lift (nothing when it has one)."""
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


def ctld_heat_identity(mixture: GaussianMixture, params: CTLDParameters, *, check: str = "density") -> sp.Expr:
    """Residual of the heat equation for p^β; zero exactly when the identity holds.

    ``check="density"``: ∂_β p^β − (λ/2) Δ_x p^β (simplifies to 0 component by component);
    ``check="log"``: ∂_β log p^β − (λ/2)(Δ_x log p^β + |∇_x log p^β|²) (docs/design.md §1).

    Parameters
    ----------
    mixture : GaussianMixture
        The target p.
    params : CTLDParameters
        λ (the other constants are not used).
    check : {"density", "log"}
        Which form of the identity.

    Returns
    -------
    Expr
        The residual, a function of (x, β), not yet simplified.

    Raises
    ------
    SpecError
        An unknown ``check``.

    Examples
    --------
    >>> import sympy as sp
    >>> from gsmtheory.symbolic import ctld_parameters, load_spec
    >>> spec = load_spec("ctld-bimodal")                         # ½N(−2, 1) + ½N(2, 1), [ctld] λ = 1, diam = 4
    >>> params = ctld_parameters(spec.diffusion, spec.ctld)
    >>> sp.simplify(ctld_heat_identity(spec.diffusion.mixture, params))
    0
    """
    xs = tuple(sp.Symbol(f"x{i}", real=True) for i in range(mixture.dim))
    lambda_min = sp.nsimplify(params.lambda_min, rational=True)
    ell = ctld_log_density_expr(mixture, xs, params) - params.log_r
    if check == "density":
        p = sp.exp(ell)
        p = sp.expand(sp.powsimp(p))
        return sp.diff(p, BETA) - lambda_min / 2 * sum(sp.diff(p, c, 2) for c in xs)
    if check == "log":
        return sp.diff(ell, BETA) - lambda_min / 2 * sum(sp.diff(ell, c, 2) + sp.diff(ell, c) ** 2 for c in xs)
    raise SpecError(f"unknown check {check!r}", "use 'density' or 'log'")


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
