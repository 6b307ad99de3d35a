r"""A Gaussian-mixture target with a ``[model.mixture]`` model, built through the symbolic API.

The CTLD design (:mod:`._ctld_design`) and the reduction along U (:mod:`._ctld_reduce`) need
small generated problems: p = Σ_k w_k N(μ_k, Σ) on R^d, a model q_θ = Σ_k w_k(θ) N(μ_k(θ), Σ(θ))
and the [ctld] constants. :func:`mixture_spec` makes the :class:`~gsmtheory.symbolic.Spec`
directly (Diffusion, Model.gaussian_mixture, CTLDParameters), with no TOML text in between; model
entries given as numbers or strings go through :func:`~gsmtheory.symbolic.parse_expression`,
exactly as the spec parser treats them, so the numbers are those of the equivalent spec file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import sympy as sp

from gsmtheory.symbolic import (
    CTLDParameters,
    Diffusion,
    GaussianMixture,
    MixtureExpressions,
    Model,
    Spec,
    parse_expression,
)

__all__ = ["mixture_spec"]

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
