r"""The per-sample expressions the estimators need, derived once from a diffusion and a model.

For the GSM implicit integrand φ(x, θ) = ½∇ℓ_θᵀD∇ℓ_θ + ∇·(D∇ℓ_θ) (docs/design.md §1):

- ψ = ∇_θ φ (the estimating function), ∇²_θ φ (its Jacobian) and s = ∇_θ ℓ_θ (the likelihood
  score; Cov_p(s) = I(θ*) at the truth);
- the theory terms: J D Jᵀ with J = ∇_θ∇_x ℓ_θ (key lemma), a = J D ∇ℓ_θ (θ-gradient of
  ½|O ℓ_θ|²), b_tr = ∇_θ Tr(D∇²ℓ_θ) and b_div = ∇_θ (∇·D)ᵀ∇ℓ_θ, so ψ = a + b_tr + b_div;
- for a loss whose θ-Hessian is free of θ (exponential families), φ = ½θᵀA(x)θ + b(x)ᵀθ + c:
  the entries of A and b;
- the θ-gradient and θ-Hessian of a face flux, and the log of each component of a mixture model;
- :func:`natural_bounds`: the box of parameters the model's meaning allows (weights ≥ 0, a
  variance > 0), by SymPy's univariate inequality solver.

The solve layer compiles these (:class:`gsmtheory.solve.Problem`); nothing here is numeric.
"""

from __future__ import annotations

import math
from functools import lru_cache

import sympy as sp

from gsmtheory.symbolic._diffusion import Diffusion
from gsmtheory.symbolic._forward_diff import jacobian_rows
from gsmtheory.symbolic._loss import GSMLoss, gsm_loss
from gsmtheory.symbolic._model import Model

__all__ = ["ESTIMATING_TERMS", "estimating_terms", "mixture_component_logs", "natural_bounds",
           "quadratic_terms", "theta_derivatives"]

#: the per-sample quantities of :func:`estimating_terms`, in their order
ESTIMATING_TERMS: tuple[str, ...] = ("psi", "hess", "score", "jdj", "a", "b_tr", "b_div")


@lru_cache(maxsize=64)
def estimating_terms(diffusion: Diffusion, model: Model, theory: bool = True) -> dict[str, list[sp.Expr]]:
    """ψ, ∇²_θφ (row-major), s and, with ``theory``, J D Jᵀ, a, b_tr, b_div (module docstring)."""
    loss = gsm_loss(diffusion, model)
    x, theta = diffusion.coords, model.params
    out = {"psi": list(loss.theta_gradient), "hess": list(loss.theta_hessian),
           "score": [sp.diff(model.log_density, t) for t in theta]}
    if not theory:
        return out
    P, d = len(theta), len(x)
    D = diffusion.D
    ell = model.log_density
    grad_q = [sp.diff(ell, c) for c in x]
    J = loss.J
    live = [(i, j) for i in range(d) for j in range(d) if D[i, j] != 0]  # 0·(...) adds nothing but work
    a = [sum(J[k, i] * D[i, j] * grad_q[j] for i, j in live) for k in range(P)]
    trace_part = sum(D[i, j] * sp.diff(ell, x[i], x[j]) for i, j in live)
    divD = [sum(sp.diff(D[i, j], x[i]) for i in range(d)) for j in range(d)]
    div_part = sum(divD[j] * grad_q[j] for j in range(d))
    b_tr, b_div = jacobian_rows([trace_part, div_part], theta)
    out.update({"jdj": list(J * D * J.T), "a": a, "b_tr": b_tr, "b_div": b_div})
    return out


def quadratic_terms(loss: GSMLoss) -> list[sp.Expr] | None:
    """[A (row-major), b] of the loss integrand φ = ½θᵀAθ + bᵀθ + c when ∇²_θφ is free of θ, else
    None (a quadratic GSM loss has the closed-form minimiser θ̂ = −Ê[A]⁻¹Ê[b], docs/design.md §1).

    Parameters
    ----------
    loss : GSMLoss
        A derived loss (:func:`gsm_loss`).

    Returns
    -------
    list of Expr or None
        The d² entries of A then the d entries of b, functions of x.

    Examples
    --------
    >>> from gsmtheory.symbolic import gsm_loss, load_spec, quadratic_terms
    >>> spec = load_spec("gaussian")                      # N(μ, σ²), σ = 1.5
    >>> quadratic_terms(gsm_loss(spec.diffusion, spec.model))
    [16/81, -16*x/81]
    """
    theta = loss.model.params
    if any(e.free_symbols & set(theta) for e in loss.theta_hessian):
        return None
    zero = dict.fromkeys(theta, 0)
    return [*loss.theta_hessian, *(sp.simplify(g.subs(zero)) for g in loss.theta_gradient)]


