r"""An estimation problem: a target p ∝ e^ℓ under a diffusion (D), a model ℓ_θ, compiled.

From the symbolic :class:`~gsmtheory.symbolic.GSMLoss` (implicit integrand
φ(x, θ) = ½∇ℓ_θᵀD∇ℓ_θ + ∇·(D∇ℓ_θ)) this module compiles, once, every per-sample quantity
the estimators and the theory need, evaluated at points x (shape (N, d)) and a parameter θ:

- ψ = ∇_θ φ (the GSM estimating function) and ∇²_θ φ (its Jacobian, the bread before averaging);
- s = ∇_θ ℓ_θ (the unnormalized likelihood score; Cov_p(s) = I(θ*) at the truth);
- J D Jᵀ with J = ∇_θ∇_x ℓ_θ (key lemma: E_p[J D Jᵀ] = E_p[∇²_θ φ] at θ*);
- the parts of ψ used by the general theorem: a = J D ∇ℓ_θ (θ-gradient of ½|O ℓ_θ|²),
  b_tr = ∇_θ Tr(D∇²ℓ_θ) and b_div = ∇_θ (∇·D)ᵀ∇ℓ_θ, so ψ = a + b_tr + b_div.

On a finite, reflecting end whose face term −p·nᵀD∇ℓ_θ does not vanish, the population loss
keeps that term (docs/design.md §1); it is deterministic in θ, so it enters the bread H (through its
θ-Hessian) and not the meat. It needs p at the face, which :meth:`EstimationProblem.boundary`
takes from the target ("oracle" face density; a data-only estimator would have to estimate it).

Parameters with a natural range carry box bounds (:attr:`EstimationProblem.param_bounds`):
derived from the model where its meaning fixes them (a mixture weight w_k(θ) ≥ 0, a 1D mixture
variance > 0, for entries depending on one parameter) or declared by the caller
(``build_problem(..., bounds={"w": (0, 1)})``). The estimators keep every estimate inside them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, SpecError
from gsmtheory.compile import compile_expr
from gsmtheory.estimation._lift import CTLDLift
from gsmtheory.numeric import (
    Expectation,
    expect_1d,
    expect_2d,
    inverse_cdf_1d,
    mixture_logpdf,
    sample_mixture,
)
from gsmtheory.symbolic import Diffusion, GSMLoss, Model, Spec, gsm_loss, kinks_1d

if TYPE_CHECKING:  # torch is the [torch] extra, imported where a torch path runs
    import torch

__all__ = ["EstimationProblem", "build_problem", "natural_bounds", "sample_target", "target_expectation"]

Array = NDArray[np.float64]

_PARTS = ("psi", "hess", "score", "jdj", "a", "b_tr", "b_div")  # what per_sample returns
_CORE = ("psi", "hess", "score")  # compiled when a lifted problem is built


def _coords_args(points: Array, d: int) -> list[Array]:
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim == 1 and d == 1:
        pts = pts[:, None]
    return [pts[..., i] for i in range(d)]


@dataclass(frozen=True)
class EstimationProblem:
    """Compiled per-sample functions of one (diffusion, model) pair; build with :func:`build_problem`."""

    name: str
    diffusion: Diffusion
    model: Model
    loss: GSMLoss
    _numpy: Any = field(repr=False, compare=False)
    _implicit_torch: Any = field(repr=False, compare=False)
    _logq_torch: Any = field(repr=False, compare=False)
    _expfam: Any = field(repr=False, compare=False)
    _expfam_torch: Any = field(repr=False, compare=False)
    _logp_numpy: Any = field(repr=False, compare=False)
    _boundary: tuple[tuple[float, Any], ...] = field(repr=False, compare=False)
    param_bounds: tuple[tuple[float, float], ...] = ()
    bound_reasons: tuple[str, ...] = ()
    kinks: tuple[float, ...] = ()
    _parts: tuple[str, ...] = field(default=_PARTS, repr=False, compare=False)
    lift: CTLDLift | None = None

    def __post_init__(self) -> None:
        P = len(self.model.params)
        if not self.param_bounds:
            object.__setattr__(self, "param_bounds", ((-math.inf, math.inf),) * P)
        if len(self.param_bounds) != P:
            raise ModelError(f"{len(self.param_bounds)} parameter bounds for {P} parameters",
                             "give one (lo, hi) pair per parameter")
        for name, (lo, hi), t in zip(self.params, self.param_bounds, self.model.truth, strict=True):
            if not lo < hi:
                raise ModelError(f"the bounds of {name} are empty ({lo}, {hi})", "give lo < hi")
            if not lo <= float(t) <= hi:
                raise ModelError(f"the truth {name} = {float(t)} lies outside its range [{lo}, {hi}]",
                                 "change the truth or the bounds")

    # ------------------------------------------------------------------ basic facts
    @property
    def params(self) -> tuple[str, ...]:
        """Parameter names in order."""
        return tuple(str(p) for p in self.model.params)

    @property
    def n_params(self) -> int:
        """P."""
        return len(self.model.params)

    @property
    def dim(self) -> int:
        """d."""
        return self.diffusion.dim

    @property
    def truth(self) -> Array:
        """θ* as an array."""
        return np.array(self.model.truth, dtype=float)

    @property
    def bounds(self) -> tuple[tuple[float, float], ...]:
        """The domain as floats (±inf allowed)."""
        return tuple((float(lo), float(hi)) for lo, hi in self.diffusion.domain)

    @property
    def is_bounded(self) -> bool:
        """True when some parameter has a finite bound (see :attr:`param_bounds`)."""
        return any(math.isfinite(lo) or math.isfinite(hi) for lo, hi in self.param_bounds)

    def with_bounds(self, bounds: Mapping[str, tuple[float, float]]) -> EstimationProblem:
        """The same problem with the named parameters' ranges replaced by ``bounds`` (name → (lo, hi))."""
        unknown = sorted(set(bounds) - set(self.params))
        if unknown:
            raise SpecError(f"bounds for unknown parameter(s) {', '.join(unknown)}",
                            f"use the model's parameters: {', '.join(self.params)}")
        new = list(self.param_bounds)
        reasons = list(self.bound_reasons) or [""] * self.n_params
        for k, name in enumerate(self.params):
            if name in bounds:
                lo, hi = (float(v) for v in bounds[name])
                new[k] = (lo, hi)
                reasons[k] = "declared"
        return replace(self, param_bounds=tuple(new), bound_reasons=tuple(reasons))

    @property
    def has_quadratic_loss(self) -> bool:
        """True when ∇²_θφ is free of θ (exponential families, e.g. Gaussian location/precision):
        the GSM loss is exactly quadratic and its minimizer a linear solve."""
        return self._expfam is not None

    @property
    def has_boundary(self) -> bool:
        """True when some face term of the implicit loss does not vanish."""
        return bool(self._boundary)

    # ------------------------------------------------------------------ numpy evaluation
    def target_logpdf(self, points: Array) -> Array:
        """ℓ(x) of the target (normalized for mixtures, unnormalized otherwise)."""
        return self._logp_numpy(points)

    def per_sample(self, points: Array, theta: Any = None, parts: tuple[str, ...] | None = None
                   ) -> dict[str, Array]:
        """Per-sample quantities at θ (default θ*): psi (N,P), hess (N,P,P), score (N,P),
        jdj (N,P,P), a, b_tr, b_div (N,P); ``parts`` picks some (a lifted problem compiles
        psi, hess and score when built and the theory terms jdj, a, b_tr, b_div on request)."""
        th = self.truth if theta is None else np.asarray(theta, dtype=float)
        cols = _coords_args(points, self.dim)
        n = cols[0].shape
        P = self.n_params
        want = self._parts if parts is None else tuple(parts)
        unknown = set(want) - set(_PARTS)
        if unknown:
            raise ModelError(f"unknown per-sample quantity {', '.join(sorted(unknown))}",
                             f"use {', '.join(_PARTS)}")
        if set(want) <= set(self._parts):
            fn, layout = self._numpy, self._parts
        else:
            layout = tuple(k for k in _PARTS if k in want)
            derivs = _derivatives(self.diffusion, self.model, True)
            fn = compile_expr((*self.diffusion.coords, *self.model.params),
                              [e for k in layout for e in derivs[k]], "numpy")
        with np.errstate(all="ignore"):
            out = fn(*cols, *th)
        vals = [np.broadcast_to(np.asarray(v, dtype=float), n) for v in out]
        it = iter(vals)
        result = {}
        for k in layout:
            size = P * P if k in ("hess", "jdj") else P
            block = np.stack([next(it) for _ in range(size)], axis=-1)
            result[k] = block.reshape(*n, P, P) if size == P * P and k in ("hess", "jdj") else block
        return {k: result[k] for k in want}

    def expect(self, funcs: Callable[[Array], list[Array]], panels: int) -> Expectation:
        """E_p[f] for each f in ``funcs(points)`` ((N, d) → list of (N,) arrays), by quadrature (d ≤ 2)."""
        return target_expectation(self.diffusion, funcs, panels, self._logp_numpy, points=self.kinks)

    # ------------------------------------------------------------------ boundary
    def boundary(self, theta: Any = None) -> tuple[float, Array, Array]:
        """(B(θ), ∇_θB, ∇²_θB) for the face terms B(θ) = −Σ p(face)·flux(face, θ) (1D)."""
        th = self.truth if theta is None else np.asarray(theta, dtype=float)
        P = self.n_params
        val, grad, hess = 0.0, np.zeros(P), np.zeros((P, P))
        for density, fn in self._boundary:
            out = [float(np.asarray(v)) for v in fn(*th)]
            val -= density * out[0]
            grad -= density * np.array(out[1:1 + P])
            hess -= density * np.array(out[1 + P:]).reshape(P, P)
        return val, grad, hess

    def boundary_torch(self, theta: torch.Tensor) -> torch.Tensor:
        """B(θ) for a batch of parameters (R, P) → (R,)."""
        import torch
        total = torch.zeros(theta.shape[0], dtype=theta.dtype, device=theta.device)
        for density, fn in self._boundary:
            out = fn.torch(*[theta[:, k] for k in range(self.n_params)])
            total = total - density * out
        return total

    # ------------------------------------------------------------------ torch evaluation
    def implicit_torch(self, x: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        """φ(x, θ) for data x (R, n, d) and parameters θ (R, P) → (R, n)."""
        cols = [x[..., i] for i in range(self.dim)]
        th = [theta[:, k:k + 1] for k in range(self.n_params)]
        return self._implicit_torch(*cols, *th)  # type: ignore[no-any-return]

    def model_logpdf_torch(self, x: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        """ℓ_θ(x) (stable log-sum-exp for mixtures; normalized iff ``model.normalized``) → (R, n)."""
        import torch
        cols = [x[..., i] for i in range(self.dim)]
        th = [theta[:, k:k + 1] for k in range(self.n_params)]
        kind, fn = self._logq_torch
        if kind == "components":
            parts = fn(*cols, *th)
            stacked = torch.stack(torch.broadcast_tensors(*parts), dim=-1)
            return torch.logsumexp(stacked, dim=-1)
        return fn(*cols, *th)  # type: ignore[no-any-return]

    def quadratic_coefficients(self, points: Array) -> tuple[Array, Array]:
        """For an exponential family, φ(x, θ) = ½θᵀA(x)θ + b(x)ᵀθ + c(x): per-sample A (N,P,P), b (N,P)."""
        if self._expfam is None:
            raise ModelError("the GSM loss of this model is not quadratic in θ",
                             "use the iterative GSM estimator")
        cols = _coords_args(points, self.dim)
        n = cols[0].shape
        P = self.n_params
        with np.errstate(all="ignore"):
            out = [np.broadcast_to(np.asarray(v, dtype=float), n) for v in self._expfam(*cols)]
        A = np.stack(out[:P * P], axis=-1).reshape(*n, P, P)
        b = np.stack(out[P * P:], axis=-1)
        return A, b

    def quadratic_coefficients_torch(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Torch version of :meth:`quadratic_coefficients` for x (..., d)."""
        import torch
        if self._expfam_torch is None:
            raise ModelError("the GSM loss of this model is not quadratic in θ", "use the iterative GSM estimator")
        cols = [x[..., i] for i in range(self.dim)]
        out = self._expfam_torch(*cols)
        P = self.n_params
        shape = cols[0].shape
        out = [o.expand(shape) for o in out]
        A = torch.stack(out[:P * P], dim=-1).reshape(*shape, P, P)
        b = torch.stack(out[P * P:], dim=-1)
        return A, b


def target_expectation(diffusion: Diffusion, funcs: Callable[[Array], list[Array]], panels: int,
                       logp: Callable[[Array], Array] | None = None, *,
                       points: tuple[float, ...] | None = None) -> Expectation:
    """E_p[f] under the diffusion's target for each f in ``funcs(points)``, by quadrature (d ≤ 2).

    1D: ``points`` are kinks of the integrands (default: those of ℓ and D, :func:`kinks_1d`)."""
    lp = _target_logpdf(diffusion) if logp is None else logp
    b = tuple((float(lo), float(hi)) for lo, hi in diffusion.domain)
    if diffusion.dim == 1:
        if points is None:
            points = kinks_1d([diffusion.log_density, diffusion.D[0, 0]], diffusion.coords[0],
                              *diffusion.domain[0])
        return expect_1d(lambda x: lp(x[:, None]), lambda x: funcs(x[:, None]), *b[0], panels=panels,
                         points=points)
    if diffusion.dim == 2:
        def logp2(X: Array, Y: Array) -> Array:
            XX, YY = np.broadcast_arrays(X, Y)
            return lp(np.stack([XX, YY], axis=-1))

        def f(X: Array, Y: Array) -> list[Array]:
            XX, YY = np.broadcast_arrays(X, Y)
            pts = np.stack([XX.ravel(), YY.ravel()], axis=-1)
            return [np.asarray(v).reshape(XX.shape) for v in funcs(pts)]

        return expect_2d(logp2, f, (b[0], b[1]), panels=panels)
    raise ModelError(f"quadrature covers d ≤ 2, this problem has d = {diffusion.dim}",
                     "use the Monte Carlo methods (method='monte-carlo')")


class _BoundaryFn:
    """flux(face, θ), its θ-gradient and Hessian, compiled for numpy and torch."""

    def __init__(self, params: tuple[sp.Symbol, ...], flux: sp.Expr) -> None:
        grad = [sp.diff(flux, t) for t in params]
        hess = [sp.diff(flux, a, b) for a in params for b in params]
        self._np = compile_expr(params, [flux, *grad, *hess], "numpy")
        self._t = compile_expr(params, flux, "torch")

    def __call__(self, *theta: float) -> list[Any]:
        return self._np(*theta)  # type: ignore[no-any-return]

    def torch(self, *theta: torch.Tensor) -> torch.Tensor:
        return self._t(*theta)  # type: ignore[no-any-return]


def _mixture_components(model: Model, coords: tuple[sp.Symbol, ...]) -> list[sp.Expr]:
    mix = model.mixture
    assert mix is not None  # guarded by the caller
    cov = sp.Matrix(mix.covariance)
    prec = cov.inv()
    x = sp.Matrix(coords)
    half_logdet = sp.log(cov.det()) / 2
    out = []
    for mu, w in zip(mix.means, mix.weights, strict=True):
        diff = x - sp.Matrix(mu)
        out.append(sp.log(w) - half_logdet - (diff.T * prec * diff)[0, 0] / 2)
    return out


def _target_logpdf(diffusion: Diffusion) -> Callable[[Array], Array]:
    d = diffusion.dim
    if diffusion.mixture is not None:
        mix = diffusion.mixture
        return lambda pts: mixture_logpdf(mix, np.asarray(pts, dtype=float))
    f = compile_expr(diffusion.coords, diffusion.log_density, "numpy")

    def logp(pts: Array) -> Array:
        cols = _coords_args(pts, d)
        with np.errstate(all="ignore"):
            return np.asarray(f(*cols), dtype=float)

    return logp


def natural_bounds(model: Model) -> tuple[tuple[tuple[float, float], ...], tuple[str, ...]]:
    r"""Box bounds implied by the model's meaning: {θ : w_k(θ) ≥ 0 for every mixture weight} and,
    for a 1D mixture, {θ : σ²(θ) > 0}, from the entries that depend on a single parameter.

    Returns one (lo, hi) per parameter (±inf when nothing constrains it) and, per parameter, the
    reason ("" when unbounded). Constraints that couple several parameters (weights of three or
    more components) are not boxes and are not derived here; declare bounds for them instead.
    """
    from sympy.solvers.inequalities import solve_univariate_inequality

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
        expr = sp.sympify(expr)
        free = [p for p in params if p in expr.free_symbols]
        if len(free) != 1:
            continue
        k = params.index(free[0])
        t = sp.Symbol("t", real=True)
        rel = expr.subs(free[0], t) > 0 if strict else expr.subs(free[0], t) >= 0
        try:
            region = solve_univariate_inequality(rel, t, relational=False)
        except (NotImplementedError, TypeError, ValueError):
            continue
        if not isinstance(region, sp.Interval):
            continue  # a union of intervals is not a box
        a, b = float(region.inf), float(region.sup)
        if a > lo[k] or b < hi[k]:
            why[k].append(text)
        lo[k], hi[k] = max(lo[k], a), min(hi[k], b)
    return tuple(zip(lo, hi, strict=True)), tuple("; ".join(r) for r in why)


@lru_cache(maxsize=64)
def _derivatives(diffusion: Diffusion, model: Model, theory: bool) -> dict[str, list[sp.Expr]]:
    """The per-sample expressions: ψ, ∇²_θφ, s (core) and, with ``theory``, J D Jᵀ, a, b_tr, b_div."""
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
    out.update({"jdj": list(J * D * J.T), "a": a, "b_tr": [sp.diff(trace_part, t) for t in theta],
                "b_div": [sp.diff(div_part, t) for t in theta]})
    return out


@lru_cache(maxsize=64)
def _build(diffusion: Diffusion, model: Model, name: str, lifted: bool = False) -> EstimationProblem:
    loss = gsm_loss(diffusion, model)
    x, theta = diffusion.coords, model.params
    d = len(x)
    D = diffusion.D
    ell = model.log_density
    parts = _CORE if lifted else _PARTS  # a lifted problem derives the theory terms on request
    derivs = _derivatives(diffusion, model, not lifted)
    exprs = [e for k in parts for e in derivs[k]]
    args = (*x, *theta)
    numpy_fn = compile_expr(args, exprs, "numpy")
    implicit_t = compile_expr(args, loss.implicit, "torch")
    if model.kind == "mixture" and model.mixture is not None:
        logq = ("components", compile_expr(args, _mixture_components(model, x), "torch"))
    else:
        logq = ("formula", compile_expr(args, ell, "torch"))
    expfam = expfam_t = None
    hess_free = not any(e.free_symbols & set(theta) for e in loss.theta_hessian)
    if hess_free:  # exponential families, and any model whose θ-dependence is x-free beyond them
        zero = dict.fromkeys(theta, 0)
        lin = [sp.simplify(g.subs(zero)) for g in loss.theta_gradient]
        ef_exprs = [*loss.theta_hessian, *lin]
        expfam = compile_expr(x, ef_exprs, "numpy")
        expfam_t = compile_expr(x, ef_exprs, "torch")
    logp = _target_logpdf(diffusion)
    faces: list[tuple[float, Any]] = []
    live = [] if lifted else [t for t in loss.boundary_terms if t.vanishes is not True]  # a lift keeps its own
    if live:
        if d != 1:
            raise ModelError("the implicit loss has face terms on a finite end in d = 2",
                             "estimation with boundary terms is implemented in 1D only")
        lo, hi = (float(v) for v in diffusion.domain[0])
        ex = expect_1d(lambda z: logp(z[:, None]), lambda z: np.ones_like(z), lo, hi)
        for term in live:
            lp = float(np.asarray(logp(np.array([[float(term.at)]]))).reshape(-1)[0])
            if lp == math.inf:
                raise ModelError(f"the target density is infinite at the face {term.coord} = {term.at}",
                                 "the face term p·flux is undefined there; change the domain or D")
            density = math.exp(lp - ex.log_normalizer) if lp > -math.inf else 0.0
            if density > 0:
                flux = term.flux.subs(term.coord, term.at)
                faces.append((density, _BoundaryFn(theta, flux)))
    box, reasons = natural_bounds(model)
    kinks: tuple[float, ...] = ()
    if d == 1:
        kinks = kinks_1d([loss.implicit, ell, diffusion.log_density, D[0, 0]], x[0], *diffusion.domain[0],
                         subs=model.truth_map)
    return EstimationProblem(name, diffusion, model, loss, numpy_fn, implicit_t, logq, expfam,
                             expfam_t, logp, tuple(faces), box, reasons, kinks, parts)


def build_problem(spec: Spec | Diffusion, model: Model | None = None, *,
                  bounds: Mapping[str, tuple[float, float]] | None = None,
                  lift: CTLDLift | None = None) -> EstimationProblem:
    """Compile the estimation problem of a spec (or of a diffusion and a model); cached per pair.

    ``bounds`` (parameter name → (lo, hi)) declares or overrides parameter ranges; without it
    the ranges implied by the model are used (:func:`natural_bounds`). ``lift``: the problem is
    the CTLD lift of a target (``spec`` the lifted diffusion, ``model`` the lifted model); the
    lift holds the β-faces, which then stay out of the problem's own face terms.

    Raises
    ------
    SpecError
        When no model is given and the spec has none.
    """
    if isinstance(spec, Spec):
        diffusion, model = spec.diffusion, (model if model is not None else spec.model)
        name = spec.name
    else:
        diffusion, name = spec, spec.name
    if model is None:
        raise SpecError("the spec has no [model]",
                        "add a [model] table with params, truth and log_density (or [model.mixture])")
    problem = _build(diffusion, model, name, lift is not None)
    if lift is not None:
        problem = replace(problem, lift=lift)
    return problem.with_bounds(bounds) if bounds else problem


def sample_target(problem: EstimationProblem | Diffusion, n: int | tuple[int, ...],
                  seed: int | np.random.Generator = 0) -> Array:
    """Exact samples of p: Gaussian mixtures directly; other 1D targets by inverse CDF.

    Returns an array of shape ``(*shape, d)``. The 1D inverse CDF is exact to |F(x) − u| ≲ 1e-13
    (:func:`gsmtheory.numeric.inverse_cdf_1d`: F by adaptive quadrature over the whole domain,
    tails included, then a bracketed Newton solve for each u), so heavy tails are sampled
    correctly; it consumes one uniform per sample.
    """
    diffusion = problem.diffusion if isinstance(problem, EstimationProblem) else problem
    rng = np.random.default_rng(seed)
    shape = (n,) if isinstance(n, int) else tuple(n)
    total = int(np.prod(shape))
    d = diffusion.dim
    if diffusion.mixture is not None and all(not lo.is_finite and not hi.is_finite
                                             for lo, hi in diffusion.domain):
        out = sample_mixture(diffusion.mixture, total, rng)
        return out.reshape(*shape, d)
    if d != 1:
        raise ModelError(f"exact sampling of a non-mixture target in d = {d} is not available",
                         "give the target as a [mixture] or use d = 1")
    logp = _target_logpdf(diffusion)
    lo, hi = (float(v) for v in diffusion.domain[0])
    u = rng.random(total)
    x, _resid = inverse_cdf_1d(lambda z: logp(z[:, None]), lo, hi, u)
    return np.asarray(x, dtype=float).reshape(*shape, 1)
