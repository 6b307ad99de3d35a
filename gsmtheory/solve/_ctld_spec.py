r"""CTLD of a spec: C_P and the loss of the lift of a spec's target (its [ctld] table or the defaults).

The spec-facing entry points of the lifted chain, kept apart from the arrays-level CTLD
pieces in :mod:`._ctld` (r(β), convolutions, the 2D lifted solver, χ², simulation): these pick
the solver by the target (1D mixture, 1D formula, mixtures in d ≥ 2 through the 3D lift or the
angular sectors) and the quadrature of the lifted loss with its β-faces.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.compile import compile_expr
from gsmtheory.numeric import (
    NEGLIGIBLE_MASS,
    CTLDSchedule,
    MixtureLike,
    PoincareResult,
    ctld_joint_logpdf,
    ctld_poincare,
    ctld_poincare_3d,
    ctld_poincare_nd,
    expect_1d,
    gauss_legendre_panels,
    log_normalizer_r,
    mixture_lift_rule,
    poincare_2d,
)
from gsmtheory.solve._loss_eval import evaluate_gsm_loss
from gsmtheory.solve._loss_record import LossEvaluation, loss_points
from gsmtheory.solve._schedule import ctld_schedule
from gsmtheory.symbolic import CTLDParameters, ctld_lift_spec, gsm_loss

__all__ = ["LiftedResult", "ctld_loss_spec", "ctld_poincare_spec"]

Array = NDArray[np.float64]


# ---------------------------------------------------------------------------- specs with a [ctld] table
@dataclass(frozen=True)
class LiftedResult:
    """A result computed on the CTLD lift of a spec's target, with the CTLD constants used.

    ``to_dict()`` is the wrapped record's dict plus ``"lifted": True`` and ``"ctld"`` (λ, diam,
    β_max, log r and which of them took the reported defaults); attributes of the wrapped
    record (``poincare_constant``, ``explicit``, ...) are readable on this object.
    """

    result: Any
    params: CTLDParameters
    target: str = ""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("result", "params", "target"):
            raise AttributeError(name)
        return getattr(self.result, name)

    def to_dict(self) -> dict[str, Any]:
        """The wrapped record's keys, ``lifted`` and ``ctld``."""
        out = dict(self.result.to_dict())
        out["lifted"] = True
        out["ctld"] = self.params.to_dict()
        if self.target:
            out["lifted_target"] = self.target
        return out


def _spec_params(spec: Any, overrides: dict[str, Any]) -> tuple[Any, CTLDParameters]:
    """(lifted diffusion, parameters) of a Spec (its [ctld] table, else the reported defaults)."""

    lifted, _model, params = ctld_lift_spec(_without_model(spec), **overrides)
    return lifted, params


def _without_model(spec: Any) -> Any:

    return replace(spec, model=None)


