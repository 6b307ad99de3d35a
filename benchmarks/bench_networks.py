"""Per-step cost of the network losses against hand-written torch losses of the same form.

Run: ``python -m benchmarks.bench_networks``. For each loss and batch size (256 and 4096) it reports
time(loss + backward with the package) / time(the same loss written by hand in torch), target
≤ 1.3, measured in the same process: rounds alternate the two, and the reported ratio is the
median over rounds (robust to other jobs on a shared machine). The values agree first (same draws).

- ``gsm``: vanilla score matching ½|s|² + div s, ``GSMLoss()`` (D = I, no spec), MLP score in d = 2;
- ``dsm``: denoising score matching with the log-uniform r (σ² = β, weight σ²), MLP score s(x, β);
- ``ctld``: the CTLD loss with both β-faces, log-uniform r, MLP score s(x, β);
- ``gsm_precond``: the GSM loss of a derived diffusion D = diag(1 + 8e^{−x²/8}, 1) (compiled from a
  spec), MLP energy (s = −∇E).

float32 (what people train in), exact divergences, one thread.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from typing import Any

import torch

from benchmarks._util import write_result
from gsmtheory.networks import CTLDLoss, DSMLoss, GSMLoss, log_uniform_schedule
from gsmtheory.symbolic import parse_spec

BATCHES = (256, 4096)
BETA_MAX = 100.0
F32 = torch.float32
SPEC = '''coords = ["x", "y"]
[mixture]
means = [[-5.0, 0.0], [5.0, 0.0]]
weights = [0.2, 0.8]
covariance = [[1.0, 0.0], [0.0, 1.0]]
[diffusion]
D = [["1 + 8*exp(-x**2/8)", "0"], ["0", "1"]]
'''


def mlp(inputs: int, outputs: int) -> torch.nn.Module:
    """inputs → 128 → 128 → outputs, SiLU."""
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(inputs, 128), torch.nn.SiLU(), torch.nn.Linear(128, 128),
                               torch.nn.SiLU(), torch.nn.Linear(128, outputs))


class Conditional(torch.nn.Module):
    """s(x, β) = MLP([x, log(1 + β)])."""

    def __init__(self) -> None:
        super().__init__()
        self.net = mlp(3, 2)

    def forward(self, x: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([x, torch.log1p(beta)[:, None]], 1))


def hand_gsm(net: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    x = x.detach().requires_grad_(True)
    s = net(x)
    (g0,) = torch.autograd.grad(s[:, 0].sum(), x, create_graph=True)
    (g1,) = torch.autograd.grad(s[:, 1].sum(), x, create_graph=True)
    return (0.5 * (s * s).sum(-1) + g0[:, 0] + g1[:, 1]).mean()


def hand_beta(n: int, like: torch.Tensor) -> torch.Tensor:
    """β ∼ r ∝ 1/(1 + β) on [0, β_max] by its closed-form inverse CDF."""
    return torch.expm1(torch.rand(n, dtype=like.dtype) * math.log1p(BETA_MAX))


def hand_dsm(net: torch.nn.Module, x: torch.Tensor, beta: torch.Tensor | None = None,
             z: torch.Tensor | None = None) -> torch.Tensor:
    beta = hand_beta(len(x), x) if beta is None else beta
    z = torch.randn_like(x) if z is None else z
    sigma = beta.sqrt()[:, None]
    r = sigma * net(x + sigma * z, beta) + z
    return (0.5 * (r * r).sum(-1)).mean()


def _u(net: torch.nn.Module, x: torch.Tensor, beta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    s = net(x, beta)
    (g0,) = torch.autograd.grad(s[:, 0].sum(), x, create_graph=True)
    (g1,) = torch.autograd.grad(s[:, 1].sum(), x, create_graph=True)
    div = g0[:, 0] + g1[:, 1]
    return s, div, 0.5 * (div + (s * s).sum(-1))


def hand_ctld(net: torch.nn.Module, x: torch.Tensor, c0: float, c1: float, beta: torch.Tensor | None = None,
              z: torch.Tensor | None = None, zf: torch.Tensor | None = None) -> torch.Tensor:
    """CTLD with log r = −log(1 + β), λ = 1, both faces."""
    beta = hand_beta(len(x), x) if beta is None else beta
    z = torch.randn_like(x) if z is None else z
    zf = torch.randn_like(x) if zf is None else zf
    xt = (x + beta.sqrt()[:, None] * z).detach().requires_grad_(True)
    bt = beta.detach().requires_grad_(True)
    s, div, u = _u(net, xt, bt)
    (du,) = torch.autograd.grad(u.sum(), bt, create_graph=True)
    a1, a2 = -1 / (1 + bt), 1 / (1 + bt) ** 2
    bulk = 0.5 * (s * s).sum(-1) + div + 0.5 * (a1 + u) ** 2 + a2 + du
    x0 = x.detach().requires_grad_(True)
    _, _, u0 = _u(net, x0, torch.zeros_like(beta))
    xm = (x + math.sqrt(BETA_MAX) * zf).detach().requires_grad_(True)
    _, _, um = _u(net, xm, torch.full_like(beta, BETA_MAX))
    return (bulk + c0 * (-1 + u0) - c1 * (-1 / (1 + BETA_MAX) + um)).mean()


def hand_precond(energy: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(energy(x)[:, 0].sum(), x, create_graph=True)
    s = -g
    d11 = 1 + 8 * torch.exp(-x[:, 0] ** 2 / 8)
    dd11 = -2 * x[:, 0] * torch.exp(-x[:, 0] ** 2 / 8)
    (h0,) = torch.autograd.grad(s[:, 0].sum(), x, create_graph=True)
    (h1,) = torch.autograd.grad(s[:, 1].sum(), x, create_graph=True)
    return (0.5 * (d11 * s[:, 0] ** 2 + s[:, 1] ** 2) + dd11 * s[:, 0] + d11 * h0[:, 0] + h1[:, 1]).mean()


def ratio(pkg: Callable[[], Any], ref: Callable[[], Any], rounds: int, calls: int) -> dict[str, float]:
    """Median over rounds of time(pkg)/time(ref); a round alternates ``calls`` calls of each (after a warm-up)."""
    pkg()
    ref()
    ratios, t_pkg, t_ref = [], [], []
    for _ in range(rounds):
        a = b = 0.0
        for _ in range(calls):
            t0 = time.perf_counter()
            pkg()
            t1 = time.perf_counter()
            ref()
            t2 = time.perf_counter()
            a, b = a + t1 - t0, b + t2 - t1
        t_pkg.append(a / calls)
        t_ref.append(b / calls)
        ratios.append(a / b)
    return {"ratio": statistics.median(ratios), "seconds": statistics.median(t_pkg),
            "reference_seconds": statistics.median(t_ref)}


def _step(net: torch.nn.Module, value: Callable[[], torch.Tensor]) -> Callable[[], None]:
    def run() -> None:
        net.zero_grad()
        value().backward()

    return run


def cases(batch: int) -> dict[str, dict[str, float]]:
    """Check the values agree, then time every case at one batch size."""
    gen = torch.Generator().manual_seed(batch)
    x = torch.randn(batch, 2, generator=gen, dtype=F32) * 3
    beta = torch.expm1(torch.rand(batch, generator=gen, dtype=F32) * math.log1p(BETA_MAX))
    z, zf = torch.randn(batch, 2, generator=gen, dtype=F32), torch.randn(batch, 2, generator=gen, dtype=F32)
    schedule = log_uniform_schedule(BETA_MAX)
    score, cond, energy = mlp(2, 2), Conditional(), mlp(2, 1)
    gsm, dsm, ctld = GSMLoss(), DSMLoss(schedule), CTLDLoss(schedule)
    precond = GSMLoss.from_diffusion(parse_spec(SPEC).diffusion, kind="energy")
    c0, c1 = ctld.face_weights
    diffs = {"gsm": gsm(score, x) - hand_gsm(score, x),
             "dsm": dsm(cond, x, level=beta, noise=z) - hand_dsm(cond, x, beta, z),
             "ctld": ctld(cond, x, beta=beta, noise=z, face_noise=zf) - hand_ctld(cond, x, c0, c1, beta, z, zf),
             "gsm_precond": precond(lambda v: energy(v)[:, 0], x) - hand_precond(energy, x)}
    steps = {"gsm": (score, lambda: gsm(score, x), lambda: hand_gsm(score, x)),
             "dsm": (cond, lambda: dsm(cond, x), lambda: hand_dsm(cond, x)),
             "ctld": (cond, lambda: ctld(cond, x), lambda: hand_ctld(cond, x, c0, c1)),
             "gsm_precond": (energy, lambda: precond(lambda v: energy(v)[:, 0], x), lambda: hand_precond(energy, x))}
    calls = max(2, 4096 // batch)
    out = {}
    for name, (net, pkg, ref) in steps.items():
        row = ratio(_step(net, pkg), _step(net, ref), rounds=15, calls=calls)
        out[name] = {**row, "max_abs_difference": float(diffs[name].abs().detach())}
    return out


def main() -> dict[str, Any]:
    torch.set_num_threads(1)
    rows = {str(b): cases(b) for b in BATCHES}
    worst = max(r["ratio"] for per in rows.values() for r in per.values())
    out = {"dtype": "float32", "batches": list(BATCHES), "results": rows, "worst_ratio": worst, "target_ratio": 1.3,
           "passed": worst <= 1.3}
    path = write_result("bench_networks", out)
    for b, per in rows.items():
        print(f"batch {b}: " + "; ".join(f"{k} x{r['ratio']:.2f} ({r['seconds'] * 1e3:.2f} ms vs "
                                         f"{r['reference_seconds'] * 1e3:.2f} ms, diff {r['max_abs_difference']:.1e})"
                                         for k, r in per.items()))
    print(f"worst ratio {worst:.2f} (target 1.3) -> {path}")
    return out


if __name__ == "__main__":
    main()
