r"""The CTLD loss of a noise-conditional network s_θ(x, β), shaped like a torch loss.

``loss = CTLDLoss(schedule)`` (a :class:`BetaSchedule` — :func:`paper_schedule`,
:func:`log_uniform_schedule` — or symbolic :class:`~gsmtheory.symbolic.CTLDParameters`), then
``loss(model, batch)`` with model(x, β) and a batch of shape (n, *event_shape).

CTLD (docs/design.md §1; Qin & Risteski 2024, Definition 6 and Proposition 7) lifts the target to
p(x, β) = r(β) p^β(x) / Z_r on R^d × [0, β_max], p^β = p * N(0, βλI), and uses the GSM loss
with O = ∇_(x,β). For a network with x-score s = s_θ(x, β) (or −∇_x E_θ(x, β)) the β-score of
its model is taken from the heat identity (docs/paper.md Lemma 28, with the factor λ/2 of
p^β = p * N(0, βλI)),

    u_θ(x, β) = ∂_β log p_θ^β = (λ/2)(div_x s + |s|²),

and the lifted model score is (s, (log r)'(β) + u). Integration by parts in (x, β) gives the
per-sample loss

    ℓ_θ(x, β) = ½|s|² + div_x s + ½((log r)' + u)² + (log r)'' + ∂_β u          (bulk)
              = [Prop. 7: ½|s|² + Δ_x log p_θ + ½u² + (log r)'·u + ∂_β u] + θ-free terms,

plus the β-faces, −Σ_f c_f E_{p^{β_f}}[n_f ∂_β ℓ_θ(·, β_f)] with c_f = r(β_f)/Z_r, n = −1 at
β = 0 and +1 at β_max (the face terms :func:`gsmtheory.symbolic.gsm_loss` derives for the lift;
Prop. 7 prints the loss without them). Both faces are expectations under laws the data give:
p^0 = p (the samples) and p^{β_max} (the samples plus N(0, β_max λ I) noise). One draw per
sample — β ∼ r, x̃ = x + √(βλ) z, and x + √(β_max λ) z' for the upper face — makes the mean an
unbiased estimate of the implicit lifted loss; for the true lifted score it equals
−½E[|∇_(x,β) log p(x, β)|²].

The integration by parts holds for any pair (s, u), so the loss is a proper lifted GSM
divergence for every network, not only for those whose u is the β-score of a density.

A β-face whose weight c_f is below :data:`SKIP_BELOW` (= float64 eps², 4.9e-32) is skipped:
it would change the mean loss by c_f·E|∂_βℓ_θ|, under the rounding of any loss whose β-score at
the face is below 1/eps ≈ 4.5e15 (the paper's r at D = 10 has c_0 ≈ 1e-307: its lower face costs
a network pass and adds nothing). :attr:`CTLDLoss.skipped` says which, with the weight.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.networks._autograd import (
    check_divergence,
    check_kind,
    network_score,
    takes_noise_level,
    weighted_divergence,
)
from gsmtheory.networks._gsm import check_reduction, flat_batch, reduce_loss
from gsmtheory.networks._schedules import BetaSchedule, NoiseSchedule
from gsmtheory.numeric import smoothed
from gsmtheory.symbolic import CTLDParameters, Spec, ctld_parameters

__all__ = ["SKIP_BELOW", "CTLDLoss", "as_schedule", "check_network", "ctld_parameters_for"]

#: β-faces with a weight c_f = r(β_f)/Z_r below this are skipped (float64 eps²)
SKIP_BELOW = float(torch.finfo(torch.float64).eps) ** 2

Model = Callable[..., torch.Tensor]


def ctld_parameters_for(spec: Spec, **overrides: Any) -> CTLDParameters:
    """CTLD constants (λ, diam, β_max, log r) of a spec's ``[ctld]`` table, the reported defaults filling the rest.

    Parameters
    ----------
    spec : Spec
        A spec on R^d.
    **overrides
        ``lambda_min``, ``diameter``, ``beta_max``, ``log_r``.

    Returns
    -------
    CTLDParameters
        The lift's constants, with ``defaults`` naming those that took Definition 6's values.

    Raises
    ------
    SpecError
        A spec on a bounded domain (CTLD convolves over R^d), or bad CTLD constants.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> p = ctld_parameters_for(load_spec("ctld-bimodal"))
    >>> p.lambda_min, p.diameter, p.beta_max, str(p.log_r)     # ½N(∓2, 1): D = 4, 14·16/1 − 1
    (1.0, 4.0, 223.0, '-112/(beta + 1)')
    """
    diffusion = spec.diffusion
    if any(lo.is_finite or hi.is_finite for lo, hi in diffusion.domain):
        raise SpecError("CTLD convolves over the whole space but the target's domain is bounded",
                        "drop the [domain] table for a CTLD loss")
    return ctld_parameters(diffusion, spec.ctld, constants=spec.constants_map, **overrides)


def as_schedule(schedule: Any, allowed: type = BetaSchedule) -> Any:
    """A schedule object from a schedule or symbolic CTLD parameters (compiled once)."""
    if isinstance(schedule, CTLDParameters):
        return BetaSchedule.from_parameters(schedule)
    if not isinstance(schedule, allowed):
        names = "a BetaSchedule (paper_schedule, log_uniform_schedule)" if allowed is BetaSchedule \
            else "a noise schedule (GeometricSigmas, VESDE, VPSDE, paper_schedule, log_uniform_schedule)"
        raise SpecError(f"expected {names} or CTLDParameters, got {type(schedule).__name__}",
                        "build one with gsmtheory.networks.log_uniform_schedule(beta_max) or similar")
    return schedule


def check_network(model: Model, what: str) -> None:
    """A noise-conditional model takes (x, level)."""
    if not takes_noise_level(model):
        raise ModelError(f"{what} needs a noise-conditional model s(x, beta), but the model takes only x",
                         "give a model whose forward takes (x, beta) with beta of shape (n,)")


def draws(x: torch.Tensor, given: torch.Tensor | None, generator: torch.Generator | None) -> torch.Tensor:
    """Standard normal noise of the shape of x (or the given one, moved to x's device and dtype)."""
    if given is not None:
        if given.shape != x.shape:
            raise NumericalError(f"noise of shape {tuple(given.shape)} for a batch of shape {tuple(x.shape)}",
                                 "give noise of the batch's shape")
        return given if given.dtype == x.dtype and given.device == x.device else given.to(x.device, x.dtype)
    return torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)


