r"""Training and sampling with score and energy models (seeded, device-agnostic).

- :func:`fit_network`: Adam on ``loss(model, batch)`` over minibatches of the data; the record
  carries the loss's :meth:`describe` (schedule, mass near the data, skipped terms);
- :func:`langevin`: unadjusted Langevin x ← x + h s(x) + √(2h) ξ with a learned score;
- :func:`annealed_langevin`: Song & Ermon's annealed Langevin dynamics down a schedule's ladder
  of levels, step h_i = ε(α_i²λ + σ_i²) at level i (a fixed fraction of the variance of the
  level's finest components);
- :func:`predictor_corrector`: Song et al. (2021): a reverse-diffusion predictor between
  consecutive levels and ``corrector_steps`` Langevin correctors at a signal-to-noise ratio;
- :func:`grid_density`: exp(−E) of an energy model normalized on a uniform grid of a box.

Between levels i (noisier) and i + 1 the forward kernel is x_i = a x_{i+1} + √q ε with
a = α_i/α_{i+1}, q = σ_i² − a²σ_{i+1}²; the predictor is x ← (x + q s(x, level_i))/a + √q z
(Euler–Maruyama of the reverse SDE for VE, DDPM's ancestral step for VP), without noise on the
last step.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.networks._autograd import check_kind, network_score
from gsmtheory.networks._schedules import NoiseSchedule

__all__ = ["FitHistory", "annealed_langevin", "fit_network", "grid_density", "langevin", "predictor_corrector"]

Model = Callable[..., torch.Tensor]


@dataclass(frozen=True)
class FitHistory:
    """What :func:`fit_network` did: the mean minibatch loss per step, seed, steps, batch size, time, the loss.

    Attributes
    ----------
    losses : tuple of float
        The mean minibatch loss at each step.
    seed, steps, batch_size : int
        As passed.
    seconds : float
        Wall time.
    loss : dict
        The loss's description (``loss["schedule"]["mass_near_zero"]``, ``loss["skipped"]``, a
        schedule warning).

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Linear(1, 1).double()
    >>> data = 2.0 + torch.randn(2000, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> h = fit_network(GSMLoss(), model, data, steps=50, lr=0.05, seed=0)
    >>> h.steps, len(h.losses), h.losses[-1] < h.losses[0]
    (50, 50, True)
    """

    losses: tuple[float, ...]
    seed: int
    steps: int
    batch_size: int
    seconds: float = 0.0
    loss: dict[str, Any] = field(default_factory=dict)


def fit_network(loss: Callable[..., torch.Tensor], model: Model, data: torch.Tensor, *, steps: int,
                batch_size: int = 256, lr: float = 1e-3, seed: int = 0,
                parameters: Iterable[torch.nn.Parameter] | None = None) -> FitHistory:
    """θ̂ ≈ argmin_θ E[loss(model_θ, batch)] by Adam on minibatches, with noise and probes from a seeded generator.

    ``parameters`` default to ``model.parameters()``. The same seed gives the same minibatches,
    probes and noise draws, hence the same trained model on a given device.

    Parameters
    ----------
    loss : callable
        ``loss(model, batch, generator=g)``, e.g. :class:`gsmtheory.networks.GSMLoss`, :class:`CTLDLoss`, :class:`DSMLoss`.
    model : callable
        The network (trained in place).
    data : torch.Tensor
        The samples (n, *event).
    steps, batch_size : int
        Adam steps and the minibatch size.
    lr : float
        The learning rate.
    seed : int
        Seed of the minibatches, noise and probes.
    parameters : iterable of torch.nn.Parameter, optional
        What to train (needed when ``model`` is not a module).

    Returns
    -------
    FitHistory
        The loss per step and the loss's description.

    Raises
    ------
    SpecError
        Non-positive steps, batch size or rate, or a model that is not a module without ``parameters``.
    NumericalError
        Data of the wrong shape, or a loss that became non-finite.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Linear(1, 1).double()         # s(x) = a·x + b; N(2, 1) has a = −1, b = 2
    >>> data = 2.0 + torch.randn(2000, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> _ = fit_network(GSMLoss(), model, data, steps=300, lr=0.05, seed=0)
    >>> round(model.weight.item(), 1), round(model.bias.item(), 1)
    (-1.0, 2.0)
    """
    if steps < 1 or batch_size < 1 or not (lr > 0):
        raise SpecError("steps, batch_size and lr must be positive", "give e.g. steps=1000, batch_size=256, lr=1e-3")
    if not isinstance(data, torch.Tensor) or data.ndim < 2 or data.shape[0] < 1:
        raise NumericalError(f"data of shape {tuple(getattr(data, 'shape', ()))}",
                             "pass a tensor of samples of shape (n, *event_shape)")
    if parameters is None:
        if not isinstance(model, torch.nn.Module):
            raise SpecError("the model is not a torch.nn.Module", "pass parameters=[...] to train")
        parameters = model.parameters()
    opt = torch.optim.Adam(list(parameters), lr=lr)
    gen = torch.Generator(device=data.device)
    gen.manual_seed(int(seed))
    history: list[float] = []
    n = data.shape[0]
    start = time.perf_counter()
    for _ in range(steps):
        idx = torch.randint(0, n, (min(batch_size, n),), generator=gen, device=data.device)
        value = loss(model, data[idx], generator=gen)
        value = value.mean() if value.ndim else value
        if not torch.isfinite(value):
            raise NumericalError(f"the training loss became {float(value)} at step {len(history)}",
                                 "lower the learning rate or rescale the model's inputs")
        opt.zero_grad()
        value.backward()
        opt.step()
        history.append(float(value.detach()))
    describe = getattr(loss, "describe", None)
    info = describe() if callable(describe) else {}
    return FitHistory(tuple(history), int(seed), int(steps), int(batch_size), time.perf_counter() - start, info)


def _score_fn(model: Model, kind: str) -> Callable[[torch.Tensor, float | None], torch.Tensor]:
    check_kind(kind)

    def score(x: torch.Tensor, level: float | None) -> torch.Tensor:
        with torch.enable_grad():
            xg = x.detach().requires_grad_(True)
            flat = xg.reshape(x.shape[0], -1)
            b = None if level is None else torch.full((x.shape[0],), level, dtype=x.dtype, device=x.device)
            return network_score(model, flat, b, kind=kind, event=tuple(x.shape[1:])).detach().reshape(x.shape)

    return score


def langevin(model: Model, x0: torch.Tensor, *, step: float, steps: int, kind: str = "score",
             level: float | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """Unadjusted Langevin x ← x + h s(x) + √(2h) ξ for ``steps`` steps (s(x, level) at a fixed level when given).

    Parameters
    ----------
    model : callable
        The score s(x) (or s(x, level)).
    x0 : torch.Tensor
        The starting points (n, *event).
    step : float
        h > 0.
    steps : int
        How many steps (≥ 0).
    kind : {"score", "energy"}
        What the model returns.
    level : float, optional
        A fixed noise level for a noise-conditional model.
    generator : torch.Generator, optional
        The noise's random stream.

    Returns
    -------
    torch.Tensor
        The final points.

    Raises
    ------
    SpecError
        h ≤ 0 or steps < 0.

    Examples
    --------
    >>> import torch
    >>> x = langevin(lambda y: -y, torch.zeros(2000, 1, dtype=torch.float64), step=0.05, steps=200,
    ...              generator=torch.Generator().manual_seed(0))
    >>> round(x.var().item(), 1)                       # N(0, 1), biased by O(h): 1/(1 − h/2)
    1.1
    """
    if not (step > 0) or steps < 0:
        raise SpecError("step must be positive and steps >= 0", "give e.g. step=0.01, steps=1000")
    score = _score_fn(model, kind)
    x = x0.detach().clone()
    for _ in range(steps):
        noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        x = x + step * score(x, level) + math.sqrt(2 * step) * noise
    return x


def _alpha_sigma2(schedule: NoiseSchedule, level: float) -> tuple[float, float]:
    t = torch.tensor([level], dtype=torch.float64)
    return float(schedule.alpha(t)[0]), float(schedule.sigma2(t)[0])


def annealed_langevin(model: Model, x0: torch.Tensor, schedule: NoiseSchedule, *, levels: int = 20,
                      steps_per_level: int = 50, eps: float = 0.05, kind: str = "score",
                      generator: torch.Generator | None = None) -> torch.Tensor:
    """Annealed Langevin dynamics (Song & Ermon 2019) down ``schedule.ladder(levels)``.

    ``steps_per_level`` Langevin steps at each level with h = ε(α²λ + σ²): a fixed fraction ε of
    the variance of the level's components when the data's have variance λ (Song & Ermon's
    h_i ∝ σ_i², shifted by λ so that a last level at σ = 0 keeps a useful step).

    Parameters
    ----------
    model : callable
        The noise-conditional score s(x, level).
    x0 : torch.Tensor
        The starting points, drawn from the top level's law.
    schedule : NoiseSchedule
        The levels.
    levels, steps_per_level : int
        The ladder's length and the steps at each level.
    eps : float
        ε.
    kind : {"score", "energy"}
        What the model returns.
    generator : torch.Generator, optional
        The noise's random stream.

    Returns
    -------
    torch.Tensor
        The final points.

    Raises
    ------
    SpecError
        No noise schedule, ``levels`` < 1 or ε ≤ 0.

    Examples
    --------
    >>> import torch
    >>> g = torch.Generator().manual_seed(0)
    >>> schedule = GeometricSigmas(0.01, 3.0, levels=10)
    >>> x = annealed_langevin(lambda y, b: -y / (1 + b[:, None]), 3 * torch.randn(2000, 1, dtype=torch.float64, generator=g),
    ...                       schedule, levels=10, steps_per_level=20, generator=g)
    >>> round(x.var().item(), 1)                       # the data N(0, 1), up to the step's bias
    1.0
    """
    if not isinstance(schedule, NoiseSchedule) or levels < 1 or not (eps > 0):
        raise SpecError("annealed Langevin needs a noise schedule, levels >= 1 and eps > 0",
                        "give e.g. annealed_langevin(model, x0, log_uniform_schedule(100.0))")
    x = x0.detach().clone()
    for level in schedule.ladder(levels):
        alpha, sigma2 = _alpha_sigma2(schedule, level)
        h = eps * (alpha * alpha * schedule.lam + sigma2)
        x = langevin(model, x, step=h, steps=steps_per_level, kind=kind, level=level, generator=generator)
    return x


def predictor_corrector(model: Model, x0: torch.Tensor, schedule: NoiseSchedule, *, steps: int = 500,
                        corrector_steps: int = 1, snr: float = 0.16, kind: str = "score",
                        generator: torch.Generator | None = None) -> torch.Tensor:
    """Predictor–corrector sampling (Song et al. 2021) down ``schedule.ladder(steps)`` (module docstring).

    The predictor is a reverse-diffusion step (module docstring); the corrector at level i takes
    ``corrector_steps`` Langevin steps with ε = 2(snr·‖z‖/‖s‖)² (norms averaged over the batch).
    ``x0`` should be drawn from the top level's law.

    Parameters
    ----------
    model : callable
        The noise-conditional score s(x, level).
    x0 : torch.Tensor
        The starting points.
    schedule : NoiseSchedule
        The levels.
    steps, corrector_steps : int
        Predictor steps, and corrector steps after each.
    snr : float
        The corrector's signal-to-noise ratio.
    kind : {"score", "energy"}
        What the model returns.
    generator : torch.Generator, optional
        The noise's random stream.

    Returns
    -------
    torch.Tensor
        The final points.

    Raises
    ------
    SpecError
        No noise schedule, ``steps`` < 1, ``corrector_steps`` < 0 or snr ≤ 0.

    Examples
    --------
    >>> import torch
    >>> g = torch.Generator().manual_seed(0)
    >>> schedule = VESDE(0.01, 3.0)
    >>> x = predictor_corrector(lambda y, b: -y / (1 + b[:, None]), 3 * torch.randn(2000, 1, dtype=torch.float64, generator=g),
    ...                         schedule, steps=100, generator=g)
    >>> round(x.var().item(), 1)                       # the data N(0, 1)
    1.0
    """
    if not isinstance(schedule, NoiseSchedule) or steps < 1 or corrector_steps < 0 or not (snr > 0):
        raise SpecError("predictor-corrector needs a noise schedule, steps >= 1, corrector_steps >= 0 and snr > 0",
                        "give e.g. predictor_corrector(model, x0, VESDE(0.01, 10.0), steps=500)")
    score = _score_fn(model, kind)
    ladder = schedule.ladder(steps)
    x = x0.detach().clone()
    for i in range(len(ladder) - 1):
        (a_i, s2_i), (a_j, s2_j) = _alpha_sigma2(schedule, ladder[i]), _alpha_sigma2(schedule, ladder[i + 1])
        a = a_i / a_j
        q = max(s2_i - a * a * s2_j, 0.0)
        x = (x + q * score(x, ladder[i])) / a
        if i < len(ladder) - 2:
            x = x + math.sqrt(q) * torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        for _ in range(corrector_steps):
            s = score(x, ladder[i + 1])
            z = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
            ratio = z.reshape(len(z), -1).norm(dim=-1).mean() / s.reshape(len(s), -1).norm(dim=-1).mean().clamp_min(1e-30)
            e = 2 * float(snr * ratio) ** 2
            x = x + e * s + math.sqrt(2 * e) * z
    return x


def grid_density(energy: Model, lower: Sequence[float], upper: Sequence[float], cells: Sequence[int], *,
                 level: float | None = None, dtype: torch.dtype = torch.float64,
                 device: str | torch.device = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Cell centres x_k (N, d) and probabilities p_k = e^{−E(x_k)}/Σ_j e^{−E(x_j)} on a uniform grid of the box.

    The midpoint rule for the density an energy network defines (for plots and checks).

    Parameters
    ----------
    energy : callable
        E(x) (or E(x, level)), one number per point.
    lower, upper : sequence of float
        The box.
    cells : sequence of int
        Cells per axis.
    level : float, optional
        A fixed noise level for a noise-conditional energy.
    dtype, device
        Of the grid.

    Returns
    -------
    tuple of torch.Tensor
        The centres (N, d) and the probabilities (N,), summing to 1.

    Examples
    --------
    >>> x, p = grid_density(lambda y: 0.5 * (y ** 2).sum(-1), [-6.0], [6.0], [200])
    >>> x.shape, round((p * x[:, 0] ** 2).sum().item(), 6)       # N(0, 1): E x² = 1
    (torch.Size([200, 1]), 1.0)
    """
    axes = [torch.linspace(a + (b - a) / (2 * n), b - (b - a) / (2 * n), n, dtype=dtype, device=device)
            for a, b, n in zip(lower, upper, cells, strict=True)]
    pts = torch.stack([g.reshape(-1) for g in torch.meshgrid(*axes, indexing="ij")], dim=-1)
    with torch.no_grad():
        if level is None:
            e = energy(pts)
        else:
            e = energy(pts, torch.full((pts.shape[0],), level, dtype=dtype, device=device))
        e = e.reshape(-1)
        logp = -e - torch.logsumexp(-e, dim=0)
    return pts, torch.exp(logp)