def ctld_poincare_spec(spec: Any, *, rtol: float | None = None, quick: bool = False,
                       **overrides: Any) -> LiftedResult:
    r"""C_P of the CTLD lift of a spec's target: Var g ≤ C_P E[g_x² + g_β²] under r(β)p^β(x).

    - 1D Gaussian mixture: :func:`ctld_poincare` (closed-form convolution, finite volumes);
    - 1D formula target: :func:`poincare_2d` on ℓ(x, β) = log r(β) + log(p * N(0, βλ))(x), the
      convolution computed numerically (:func:`convolve_logpdf_1d`);
    - 2D Gaussian mixture: the 3D lift by :func:`gsmtheory.numeric._spectral3d.ctld_poincare_3d`
      (finite volumes, D = I);
    - Gaussian mixture in d ≥ 3: angular sectors on (u, ρ, β) by
      :func:`gsmtheory.numeric.ctld_poincare_nd` (dim U = 1, Σ isotropic on U^⊥);
    - other d ≥ 2 targets: not supported (a one-line error).

    Parameters
    ----------
    spec : Spec
        Its ``[ctld]`` table (or the reported defaults when it has none).
    rtol : float, optional
        Target relative error (default 1e-3; 1e-2 with ``quick``).
    overrides
        lambda_min=, diameter=, beta_max=, log_r= (take precedence over the table).

    Raises
    ------
    SpecError
        A target in d ≥ 2 other than a 2D mixture, a bounded domain, bad CTLD constants.
    """
    tol = rtol if rtol is not None else (1e-2 if quick else 1e-3)
    if not (isinstance(tol, int | float) and 0 < tol < 1):
        raise SpecError(f"rtol = {tol} must lie in (0, 1)", "give e.g. --rtol 1e-3")
    diffusion = spec.diffusion
    if diffusion.dim == 2 and diffusion.mixture is not None:

        lifted, params = _spec_params(spec, overrides)
        res = ctld_poincare_3d(diffusion.mixture, ctld_schedule(params), resolution=0.8 if quick else 1.0, rtol=tol)
        return LiftedResult(res, params, lifted.name)
    if diffusion.dim >= 3 and diffusion.mixture is not None:

        lifted, params = _spec_params(spec, overrides)
        res = ctld_poincare_nd(diffusion.mixture, ctld_schedule(params), resolution=0.8 if quick else 1.0, rtol=tol)
        return LiftedResult(res, params, lifted.name)
    if diffusion.dim >= 2:
        kind = "formula" if diffusion.mixture is None else "mixture"
        raise SpecError(f"C_P of CTLD for a {diffusion.dim}D {kind} target is not covered (the lift is "
                        f"{diffusion.dim + 1}D; 2D Gaussian mixtures are, through the 3D solver)",
                        "give a 1D target or a 2D [mixture], or use --no-lift for the unlifted C_P")
    lifted, params = _spec_params(spec, overrides)
    mix = diffusion.mixture
    if mix is not None:
        res = ctld_poincare(mix, ctld_schedule(params), cells=8 if quick else 16, tolerance=tol)
        return LiftedResult(res, params, lifted.name)

    logp = compile_expr(diffusion.coords, diffusion.log_density, "numpy")

    def ell(y: Array) -> Array:
        with np.errstate(all="ignore"):
            return np.broadcast_to(np.asarray(logp(np.asarray(y, dtype=float)), dtype=float), np.shape(y))

    ex = expect_1d(ell, lambda y: np.zeros_like(y), -math.inf, math.inf, panels=64)
    target = _Convolvable(ell, ex.support[0], ex.log_normalizer)

    schedule = ctld_schedule(params)

    def joint(x: Array, b: Array) -> Array:
        return ctld_joint_logpdf(target, schedule, x, b)

    res = poincare_2d(joint, 1.0, ((-math.inf, math.inf), (0.0, params.beta_max)), rtol=tol)
    res = PoincareResult(res.poincare_constant, res.error_estimate, "ctld-fv2d-numerical-convolution",
                         {**dict(res.resolution), "convolution": "Gauss-Legendre over the support of p"},
                         res.status, f"CTLD C_P (numerical convolution of a formula target): {res.message}",
                         res.side, res.truncation, res.log_poincare_constant, res.lower, res.upper)
    return LiftedResult(res, params, lifted.name)


@dataclass(frozen=True)
class _Convolvable:
    """A 1D log density with its support, convolved by :func:`convolve_logpdf_1d`."""

    logp: Callable[[Array], Array]
    support: tuple[float, float]
    log_normalizer: float
    nodes: int = 1024

    def __call__(self, y: Array) -> Array:
        return self.logp(y)


def _sharp_below(mixture: MixtureLike) -> float:
    """s below which x ↦ f(x, β) switches sharply between components (Gauss–Hermite is slow there).

    The responsibilities of p^s switch across a width ~ (σ² + s)/|Δμ| between components at
    distance |Δμ|, i.e. ~ sqrt(σ² + s)/|Δμ| in units of the component's standard deviation;
    below s = diam² (diam the largest distance between means) that width is under one unit.
    """
    means = np.asarray(mixture.means, dtype=float)
    diam2 = float(np.max(np.sum((means[:, None, :] - means[None, :, :]) ** 2, axis=-1)))
    return diam2


