r"""Denoising score matching (Vincent 2011; Song & Ermon 2019; Song et al. 2021), shaped like a torch loss.

``loss = DSMLoss(schedule)`` with any :class:`NoiseSchedule` — CTLD's r(β) (the same law as a
CTLD loss, for a fair comparison), a geometric σ list, a VE or VP SDE — then
``loss(model, batch)``: at a level drawn from the schedule, x̃ = αx + σz (z ∼ N(0, I)) and the
per-sample loss is

    w·½|s_θ(x̃, level) + z/σ|²,   w = σ² ("sigma2", Song & Ermon's λ(σ) = σ²: ½|σ s_θ + z|²) or 1 ("none").

At each level, E_{x,z}[½|s(x̃) + z/σ|²] = E_{p_level}[½|s|² + div s] + d/(2σ²) exactly (Gaussian
integration by parts), so DSM and CTLD's x-part agree up to a θ-free constant at each level; with
w = σ² the data's own scale (σ → 0) gets vanishing weight.

A score model needs no derivative with respect to its input here, so ``torch.compile(model)``
works (tested on CPU); an energy model (s = −∇_x E) needs one with ``create_graph=True``, which
torch 2.13's compiled autograd does not support.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.networks._autograd import check_kind, network_score, takes_noise_level
from gsmtheory.networks._ctld import as_schedule, ctld_parameters_for, draws, levels_for
from gsmtheory.networks._gsm import check_batch, check_reduction, flat_batch, reduce_loss
from gsmtheory.networks._schedules import NoiseSchedule
from gsmtheory.numeric import smoothed
from gsmtheory.symbolic import CTLDParameters, Spec

__all__ = ["DSM_WEIGHTS", "DSMLoss"]

#: weights w of the DSM loss: σ² (Song & Ermon) or none (1)
DSM_WEIGHTS: tuple[str, ...] = ("sigma2", "none")

Model = Callable[..., torch.Tensor]


class DSMLoss(torch.nn.Module):
    r"""Denoising score matching w·½|s_θ(αx + σz, level) + z/σ|² over a noise schedule (module docstring).

    Parameters
    ----------
    schedule : NoiseSchedule or CTLDParameters
        :class:`BetaSchedule` (σ² = βλ), :class:`GeometricSigmas`, :class:`VESDE`, :class:`VPSDE`.
    kind : {"score", "energy"}
    weight : {"sigma2", "none"}
        w = σ² (Song & Ermon's weighting) or 1.
    reduction : {"mean", "sum", "none"}

    Raises
    ------
    SpecError
        An unknown kind, weight or reduction.

    Examples
    --------
    >>> import torch
    >>> x = torch.randn(4000, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> loss = DSMLoss(GeometricSigmas(0.1, 1.0, levels=3))
    >>> # N(0, 1) noised to N(0, 1 + σ²), level β = σ²/λ: the exact score −x̃/(1 + β) leaves ½E[1/(1 + σ²)] = 0.40
    >>> value = loss(lambda y, b: -y / (1 + b[:, None]), x, generator=torch.Generator().manual_seed(0))
    >>> round(float(value), 2)
    0.41
    """

    def __init__(self, schedule: NoiseSchedule | CTLDParameters, *, kind: str = "score", weight: str = "sigma2",
                 reduction: str = "mean") -> None:
        super().__init__()
        check_kind(kind)
        check_reduction(reduction)
        if weight not in DSM_WEIGHTS:
            raise SpecError(f"unknown DSM weight {weight!r}", f"use one of {', '.join(DSM_WEIGHTS)}")
        self.schedule: NoiseSchedule = as_schedule(schedule, NoiseSchedule)
        self.kind, self.weight, self.reduction = kind, weight, reduction

    @classmethod
    def from_spec(cls, spec: Spec, **kwargs: Any) -> DSMLoss:
        """The baseline with the law of a spec's ``[ctld]`` table (or the reported defaults)."""
        return cls(ctld_parameters_for(spec), **kwargs)

    def describe(self) -> dict[str, Any]:
        """The schedule (with its mass near the data and warning) and the weight."""
        return {"loss": "dsm", "weight": self.weight, "schedule": self.schedule.describe(), "skipped": []}

    def _score(self, model: Model, xt: torch.Tensor, level: torch.Tensor) -> torch.Tensor:
        if self.kind == "score":
            try:
                out = model(xt, level)
            except TypeError:
                if not takes_noise_level(model):
                    raise ModelError("denoising score matching needs a noise-conditional model s(x, level), but the "
                                     "model takes only x", "give a model whose forward takes (x, level)") from None
                raise
            if not isinstance(out, torch.Tensor) or out.shape != xt.shape:
                shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
                raise ModelError(f"the score model returned {shape} for a batch of shape {tuple(xt.shape)}",
                                 f"return one score per sample, shape {tuple(xt.shape)}")
            return out
        _, flat, event = flat_batch(xt)
        return network_score(model, flat, level, kind="energy", event=event).reshape(xt.shape)

    def per_sample(self, model: Model, x: torch.Tensor, *, level: torch.Tensor | None = None,
                   noise: torch.Tensor | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        """w·½|s + z/σ|² per sample, shape (n,); the level and z drawn unless given."""
        check_batch(x)
        level = levels_for(self.schedule, x, level, generator)
        z = draws(x, noise, generator)
        sigma2 = self.schedule.sigma2(level)
        sigma = torch.sqrt(sigma2).reshape((x.shape[0],) + (1,) * (x.ndim - 1))
        mean = x if self.schedule.exploding else self.schedule.alpha(level).reshape(sigma.shape) * x
        xt = smoothed(mean, sigma2, z)
        grad_on = torch.is_grad_enabled()
        with torch.enable_grad():
            s = self._score(model, xt, level)
            if self.weight == "sigma2":
                r = sigma * s + z
            else:
                if bool((sigma <= 0).any()):
                    raise NumericalError("a level with sigma = 0 drawn with weight='none' (z/sigma is undefined)",
                                         "use weight='sigma2' or a schedule with sigma > 0")
                r = s + z / sigma
            out = 0.5 * (r * r if x.ndim == 2 else (r * r).reshape(x.shape[0], -1)).sum(-1)
        return out if grad_on else out.detach()

    def forward(self, model: Model, x: torch.Tensor, *, level: torch.Tensor | None = None,
                noise: torch.Tensor | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        """The reduced DSM loss of ``model`` on the batch ``x`` (n, *event_shape)."""
        return reduce_loss(self.per_sample(model, x, level=level, noise=noise, generator=generator), self.reduction)