def levels_for(schedule: NoiseSchedule, x: torch.Tensor, given: torch.Tensor | None,
               generator: torch.Generator | None) -> torch.Tensor:
    """The schedule's levels for a batch (drawn unless given; shape (n,))."""
    n = x.shape[0]
    if given is None:
        return schedule.sample(n, x, generator)
    level = given if given.dtype == x.dtype and given.device == x.device else given.to(x.device, x.dtype)
    if level.shape != (n,):
        raise NumericalError(f"levels of shape {tuple(level.shape)} for {n} samples", f"give shape ({n},)")
    return level


class CTLDLoss(torch.nn.Module):
    r"""The CTLD loss of a noise-conditional score or energy model (module docstring).

    Parameters
    ----------
    schedule : BetaSchedule or CTLDParameters
        λ, β_max and r(β).
    kind : {"score", "energy"}
        model(x, β) is s_θ of the shape of x, or E_θ of shape (n,).
    divergence : {"exact", "hutchinson"}
        Hutchinson needs ``probes`` ≥ 2: the β-part squares u, and the product of two
        independent probe estimates keeps ½u² unbiased.
    faces : bool
        Keep the β-face terms (default; without them the loss is Prop. 7 as printed, biased).
        Faces whose weight is below :data:`SKIP_BELOW` are skipped either way (:attr:`skipped`).
    reduction : {"mean", "sum", "none"}

    Raises
    ------
    SpecError
        An unknown kind, divergence or reduction, Hutchinson with fewer than 2 probes, or a
        schedule that is not a :class:`BetaSchedule` or CTLDParameters.

    Examples
    --------
    >>> import torch
    >>> x = torch.randn(4000, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> loss = CTLDLoss(log_uniform_schedule(20.0))
    >>> # N(0, 1) lifted: p^β = N(0, 1 + β), the exact score −x/(1 + β) (its β-score by the heat identity)
    >>> value = loss(lambda y, b: -y / (1 + b[:, None]), x, generator=torch.Generator().manual_seed(0))
    >>> round(float(value.detach()), 2), loss.skipped
    (-0.24, ())
    """

    def __init__(self, schedule: BetaSchedule | CTLDParameters, *, kind: str = "score", divergence: str = "exact",
                 probes: int = 2, faces: bool = True, reduction: str = "mean") -> None:
        super().__init__()
        check_kind(kind)
        check_divergence(divergence, probes)
        check_reduction(reduction)
        if divergence == "hutchinson" and probes < 2:
            raise SpecError("the CTLD loss with Hutchinson's estimator needs probes >= 2 (its beta-part squares the "
                            "divergence; two independent probes keep that square unbiased)", "give probes=2 or more")
        self.schedule: BetaSchedule = as_schedule(schedule)
        self.kind, self.divergence, self.probes, self.reduction = kind, divergence, int(probes), reduction
        self.lam, self.beta_max = float(self.schedule.lam), float(self.schedule.beta_max)
        self.face_weights = (self.schedule.density_at(0.0), self.schedule.density_at(self.beta_max))
        kept, skipped = [], []
        for name, at, c in (("lower", 0.0, self.face_weights[0]), ("upper", self.beta_max, self.face_weights[1])):
            if not faces:
                skipped.append(f"{name} beta-face (beta = {at:g}): dropped (faces=False; the loss is then biased)")
            elif c < SKIP_BELOW:
                skipped.append(f"{name} beta-face (beta = {at:g}): weight r/Z_r = {c:.3g} < {SKIP_BELOW:.2g}, "
                               "its term is below the loss's rounding")
            else:
                kept.append(name)
        self.faces = bool(faces)
        self.kept: tuple[str, ...] = tuple(kept)
        self.skipped: tuple[str, ...] = tuple(skipped)

    @classmethod
    def from_spec(cls, spec: Spec, **kwargs: Any) -> CTLDLoss:
        """The loss for a spec's ``[ctld]`` table (or the reported defaults)."""
        return cls(ctld_parameters_for(spec), **kwargs)

    def describe(self) -> dict[str, Any]:
        """The schedule (with its mass near β = 0 and warning), the face weights and the skipped terms."""
        return {"loss": "ctld", "schedule": self.schedule.describe(), "face_weights": list(self.face_weights),
                "skipped": list(self.skipped)}

    def log_r_derivatives(self, beta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """((log r)'(β), (log r)''(β)), each of the shape of β."""
        return self.schedule.dlog_r(beta).to(beta.dtype), self.schedule.d2log_r(beta).to(beta.dtype)

    def _scores(self, model: Model, flat: torch.Tensor, beta: torch.Tensor, event: tuple[int, ...],
                generator: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(s, div estimates (P, n), u estimates (P, n)); P = 1 for the exact divergence."""
        s = network_score(model, flat, beta, kind=self.kind, event=event)
        div = weighted_divergence(s, flat, divergence=self.divergence, probes=self.probes, generator=generator)
        if div.ndim == 1:
            div = div[None]
        u = 0.5 * self.lam * (div + (s * s).sum(-1)[None])
        return s, div, u

    def bulk(self, model: Model, points: torch.Tensor, beta: torch.Tensor,
             generator: torch.Generator | None = None) -> torch.Tensor:
        r"""½|s|² + div s + ½((log r)' + u)² + (log r)'' + ∂_β u at the points (x, β), per sample."""
        with torch.enable_grad():
            _, flat, event = flat_batch(points)
            bg = beta if beta.requires_grad else beta.detach().requires_grad_(True)
            s, div, u = self._scores(model, flat, bg, event, generator)
            a1, a2 = self.log_r_derivatives(bg)
            ubar = u.mean(0)
            if u.shape[0] == 1:
                square = (a1 + ubar) ** 2
            else:
                p = u.shape[0]
                pairs = (u.sum(0) ** 2 - (u * u).sum(0)) / (p * (p - 1))
                square = a1 * a1 + 2 * a1 * ubar + pairs
            (du,) = torch.autograd.grad(ubar.sum(), bg, create_graph=True, allow_unused=True)
            du = torch.zeros_like(ubar) if du is None else du
            return 0.5 * (s * s).sum(-1) + div.mean(0) + 0.5 * square + a2 + du

    def beta_score(self, model: Model, x: torch.Tensor, beta: torch.Tensor,
                   generator: torch.Generator | None = None) -> torch.Tensor:
        r"""∂_β ℓ_θ(x, β) = (log r)'(β) + (λ/2)(div_x s + |s|²) per sample (Hutchinson: probe mean)."""
        with torch.enable_grad():
            _, flat, event = flat_batch(x)
            _, _, u = self._scores(model, flat, beta, event, generator)
            return self.schedule.dlog_r(beta).to(beta.dtype) + u.mean(0)

    def parts(self, model: Model, x: torch.Tensor, *, beta: torch.Tensor | None = None,
              noise: torch.Tensor | None = None, face_noise: torch.Tensor | None = None,
              generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        r"""The per-sample pieces: ``bulk`` at (x + √(βλ)z, β), ``face_lower`` = c_0 ∂_βℓ_θ(x, 0) and
        ``face_upper`` = −c_max ∂_βℓ_θ(x + √(β_max λ)z', β_max) (zero when skipped); ``beta`` and
        ``points`` as used."""
        flat_batch(x)  # checks the batch
        n = x.shape[0]
        beta = levels_for(self.schedule, x, beta, generator)
        if bool(((beta < 0) | (beta > self.beta_max)).any()):
            raise NumericalError(f"beta outside [0, {self.beta_max:g}]", "draw beta in [0, beta_max]")
        points = smoothed(x, beta * self.lam, draws(x, noise, generator))
        out = {"beta": beta, "points": points, "bulk": self.bulk(model, points, beta, generator)}
        zero = torch.zeros(n, dtype=x.dtype, device=x.device)
        out["face_lower"], out["face_upper"] = zero, zero
        if "lower" in self.kept:
            at0 = torch.zeros(n, dtype=x.dtype, device=x.device)
            out["face_lower"] = self.face_weights[0] * self.beta_score(model, x, at0, generator)
        if "upper" in self.kept:
            top = torch.full((n,), self.beta_max, dtype=x.dtype, device=x.device)
            xf = smoothed(x, self.beta_max * self.lam, draws(x, face_noise, generator))
            out["face_upper"] = -self.face_weights[1] * self.beta_score(model, xf, top, generator)
        return out

    def per_sample(self, model: Model, x: torch.Tensor, *, beta: torch.Tensor | None = None,
                   noise: torch.Tensor | None = None, face_noise: torch.Tensor | None = None,
                   generator: torch.Generator | None = None) -> torch.Tensor:
        """Bulk + both β-faces per sample, shape (n,); β, z, z' drawn unless given."""
        grad_on = torch.is_grad_enabled()
        p = self.parts(model, x, beta=beta, noise=noise, face_noise=face_noise, generator=generator)
        out = p["bulk"] + p["face_lower"] + p["face_upper"]
        return out if grad_on else out.detach()

    def forward(self, model: Model, x: torch.Tensor, *, beta: torch.Tensor | None = None,
                noise: torch.Tensor | None = None, face_noise: torch.Tensor | None = None,
                generator: torch.Generator | None = None) -> torch.Tensor:
        """The reduced CTLD loss of ``model`` on the batch ``x`` (n, *event_shape)."""
        return reduce_loss(self.per_sample(model, x, beta=beta, noise=noise, face_noise=face_noise,
                                           generator=generator), self.reduction)
