r"""GSM loss by Monte Carlo in torch, on any device, in batches sized to the device.

For a Gaussian-mixture target p on the whole space and the compiled integrands of
:class:`gsmtheory.symbolic.GSMLoss`,

    explicit(θ) = E_p[½ (∇ℓ − ∇ℓ_θ)ᵀ D (∇ℓ − ∇ℓ_θ)],
    implicit(θ) = E_p[½ ∇ℓ_θᵀ D ∇ℓ_θ + ∇·(D ∇ℓ_θ)]      (no boundary on the whole space),

each the mean over ``samples`` exact draws from p, error 1.96 standard errors, like the loss
method ``monte-carlo`` (NumPy, CPU); here draws and integrands stay on ``device`` with float64 sums,
so CPU and GPU agree within the Monte Carlo errors (the random streams differ by device).
Registered as the loss method ``torch-mc`` (``--method torch-mc --device ...``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from gsmtheory._device import batch_size, resolve_device
from gsmtheory._errors import SpecError
from gsmtheory._methods import Method, Theory
from gsmtheory.compile import compile_expr
from gsmtheory.numeric import MixtureDraws
from gsmtheory.solve._loss_question import LossEvaluation, LossOptions, loss_points
from gsmtheory.solve._problem import Problem
from gsmtheory.symbolic import GSMLoss

__all__ = ["METHOD", "torch_mc_loss"]


def torch_mc_loss(loss: GSMLoss, at: Sequence[Mapping[str, float]], *, device: str = "auto",
                  samples: int = 200_000, seed: int = 0, max_batch: int | None = None) -> LossEvaluation:
    """Monte Carlo explicit/implicit GSM loss at the points ``at``, in torch on ``device``.

    Parameters
    ----------
    loss : gsmtheory.symbolic.GSMLoss
        from :func:`gsmtheory.symbolic.gsm_loss`; its target must be a [mixture] on R^d.
    at : sequence of mappings
        parameter name → value, one mapping per point (every model parameter).
    device : {"auto", "cpu", "cuda"}
        where to sample and evaluate.
    samples, seed : int
        exact draws (the same serve every point) and the seed.
    max_batch : int, optional
        cap on the batch (default: what :func:`gsmtheory.numeric.batch_size` allows).

    Returns
    -------
    gsmtheory.solve.LossEvaluation
        explicit, implicit (boundary 0) with 1.96-standard-error estimates; method names the device.

    Raises
    ------
    SpecError
        A target that is not a mixture on R^d (no exact samples), or fewer than 2 samples.

    Examples
    --------
    >>> from gsmtheory.symbolic import gsm_loss, load_spec
    >>> spec = load_spec("bimodal")                      # ½N(−2, 1) + ½N(2, 1), model mean ±a
    >>> ev = torch_mc_loss(gsm_loss(spec.diffusion, spec.model), [{"a": 2.0}], device="cpu", samples=20000)
    >>> ev.explicit[0], abs(ev.implicit[0] + ev.constant) <= ev.implicit_error[0]  # at θ*: 0 and −½E|∇ℓ|²
    (0.0, True)
    """
    import torch

    diffusion = loss.diffusion
    mixture = diffusion.mixture
    if mixture is None or any(math.isfinite(float(v)) for pair in diffusion.domain for v in pair):
        raise SpecError("torch Monte Carlo needs exact samples of p",
                        "give the target as a [mixture] on the whole space")
    if samples < 2:
        raise SpecError(f"samples must be at least 2, got {samples}", "give samples = 100000")
    names = [str(t) for t in loss.model.params]
    points = loss_points(loss, at)
    dev = torch.device(resolve_device(device))
    d = diffusion.dim
    f = compile_expr((*diffusion.coords, *loss.model.params), [loss.explicit, loss.implicit, loss.constant],
                     "torch")
    # working set per sample: coords, normals, and ~64 float64 temporaries of the integrands
    per_sample = 8 * (2 * d + 64 + 8 * len(points))
    batch = batch_size(str(dev), per_sample, maximum=max_batch or (1 << 22))
    draws = MixtureDraws(mixture, str(dev), seed)  # exact samples of p
    n_points = len(points)
    sums = torch.zeros((3, n_points), dtype=torch.float64, device=dev)
    squares = torch.zeros((3, n_points), dtype=torch.float64, device=dev)
    done = 0
    with torch.no_grad():
        while done < samples:
            m = min(batch, samples - done)
            x = draws.target(m)
            cols = [x[:, i] for i in range(d)]
            for j, th in enumerate(points):
                theta = [torch.full((), v, dtype=torch.float64, device=dev) for v in th]
                for r, vals in enumerate(f(*cols, *theta)):
                    v = torch.broadcast_to(torch.as_tensor(vals, dtype=torch.float64, device=dev), (m,))
                    sums[r, j] += v.sum()
                    squares[r, j] += (v * v).sum()
            done += m
    mean = (sums / samples).cpu()
    var = (squares / samples).cpu() - mean**2
    err = 1.96 * torch.sqrt(torch.clamp(var, min=0.0) * samples / (samples - 1) / samples)
    return LossEvaluation(
        tuple(tuple(zip(names, p, strict=True)) for p in points),
        tuple(float(v) for v in mean[0]), tuple(float(v) for v in mean[1]), (0.0,) * n_points,
        tuple(float(v) for v in err[0]), tuple(float(v) for v in err[1]),
        float(mean[2].mean()), f"monte carlo in torch on {dev.type} (exact mixture samples), "
        "error 1.96 standard errors",
        {"samples": int(samples), "seed": int(seed), "batch": int(batch), "device": str(dev)})


def _applies(problem: Problem) -> str | None:
    if problem.mixture is None or not problem.unbounded:
        return "torch Monte Carlo needs exact samples of p; give the target as a [mixture] on the whole space"
    return None


def _run(problem: Problem, at: Sequence[Mapping[str, float]], options: LossOptions) -> LossEvaluation:
    return torch_mc_loss(problem.loss, at, device=options.device, samples=options.samples, seed=options.seed)


METHOD = Method("torch-mc", _applies, _run, "Gaussian-mixture target on R^d: Monte Carlo in torch on --device",
                Theory("estimate", notes="error: 1.96 standard errors"), priority=30, auto=False)
