r"""The CTLD lift as a small named piece of an estimation problem: β ∼ r, x | β ∼ p^β, the β-faces.

The CTLD loss is the GSM loss of the lifted model ℓ_θ(x, β) = log r(β) + log p^β_θ(x) under the
identity diffusion on (x, β) ∈ R^d × [0, β_max] (docs/design.md §1): an
:class:`~gsmtheory.estimation.EstimationProblem` of the lifted diffusion and model. What the
lift adds to it is held here, in :class:`CTLDLift`:

- the β-marginal r/Z_r on [0, β_max] (``params``, ``log_z_r``) and its quadrature rule;
- x | β ∼ p^β = p * N(0, βλI) of the Gaussian-mixture target, its quadrature rule and the joint
  expectation E_{(x,β)∼r p^β}[f];
- the β-face terms −Σ_f c_f E_{x∼p^{β_f}}[n_f ∂_β ℓ_θ(x, β_f)], c_f = r(β_f)/Z_r and n = −1 at
  β = 0, +1 at β = β_max, compiled in (x, θ) (:class:`LiftFace`);
- the empirical draws of the estimator: from data x_i ∼ p, β_i ∼ r, x̃_i = x_i + √(β_iλ) z_i for
  the bulk, x_i for the β = 0 face and x_i + √(β_max λ) z'_i for the β = β_max face;
- the un-lifted diffusion and model (vanilla score matching and the original MLE baseline).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.compile import compile_expr
from gsmtheory.numeric import (
    CTLDSchedule,
    gauss_legendre_panels,
    log_r_functions,
    mixture_lift_rule,
    mixture_logpdf,
    sample_beta,
)
from gsmtheory.solve import ctld_schedule
from gsmtheory.symbolic import (
    CTLDParameters,
    Diffusion,
    GaussianMixture,
    Model,
    Spec,
    ctld_lift_spec,
    gsm_loss,
)

__all__ = ["CTLDLift", "LiftFace", "lift_spec"]

Array = NDArray[Any]


def split_points(x: Array, d: int) -> tuple[tuple[Array, ...], tuple[int, ...]]:
    """(coordinate arrays, batch shape) of points x: shape (...) for d = 1, (..., d) for d ≥ 2."""
    xa = np.asarray(x, dtype=float)
    if d == 1:
        return (xa,), xa.shape
    if xa.ndim == 0 or xa.shape[-1] != d:
        raise NumericalError(f"points have shape {xa.shape}, expected (..., {d}) for a {d}D target",
                             f"pass x with a last axis of length {d}")
    return tuple(xa[..., i] for i in range(d)), xa.shape[:-1]


def joint_points(x: Array, beta: Array, d: int) -> Array:
    """Points (x, β) of the lifted space, shape (..., d + 1), from x ((...) or (..., d)) and β (...)."""
    cols, shape = split_points(x, d)
    shape = np.broadcast_shapes(shape, np.shape(beta))
    return np.stack([*(np.broadcast_to(c, shape) for c in cols), np.broadcast_to(np.asarray(beta, float), shape)],
                    axis=-1)


@dataclass(frozen=True)
class LiftFace:
    """One β-face: β_f, c_f = r(β_f)/Z_r, flux n_f ∂_β ℓ_θ(x, β_f) and its θ-derivatives, compiled in (x, θ)."""

    at: float
    weight: float
    flux: sp.Expr = field(repr=False)
    value: Callable[..., Any] = field(repr=False)  # numpy: [flux, ∇_θ flux, ∇²_θ flux]
    torch_flux: Callable[..., Any] = field(repr=False)


@dataclass(frozen=True)
class CTLDLift:
    r"""What the CTLD lift adds to the lifted estimation problem (module docstring).

    Attributes
    ----------
    target : GaussianMixture
        p, in any dimension d.
    params : CTLDParameters
        λ, β_max, log r.
    log_z_r : float
        log ∫_0^{β_max} r (128 Gauss–Legendre panels of 16 nodes).
    faces : tuple of LiftFace
        The non-vanishing β-faces.
    base, base_model : Diffusion, Model
        The un-lifted diffusion and model (vanilla score matching, the original MLE).
    """

    target: GaussianMixture
    params: CTLDParameters
    log_z_r: float
    faces: tuple[LiftFace, ...]
    base: Diffusion = field(repr=False)
    base_model: Model = field(repr=False)

    @property
    def dim(self) -> int:
        """d, the dimension of x."""
        return self.target.dim

    @property
    def schedule(self) -> CTLDSchedule:
        """λ, β_max and log r compiled for the array code (:func:`gsmtheory.solve.ctld_schedule`)."""
        return ctld_schedule(self.params)

    # ---------------------------------------------------------------- quadrature
    def beta_rule(self, panels: int) -> tuple[Array, Array]:
        """Nodes and weights of E_{β∼r/Z_r}: ``panels`` Gauss–Legendre panels of 16 nodes on [0, β_max]."""
        log_r, _ = log_r_functions(self.schedule)
        b, w = gauss_legendre_panels(0.0, self.params.beta_max, panels, 16)
        return b, w * np.exp(log_r(b) - self.log_z_r)

    def x_rule(self, s: float | Array, panels: int) -> tuple[Array, Array]:
        """x ∼ p^s. d = 1: composite Gauss–Legendre (``panels`` panels of 16 nodes) on
        [min μ − 10 sd, max μ + 10 sd] weighted by p^s, nodes (..., 16·panels). d ≥ 2: tensor
        Gauss–Hermite per component with ``panels`` nodes per axis (:func:`mixture_lift_rule`),
        nodes (..., K·panels^d (less negligible corners), d). Weights sum to 1 along the last axis.
        """
        if self.dim >= 2:
            return mixture_lift_rule(self.target, s, panels)
        mu = np.array([m[0] for m in self.target.means])
        sd = np.sqrt(self.target.covariance[0][0] + np.asarray(s, dtype=float))[..., None]
        t, w = gauss_legendre_panels(0.0, 1.0, panels, 16)
        lo, hi = mu.min() - 10 * sd, mu.max() + 10 * sd
        nodes = lo + (hi - lo) * t
        lp = mixture_logpdf(self.target, nodes[..., None],
                            np.broadcast_to(np.asarray(s, dtype=float)[..., None], nodes.shape))
        weights = (hi - lo) * w * np.exp(lp)
        return nodes, weights / weights.sum(axis=-1, keepdims=True)

    def joint_expect(self, fn: Callable[[Array, Array], list[Array]], *, panels: int = 16,
                     nh: int = 16) -> list[Array]:
        """E_{(x,β)∼r p^β}[f] for each array f returned by ``fn(x, beta)`` (trailing axes kept);
        ``panels`` Gauss–Legendre panels of 16 nodes in β, ``nh`` in x (panels of 16 for d = 1,
        Gauss–Hermite nodes per axis for d ≥ 2; x is passed as (nb, N) or (nb, N, d))."""
        b, wb = self.beta_rule(panels)
        xs, wx = self.x_rule(b * self.params.lambda_min, nh)
        bb = np.broadcast_to(b[:, None], wx.shape)
        vals = fn(xs, bb)
        w = wb[:, None] * wx
        out = []
        for v in vals:
            v = np.where(np.isfinite(v), v, 0.0) if np.ndim(v) == w.ndim else v
            out.append(np.tensordot(w, v, axes=([0, 1], [0, 1])))
        return out

    def face_values(self, face: LiftFace, x: Array, theta: Sequence[float]) -> list[Array]:
        """[flux, ∇_θ flux, ∇²_θ flux] of a β-face at points x (broadcast to x's batch shape)."""
        cols, shape = split_points(x, self.dim)
        with np.errstate(all="ignore"):
            out = face.value(*cols, *[float(t) for t in theta])
        return [np.broadcast_to(np.asarray(v, dtype=float), shape) for v in out]

    # ---------------------------------------------------------------- the estimator's draws
    def data(self, data: Array) -> Array:
        """Data as (n,) for d = 1 and (n, d) for d ≥ 2, checked finite and non-empty."""
        d = self.dim
        x = np.asarray(data, dtype=float)
        if d == 1:
            x = x.reshape(-1)
        elif x.ndim != 2 or x.shape[1] != d:
            raise NumericalError(f"data of shape {x.shape} for a {d}D target",
                                 f"give one row of {d} numbers per sample")
        if x.size == 0 or not np.all(np.isfinite(x)):
            raise NumericalError("data must be a non-empty array of finite numbers", "check the data file")
        return x

    def draws(self, data: Array, seed: int | np.random.Generator = 0
              ) -> tuple[Array, list[tuple[LiftFace, Array]]]:
        """The lifted bulk points (x̃_i, β_i), shape (n, d + 1), and each face's points x_i^{(f)}.

        β_i ∼ r (inverse CDF), x̃_i = x_i + √(β_iλ) z_i, x_i^{(0)} = x_i, x_i^{(β_max)} = x_i + √(β_max λ) z'_i.
        """
        rng = np.random.default_rng(seed)
        x = self.data(data)
        n, d = x.shape[0], self.dim
        shape = (n,) if d == 1 else (n, d)
        beta = sample_beta(self.schedule, n, rng)
        lam = self.params.lambda_min
        scale = np.sqrt(beta * lam) if d == 1 else np.sqrt(beta * lam)[:, None]
        bulk = joint_points(x + scale * rng.standard_normal(shape), beta, d)
        faces = [(face, x if face.at == 0.0 else x + math.sqrt(face.at * lam) * rng.standard_normal(shape))
                 for face in self.faces]
        return bulk, faces


def lift_spec(spec: Spec, **overrides: object) -> tuple[Diffusion, Model, CTLDLift]:
    r"""The lifted diffusion and model of a spec with a ``[model.mixture]`` and its :class:`CTLDLift`.

    The lifted loss is ``gsm_loss(ctld_lift, ctld_model)`` on (x, β) ∈ R^d × [0, β_max]; its
    β-face fluxes are compiled in (x, θ) with c_f = r(β_f)/Z_r. Any d.

    Raises
    ------
    SpecError
        No model, a target that is not a Gaussian mixture (a formula target has no closed-form p^β).
    """
    if spec.model is None:
        raise SpecError(f"spec {spec.name!r} has no [model]", "add a [model.mixture] table to fit")
    mix = spec.diffusion.mixture
    if mix is None:
        raise SpecError("the CTLD estimator needs p * N(0, beta*lambda*I) in closed form, but the target is "
                        "a formula", "give the target as a [mixture] table")
    lifted, model, params = ctld_lift_spec(spec, **overrides)
    assert model is not None
    loss = gsm_loss(lifted, model)
    log_r, _ = log_r_functions(ctld_schedule(params))
    b, w = gauss_legendre_panels(0.0, params.beta_max, 128, 16)
    lr = log_r(b)
    top = float(np.max(lr))
    log_z = top + math.log(float(np.sum(w * np.exp(lr - top))))
    faces = []
    theta = model.params
    for term in loss.boundary_terms:
        if term.vanishes is True:
            continue
        grad = [sp.diff(term.flux, t) for t in theta]
        hess = [sp.diff(g, t) for g in grad for t in theta]
        f = compile_expr((*lifted.coords[:-1], *theta), [term.flux, *grad, *hess], "numpy")
        ft = compile_expr((*lifted.coords[:-1], *theta), term.flux, "torch")
        at = float(term.at)
        faces.append(LiftFace(at, float(math.exp(float(log_r(np.array([at]))[0]) - log_z)), term.flux, f, ft))
    return lifted, model, CTLDLift(mix, params, log_z, tuple(faces), spec.diffusion, spec.model)
