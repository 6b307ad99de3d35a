"""Network losses (gsmtheory.networks) against hand-written torch losses of the same form.

Run: ``python -m benchmarks.bench_networks``. Reports time(loss + θ-gradient with the package's
module) / time(the same loss written by hand in torch), target ≤ 1.3, in the same process, for

- ``gsm``: the preconditioned GSM loss ½ sᵀDs + (div D)·s + Tr(D∇s) with
  D = diag(1 + 8 exp(−x²/8), 1), an MLP energy (s = −∇E), 4096 samples in d = 2;
- ``ctld``: the CTLD loss (bulk with the heat-identity β-score, both β-faces) of a
  noise-conditional MLP energy, 2048 samples in d = 2, reported r(β);

both with the exact divergence, float64, one thread. The numbers agree first (to 1e-12).
"""

from __future__ import annotations

import math

import torch

from benchmarks._util import best_of, write_result
from gsmtheory.networks import CTLDNetworkLoss, GSMNetworkLoss
from gsmtheory.symbolic import ctld_parameters, parse_spec

SPEC = '''coords = ["x", "y"]
[mixture]
means = [[-5.0, 0.0], [5.0, 0.0]]
weights = [0.2, 0.8]
covariance = [[1.0, 0.0], [0.0, 1.0]]
[diffusion]
D = [["1 + 8*exp(-x**2/8)", "0"], ["0", "1"]]
'''


def _mlp(inputs: int) -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(inputs, 64), torch.nn.SiLU(), torch.nn.Linear(64, 64), torch.nn.SiLU(),
                               torch.nn.Linear(64, 1)).double()


