r"""Training and sampling helpers for score and energy networks (seeded, device-agnostic).

- :func:`fit_network`: Adam on the mean of a per-sample loss over minibatches of the data;
- :func:`langevin`: unadjusted Langevin x ← x + h s(x) + √(2h) ξ with a learned score;
- :func:`annealed_langevin`: Song & Ermon's annealed Langevin dynamics over a geometric ladder
  of noise levels β_1 = β_max > … > β_L, then β = 0, step h_i = ε λ (1 + β_i);
- :func:`grid_density`: exp(−E) of an energy network normalized on a uniform grid of a box
  (the mass of a region of the learned density is the sum over its cells).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import torch

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.networks._autograd import check_kind, network_score

__all__ = ["FitHistory", "annealed_langevin", "fit_network", "grid_density", "langevin"]


@dataclass(frozen=True)
class FitHistory:
    """Mean minibatch loss per step, the seed, and the step count."""

    losses: tuple[float, ...]
    seed: int
    steps: int
    batch_size: int


def fit_network(loss: torch.nn.Module, parameters: Iterable[torch.nn.Parameter], data: torch.Tensor, *,
                steps: int, batch_size: int = 256, lr: float = 1e-3, seed: int = 0) -> FitHistory:
    """Minimize the mean per-sample ``loss(x_batch, generator=g)`` by Adam (minibatches drawn with a seeded g).

    ``parameters`` are the network's (``net.parameters()``). The same seed gives the same
    minibatches, probes and noise draws, hence the same trained network on a given device.
    """
    if steps < 1 or batch_size < 1 or not (lr > 0):
        raise SpecError("steps, batch_size and lr must be positive", "give e.g. steps=1000, batch_size=256, lr=1e-3")
    if data.ndim != 2 or data.shape[0] < 1:
        raise NumericalError(f"data has shape {tuple(data.shape)}", "pass samples of shape (n, d)")
    params = list(parameters)
    opt = torch.optim.Adam(params, lr=lr)
    gen = torch.Generator(device=data.device)
    gen.manual_seed(int(seed))
    history: list[float] = []
    n = data.shape[0]
    for _ in range(steps):
        idx = torch.randint(0, n, (min(batch_size, n),), generator=gen, device=data.device)
        value = loss(data[idx], generator=gen).mean()
        if not torch.isfinite(value):
            raise NumericalError(f"the training loss became {float(value)} at step {len(history)}",
                                 "lower the learning rate or rescale the network's inputs")
        opt.zero_grad()
        value.backward()
        opt.step()
        history.append(float(value.detach()))
    return FitHistory(tuple(history), int(seed), int(steps), int(batch_size))


def _score_fn(network: Callable[..., torch.Tensor], kind: str,
              beta: float | None) -> Callable[[torch.Tensor], torch.Tensor]:
    check_kind(kind)

    def score(x: torch.Tensor) -> torch.Tensor:
        with torch.enable_grad():
            xg = x.detach().requires_grad_(True)
            b = None if beta is None else torch.full((x.shape[0],), beta, dtype=x.dtype, device=x.device)
            return network_score(network, xg, b, kind=kind).detach()

    return score


def langevin(network: Callable[..., torch.Tensor], x0: torch.Tensor, *, step: float, steps: int,
             kind: str = "score", beta: float | None = None,
             generator: torch.Generator | None = None) -> torch.Tensor:
    """Unadjusted Langevin x ← x + h s(x) + √(2h) ξ for ``steps`` steps (s(x, β) at a fixed β when given)."""
    if not (step > 0) or steps < 0:
        raise SpecError("step must be positive and steps >= 0", "give e.g. step=0.01, steps=1000")
    score = _score_fn(network, kind, beta)
    x = x0.detach().clone()
    for _ in range(steps):
        noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        x = x + step * score(x) + math.sqrt(2 * step) * noise
    return x


def annealed_langevin(network: Callable[..., torch.Tensor], x0: torch.Tensor, *, beta_max: float,
                      lambda_min: float, levels: int = 20, steps_per_level: int = 50, eps: float = 0.05,
                      beta_min: float | None = None, kind: str = "score",
                      generator: torch.Generator | None = None) -> torch.Tensor:
    r"""Annealed Langevin dynamics (Song & Ermon 2019) with a noise-conditional network s(x, β).

    Levels β_1 = β_max > … > β_L = ``beta_min`` (default β_max·10⁻⁴), geometric, then β = 0;
    ``steps_per_level`` Langevin steps at each with step h = ε·(λ + β_i λ): a fixed fraction ε
    of the variance of p^β's components when they have variance λ = λ_min (Song & Ermon's
    h_i ∝ σ_i², shifted by λ so that the last level at β = 0 keeps a useful step).
    """
    if not (beta_max > 0 and lambda_min > 0) or levels < 1 or not (eps > 0):
        raise SpecError("beta_max, lambda_min, levels and eps must be positive", "give the CTLD parameters")
    lo = beta_max * 1e-4 if beta_min is None else float(beta_min)
    if not 0 < lo <= beta_max:
        raise SpecError(f"beta_min = {lo} must lie in (0, beta_max]", "give 0 < beta_min <= beta_max")
    ratio = (lo / beta_max) ** (1.0 / max(levels - 1, 1))
    betas = [beta_max * ratio**i for i in range(levels)] + [0.0]
    x = x0.detach().clone()
    for b in betas:
        h = eps * lambda_min * (1.0 + b)
        x = langevin(network, x, step=h, steps=steps_per_level, kind=kind, beta=b, generator=generator)
    return x


def grid_density(energy: Callable[..., torch.Tensor], lower: Sequence[float], upper: Sequence[float],
                 cells: Sequence[int], *, beta: float | None = None, dtype: torch.dtype = torch.float64,
                 device: str | torch.device = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Cell centres (N, d) and probabilities (N,) ∝ exp(−E) on a uniform grid of the box (midpoint rule)."""
    axes = [torch.linspace(a + (b - a) / (2 * n), b - (b - a) / (2 * n), n, dtype=dtype, device=device)
            for a, b, n in zip(lower, upper, cells, strict=True)]
    pts = torch.stack([g.reshape(-1) for g in torch.meshgrid(*axes, indexing="ij")], dim=-1)
    with torch.no_grad():
        if beta is None:
            e = energy(pts)
        else:
            e = energy(pts, torch.full((pts.shape[0],), beta, dtype=dtype, device=device))
        e = e.reshape(-1)
        logp = -e - torch.logsumexp(-e, dim=0)
    return pts, torch.exp(logp)