def _x_rule(mixture: MixtureLike, s: Array | float, nh: int) -> tuple[Array, Array]:
    """:func:`mixture_lift_rule` with Gauss–Hermite (nh per axis) where f is smooth at the scale of
    p^s, composite Gauss–Legendre (max(nh // 5, 1) panels of 16 per axis) where it switches sharply."""
    if float(np.max(s)) < _sharp_below(mixture):
        return mixture_lift_rule(mixture, s, max(nh // 5, 1), "legendre")
    return mixture_lift_rule(mixture, s, nh)


def _mixture_joint_rule(mixture: MixtureLike, params: CTLDSchedule, panels: int,
                        nh: int) -> list[tuple[Array, Array, Array]]:
    """Groups of (x nodes (nb, N, d), β nodes (nb,), weights (nb, N)) for E over r(β)p^β(x)/Z_r.

    β nodes with βλ below :func:`_sharp_below` take the Legendre x-rule, the others Gauss–Hermite
    (one group each; the weights of all groups together sum to 1).
    """
    log_r = params.log_r
    b, wb = gauss_legendre_panels(0.0, params.beta_max, panels, 16)
    wb = wb * np.exp(log_r(b) - log_normalizer_r(params))
    s = b * params.lambda_min
    groups = []
    sharp = s < _sharp_below(mixture)
    for sel in (sharp, ~sharp):
        if np.any(sel):
            xs, wx = _x_rule(mixture, s[sel], nh)
            groups.append((xs, b[sel], wb[sel, None] * wx))
    return groups


def _ctld_loss_nd(spec: Any, at: Sequence[Any], panels: int, overrides: dict[str, Any]) -> LiftedResult:
    r"""The CTLD loss of a d-dimensional Gaussian-mixture target (d ≥ 2) by product rules.

    E over r(β)p^β(x)/Z_r: ``panels``//4 Gauss–Legendre panels of 16 nodes in β (weights r/Z_r)
    × :func:`mixture_lift_rule` per β node: Gauss–Hermite with ``panels``//2 nodes per axis where
    βλ ≥ diam² (the integrand is smooth on the scale of p^β), composite Gauss–Legendre with
    ``panels``//16 panels of 16 nodes per axis below (the mixture responsibilities switch over
    less than one standard deviation there, where Gauss–Hermite converges slowly); faces
    −c_f E_{p^{β_f}}[flux] with c_f = r(β_f)/Z_r by the same x-rules. The error is the change
    against half of every resolution.
    """

    lifted, model, params = ctld_lift_spec(spec, **overrides)
    if model is None:  # pragma: no cover - checked by the caller
        raise SpecError("no model", "add a [model]")
    loss = gsm_loss(lifted, model)
    mix = spec.diffusion.mixture
    d = mix.dim
    points = loss_points(loss, at)
    args = (*lifted.coords, *model.params)
    bulk = compile_expr(args, [loss.explicit, loss.implicit, loss.constant], "numpy")
    faces = [(float(term.at), compile_expr(args, term.flux, "numpy")) for term in loss.boundary_terms
             if term.vanishes is not True]
    schedule = ctld_schedule(params)
    log_r = schedule.log_r
    log_z = log_normalizer_r(schedule)

    def expect(fn: Any, xs: Array, b: Array, w: Array, th: tuple[float, ...]) -> list[float]:
        with np.errstate(all="ignore"):
            out = fn(*(xs[..., i] for i in range(d)), b, *th)
        sums = []
        for v in out if isinstance(out, list) else [out]:
            v = np.broadcast_to(np.asarray(v, dtype=float), w.shape)
            bad = ~np.isfinite(v) & (w > 0)
            if np.any(bad) and float(w[bad].sum()) > NEGLIGIBLE_MASS:
                raise NumericalError("the CTLD loss integrand is not finite where p has mass",
                                     "check the model's parameters")
            sums.append(float(np.sum(np.where(np.isfinite(v), w * v, 0.0))))
        return sums

    def values(th: tuple[float, ...], pan: int, n: int) -> tuple[float, float, float, float]:
        ex = im = c = 0.0
        for xs, b, w in _mixture_joint_rule(mix, schedule, pan, n):
            e_g, i_g, c_g = expect(bulk, xs, np.broadcast_to(b[:, None], w.shape), w, th)
            ex, im, c = ex + e_g, im + i_g, c + c_g
        bd = 0.0
        for at_f, flux in faces:
            xf, wf = _x_rule(mix, at_f * params.lambda_min, n)
            cf = math.exp(float(log_r(np.array([at_f]))[0]) - log_z)
            bd -= cf * expect(flux, xf, np.full(wf.shape, at_f), wf, th)[0]
        return ex, im + bd, bd, c

    pan, n = max(panels // 4, 2), max(panels // 2, 4)
    explicit, implicit, boundary, e_err, i_err = [], [], [], [], []
    constant = math.nan
    for th in points:
        hi = values(th, pan, n)
        lo = values(th, max(pan // 2, 1), max(n // 2, 2))
        explicit.append(hi[0])
        implicit.append(hi[1])
        boundary.append(hi[2])
        e_err.append(abs(hi[0] - lo[0]))
        i_err.append(abs(hi[1] - lo[1]))
        constant = hi[3]
    names = [str(t) for t in model.params]
    method = (f"Gauss-Legendre in beta (weights r/Z_r) x per mixture component in x (d = {d}): tensor "
              f"Gauss-Hermite where beta*lambda >= diam^2, composite Gauss-Legendre below; errors against half "
              f"the resolution")
    ev = LossEvaluation(tuple(tuple(zip(names, p, strict=True)) for p in points), tuple(explicit),
                        tuple(implicit), tuple(boundary), tuple(e_err), tuple(i_err), constant, method,
                        {"beta_panels": pan, "beta_order": 16, "hermite_nodes_per_axis": n,
                         "legendre_panels_per_axis": max(n // 5, 1), "legendre_below_s": _sharp_below(mix),
                         "components": mix.n_components, "dim": d})
    return LiftedResult(ev, params, lifted.name)


def ctld_loss_spec(spec: Any, at: Sequence[Any], *, panels: int = 64, **overrides: Any) -> LiftedResult:
    r"""Explicit, implicit and β-face parts of the CTLD loss of a spec, at parameter points.

    The loss is ``gsm_loss(ctld_lift, ctld_model)`` (O = ∇_(x,β), docs/design.md §1):
    explicit(θ) = E[½|∇_(x,β)(ℓ − ℓ_θ)|²], implicit(θ) = E[½|∇ℓ_θ|² + Δℓ_θ] − Σ_f c_f E_{p^{β_f}}[flux_f],
    c_f = r(β_f)/Z_r, and implicit − explicit = −½E[|∇_(x,β)ℓ|²] at every point.

    - 1D target: :func:`evaluate_gsm_loss` on (x, β) ∈ R × [0, β_max] (2D quadrature; the faces
      β = 0 and β = β_max carry the boundary terms);
    - Gaussian-mixture target in d ≥ 2: Gauss–Legendre in β × tensor Gauss–Hermite per component
      in x (:func:`mixture_lift_rule`, ``panels``//2 nodes per axis, ``panels``//4 β panels),
      error against half the resolution.

    Raises
    ------
    SpecError
        No model, a model that is not a Gaussian mixture, a d ≥ 2 target that is a formula.
    """

    if spec.model is None:
        raise SpecError(f"spec {spec.name!r} has no [model]", "add a [model.mixture] table")
    if spec.diffusion.dim >= 2:
        if spec.diffusion.mixture is None:
            raise SpecError(f"the CTLD loss of a {spec.diffusion.dim}D target needs p * N(0, beta*lambda*I) "
                            "in closed form, but the target is a formula", "give the target as a [mixture] table, "
                            "or use --no-lift")
        return _ctld_loss_nd(spec, at, panels, overrides)
    lifted, model, params = ctld_lift_spec(spec, **overrides)
    if model is None:  # pragma: no cover - spec.model checked above
        raise SpecError("no model", "add a [model]")
    ev = evaluate_gsm_loss(gsm_loss(lifted, model), at, panels=panels)
    return LiftedResult(ev, params, lifted.name)
