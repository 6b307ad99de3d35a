r"""The fair experiment, part (b): free networks, with and without a heat-identity tie (issue 23).

The 1D targets of part (a) (:mod:`benchmarks.experiment_tied`), p = 0.2 N(−m/2, 1) + 0.8 N(m/2, 1),
learned by small MLP energies instead of a parametric head:

- ``sm``: E_θ(x) by vanilla score matching (:class:`GSMLoss`);
- ``dsm``: a noise-conditional E_θ(x, β) by annealed DSM with the log-uniform r on [0, m²];
- ``dsm+tie``: the same plus the heat-identity penalty (:class:`gsmtheory.networks.HeatTie`), a soft
  version of the tie that parametric heads have by construction;
- ``ctld``: the CTLD loss with the same r (its β-score comes from the heat identity).

Compute is matched: the per-step cost of each loss is measured and each run gets the steps that
cost what ``steps`` CTLD steps cost (capped at 20×). At β = 0 the learned density e^{−E}/Z on a
grid gives the weight of the left mode (mass of x < 0) and its mean E[x | x < 0]; their RMSE over
replications against the truth (overlap included) is reported per (loss, m, n).

Run: ``python -m benchmarks.experiment_networks`` (writes benchmarks/results/experiment_networks.json).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy.special import ndtr
from scipy.stats import norm

from gsmtheory.networks import (
    CTLDLoss,
    DSMLoss,
    GSMLoss,
    HeatTie,
    fit_network,
    grid_density,
    log_uniform_schedule,
)
from gsmtheory.numeric import sample_mixture
from gsmtheory.symbolic import GaussianMixture

RESULTS = Path(__file__).resolve().parent / "results"
F64 = torch.float64
WEIGHT = 0.2
LOSSES = ("sm", "dsm", "dsm+tie", "ctld")


@dataclass(frozen=True)
class Config:
    """Sizes of one run."""

    separations: tuple[float, ...] = (4.0, 8.0)
    ns: tuple[int, ...] = (250, 1000, 4000)
    replications: int = 3
    losses: tuple[str, ...] = LOSSES
    steps: int = 600
    batch_size: int = 256
    hidden: int = 32
    lr: float = 3e-3


FULL = Config()
TINY = Config(separations=(4.0,), ns=(200,), replications=1, steps=20, batch_size=64, hidden=8)


def mixture(m: float) -> GaussianMixture:
    return GaussianMixture(((-m / 2,), (m / 2,)), (WEIGHT, 1 - WEIGHT), ((1.0,),))


def truth(m: float) -> dict[str, float]:
    """Mass of x < 0 and E[x | x < 0] under the target (overlap included)."""
    mass, first = 0.0, 0.0
    for mu, w in ((-m / 2, WEIGHT), (m / 2, 1 - WEIGHT)):
        mass += w * float(ndtr(-mu))
        first += w * (mu * float(ndtr(-mu)) - float(norm.pdf(mu)))
    return {"weight": mass, "left_mean": first / mass}


class Energy(torch.nn.Module):
    """E(x) = MLP(x/s) + x²/200, s = (m/2 + 1)."""

    def __init__(self, hidden: int, scale: float) -> None:
        super().__init__()
        self.scale = scale
        self.mlp = torch.nn.Sequential(torch.nn.Linear(1, hidden), torch.nn.SiLU(), torch.nn.Linear(hidden, hidden),
                                       torch.nn.SiLU(), torch.nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(x / self.scale)[:, 0] + (x[:, 0] ** 2) / 200.0


class NoiseEnergy(torch.nn.Module):
    """E(x, β) = MLP(x/√(s² + β), log(1 + β)/log(1 + β_max)) + x²/(200(1 + β))."""

    def __init__(self, hidden: int, scale: float, beta_max: float) -> None:
        super().__init__()
        self.scale, self.top = scale, math.log1p(beta_max)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(2, hidden), torch.nn.SiLU(), torch.nn.Linear(hidden, hidden),
                                       torch.nn.SiLU(), torch.nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        u = x / torch.sqrt(self.scale**2 + beta)[:, None]
        return self.mlp(torch.cat([u, (torch.log1p(beta) / self.top)[:, None]], 1))[:, 0] + x[:, 0] ** 2 / (
            200.0 * (1 + beta))


class TiedDSM(torch.nn.Module):
    """DSM plus the heat-identity penalty at the same noisy points."""

    def __init__(self, dsm: DSMLoss, tie: HeatTie) -> None:
        super().__init__()
        self.dsm, self.tie = dsm, tie

    def describe(self) -> dict[str, Any]:
        return {**self.dsm.describe(), "loss": "dsm+tie", "tie_weight": self.tie.weight}

    def forward(self, model: Callable[..., torch.Tensor], x: torch.Tensor, *,
                generator: torch.Generator | None = None) -> torch.Tensor:
        level = self.dsm.schedule.sample(len(x), x, generator)
        z = torch.randn(x.shape, generator=generator, dtype=x.dtype)
        bulk = self.dsm.per_sample(model, x, level=level, noise=z)
        xt = x + torch.sqrt(self.dsm.schedule.sigma2(level))[:, None] * z
        return (bulk + self.tie(model, xt, level)).mean()


def build(name: str, m: float, cfg: Config) -> tuple[torch.nn.Module, Any, list[torch.nn.Parameter]]:
    """(model, loss, parameters) of one loss name, seeded by the caller."""
    sched = log_uniform_schedule(m * m)
    scale = m / 2 + 1
    if name == "sm":
        net: torch.nn.Module = Energy(cfg.hidden, scale).double()
        return net, GSMLoss(kind="energy"), list(net.parameters())
    net = NoiseEnergy(cfg.hidden, scale, sched.beta_max).double()
    if name == "ctld":
        return net, CTLDLoss(sched, kind="energy"), list(net.parameters())
    dsm = DSMLoss(sched, kind="energy")
    if name == "dsm":
        return net, dsm, list(net.parameters())
    tie = HeatTie(sched.lam).double()
    return net, TiedDSM(dsm, tie), [*net.parameters(), *tie.parameters()]


def step_seconds(name: str, m: float, cfg: Config) -> float:
    """Median seconds of one training step (loss + backward + Adam) at the configured batch."""
    torch.manual_seed(0)
    net, loss, params = build(name, m, cfg)
    data = torch.tensor(sample_mixture(mixture(m), 2000, seed=0), dtype=F64).reshape(-1, 1)
    hist = fit_network(loss, net, data, steps=8, batch_size=cfg.batch_size, lr=cfg.lr, parameters=params)
    return hist.seconds / 8


def evaluate(net: torch.nn.Module, name: str, m: float) -> dict[str, float]:
    """Learned weight of x < 0 and E[x | x < 0] at β = 0 from e^{−E} on a grid of 4000 cells."""
    lo, hi = -m / 2 - 9.0, m / 2 + 9.0
    pts, probs = grid_density(net, [lo], [hi], [4000], level=None if name == "sm" else 0.0)
    left = pts[:, 0] < 0
    mass = float(probs[left].sum())
    mean = float((probs[left] * pts[left, 0]).sum()) / max(mass, 1e-300)
    return {"weight": mass, "left_mean": mean}


def run(cfg: Config = FULL, *, verbose: bool = True) -> dict[str, Any]:
    """Every (loss, m, n, replication): matched-compute training and the learned weight and left mean."""
    torch.set_num_threads(1)
    start = time.perf_counter()
    runs, costs = [], {}
    for m in cfg.separations:
        costs[f"{m:g}"] = per = {name: step_seconds(name, m, cfg) for name in cfg.losses}
        budget = cfg.steps * (per["ctld"] if "ctld" in per else max(per.values()))
        for n in cfg.ns:
            for rep in range(cfg.replications):
                data = torch.tensor(sample_mixture(mixture(m), n, seed=1000 * rep + n), dtype=F64).reshape(-1, 1)
                for name in cfg.losses:
                    torch.manual_seed(rep)
                    net, loss, params = build(name, m, cfg)
                    steps = max(1, min(round(budget / per[name]), 20 * cfg.steps))
                    hist = fit_network(loss, net, data, steps=steps, batch_size=cfg.batch_size, lr=cfg.lr, seed=rep,
                                       parameters=params)
                    rec = {"loss": name, "m": m, "n": n, "replication": rep, "steps": steps,
                           "seconds": hist.seconds, "final_loss": float(np.mean(hist.losses[-20:])),
                           **evaluate(net, name, m)}
                    runs.append(rec)
                    if verbose:
                        print(f"m={m:g} n={n} rep {rep} {name:8s}: weight {rec['weight']:.3f} left mean "
                              f"{rec['left_mean']:.3f} ({steps} steps, {hist.seconds:.1f} s)", flush=True)
    return {"config": asdict(cfg), "runs": runs, "step_seconds": costs, "summary": summarize(runs),
            "truth": {f"{m:g}": truth(m) for m in cfg.separations}, "seconds": time.perf_counter() - start}


def summarize(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """RMSE of the weight and the left mean over replications, per (loss, m, n)."""
    out = []
    for key in dict.fromkeys((r["loss"], r["m"], r["n"]) for r in runs):
        rs = [r for r in runs if (r["loss"], r["m"], r["n"]) == key]
        t = truth(key[1])
        row: dict[str, Any] = {"loss": key[0], "m": key[1], "n": key[2], "replications": len(rs),
                               "steps": rs[0]["steps"], "seconds": float(np.mean([r["seconds"] for r in rs]))}
        for q in ("weight", "left_mean"):
            err = np.array([r[q] - t[q] for r in rs])
            row[f"rmse_{q}"] = float(np.sqrt((err**2).mean()))
            row[f"mean_{q}"] = float(np.mean([r[q] for r in rs]))
        out.append(row)
    return out


def main() -> dict[str, Any]:
    """The full run: writes benchmarks/results/experiment_networks.json."""
    result = run(FULL)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "experiment_networks.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"done in {result['seconds']:.0f} s")
    return result


if __name__ == "__main__":
    main()
