r"""The fair experiment in d = 16–64, ready for a GPU (issue 23); it also runs at d = 2 on a CPU.

Target p = 0.2 N(−(m/2)e, I) + 0.8 N((m/2)e, I) in R^d (e a fixed unit vector, m = 8). Noise-
conditional MLP scores s_θ(x, β) are trained at matched compute (each loss gets the steps that cost
what ``steps`` CTLD steps cost) with

- ``sm``: vanilla score matching of an unconditional MLP score (Hutchinson divergence);
- ``dsm``: annealed DSM, log-uniform r on [0, m²] (no divergence needed);
- ``ctld``: the CTLD loss with the same r (Hutchinson with 2 probes: its β-part squares the divergence).

Reported per (d, loss): the learned weight of the left mode — the fraction of samples drawn with the
learned score (predictor–corrector down the schedule; plain Langevin from a wide start for ``sm``,
which has no noise levels) on the left of the hyperplane e·x = 0 — against the truth 0.2Φ(m/2) +
0.8Φ(−m/2), with its binomial standard error; and the score error E_p|s_θ(x, 0) − ∇log p|² with
its standard error. Device-agnostic: ``--device auto`` takes CUDA when present; float32 by default.

Run: ``python -m benchmarks.experiment_highd [--dims 16 32 64] [--device auto] [--steps 2000]``
(writes benchmarks/results/experiment_highd.json). No GPU was available when this was written:
the committed results, if any, say which device produced them.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import torch
from scipy.special import ndtr

from gsmtheory.networks import (
    CTLDLoss,
    DSMLoss,
    GSMLoss,
    fit_network,
    langevin,
    log_uniform_schedule,
    predictor_corrector,
)
from gsmtheory.numeric import resolve_device

RESULTS = Path(__file__).resolve().parent / "results"
WEIGHT, SEPARATION = 0.2, 8.0
LOSSES = ("sm", "dsm", "ctld")


class Score(torch.nn.Module):
    """s(x, β) = MLP([x/√(1 + β), log(1 + β)])/√(1 + β) − x/(1 + β) (the Gaussian part explicit)."""

    def __init__(self, d: int, hidden: int, conditional: bool) -> None:
        super().__init__()
        self.conditional = conditional
        self.mlp = torch.nn.Sequential(torch.nn.Linear(d + int(conditional), hidden), torch.nn.SiLU(),
                                       torch.nn.Linear(hidden, hidden), torch.nn.SiLU(), torch.nn.Linear(hidden, d))

    def forward(self, x: torch.Tensor, beta: torch.Tensor | None = None) -> torch.Tensor:
        if not self.conditional:
            return self.mlp(x) - x
        v = 1 + beta[:, None]  # type: ignore[index]
        return self.mlp(torch.cat([x / v.sqrt(), torch.log(v)], 1)) / v.sqrt() - x / v


class Unconditional(torch.nn.Module):
    """The score of ``sm`` takes only x."""

    def __init__(self, d: int, hidden: int) -> None:
        super().__init__()
        self.net = Score(d, hidden, conditional=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def target(d: int, device: torch.device, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """(means (2, d), unit direction e) of the mixture."""
    e = torch.ones(d, dtype=dtype, device=device) / math.sqrt(d)
    return torch.stack([-SEPARATION / 2 * e, SEPARATION / 2 * e]), e


def sample(n: int, means: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    k = (torch.rand(n, generator=gen, device=means.device, dtype=means.dtype) > WEIGHT).long()
    return means[k] + torch.randn(n, means.shape[1], generator=gen, device=means.device, dtype=means.dtype)


def true_score(x: torch.Tensor, means: torch.Tensor) -> torch.Tensor:
    logw = torch.log(torch.tensor([WEIGHT, 1 - WEIGHT], dtype=x.dtype, device=x.device))
    diff = x[:, None, :] - means[None]
    r = torch.softmax(logw - 0.5 * (diff * diff).sum(-1), dim=1)
    return -(r[..., None] * diff).sum(1)


def build(name: str, d: int, hidden: int, device: torch.device, dtype: torch.dtype) -> tuple[torch.nn.Module, Any]:
    sched = log_uniform_schedule(SEPARATION**2)
    if name == "sm":
        return Unconditional(d, hidden).to(device, dtype), GSMLoss(divergence="hutchinson")
    net = Score(d, hidden, conditional=True).to(device, dtype)
    if name == "dsm":
        return net, DSMLoss(sched)
    return net, CTLDLoss(sched, divergence="hutchinson", probes=2)


def evaluate(name: str, net: torch.nn.Module, means: torch.Tensor, e: torch.Tensor, n_eval: int,
             steps: int, gen: torch.Generator) -> dict[str, float]:
    """Learned weight (sampled, left of e·x = 0) with its binomial se, and the score error at β = 0."""
    x = sample(n_eval, means, gen)
    with torch.enable_grad():
        s = net(x) if name == "sm" else net(x, torch.zeros(len(x), dtype=x.dtype, device=x.device))
    err = ((s.detach() - true_score(x, means)) ** 2).sum(-1)
    spread = math.sqrt(SEPARATION**2 / 4 + 1 + SEPARATION**2)
    start = torch.randn(n_eval, means.shape[1], generator=gen, device=x.device, dtype=x.dtype) * spread
    if name == "sm":
        xs = langevin(net, start, step=0.05, steps=steps, generator=gen)
    else:
        xs = predictor_corrector(net, start, log_uniform_schedule(SEPARATION**2), steps=steps, generator=gen)
    left = float((xs @ e < 0).double().mean())
    return {"weight": left, "weight_se": math.sqrt(max(left * (1 - left), 1e-12) / n_eval),
            "score_error": float(err.mean()), "score_error_se": float(err.std() / math.sqrt(n_eval))}


def run_dim(d: int, args: argparse.Namespace, device: torch.device, dtype: torch.dtype) -> list[dict[str, Any]]:
    gen = torch.Generator(device=device).manual_seed(d)
    means, e = target(d, device, dtype)
    data = sample(args.n, means, gen)
    per = {}
    for name in LOSSES:
        net, loss = build(name, d, args.hidden, device, dtype)
        per[name] = fit_network(loss, net, data, steps=5, batch_size=args.batch).seconds / 5
    budget = args.steps * per["ctld"]
    rows = []
    for name in LOSSES:
        torch.manual_seed(0)
        net, loss = build(name, d, args.hidden, device, dtype)
        steps = max(1, min(round(budget / per[name]), 20 * args.steps))
        hist = fit_network(loss, net, data, steps=steps, batch_size=args.batch, lr=args.lr, seed=d)
        rows.append({"d": d, "loss": name, "steps": steps, "train_seconds": hist.seconds,
                     "final_loss": sum(hist.losses[-20:]) / len(hist.losses[-20:]),
                     **evaluate(name, net, means, e, args.eval, args.sampler_steps, gen)})
        print(f"d={d} {name:5s}: weight {rows[-1]['weight']:.3f} ± {rows[-1]['weight_se']:.3f} (truth "
              f"{truth_weight():.3f}), score error {rows[-1]['score_error']:.3g} ({steps} steps, "
              f"{hist.seconds:.1f} s)", flush=True)
    return rows


def truth_weight() -> float:
    return float(WEIGHT * ndtr(SEPARATION / 2) + (1 - WEIGHT) * ndtr(-SEPARATION / 2))


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--dims", type=int, nargs="+", default=[16, 32, 64])
    p.add_argument("--device", default="auto", help="auto | cpu | cuda")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    p.add_argument("--n", type=int, default=20_000, help="training samples")
    p.add_argument("--steps", type=int, default=2000, help="CTLD steps (the others get matched compute)")
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--eval", type=int, default=4000, help="samples for the weight and the score error")
    p.add_argument("--sampler-steps", type=int, default=500)
    p.add_argument("--out", type=Path, default=RESULTS / "experiment_highd.json")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    device = torch.device(resolve_device(args.device))
    dtype = torch.float32 if args.dtype == "float32" else torch.float64
    if device.type == "cpu":
        torch.set_num_threads(1)
    start = time.perf_counter()
    rows = [row for d in args.dims for row in run_dim(d, args, device, dtype)]
    out = {"device": str(device), "device_name": torch.cuda.get_device_name(device) if device.type == "cuda"
           else "cpu", "dtype": args.dtype, "args": {k: str(v) for k, v in vars(args).items()},
           "truth_weight": truth_weight(), "rows": rows, "seconds": time.perf_counter() - start}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    main()
