r"""Continuously tempered Langevin dynamics (CTLD): its parameters and the lifted density p(x, β).

Joint density on R^d × [0, β_max] (Qin & Risteski 2023, §CTLD; docs/design.md §1):

    p(x, β) ∝ r(β) · p^β(x),      p^β = p * N(0, βλI).

For a Gaussian mixture with shared covariance Σ the convolution is closed form,
p^β = Σ_k w_k N(μ_k, Σ + βλI), and the heat equation gives the β-score

    ∂_β log p^β = (λ/2) (Δ_x log p^β + |∇_x log p^β|²).

Reported defaults (secondary sources; every one overridable): λ = λ_min(Σ),
diam = max_{j,k}|μ_j − μ_k|, log r(β) = −7·diam²/(λ(1+β)), β_max = 14·diam²/λ − 1. The spec's
``[ctld]`` table is read here (:func:`ctld_table`), so the spec reader holds no CTLD code.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from gsmtheory._errors import SpecError
from gsmtheory.symbolic._diffusion import Diffusion
from gsmtheory.symbolic._gaussian_mixture import GaussianMixture
from gsmtheory.symbolic._model import MixtureExpressions
from gsmtheory.symbolic._parse import parse_expression
from gsmtheory.symbolic._spec_values import parse_number

__all__ = [
    "BETA", "CTLDParameters", "ctld_heat_identity", "ctld_log_density_expr", "ctld_parameters",
    "ctld_table", "default_log_r",
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


def ctld_table(table: Any, names: Mapping[str, sp.Expr], diffusion: Diffusion,
          consts: Mapping[str, float]) -> CTLDParameters:
    """The ``[ctld]`` table resolved (what it leaves out takes the reported defaults)."""
    if not isinstance(table, dict):
        raise SpecError("[ctld] must be a table", "give lambda_min and diameter (optional beta_max, log_r)")
    bad = set(table) - {"lambda_min", "diameter", "beta_max", "log_r"}
    if bad:
        raise SpecError(f"unknown [ctld] key(s) {', '.join(sorted(bad))}",
                        "use lambda_min, diameter, beta_max, log_r")
    values = {k: parse_number(table[k], names, f"[ctld] {k}") for k in ("lambda_min", "diameter", "beta_max") if k in table}
    log_r = None if table.get("log_r") is None else str(table["log_r"])
    return ctld_parameters(diffusion, constants=consts, log_r=log_r, lambda_min=values.get("lambda_min"),
                           diameter=values.get("diameter"), beta_max=values.get("beta_max"))
