r"""The model side of a :class:`gsmtheory.solve.Problem`: ℓ_θ and its GSM loss, compiled on first use.

From the symbolic :class:`~gsmtheory.symbolic.GSMLoss` (implicit integrand
φ(x, θ) = ½∇ℓ_θᵀD∇ℓ_θ + ∇·(D∇ℓ_θ)) and :func:`gsmtheory.symbolic.estimating_terms`,
:class:`ModelView` compiles, once, every per-sample quantity the estimators and the theory
need, at points x (shape (N, d)) and a parameter θ: ψ = ∇_θφ, ∇²_θφ, s = ∇_θℓ_θ, J D Jᵀ and the
theorem's parts a, b_tr, b_div (:meth:`ModelView.per_sample`); φ and ℓ_θ in torch; the
coefficients of a loss quadratic in θ; the face terms.

On a finite, reflecting end whose face term −p·nᵀD∇ℓ_θ does not vanish, the population loss
keeps that term (docs/design.md §1); it is deterministic in θ, so it enters the bread H (through
its θ-Hessian) and not the meat. It needs p at the face, which :meth:`ModelView.boundary` takes
from the target ("oracle" face density; a data-only estimator would have to estimate it).
Parameters with a natural range carry box bounds (:attr:`ModelView.param_bounds`, from
:func:`gsmtheory.symbolic.natural_bounds` or declared with :meth:`ModelView.with_bounds`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, SpecError
from gsmtheory.compile import compile_expr
from gsmtheory.numeric import Expectation, expect_1d
from gsmtheory.solve._problem_target import coordinate_columns, target_expectation
from gsmtheory.symbolic import (
    ESTIMATING_TERMS,
    Diffusion,
    GSMLoss,
    Model,
    estimating_terms,
    gsm_loss,
    kinks_1d,
    mixture_component_logs,
    quadratic_terms,
    theta_derivatives,
)

if TYPE_CHECKING:
    import torch

__all__ = ["ModelView"]

Array = NDArray[np.float64]

_CORE = ("psi", "hess", "score")  # what a joint (lifted) problem compiles first


class ModelView:
    """Compiled per-sample functions of the problem's (diffusion, model) pair (module docstring)."""

    name: str
    diffusion: Diffusion
    model_or_none: Model | None
    param_bounds: tuple[tuple[float, float], ...]
    bound_reasons: tuple[str, ...]
    core_only: bool
    own_faces: bool
    target_logpdf: Callable[[Array], Array]
    memo: Callable[[str, Callable[[], Any]], Any]

    # ------------------------------------------------------------------ basic facts
    @property
    def model(self) -> Model:
        """The model (a one-line error when the spec has none)."""
        if self.model_or_none is None:
            raise SpecError(f"spec {self.name!r} has no [model]",
                            "add a [model] table with params, truth and log_density (or [model.mixture])")
        return self.model_or_none

    @property
    def loss(self) -> GSMLoss:
        return self.memo('loss', self._make_loss)  # type: ignore[no-any-return]

    def _make_loss(self) -> GSMLoss:
        """The GSM loss of the diffusion and the model (:func:`gsmtheory.symbolic.gsm_loss`)."""
        return gsm_loss(self.diffusion, self.model)

    @property
    def params(self) -> tuple[str, ...]:
        """Parameter names in order."""
        return tuple(str(p) for p in self.model.params)

    @property
    def n_params(self) -> int:
        """P."""
        return len(self.model.params)

    @property
    def truth(self) -> Array:
        """θ* as an array."""
        return np.array(self.model.truth, dtype=float)

    @property
    def is_bounded(self) -> bool:
        """True when some parameter has a finite bound (see :attr:`param_bounds`)."""
        return any(math.isfinite(lo) or math.isfinite(hi) for lo, hi in self.param_bounds)

    def with_bounds(self, bounds: Mapping[str, tuple[float, float]]) -> Any:
        """The same problem with the named parameters' ranges replaced by ``bounds`` (name → (lo, hi))."""
        unknown = sorted(set(bounds) - set(self.params))
        if unknown:
            raise SpecError(f"bounds for unknown parameter(s) {', '.join(unknown)}",
                            f"use the model's parameters: {', '.join(self.params)}")
        new = list(self.param_bounds)
        reasons = list(self.bound_reasons) or [""] * self.n_params
        for k, name in enumerate(self.params):
            if name in bounds:
                new[k] = tuple(float(v) for v in bounds[name])  # type: ignore[assignment]
                reasons[k] = "declared"
        return replace(self, param_bounds=tuple(new), bound_reasons=tuple(reasons))  # type: ignore[type-var]

    @property
    def has_quadratic_loss(self) -> bool:
        """True when ∇²_θφ is free of θ (exponential families): the GSM loss is exactly quadratic."""
        return self._quadratic is not None

    @property
    def has_boundary(self) -> bool:
        """True when some face term of the implicit loss does not vanish."""
        return bool(self._faces)

    @property
    def kinks(self) -> tuple[float, ...]:
        return self.memo('kinks', self._make_kinks)  # type: ignore[no-any-return]

    def _make_kinks(self) -> tuple[float, ...]:
        """Kinks of the 1D integrands (quadrature breakpoints); () in d ≥ 2."""
        if self.diffusion.dim != 1:
            return ()
        x, D = self.diffusion.coords, self.diffusion.D
        return tuple(kinks_1d([self.loss.implicit, self.model.log_density, self.diffusion.log_density, D[0, 0]],
                              x[0], *self.diffusion.domain[0], subs=self.model.truth_map))

    # ------------------------------------------------------------------ numpy evaluation
    def _program(self, layout: tuple[str, ...]) -> Any:
        terms = estimating_terms(self.diffusion, self.model, not self.core_only or set(layout) - set(_CORE) != set())
        return compile_expr((*self.diffusion.coords, *self.model.params), [e for k in layout for e in terms[k]],
                            "numpy")

    @property
    def _default_program(self) -> tuple[tuple[str, ...], Any]:
        return self.memo('_default_program', self._make_default_program)  # type: ignore[no-any-return]

    def _make_default_program(self) -> tuple[tuple[str, ...], Any]:
        layout = _CORE if self.core_only else ESTIMATING_TERMS
        return layout, self._program(layout)

    def per_sample(self, points: Array, theta: Any = None, parts: tuple[str, ...] | None = None
                   ) -> dict[str, Array]:
        """Per-sample quantities at θ (default θ*): psi (N,P), hess (N,P,P), score (N,P),
        jdj (N,P,P), a, b_tr, b_div (N,P); ``parts`` picks some (a joint problem compiles
        psi, hess and score first and the theory terms on request)."""
        th = self.truth if theta is None else np.asarray(theta, dtype=float)
        cols = coordinate_columns(points, self.diffusion.dim)
        n, P = cols[0].shape, self.n_params
        layout, fn = self._default_program
        want = layout if parts is None else tuple(parts)
        unknown = set(want) - set(ESTIMATING_TERMS)
        if unknown:
            raise ModelError(f"unknown per-sample quantity {', '.join(sorted(unknown))}",
                             f"use {', '.join(ESTIMATING_TERMS)}")
        if not set(want) <= set(layout):
            layout = tuple(k for k in ESTIMATING_TERMS if k in want)
            fn = self._program(layout)
        with np.errstate(all="ignore"):
            out = fn(*cols, *th)
        it = iter(np.broadcast_to(np.asarray(v, dtype=float), n) for v in out)
        result = {}
        for k in layout:
            square = k in ("hess", "jdj")
            block = np.stack([next(it) for _ in range(P * P if square else P)], axis=-1)
            result[k] = block.reshape(*n, P, P) if square else block
        return {k: result[k] for k in want}

    def expect(self, funcs: Callable[[Array], list[Array]], panels: int) -> Expectation:
        """E_p[f] for each f in ``funcs(points)`` ((N, d) → list of (N,) arrays), by quadrature (d ≤ 2)."""
        return target_expectation(self.diffusion, funcs, panels, self.target_logpdf, points=self.kinks)

    # ------------------------------------------------------------------ boundary
    @property
    def _faces(self) -> tuple[tuple[float, Any, Any], ...]:
        return self.memo('_faces', self._make_faces)  # type: ignore[no-any-return]

    def _make_faces(self) -> tuple[tuple[float, Any, Any], ...]:
        """(p at the face, numpy [flux, ∇flux, ∇²flux], torch flux) of each live face term."""
        live = [t for t in self.loss.boundary_terms if t.vanishes is not True] if self.own_faces else []
        if not live:
            return ()
        if self.diffusion.dim != 1:
            raise ModelError("the implicit loss has face terms on a finite end in d = 2",
                             "estimation with boundary terms is implemented in 1D only")
        logp, theta = self.target_logpdf, self.model.params
        lo, hi = (float(v) for v in self.diffusion.domain[0])
        ex = expect_1d(lambda z: logp(z[:, None]), lambda z: np.ones_like(z), lo, hi)
        faces = []
        for term in live:
            lp = float(np.asarray(logp(np.array([[float(term.at)]]))).reshape(-1)[0])
            if lp == math.inf:
                raise ModelError(f"the target density is infinite at the face {term.coord} = {term.at}",
                                 "the face term p·flux is undefined there; change the domain or D")
            density = math.exp(lp - ex.log_normalizer) if lp > -math.inf else 0.0
            if density > 0:
                flux = term.flux.subs(term.coord, term.at)
                faces.append((density, compile_expr(theta, theta_derivatives(flux, theta), "numpy"),
                              compile_expr(theta, flux, "torch")))
        return tuple(faces)

    def boundary(self, theta: Any = None) -> tuple[float, Array, Array]:
        """(B(θ), ∇_θB, ∇²_θB) for the face terms B(θ) = −Σ p(face)·flux(face, θ) (1D)."""
        th = self.truth if theta is None else np.asarray(theta, dtype=float)
        P = self.n_params
        val, grad, hess = 0.0, np.zeros(P), np.zeros((P, P))
        for density, fn, _ in self._faces:
            out = [float(np.asarray(v)) for v in fn(*th)]
            val -= density * out[0]
            grad -= density * np.array(out[1:1 + P])
            hess -= density * np.array(out[1 + P:]).reshape(P, P)
        return val, grad, hess

    def boundary_torch(self, theta: torch.Tensor) -> torch.Tensor:
        """B(θ) for a batch of parameters (R, P) → (R,)."""
        import torch

        total = torch.zeros(theta.shape[0], dtype=theta.dtype, device=theta.device)
        for density, _, fn in self._faces:
            total = total - density * fn(*[theta[:, k] for k in range(self.n_params)])
        return total

    # ------------------------------------------------------------------ torch evaluation
    @property
    def _implicit_torch(self) -> Any:
        return self.memo('_implicit_torch', self._make_implicit_torch)  # type: ignore[no-any-return]

    def _make_implicit_torch(self) -> Any:
        return compile_expr((*self.diffusion.coords, *self.model.params), self.loss.implicit, "torch")

    @property
    def _logq_torch(self) -> tuple[str, Any]:
        return self.memo('_logq_torch', self._make_logq_torch)  # type: ignore[no-any-return]

    def _make_logq_torch(self) -> tuple[str, Any]:
        args = (*self.diffusion.coords, *self.model.params)
        if self.model.kind == "mixture" and self.model.mixture is not None:
            return "components", compile_expr(args, mixture_component_logs(self.model, self.diffusion.coords), "torch")
        return "formula", compile_expr(args, self.model.log_density, "torch")

    def implicit_torch(self, x: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        """φ(x, θ) for data x (R, n, d) and parameters θ (R, P) → (R, n)."""
        cols = [x[..., i] for i in range(self.diffusion.dim)]
        th = [theta[:, k:k + 1] for k in range(self.n_params)]
        return self._implicit_torch(*cols, *th)  # type: ignore[no-any-return]

    def model_logpdf_torch(self, x: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        """ℓ_θ(x) (stable log-sum-exp for mixtures; normalized iff ``model.normalized``) → (R, n)."""
        cols = [x[..., i] for i in range(self.diffusion.dim)]
        th = [theta[:, k:k + 1] for k in range(self.n_params)]
        import torch

        kind, fn = self._logq_torch
        if kind == "components":
            parts = fn(*cols, *th)
            return torch.logsumexp(torch.stack(torch.broadcast_tensors(*parts), dim=-1), dim=-1)
        return fn(*cols, *th)  # type: ignore[no-any-return]

    @property
    def _quadratic(self) -> tuple[Any, Any] | None:
        return self.memo('_quadratic', self._make_quadratic)  # type: ignore[no-any-return]

    def _make_quadratic(self) -> tuple[Any, Any] | None:
        exprs = quadratic_terms(self.loss)
        if exprs is None:
            return None
        x = self.diffusion.coords
        return compile_expr(x, exprs, "numpy"), compile_expr(x, exprs, "torch")

    def _quadratic_or_raise(self) -> tuple[Any, Any]:
        if self._quadratic is None:
            raise ModelError("the GSM loss of this model is not quadratic in θ", "use the iterative GSM estimator")
        return self._quadratic

    def quadratic_coefficients(self, points: Array) -> tuple[Array, Array]:
        """For an exponential family, φ(x, θ) = ½θᵀA(x)θ + b(x)ᵀθ + c(x): per-sample A (N,P,P), b (N,P)."""
        fn = self._quadratic_or_raise()[0]
        cols = coordinate_columns(points, self.diffusion.dim)
        n, P = cols[0].shape, self.n_params
        with np.errstate(all="ignore"):
            out = [np.broadcast_to(np.asarray(v, dtype=float), n) for v in fn(*cols)]
        return np.stack(out[:P * P], axis=-1).reshape(*n, P, P), np.stack(out[P * P:], axis=-1)

    def quadratic_coefficients_torch(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Torch version of :meth:`quadratic_coefficients` for x (..., d)."""
        import torch

        fn = self._quadratic_or_raise()[1]
        cols = [x[..., i] for i in range(self.diffusion.dim)]
        shape, P = cols[0].shape, self.n_params
        out = [o.expand(shape) for o in fn(*cols)]
        return torch.stack(out[:P * P], dim=-1).reshape(*shape, P, P), torch.stack(out[P * P:], dim=-1)