def hand_gsm(mlp: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """½ sᵀDs + (div D)·s + Tr(D∇s), D = diag(1 + 8e^{−x²/8}, 1), s = −∇E, written out."""
    x = x.detach().requires_grad_(True)
    e = mlp(x)[:, 0]
    (g,) = torch.autograd.grad(e.sum(), x, create_graph=True)
    s = -g
    d11 = 1 + 8 * torch.exp(-x[:, 0] ** 2 / 8)
    dd11 = -2 * x[:, 0] * torch.exp(-x[:, 0] ** 2 / 8)
    (h0,) = torch.autograd.grad(s[:, 0].sum(), x, create_graph=True)
    (h1,) = torch.autograd.grad(s[:, 1].sum(), x, create_graph=True)
    return 0.5 * (d11 * s[:, 0] ** 2 + s[:, 1] ** 2) + dd11 * s[:, 0] + d11 * h0[:, 0] + h1[:, 1]


def hand_ctld(mlp: torch.nn.Module, x: torch.Tensor, beta: torch.Tensor, z: torch.Tensor, zf: torch.Tensor,
              lam: float, bmax: float, c: float, c0: float, c1: float) -> torch.Tensor:
    """CTLD per-sample loss for E(x, β) = mlp([x, β]) with log r = −c/(1+β), written out."""

    def energy(xx: torch.Tensor, bb: torch.Tensor) -> torch.Tensor:
        return mlp(torch.cat([xx, bb[:, None]], dim=1))[:, 0]

    def score_u(xx: torch.Tensor, bb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        (g,) = torch.autograd.grad(energy(xx, bb).sum(), xx, create_graph=True)
        s = -g
        (h0,) = torch.autograd.grad(s[:, 0].sum(), xx, create_graph=True)
        (h1,) = torch.autograd.grad(s[:, 1].sum(), xx, create_graph=True)
        div = h0[:, 0] + h1[:, 1]
        return s, div, 0.5 * lam * (div + (s * s).sum(-1))

    xt = (x + torch.sqrt(beta * lam)[:, None] * z).detach().requires_grad_(True)
    bt = beta.detach().requires_grad_(True)
    s, div, u = score_u(xt, bt)
    (du,) = torch.autograd.grad(u.sum(), bt, create_graph=True)
    a1 = c / (1 + bt) ** 2
    a2 = -2 * c / (1 + bt) ** 3
    bulk = 0.5 * (s * s).sum(-1) + div + 0.5 * (a1 + u) ** 2 + a2 + du
    x0 = x.detach().requires_grad_(True)
    _, _, u0 = score_u(x0, torch.zeros_like(beta))
    xm = (x + math.sqrt(bmax * lam) * zf).detach().requires_grad_(True)
    _, _, um = score_u(xm, torch.full_like(beta, bmax))
    return bulk + c0 * (c + u0) - c1 * (c / (1 + bmax) ** 2 + um)


def main() -> dict[str, float]:
    torch.set_num_threads(1)
    spec = parse_spec(SPEC)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(4096, 2, generator=gen, dtype=torch.float64) * 3
    mlp = _mlp(2)
    module = GSMNetworkLoss(spec.diffusion, lambda v: mlp(v)[:, 0], kind="energy")
    err_gsm = float((module(x) - hand_gsm(mlp, x)).abs().max().detach())

    def gsm_pkg() -> None:
        mlp.zero_grad()
        module(x).mean().backward()

    def gsm_ref() -> None:
        mlp.zero_grad()
        hand_gsm(mlp, x).mean().backward()

    t_gsm, t_gsm_ref = best_of(gsm_pkg, repeat=7), best_of(gsm_ref, repeat=7)

    mix = spec.diffusion.mixture
    params = ctld_parameters(mix, beta_max=20.0, log_r="-30/(1 + beta)")
    mlp3 = _mlp(3)

    def energy(v: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return mlp3(torch.cat([v, b[:, None]], dim=1))[:, 0]

    ctld = CTLDNetworkLoss(params, energy, kind="energy")
    n = 2048
    xc = x[:n]
    beta = ctld.sampler(n, xc, gen)
    z = torch.randn(n, 2, generator=gen, dtype=torch.float64)
    zf = torch.randn(n, 2, generator=gen, dtype=torch.float64)
    c0, c1 = ctld.face_weights
    args = (params.lambda_min, params.beta_max, 30.0, c0, c1)
    err_ctld = float((ctld(xc, beta=beta, noise=z, face_noise=zf)
                      - hand_ctld(mlp3, xc, beta, z, zf, *args)).abs().max().detach())

    def ctld_pkg() -> None:
        mlp3.zero_grad()
        ctld(xc, beta=beta, noise=z, face_noise=zf).mean().backward()

    def ctld_ref() -> None:
        mlp3.zero_grad()
        hand_ctld(mlp3, xc, beta, z, zf, *args).mean().backward()

    t_ctld, t_ctld_ref = best_of(ctld_pkg, repeat=5), best_of(ctld_ref, repeat=5)
    out = {
        "gsm_seconds": t_gsm, "gsm_reference_seconds": t_gsm_ref, "gsm_ratio": t_gsm / t_gsm_ref,
        "gsm_samples_per_second": 4096 / t_gsm, "gsm_max_abs_difference": err_gsm,
        "ctld_seconds": t_ctld, "ctld_reference_seconds": t_ctld_ref, "ctld_ratio": t_ctld / t_ctld_ref,
        "ctld_samples_per_second": n / t_ctld, "ctld_max_abs_difference": err_ctld,
        "target_ratio": 1.3, "passed": max(t_gsm / t_gsm_ref, t_ctld / t_ctld_ref) <= 1.3,
    }
    path = write_result("bench_networks", out)
    print(f"gsm: {t_gsm * 1e3:.1f} ms vs hand-written {t_gsm_ref * 1e3:.1f} ms (x{t_gsm / t_gsm_ref:.2f}); "
          f"ctld: {t_ctld * 1e3:.1f} ms vs {t_ctld_ref * 1e3:.1f} ms (x{t_ctld / t_ctld_ref:.2f}); "
          f"max differences {err_gsm:.1e}, {err_ctld:.1e} -> {path}")
    return out


if __name__ == "__main__":
    main()
