r"""A Gaussian-mixture target with a ``[model.mixture]`` model, built through the symbolic API.

The CTLD design (:mod:`._ctld_design`) and the reduction along U (:mod:`._ctld_estimator`) need
small generated problems: p = Σ_k w_k N(μ_k, Σ) on R^d, a model q_θ = Σ_k w_k(θ) N(μ_k(θ), Σ(θ))
and the [ctld] constants. :func:`mixture_spec` makes the :class:`~gsmtheory.symbolic.Spec`
directly (Diffusion, Model.gaussian_mixture, CTLDParameters), with no TOML text in between; model
entries given as numbers or strings go through :func:`~gsmtheory.symbolic.parse_expression`,
exactly as the spec parser treats them, so the numbers are those of the equivalent spec file. :func:`one_parameter_model` makes the two
1D models a design compares (the second weight, or every mean); :func:`free_means` recognizes a
model whose every mean entry is its own parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import sympy as sp

from gsmtheory._errors import SpecError
from gsmtheory.symbolic import (
    CTLDParameters,
    Diffusion,
    GaussianMixture,
    MixtureExpressions,
    Model,
    Spec,
    parse_expression,
)

__all__ = ["free_means", "mixture_spec", "one_parameter_model"]

Entry: TypeAlias = str | float | int | sp.Expr


def mixture_spec(name: str, coords: Sequence[str], target: GaussianMixture, params: Sequence[str],
                 truth: Sequence[float], means: Sequence[Sequence[Entry]], weights: Sequence[Entry],
                 covariance: Sequence[Sequence[Entry]], ctld: CTLDParameters | None = None) -> Spec:
    r"""The spec of ``target`` on R^d (Langevin, D = I) with the mixture model (means, weights, covariance)(θ).

    Parameters
    ----------
    name : str
        The spec's name.
    coords : sequence of str
        Coordinate names (d of them).
    target : GaussianMixture
        p.
    params, truth : sequences
        Parameter names and θ*.
    means, weights, covariance :
        The model's entries: numbers, strings (parsed over coords and params) or SymPy expressions
        in the parameters.
    ctld : CTLDParameters, optional
        λ, diam, β_max and log r of the [ctld] table.
    """
    xs = tuple(sp.Symbol(c, real=True) for c in coords)
    thetas = tuple(sp.Symbol(p, real=True) for p in params)
    names: dict[str, sp.Expr] = {**dict(zip(coords, xs, strict=True)), **dict(zip(params, thetas, strict=True))}

    def expr(v: Entry, what: str) -> sp.Expr:
        return v if isinstance(v, sp.Expr) else parse_expression(v, names, what=what)

    mix = MixtureExpressions(tuple(tuple(expr(v, "model mean") for v in row) for row in means),
                             tuple(expr(w, "model weight") for w in weights),
                             tuple(tuple(expr(v, "model covariance") for v in row) for row in covariance))
    model = Model.gaussian_mixture(xs, thetas, mix, [float(t) for t in truth])
    domain = tuple((-sp.oo, sp.oo) for _ in xs)
    diffusion = Diffusion(xs, target.log_density_expr(xs), None, None, domain, name=name, mixture=target)
    text = (f"generated mixture spec {name!r}: target {target!r}; params {list(params)} = {list(truth)}; "
            f"means {means!r}; weights {weights!r}; covariance {covariance!r}; ctld {ctld!r}")
    return Spec(name=name, text=text, constants=(), diffusion=diffusion, model=model, ctld=ctld)


def one_parameter_model(mixture: GaussianMixture, parameter: str) -> Spec:
    """The 1D spec of ``mixture`` with one model: its second weight w (``"weight"``), or every mean a_k (``"means"``)."""
    means = [float(m[0]) for m in mixture.means]
    weights = [float(w) for w in mixture.weights]
    var = float(mixture.covariance[0][0])
    if parameter == "weight":
        if mixture.n_components != 2:
            raise SpecError("the weight parameter needs a two-component mixture", "use parameter='means'")
        return mixture_spec("custom", ["x"], mixture, ["w"], [weights[1]], [[repr(m)] for m in means],
                            ["1 - w", "w"], [[var]])
    if parameter == "means":
        names = [f"a{i + 1}" for i in range(len(means))]
        return mixture_spec("custom", ["x"], mixture, names, means, [[n] for n in names], weights, [[var]])
    raise SpecError(f"unknown parameter {parameter!r}", "use 'weight' or 'means'")


def free_means(spec: Any) -> list[tuple[int, int]] | None:
    """(component, coordinate) of each parameter when every model mean entry is its own parameter."""
    model = spec.model
    mixe = getattr(model, "mixture", None)
    if mixe is None:
        return None
    where: dict[Any, tuple[int, int]] = {}
    for k, row in enumerate(mixe.means):
        for i, e in enumerate(row):
            e = sp.sympify(e)
            if not (isinstance(e, sp.Symbol) and e in model.params) or e in where:
                return None
            where[e] = (k, i)
    if len(where) != len(model.params) or any(sp.sympify(w).free_symbols for w in mixe.weights):
        return None
    return [where[t] for t in model.params]

