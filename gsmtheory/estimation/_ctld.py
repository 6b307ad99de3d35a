r"""The annealed (CTLD) score-matching estimator: loss, fits, sandwich, MLE baselines.

The CTLD loss is the GSM loss of the lifted model ℓ_θ(x, β) = log r(β) + log p^β_θ(x) under the
identity diffusion on (x, β) ∈ R^d × [0, β_max] (DESIGN.md §1), derived by
:func:`gsmtheory.symbolic.gsm_loss`; its implicit form is

    L(θ) = E_{(x,β)∼p}[½|∇_{x,β} ℓ_θ|² + Δ_{x,β} ℓ_θ] − Σ_faces c_f E_{x∼p^{β_f}}[n_f ∂_β ℓ_θ(x, β_f)],

with c_f = r(β_f)/Z_r (the β-density at the face) and n = −1 at β = 0, +1 at β = β_max. From
data x_1..x_n ∼ p the estimator draws β_i ∼ r, z_i, z'_i ∼ N(0, I) and uses
x̃_i = x_i + √(β_iλ) z_i for the bulk term, x_i for the β = 0 face and x_i + √(β_max λ) z'_i for
the β = β_max face (all from the same data point). Its asymptotic covariance is the sandwich
H⁻¹ Cov(ψ) H⁻¹ with ψ the per-data-point θ-gradient (Qin & Risteski 2023, Thm. on CTLD).
Baselines: MLE on the original model (I_p(θ*)⁻¹) and on the lifted one (E_r[I_{p^β}(θ*)]⁻¹).

Targets are Gaussian mixtures in any dimension d. Points x are arrays of shape (...) for d = 1
and (..., d) for d ≥ 2; data are (n,) or (n, d). Expectations over x | β ∼ p^β use composite
Gauss–Legendre in x for d = 1 and, for d ≥ 2, tensor Gauss–Hermite per component
(:func:`gsmtheory.numeric.mixture_lift_rule`: x = μ_k + chol(Σ + βλI) z, weights w_k ω_z).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
import torch
from numpy.typing import NDArray

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.compile import compile_expr
from gsmtheory.numeric import (
    log_r_functions,
    mixture_lift_rule,
    mixture_logpdf,
    sample_beta,
)
from gsmtheory.symbolic import (
    CTLDParameters,
    GaussianMixture,
    GSMLoss,
    Model,
    Spec,
    ctld_lift_spec,
    gsm_loss,
)

__all__ = [
    "CTLDEfficiency",
    "CTLDProblem",
    "ctld_efficiency",
    "ctld_empirical_loss",
    "ctld_empirical_terms",
    "ctld_problem",
]

Array = NDArray[Any]

def _hermite(n: int) -> tuple[Array, Array]:
    """Probabilists' Gauss–Hermite nodes and weights normalized to sum 1 (E over N(0, 1))."""
    z, w = np.polynomial.hermite_e.hermegauss(n)
    return z, w / w.sum()


def _normal_rule(n: int, d: int) -> tuple[Array, Array]:
    """E over N(0, I_d): the n-point Gauss–Hermite rule (nodes (n,)) for d = 1, its tensor power
    (nodes (n^d, d)) for d ≥ 2; weights sum to 1."""
    z, w = _hermite(n)
    if d == 1:
        return z, w
    zz = np.stack([g.ravel() for g in np.meshgrid(*([z] * d), indexing="ij")], axis=-1)
    ww = np.prod(np.stack([g.ravel() for g in np.meshgrid(*([w] * d), indexing="ij")], axis=-1), axis=-1)
    return zz, ww


def _split(x: Array, d: int) -> tuple[tuple[Array, ...], tuple[int, ...]]:
    """(coordinate arrays, batch shape) of points x: shape (...) for d = 1, (..., d) for d ≥ 2."""
    xa = np.asarray(x, dtype=float)
    if d == 1:
        return (xa,), xa.shape
    if xa.ndim == 0 or xa.shape[-1] != d:
        raise NumericalError(f"points have shape {xa.shape}, expected (..., {d}) for a {d}D target",
                             f"pass x with a last axis of length {d}")
    return tuple(xa[..., i] for i in range(d)), xa.shape[:-1]


def _split_torch(x: torch.Tensor, d: int) -> tuple[torch.Tensor, ...]:
    """Coordinate tensors of x ((n,) for d = 1, (n, d) for d ≥ 2)."""
    return (x,) if d == 1 else tuple(x.unbind(-1))