def theta_derivatives(expr: sp.Expr, params: tuple[sp.Symbol, ...]) -> list[sp.Expr]:
    """[f, ∇_θ f, ∇²_θ f (row-major)] of f = ``expr``: what an estimator evaluates per sample.

    Parameters
    ----------
    expr : Expr
        f(x, θ).
    params : tuple of Symbol
        θ.

    Returns
    -------
    list of Expr
        1 + k + k² expressions for k parameters.

    Examples
    --------
    >>> import sympy as sp
    >>> from gsmtheory.symbolic import theta_derivatives
    >>> x, m = sp.symbols("x m", real=True)
    >>> theta_derivatives(-(x - m)**2 / 2, (m,))
    [-(-m + x)**2/2, -m + x, -1]
    """
    grad = [sp.diff(expr, t) for t in params]
    return [expr, *grad, *(sp.diff(g, t) for g in grad for t in params)]


def mixture_component_logs(model: Model, coords: tuple[sp.Symbol, ...]) -> list[sp.Expr]:
    """log(w_k N(x; μ_k, Σ)) of each component of a ``[model.mixture]`` (without (2π)^{-d/2}):
    ℓ_θ = log Σ_k exp of these (docs/design.md §4).

    Parameters
    ----------
    model : Model
        A Gaussian-mixture model.
    coords : tuple of Symbol
        x.

    Returns
    -------
    list of Expr
        One expression in (x, θ) per component.

    Raises
    ------
    ValueError
        The model is not a mixture.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec, mixture_component_logs
    >>> spec = load_spec("bimodal-weight")                # (1 − w)N(−2, 1) + wN(2, 1)
    >>> mixture_component_logs(spec.model, spec.diffusion.coords)
    [-(x + 2)**2/2 + log(1 - w), -(x - 2)**2/2 + log(w)]
    """
    mix = model.mixture
    if mix is None:
        raise ValueError("mixture_component_logs needs a mixture model")
    cov = sp.Matrix(mix.covariance)
    prec = cov.inv()
    x = sp.Matrix(coords)
    half_logdet = sp.log(cov.det()) / 2
    out = []
    for mu, w in zip(mix.means, mix.weights, strict=True):
        diff = x - sp.Matrix(mu)
        out.append(sp.log(w) - half_logdet - (diff.T * prec * diff)[0, 0] / 2)
    return out


def natural_bounds(model: Model) -> tuple[tuple[tuple[float, float], ...], tuple[str, ...]]:
    r"""Box bounds implied by the model's meaning: {θ : w_k(θ) ≥ 0 for every mixture weight} and,
    for a 1D mixture, {θ : σ²(θ) > 0}, from the entries that depend on a single parameter.

    Constraints that couple several parameters (weights of three or more components) are not
    boxes and are not derived here; declare bounds for them instead.

    Parameters
    ----------
    model : Model
        The model (only a mixture's weights and 1D variance constrain θ).

    Returns
    -------
    bounds : tuple of (float, float)
        One (lo, hi) per parameter (±inf when nothing constrains it).
    reasons : tuple of str
        Per parameter, the constraints that gave its bounds ("" when unbounded).

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec, natural_bounds
    >>> natural_bounds(load_spec("bimodal-weight").model)
    (((0.0, 1.0),), ('mixture weight 1 - w >= 0; mixture weight w >= 0',))
    """
    params = tuple(model.params)
    lo = [-math.inf] * len(params)
    hi = [math.inf] * len(params)
    why: list[list[str]] = [[] for _ in params]
    mix = model.mixture
    if mix is None:
        return tuple(zip(lo, hi, strict=True)), ("",) * len(params)
    constraints: list[tuple[sp.Expr, bool, str]] = [(w, False, f"mixture weight {w} >= 0") for w in mix.weights]
    if len(mix.covariance) == 1:
        c = mix.covariance[0][0]
        constraints.append((c, True, f"variance {c} > 0"))
    for expr, strict, text in constraints:
        box = _interval(sp.sympify(expr), params, strict)
        if box is None:
            continue
        k, a, b = box
        if a > lo[k] or b < hi[k]:
            why[k].append(text)
        lo[k], hi[k] = max(lo[k], a), min(hi[k], b)
    return tuple(zip(lo, hi, strict=True)), tuple("; ".join(r) for r in why)


def _interval(expr: sp.Expr, params: tuple[sp.Symbol, ...], strict: bool) -> tuple[int, float, float] | None:
    """(index, lo, hi) of {θ_k : expr ≥ 0 (> 0 if strict)} when expr depends on one θ_k and that set is
    an interval; None otherwise."""
    from sympy.solvers.inequalities import solve_univariate_inequality

    free = [p for p in params if p in expr.free_symbols]
    if len(free) != 1:
        return None
    t = sp.Symbol("t", real=True)
    rel = expr.subs(free[0], t) > 0 if strict else expr.subs(free[0], t) >= 0
    try:
        region = solve_univariate_inequality(rel, t, relational=False)
    except (NotImplementedError, TypeError, ValueError):
        return None
    if not isinstance(region, sp.Interval):
        return None  # a union of intervals is not a box
    return params.index(free[0]), float(region.inf), float(region.sup)
