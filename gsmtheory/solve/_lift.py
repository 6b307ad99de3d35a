r"""The CTLD lift a :class:`gsmtheory.solve.Problem` may carry: λ, diam, β_max, log r, the β-faces.

CTLD (docs/design.md §1) lifts a target p on R^d to (x, β) ∈ R^d × [0, β_max] with the joint
density r(β)·p^β(x)/Z_r, p^β = p * N(0, βλI), and the identity diffusion. A lifted question is
the same question asked of a problem that carries a :class:`Lift`: the Poincaré, loss,
covariance and estimator registries hold methods that apply to lifted problems. The lift holds

- the resolved constants (:class:`gsmtheory.symbolic.CTLDParameters`: λ, diam, β_max, log r,
  which took the defaults) and the lifted diffusion and model on (x, β), derived symbolically;
- compiled on first use: log r and d log r/dβ for the array code (:attr:`Lift.schedule`, a
  :class:`gsmtheory.numeric.CTLDSchedule`), log Z_r, the β-face terms
  −Σ_f c_f E_{x∼p^{β_f}}[n_f ∂_β ℓ_θ(x, β_f)] with c_f = r(β_f)/Z_r (:class:`LiftFace`);
- the quadrature of the joint (β ∼ r/Z_r by Gauss–Legendre panels, x | β ∼ p^β per mixture
  component) and the estimator's draws from data (β_i ∼ r, x̃_i = x_i + √(β_iλ) z_i).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import SpecError
from gsmtheory.compile import CompiledFunction, compile_expr
from gsmtheory.numeric import (
    CTLDSchedule,
    gauss_legendre_panels,
    mixture_lift_rule,
    mixture_logpdf,
    smoothed,
)
from gsmtheory.solve._problem_target import split_points
from gsmtheory.symbolic import (
    BETA,
    CTLDParameters,
    Diffusion,
    GaussianMixture,
    Model,
    check_liftable,
    ctld_lift,
    ctld_model,
    gsm_loss,
    theta_derivatives,
)

__all__ = ["Lift", "LiftFace", "ctld_schedule", "joint_points"]

Array = NDArray[Any]


_FORMULA_TARGET = "the CTLD estimator needs p * N(0, beta*lambda*I) in closed form, but the target is a formula"

#: the tag of the stream the lifted draws use (independent of a data set drawn with the same seed)
DRAWS_STREAM = 0xC71D


@dataclass(frozen=True)
class _Output:
    """β ↦ output ``index`` of a compiled function of β, with the shape of β (picklable)."""

    fn: CompiledFunction
    index: int

    def __call__(self, beta: NDArray[Any]) -> NDArray[Any]:
        values = self.fn(np.asarray(beta, dtype=float))
        return np.broadcast_to(np.asarray(values[self.index], dtype=float), np.shape(beta)).copy()


def ctld_schedule(params: CTLDParameters | CTLDSchedule) -> CTLDSchedule:
    r"""λ, β_max, log r(β) and d log r/dβ of ``params`` compiled for the array code (cached; a
    schedule is returned as it is).

    Parameters
    ----------
    params : CTLDParameters or CTLDSchedule
        The lift's constants (:func:`gsmtheory.symbolic.ctld_parameters`), or a compiled schedule.

    Returns
    -------
    CTLDSchedule
        ``lambda_min``, ``beta_max`` and the callables β ↦ log r(β), β ↦ ∂_β log r(β).

    Examples
    --------
    >>> import numpy as np
    >>> from gsmtheory.symbolic import GaussianMixture, ctld_parameters
    >>> mix = GaussianMixture(((-2.0,), (2.0,)), (0.5, 0.5), ((1.0,),))
    >>> s = ctld_schedule(ctld_parameters(mix))
    >>> round(s.beta_max, 6), s.log_r(np.array([0.0])).shape
    (223.0, (1,))
    """
    return params if isinstance(params, CTLDSchedule) else _compiled(params)


@functools.lru_cache(maxsize=256)
def _compiled(params: CTLDParameters) -> CTLDSchedule:
    fn = compile_expr((BETA,), [params.log_r, params.log_r.diff(BETA)], "numpy")
    return CTLDSchedule(float(params.lambda_min), float(params.beta_max), _Output(fn, 0), _Output(fn, 1))


@functools.lru_cache(maxsize=256)
def log_r_derivatives(params: CTLDParameters, backend: str = "numpy") -> CompiledFunction:
    r"""β ↦ [log r(β), ∂_β log r(β), ∂²_β log r(β)] of ``params``, compiled once for ``backend``
    (``"numpy"`` or ``"torch"``; the noise-conditional network losses use the torch one).

    Examples
    --------
    >>> from gsmtheory.symbolic import GaussianMixture, ctld_parameters
    >>> mix = GaussianMixture(((-2.0,), (2.0,)), (0.5, 0.5), ((1.0,),))
    >>> f = log_r_derivatives(ctld_parameters(mix))
    >>> [round(float(v), 6) for v in f(np.array(0.0))]   # -7·16/(1+β) and its derivatives at 0
    [-112.0, 112.0, -224.0]
    """
    exprs = [params.log_r, params.log_r.diff(BETA), params.log_r.diff(BETA, 2)]
    return compile_expr((BETA,), exprs, backend)


def joint_points(x: Array, beta: Array, d: int) -> Array:
    """Points (x, β) ∈ R^d × [0, β_max] of the lifted space, shape (..., d + 1) (docs/design.md §1).

    Parameters
    ----------
    x : array_like
        Points of shape (...) for d = 1 or (..., d) for d ≥ 2.
    beta : array_like
        β, broadcast against the batch shape of ``x``.
    d : int
        The dimension of x.

    Returns
    -------
    ndarray
        The stacked (x, β), shape (..., d + 1).

    Examples
    --------
    >>> import numpy as np
    >>> joint_points(np.array([0.0, 1.0]), 0.5, 1).tolist()
    [[0.0, 0.5], [1.0, 0.5]]
    """
    cols, shape = split_points(x, d)
    shape = np.broadcast_shapes(shape, np.shape(beta))
    return np.stack([*(np.broadcast_to(c, shape) for c in cols), np.broadcast_to(np.asarray(beta, float), shape)],
                    axis=-1)


@dataclass(frozen=True)
class LiftFace:
    """One β-face: β_f, c_f = r(β_f)/Z_r, flux n_f ∂_β ℓ_θ(x, β_f) and its θ-derivatives, compiled in (x, θ).

    The lifted loss subtracts Σ_f c_f E_{x∼p^{β_f}}[n_f ∂_β ℓ_θ(x, β_f)] (docs/design.md §1).

    Attributes
    ----------
    at : float
        β_f (0 or β_max).
    weight : float
        c_f, the β-density at the face.
    flux : sympy.Expr
        n_f ∂_β ℓ_θ(x, β_f).
    value, torch_flux : callable
        (x, θ) ↦ [flux, ∇_θ flux, ∇²_θ flux] in NumPy; (x, θ) ↦ flux in torch.

    Examples
    --------
    >>> from gsmtheory.solve import build_problem
    >>> from gsmtheory.symbolic import load_spec
    >>> lift = build_problem(load_spec("ctld-bimodal"), lift=True).lift
    >>> [(face.at, round(face.weight, 5)) for face in lift.faces]
    [(0.0, 0.0), (223.0, 0.00829)]
    """

    at: float
    weight: float
    flux: Any = field(repr=False)
    value: Callable[..., Any] = field(repr=False)  # numpy: [flux, ∇_θ flux, ∇²_θ flux]
    torch_flux: Callable[..., Any] = field(repr=False)


@dataclass(frozen=True, eq=False)  # identity: it caches compiled callables
class Lift:
    r"""The CTLD lift of a target (module docstring): constants, lifted diffusion and model, compiled pieces.

    Attributes
    ----------
    params : CTLDParameters
        λ (``lambda_min``), diam, β_max (``beta_max``), log r and which took the defaults.
    target : Diffusion
        The un-lifted target p.
    base_model : Model or None
        The un-lifted model (vanilla score matching, the original MLE).

    Examples
    --------
    >>> from gsmtheory.solve import build_problem
    >>> from gsmtheory.symbolic import load_spec
    >>> lift = build_problem(load_spec("ctld-bimodal"), lift=True).lift
    >>> lift.lambda_min, lift.beta_max, lift.dim, str(lift.params.log_r)    # Definition 6's defaults
    (1.0, 223.0, 1, '-112/(beta + 1)')
    """

    params: CTLDParameters
    target: Diffusion = field(repr=False)
    base_model: Model | None = field(default=None, repr=False)

    @classmethod
    def of(cls, target: Diffusion, params: CTLDParameters, base_model: Model | None = None) -> Lift:
        """The lift of ``target`` with ``params`` (checks that the target can be lifted)."""
        check_liftable(target)  # a target that cannot be lifted is refused here, in one line
        return cls(params, target, base_model)

    # ---------------------------------------------------------------- constants and symbolic pieces
    @property
    def lambda_min(self) -> float:
        """λ."""
        return float(self.params.lambda_min)

    @property
    def beta_max(self) -> float:
        """β_max."""
        return float(self.params.beta_max)

    @property
    def dim(self) -> int:
        """d, the dimension of x."""
        return self.target.dim

    @property
    def mixture(self) -> GaussianMixture | None:
        """The Gaussian-mixture target, when the target is one (p^β in closed form)."""
        return self.target.mixture

    @cached_property
    def diffusion(self) -> Diffusion:
        """The lifted diffusion over (x, β) (:func:`gsmtheory.symbolic.ctld_lift`)."""
        return ctld_lift(self.target, self.params)

    @cached_property
    def model(self) -> Model:
        """The lifted model ℓ_θ(x, β) = log r(β) + log p^β_θ(x) (needs a ``[model.mixture]``)."""
        if self.base_model is None:
            raise SpecError("the lifted question needs a model", "add a [model.mixture] table")
        return ctld_model(self.base_model, self.params)

    @cached_property
    def schedule(self) -> CTLDSchedule:
        """λ, β_max and log r compiled for the array code."""
        return ctld_schedule(self.params)

    @cached_property
    def log_z_r(self) -> float:
        """log ∫_0^{β_max} r (128 Gauss–Legendre panels of 16 nodes, :meth:`gsmtheory.numeric.IntervalLaw.log_normalizer`)."""
        return self.schedule.law.log_normalizer(128)

    @cached_property
    def faces(self) -> tuple[LiftFace, ...]:
        """The non-vanishing β-faces of the lifted loss, compiled in (x, θ)."""
        loss = gsm_loss(self.diffusion, self.model)
        log_r = self.schedule.log_r
        theta, xs = self.model.params, self.diffusion.coords[:-1]
        out = []
        for term in loss.boundary_terms:
            if term.vanishes is True:
                continue
            f = compile_expr((*xs, *theta), theta_derivatives(term.flux, theta), "numpy")
            ft = compile_expr((*xs, *theta), term.flux, "torch")
            at = float(term.at)
            out.append(LiftFace(at, float(math.exp(float(log_r(np.array([at]))[0]) - self.log_z_r)), term.flux,
                                f, ft))
        return tuple(out)

    # ---------------------------------------------------------------- quadrature of the joint
    def closed_form_reason(self) -> str | None:
        """Why p^β = p * N(0, βλI) and the model's p^β_θ are not in closed form (None when they are):
        the lifted estimator's quadrature, draws and loss need both."""
        if self.mixture is None:
            return f"{_FORMULA_TARGET}; give the target as a [mixture] table"
        if self.base_model is not None and (self.base_model.kind != "mixture" or self.base_model.mixture is None):
            return ("the CTLD loss needs the model's convolution p_theta * N(0, beta*lambda*I) in closed form; give "
                    "the model as a [model.mixture] table")
        return None

    def _require_mixture(self) -> GaussianMixture:
        if self.mixture is None:
            raise SpecError(_FORMULA_TARGET, "give the target as a [mixture] table")
        return self.mixture

    def beta_rule(self, panels: int) -> tuple[Array, Array]:
        """Nodes and weights of E_{β∼r/Z_r}: ``panels`` Gauss–Legendre panels of 16 nodes on [0, β_max]."""
        log_r = self.schedule.log_r
        b, w = gauss_legendre_panels(0.0, self.beta_max, panels, 16)
        return b, w * np.exp(log_r(b) - self.log_z_r)

    def x_rule(self, s: float | Array, panels: int) -> tuple[Array, Array]:
        """x ∼ p^s. d = 1: composite Gauss–Legendre (``panels`` panels of 16 nodes) on
        [min μ − 10 sd, max μ + 10 sd] weighted by p^s, nodes (..., 16·panels). d ≥ 2: tensor
        Gauss–Hermite per component with ``panels`` nodes per axis (:func:`mixture_lift_rule`),
        nodes (..., K·panels^d (less negligible corners), d). Weights sum to 1 along the last axis.
        """
        mix = self._require_mixture()
        if self.dim >= 2:
            return mixture_lift_rule(mix, s, panels)
        mu = np.array([m[0] for m in mix.means])
        sd = np.sqrt(mix.covariance[0][0] + np.asarray(s, dtype=float))[..., None]
        t, w = gauss_legendre_panels(0.0, 1.0, panels, 16)
        lo, hi = mu.min() - 10 * sd, mu.max() + 10 * sd
        nodes = lo + (hi - lo) * t
        lp = mixture_logpdf(mix, nodes[..., None], np.broadcast_to(np.asarray(s, dtype=float)[..., None], nodes.shape))
        weights = (hi - lo) * w * np.exp(lp)
        return nodes, weights / weights.sum(axis=-1, keepdims=True)

    def joint_expect(self, fn: Callable[[Array, Array], list[Array]], *, panels: int = 16,
                     nh: int = 16) -> list[Array]:
        """E_{(x,β)∼r p^β}[f] for each array f returned by ``fn(x, beta)`` (trailing axes kept);
        ``panels`` Gauss–Legendre panels of 16 nodes in β, ``nh`` in x (panels of 16 for d = 1,
        Gauss–Hermite nodes per axis for d ≥ 2; x is passed as (nb, N) or (nb, N, d))."""
        b, wb = self.beta_rule(panels)
        xs, wx = self.x_rule(b * self.lambda_min, nh)
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

    # ---------------------------------------------------------------- the lift of data
    def noised(self, x: Any, beta: Any, z: Any) -> Any:
        """x̃ = x + √(βλ)·z, the point the lift puts at noise level β for data x and noise z ∼ N(0, I).

        NumPy arrays or torch tensors (:func:`gsmtheory.numeric.smoothed` at s = βλ); β has the
        batch shape of x (x's leading axes; a point's coordinates are a trailing axis of x). The
        estimator's draws (:meth:`draws`), the quadrature of the lift given the data and the torch
        Monte Carlo all go through here.
        """
        return smoothed(x, beta * self.lambda_min, z)

    def draws(self, data: Array, seed: int | np.random.Generator = 0
              ) -> tuple[Array, list[tuple[LiftFace, Array]]]:
        """The lifted bulk points (x̃_i, β_i), shape (n, d + 1), and each face's points x_i^{(f)}, from
        data (n,) for d = 1 or (n, d): β_i ∼ r (inverse CDF), x̃_i = x_i + √(β_iλ) z_i, x_i^{(0)} = x_i,
        x_i^{(β_max)} = x_i + √(β_max λ) z'_i.

        An integer ``seed`` seeds a stream of its own (``SeedSequence([DRAWS_STREAM, seed])``), so
        data drawn with ``sample_target(..., seed)`` and draws with the same integer are
        independent; reusing the data's stream biased the empirical CTLD loss (error 5.7e-4 at
        n = 10⁴ against 3e-5, flat in n; claim C35 guards it)."""
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng([DRAWS_STREAM, int(seed)])
        x = np.asarray(data, dtype=float)
        n, d = x.shape[0], self.dim
        shape = (n,) if d == 1 else (n, d)
        beta = self.schedule.law.sample(n, rng)
        bulk = joint_points(self.noised(x, beta, rng.standard_normal(shape)), beta, d)
        faces = [(face, x if face.at == 0.0 else self.noised(x, face.at, rng.standard_normal(shape)))
                 for face in self.faces]
        return bulk, faces