def _legendre_panels(a: float, b: float, panels: int, order: int = 16) -> tuple[Array, Array]:
    t, w = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(a, b, panels + 1)
    lo, hi = edges[:-1, None], edges[1:, None]
    nodes = 0.5 * (hi - lo) * t[None, :] + 0.5 * (hi + lo)
    weights = 0.5 * (hi - lo) * w[None, :]
    return nodes.ravel(), weights.ravel()


@dataclass(frozen=True)
class _Face:
    at: float
    weight: float  # c_f = r(β_f)/Z_r
    value: Callable[..., Any]  # flux, θ-gradient, θ-Hessian (numpy)
    torch_flux: Callable[..., Any]


@dataclass(frozen=True)
class CTLDProblem:
    r"""A CTLD estimation problem: the target mixture, the lifted loss and its compiled pieces.

    Attributes
    ----------
    target : GaussianMixture
        p, in any dimension d (tested d = 1, 2).
    params : CTLDParameters
        λ, β_max, log r.
    loss : GSMLoss
        gsm_loss(ctld_lift, ctld_model): explicit, implicit, faces at β = 0 and β_max.
    vanilla : GSMLoss
        gsm_loss of the original model under Langevin (vanilla score matching).
    original_model : Model
        The un-lifted model (original MLE baseline).
    """

    target: GaussianMixture
    params: CTLDParameters
    loss: GSMLoss
    vanilla: GSMLoss
    original_model: Model
    log_z_r: float
    faces: tuple[_Face, ...] = field(repr=False)

    @property
    def param_names(self) -> tuple[str, ...]:
        """Parameter names in order."""
        return tuple(str(p) for p in self.loss.model.params)

    @property
    def truth(self) -> Array:
        """θ*."""
        return np.asarray(self.loss.model.truth, dtype=float)

    @property
    def n_params(self) -> int:
        """Number of parameters."""
        return len(self.truth)

    @property
    def dim(self) -> int:
        """d, the dimension of x."""
        return self.target.dim

    def face_values(self, face: _Face, x: Array, theta: Sequence[float]) -> list[Array]:
        """[flux, ∇_θ flux, ∇²_θ flux] of a β-face at points x (broadcast to x's batch shape)."""
        cols, shape = _split(x, self.dim)
        with np.errstate(all="ignore"):
            out = face.value(*cols, *[float(t) for t in theta])
        return [np.broadcast_to(np.asarray(v, dtype=float), shape) for v in out]

    # ---------------------------------------------------------------- compiled pieces
    def _args(self) -> tuple[sp.Symbol, ...]:
        return (*self.loss.diffusion.coords, *self.loss.model.params)

    def bulk(self, x: Array, beta: Array, theta: Sequence[float]) -> list[Array]:
        """[φ, ∇_θφ (P entries), ∇²_θφ (P² entries), explicit] at (x, β) (derived, compiled)."""
        loss = self.loss
        f = compile_expr(self._args(), [loss.implicit, *loss.theta_gradient, *loss.theta_hessian, loss.explicit],
                         "numpy")
        cols, xshape = _split(x, self.dim)
        with np.errstate(all="ignore"):
            out = f(*cols, np.asarray(beta, dtype=float), *[float(t) for t in theta])
        return [np.broadcast_to(np.asarray(v, dtype=float), np.broadcast_shapes(xshape, np.shape(beta)))
                for v in out]

    def bulk_gradient(self, x: Array, beta: Array, theta: Sequence[float]) -> Array:
        """∇_θφ at (x, β), shape (..., P)."""
        f = compile_expr(self._args(), list(self.loss.theta_gradient), "numpy")
        cols, xshape = _split(x, self.dim)
        shape = np.broadcast_shapes(xshape, np.shape(beta))
        with np.errstate(all="ignore"):
            out = f(*cols, np.asarray(beta, dtype=float), *[float(t) for t in theta])
        return np.stack([np.broadcast_to(np.asarray(v, dtype=float), shape) for v in out], axis=-1)

    def implicit_torch(self, x: torch.Tensor, beta: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        """φ(x, β; θ) in torch (the derived expression; autograd through θ)."""
        f = compile_expr(self._args(), self.loss.implicit, "torch")
        return f(*_split_torch(x, self.dim), beta, *theta.unbind())

    def vanilla_pieces(self, x: Array, theta: Sequence[float]) -> list[Array]:
        """[φ₀, ∇_θφ₀, ∇²_θφ₀] of vanilla score matching at x."""
        v = self.vanilla
        f = compile_expr((*v.diffusion.coords, *v.model.params), [v.implicit, *v.theta_gradient, *v.theta_hessian],
                         "numpy")
        cols, shape = _split(x, self.dim)
        with np.errstate(all="ignore"):
            out = f(*cols, *[float(t) for t in theta])
        return [np.broadcast_to(np.asarray(o, dtype=float), shape) for o in out]

    def vanilla_torch(self, x: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        """φ₀(x; θ) in torch."""
        v = self.vanilla
        f = compile_expr((*v.diffusion.coords, *v.model.params), v.implicit, "torch")
        return f(*_split_torch(x, self.dim), *theta.unbind())

    def model_score(self, x: Array, beta: Array | None, theta: Sequence[float]) -> Array:
        """∇_θ log p^β_θ(x) (β = None: the original model), shape (..., P)."""
        cols, xshape = _split(x, self.dim)
        if beta is None:
            m = self.original_model
            f = compile_expr((*m.coords, *m.params), [sp.diff(m.log_density, t) for t in m.params], "numpy")
            with np.errstate(all="ignore"):
                out = f(*cols, *[float(t) for t in theta])
            return np.stack([np.broadcast_to(np.asarray(o, dtype=float), xshape) for o in out], axis=-1)
        m = self.loss.model
        f = compile_expr((*m.coords, *m.params), [sp.diff(m.log_density, t) for t in m.params], "numpy")
        shape = np.broadcast_shapes(xshape, np.shape(beta))
        with np.errstate(all="ignore"):
            out = f(*cols, np.asarray(beta, dtype=float), *[float(t) for t in theta])
        return np.stack([np.broadcast_to(np.asarray(o, dtype=float), shape) for o in out], axis=-1)

    # ---------------------------------------------------------------- quadrature
    def _beta_rule(self, panels: int) -> tuple[Array, Array]:
        log_r, _ = log_r_functions(self.params)
        b, w = _legendre_panels(0.0, self.params.beta_max, panels)
        return b, w * np.exp(log_r(b) - self.log_z_r)

    def _x_rule(self, s: float | Array, panels: int) -> tuple[Array, Array]:
        """x ∼ p^s. d = 1: composite Gauss–Legendre (``panels`` panels of 16 nodes) on
        [min μ − 10 sd, max μ + 10 sd] weighted by p^s, nodes (..., 16·panels). d ≥ 2: tensor
        Gauss–Hermite per component with ``panels`` nodes per axis (:func:`mixture_lift_rule`),
        nodes (..., K·panels^d (less negligible corners), d). Weights sum to 1 along the last axis.
        """
        if self.dim >= 2:
            return mixture_lift_rule(self.target, s, panels)
        mu = np.array([m[0] for m in self.target.means])
        sd = np.sqrt(self.target.covariance[0][0] + np.asarray(s, dtype=float))[..., None]
        t, w = _legendre_panels(0.0, 1.0, panels)
        lo, hi = mu.min() - 10 * sd, mu.max() + 10 * sd
        nodes = lo + (hi - lo) * t
        lp = mixture_logpdf(self.target, nodes[..., None], np.broadcast_to(np.asarray(s, dtype=float)[..., None],
                                                                         nodes.shape))
        weights = (hi - lo) * w * np.exp(lp)
        return nodes, weights / weights.sum(axis=-1, keepdims=True)

    def joint_expect(self, fn: Callable[[Array, Array], list[Array]], *, panels: int = 16,
                     nh: int = 16) -> list[Array]:
        """E_{(x,β)∼r p^β}[f] for each array f returned by ``fn(x, beta)`` (trailing axes kept);
        ``panels`` Gauss–Legendre panels of 16 nodes in β, ``nh`` in x (panels of 16 for d = 1,
        Gauss–Hermite nodes per axis for d ≥ 2; x is passed as (nb, N) or (nb, N, d))."""
        b, wb = self._beta_rule(panels)
        xs, wx = self._x_rule(b * self.params.lambda_min, nh)  # (nb, 16 nh) or (nb, N, d)
        bb = np.broadcast_to(b[:, None], wx.shape)
        vals = fn(xs, bb)
        w = wb[:, None] * wx
        out = []
        for v in vals:
            v = np.where(np.isfinite(v), v, 0.0) if np.ndim(v) == w.ndim else v
            out.append(np.tensordot(w, v, axes=([0, 1], [0, 1])))
        return out


def ctld_problem(spec: Spec, **overrides: object) -> CTLDProblem:
    r"""Build the CTLD problem of a spec with a ``[model.mixture]`` (its [ctld] table or defaults).

    The lifted loss is ``gsm_loss(ctld_lift, ctld_model)`` on (x, β) ∈ R^d × [0, β_max]; its
    β-face fluxes are compiled in (x, θ) with c_f = r(β_f)/Z_r. Any d (tested d = 1, 2).

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
    vanilla = gsm_loss(spec.diffusion, spec.model)
    log_r, _ = log_r_functions(params)
    b, w = _legendre_panels(0.0, params.beta_max, 128)
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
        faces.append(_Face(at, float(math.exp(float(log_r(np.array([at]))[0]) - log_z)), f, ft))
    return CTLDProblem(mix, params, loss, vanilla, spec.model, log_z, tuple(faces))


# ---------------------------------------------------------------------------- covariances
@dataclass(frozen=True)
class CTLDEfficiency:
    r"""Asymptotic covariances at θ*: CTLD (two face treatments), vanilla SM, MLE (two baselines).

    gsm_covariance: the CTLD estimator with faces estimated from the same data points (what
    :func:`fit_ctld` does); gsm_covariance_exact_faces: with the face expectations known;
    vanilla_covariance: vanilla score matching; mle_original: I_p(θ*)⁻¹; mle_lifted:
    E_r[I_{p^β}(θ*)]⁻¹. ``error`` is the largest relative change between two quadrature
    resolutions (Monte Carlo: the largest relative standard error); status ``ok`` when it is
    below ``rtol``. Norms are operator norms.
    """

    params: tuple[str, ...]
    gsm_covariance: Array
    gsm_covariance_exact_faces: Array
    vanilla_covariance: Array
    mle_original: Array
    mle_lifted: Array
    hessian: Array
    error: float
    method: str = "Gauss-Legendre in beta x Gauss-Hermite per component"
    resolution: dict[str, Any] = field(default_factory=dict)
    ctld: CTLDParameters | None = None
    poincare: Any = None
    theorem: dict[str, Any] | None = None
    rtol: float = 1e-3

    def ratio(self, which: str = "ctld", baseline: str = "original") -> float:
        """‖Γ_which‖/‖Γ_MLE,baseline‖ (which: ctld, ctld_exact_faces, vanilla)."""
        g = {"ctld": self.gsm_covariance, "ctld_exact_faces": self.gsm_covariance_exact_faces,
             "vanilla": self.vanilla_covariance}[which]
        m = {"original": self.mle_original, "lifted": self.mle_lifted}[baseline]
        return float(np.linalg.norm(g, 2) / np.linalg.norm(m, 2))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able (keys of `gsmtheory efficiency` plus the CTLD extras)."""
        return {"params": list(self.params), "gsm_covariance": self.gsm_covariance.tolist(),
                "gsm_covariance_exact_faces": self.gsm_covariance_exact_faces.tolist(),
                "vanilla_covariance": self.vanilla_covariance.tolist(),
                "mle_covariance": self.mle_original.tolist(), "mle_lifted_covariance": self.mle_lifted.tolist(),
                "ratio": self.ratio(), "ratio_lifted": self.ratio("ctld", "lifted"),
                "vanilla_ratio": self.ratio("vanilla"), "error_estimate": self.error,
                "method": self.method, "resolution": self.resolution,
                # the standard `gsmtheory efficiency` keys for a lifted spec (DESIGN.md §4)
                "lifted": True, "lifted_mle_covariance": self.mle_lifted.tolist(),
                "vanilla_gsm_covariance": self.vanilla_covariance.tolist(),
                "ratios": {"ctld_vs_mle": self.ratio(), "ctld_vs_lifted_mle": self.ratio("ctld", "lifted"),
                           "ctld_exact_faces_vs_lifted_mle": self.ratio("ctld_exact_faces", "lifted"),
                           "vanilla_vs_mle": self.ratio("vanilla"),
                           "ctld_vs_vanilla": float(np.linalg.norm(self.gsm_covariance, 2)
                                                    / np.linalg.norm(self.vanilla_covariance, 2))},
                "ctld": None if self.ctld is None else self.ctld.to_dict(),
                "poincare_constant": None if self.poincare is None else self.poincare.poincare_constant,
                "poincare": None if self.poincare is None else self.poincare.to_dict(),
                "theorem_bound": None if self.theorem is None else self.theorem["rhs"],
                "theorem": self.theorem,
                "status": "ok" if self.error <= self.rtol else "not_converged"}


def _ctld_cov(problem: CTLDProblem, panels: int, nh: int) -> dict[str, Array]:
    P = problem.n_params
    th = [float(t) for t in problem.truth]
    lam = problem.params.lambda_min
    bmax = problem.params.beta_max

    def bulk_fn(x: Array, b: Array) -> list[Array]:
        out = problem.bulk(x, b, th)
        g = np.stack(out[1:1 + P], axis=-1)
        h = np.stack(out[1 + P:1 + P + P * P], axis=-1)
        return [g, np.einsum("...i,...j->...ij", g, g), h]

    Eg, Egg, Eh = problem.joint_expect(bulk_fn, panels=panels, nh=nh)
    H = Eh.reshape(P, P).copy()
    # faces: −c_f E_{p^{β_f}}[flux]; ψ gets −c_f ∇flux(x_f)
    d = problem.dim
    xs0, w0 = problem._x_rule(0.0, nh)  # data x ~ p: (N,) or (N, d)
    z, wz = _normal_rule(40 if d == 1 else 12, d)
    face_terms: dict[float, Array] = {}
    for face in problem.faces:
        if face.at == 0.0:
            vals = problem.face_values(face, xs0, th)
            g0 = -face.weight * np.stack(vals[1:1 + P], axis=-1)
            hh = np.stack(vals[1 + P:], axis=-1)
            H -= face.weight * np.tensordot(w0, hh, axes=(0, 0)).reshape(P, P)
            face_terms[0.0] = g0  # (N, P) as a function of the data point x
        else:
            xx = xs0[:, None] + math.sqrt(face.at * lam) * z[None, :]  # (N, M) or (N, M, d)
            vals = problem.face_values(face, xx, th)
            gf = -face.weight * np.stack(vals[1:1 + P], axis=-1)
            hh = np.stack(vals[1 + P:], axis=-1)
            H -= face.weight * np.einsum("n,m,nmk->k", w0, wz, hh).reshape(P, P)
            face_terms[face.at] = np.einsum("m,nmp->np", wz, gf)  # conditional mean given x
            face_terms[-face.at] = np.einsum("m,nmp,nmq->npq", wz, gf, gf)  # conditional second moment
    # conditional mean of the bulk gradient given the data point x: G_A(x) = E_{β,z}[∇φ(x + √(βλ)z, β)]
    b, wb = problem._beta_rule(max(panels // 2, 4))
    zg, wzg = _normal_rule(24 if d == 1 else 8, d)
    if d == 1:
        xx = xs0[:, None, None] + np.sqrt(b * lam)[None, :, None] * zg[None, None, :]
    else:
        xx = xs0[:, None, None, :] + np.sqrt(b * lam)[None, :, None, None] * zg[None, None, :, :]
    bb = np.broadcast_to(b[None, :, None], xx.shape[:3])
    ga = problem.bulk_gradient(xx, bb, th)
    ga = np.where(np.isfinite(ga), ga, 0.0)
    GA = np.einsum("b,m,nbmp->np", wb, wzg, ga)
    second = Egg.reshape(P, P).copy()
    mean = Eg.reshape(P).copy()
    B0 = face_terms.get(0.0, np.zeros((len(xs0), P)))
    B1 = face_terms.get(bmax, np.zeros((len(xs0), P)))
    B1B1 = face_terms.get(-bmax, np.zeros((len(xs0), P, P)))
    second_shared = (second + np.einsum("n,np,nq->pq", w0, B0, B0) + np.einsum("n,npq->pq", w0, B1B1)
                     + _sym(np.einsum("n,np,nq->pq", w0, GA, B0)) + _sym(np.einsum("n,np,nq->pq", w0, GA, B1))
                     + _sym(np.einsum("n,np,nq->pq", w0, B0, B1)))
    mean_shared = mean + w0 @ B0 + w0 @ B1
    cov_shared = second_shared - np.outer(mean_shared, mean_shared)
    cov_exact = second - np.outer(mean, mean)
    Hinv = np.linalg.inv(H)
    # vanilla SM and MLE baselines (expectations under p alone; for d ≥ 2 by composite Gauss–Legendre
    # in z per component, which resolves the sharp switches of the mixture scores at β = 0 that
    # Gauss–Hermite converges to slowly)
    if d >= 2:
        xs0, w0 = mixture_lift_rule(problem.target, 0.0, nh, "legendre")
    v = problem.vanilla_pieces(xs0, th)
    gv = np.stack(v[1:1 + P], axis=-1)
    hv = np.stack(v[1 + P:], axis=-1)
    Hv = np.tensordot(w0, hv, axes=(0, 0)).reshape(P, P)
    Cv = np.einsum("n,np,nq->pq", w0, gv, gv) - np.outer(w0 @ gv, w0 @ gv)
    Hvi = np.linalg.inv(Hv)
    s0 = problem.model_score(xs0, None, th)
    I0 = np.einsum("n,np,nq->pq", w0, s0, s0)

    def lifted_score(x: Array, bta: Array) -> list[Array]:
        s = problem.model_score(x, bta, th)
        return [np.einsum("...i,...j->...ij", s, s)]

    I1 = problem.joint_expect(lifted_score, panels=panels, nh=nh)[0]
    return {"gsm": Hinv @ cov_shared @ Hinv, "gsm_exact": Hinv @ cov_exact @ Hinv, "vanilla": Hvi @ Cv @ Hvi,
            "mle0": np.linalg.inv(I0), "mle1": np.linalg.inv(I1), "H": H, "mean": mean_shared}


def _sym(a: Array) -> Array:
    return a + a.T


def ctld_efficiency(problem: CTLDProblem, *, panels: int = 6, nh: int = 8) -> CTLDEfficiency:
    r"""Sandwich covariances of CTLD and vanilla SM and both MLE baselines at θ* (two resolutions).

    Γ = H⁻¹ Cov(ψ) H⁻¹ with ψ the per-data-point θ-gradient of the empirical CTLD loss (bulk at
    (x + √(βλ)z, β) plus the β-faces from the same x), H = E[∇²_θ ψ]; Γ_vanilla likewise for
    ½|∇ℓ_θ|² + Δℓ_θ under p; Γ_MLE = I_p(θ*)⁻¹ and E_r[I_{p^β}(θ*)]⁻¹. Expectations by the
    problem's quadrature at (``panels``, ``nh``) and at twice both; the reported values are the
    finer ones, ``error`` the largest relative change (``nh``: x panels of 16 nodes for d = 1,
    Gauss–Hermite nodes per axis for d ≥ 2).
    """
    lo = _ctld_cov(problem, panels, nh)
    hi = _ctld_cov(problem, 2 * panels, 2 * nh)
    err = 0.0
    for k in ("gsm", "gsm_exact", "vanilla", "mle0", "mle1"):
        a, b = lo[k], hi[k]
        err = max(err, float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)))
    if problem.dim == 1:
        method = "Gauss-Legendre in beta x composite Gauss-Legendre in x weighted by p^beta"
        res: dict[str, Any] = {"beta_panels": 2 * panels, "x_panels": 2 * nh}
    else:
        method = "Gauss-Legendre in beta x tensor Gauss-Hermite per mixture component in x"
        res = {"beta_panels": 2 * panels, "hermite_nodes_per_axis": 2 * nh, "dim": problem.dim}
    return CTLDEfficiency(problem.param_names, hi["gsm"], hi["gsm_exact"], hi["vanilla"], hi["mle0"], hi["mle1"],
                          hi["H"], err, method, {**res, "score_mean_at_truth": hi["mean"].tolist()})


def lifted_smoothness(problem: CTLDProblem, panels: int, nh: int) -> tuple[float, float]:
    r"""‖Cov(J∇ℓ)‖ and ‖Cov(∇_θΔℓ_θ)‖ on the joint at θ*, with z = (x, β), J = ∇_θ∇_zℓ_θ."""
    m = problem.loss.model
    z = m.coords
    grad = [sp.diff(m.log_density, c) for c in z]
    a = [sum(sp.diff(g, t) * g for g in grad) for t in m.params]
    lap = sum(sp.diff(g, c) for g, c in zip(grad, z, strict=True))
    b = [sp.diff(lap, t) for t in m.params]
    f = compile_expr((*z, *m.params), [*a, *b], "numpy")
    th = [float(t) for t in problem.truth]
    P = problem.n_params

    def fn(x: Array, beta: Array) -> list[Array]:
        cols, shape = _split(x, problem.dim)
        with np.errstate(all="ignore"):
            out = [np.broadcast_to(np.asarray(v, dtype=float), shape) for v in f(*cols, beta, *th)]
        va, vb = np.stack(out[:P], axis=-1), np.stack(out[P:], axis=-1)
        return [va, np.einsum("...i,...j->...ij", va, va), vb, np.einsum("...i,...j->...ij", vb, vb)]

    ea, eaa, eb, ebb = problem.joint_expect(fn, panels=panels, nh=nh)
    ca = eaa - np.outer(ea, ea)
    cb = ebb - np.outer(eb, eb)
    return float(np.linalg.norm(ca, 2)), float(np.linalg.norm(cb, 2))


# ---------------------------------------------------------------------------- fits
def ctld_empirical_loss(problem: CTLDProblem, data: Array, seed: int | np.random.Generator = 0,
                        ) -> Callable[[torch.Tensor], torch.Tensor]:
    r"""θ ↦ (1/n)Σ_i [φ(x̃_i, β_i; θ) − Σ_f c_f n_f∂_βℓ_θ(x_i^{(f)}, β_f)], the empirical implicit CTLD loss.

    β_i ∼ r (inverse CDF), x̃_i = x_i + √(β_iλ) z_i, x_i^{(0)} = x_i, x_i^{(β_max)} = x_i + √(β_max λ) z'_i.
    """
    terms = ctld_empirical_terms(problem, data, seed)

    def loss(theta: torch.Tensor) -> torch.Tensor:
        return terms(theta).mean()

    return loss


def ctld_empirical_terms(problem: CTLDProblem, data: Array, seed: int | np.random.Generator = 0,
                         ) -> Callable[[torch.Tensor], torch.Tensor]:
    r"""θ ↦ the n per-data-point terms φ(x̃_i, β_i; θ) − Σ_f c_f n_f∂_βℓ_θ(x_i^{(f)}, β_f) (a tensor (n,)).

    ``data``: (n,) (or (n, 1)) for d = 1, (n, d) for d ≥ 2; x̃_i = x_i + √(β_iλ) z_i, z_i ∼ N(0, I_d).

    Their mean is :func:`ctld_empirical_loss` (same draws for the same seed); their θ-gradients
    are the ψ_i of the sandwich covariance.
    """
    rng = np.random.default_rng(seed)
    x = _data(problem, data)
    n = x.shape[0]
    d = problem.dim
    shape = (n,) if d == 1 else (n, d)
    beta = sample_beta(problem.params, n, rng)
    lam = problem.params.lambda_min
    scale = np.sqrt(beta * lam) if d == 1 else np.sqrt(beta * lam)[:, None]
    xt = torch.tensor(x + scale * rng.standard_normal(shape), dtype=torch.float64)
    bt = torch.tensor(beta, dtype=torch.float64)
    face_x = []
    for face in problem.faces:
        xf = x if face.at == 0.0 else x + math.sqrt(face.at * lam) * rng.standard_normal(shape)
        face_x.append((face, _split_torch(torch.tensor(xf, dtype=torch.float64), d)))

    def terms(theta: torch.Tensor) -> torch.Tensor:
        total = problem.implicit_torch(xt, bt, theta)
        for face, xf in face_x:
            total = total - face.weight * face.torch_flux(*xf, *theta.unbind())
        return torch.broadcast_to(total, (n,))

    return terms


def _data(problem: CTLDProblem, data: Array) -> Array:
    """Data as (n,) for d = 1 and (n, d) for d ≥ 2, checked finite and non-empty."""
    d = problem.dim
    x = np.asarray(data, dtype=float)
    if d == 1:
        x = x.reshape(-1)
    elif x.ndim != 2 or x.shape[1] != d:
        raise NumericalError(f"data of shape {x.shape} for a {d}D target", f"give one row of {d} numbers per sample")
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise NumericalError("data must be a non-empty array of finite numbers", "check the data file")
    return x
