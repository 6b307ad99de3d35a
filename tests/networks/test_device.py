"""CUDA agreement of the network losses (skipped without a CUDA device): same numbers as on the CPU."""

from __future__ import annotations

import pytest
import torch

from gsmtheory.networks import CTLDLoss, DSMLoss, GSMLoss
from gsmtheory.symbolic import ctld_parameters, load_spec

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


def _net(device):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)).double().to(device)
    return lambda x, b: net(torch.cat([x, b[:, None]], dim=1))[:, 0], net


@cuda
def test_cuda_agrees_with_cpu():
    spec = load_spec("mixture-2d")
    params = ctld_parameters(spec.diffusion.mixture, beta_max=4.0)
    x = torch.randn(256, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    beta = torch.rand(256, dtype=torch.float64, generator=torch.Generator().manual_seed(2)) * 4.0
    z = torch.randn(256, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    out = {}
    for device in ("cpu", "cuda"):
        energy, net = _net(device)
        xs, bs, zs = x.to(device), beta.to(device), z.to(device)
        ctld = CTLDLoss(params, kind="energy", reduction="none")(energy, xs, beta=bs, noise=zs, face_noise=zs)
        dsm = DSMLoss(params, kind="energy", reduction="none")(energy, xs, level=bs, noise=zs)
        gsm = GSMLoss.from_diffusion(spec.diffusion, kind="energy", reduction="none")(
            lambda v, e=energy, b=bs: e(v, b), xs)
        total = ctld.mean() + dsm.mean() + gsm.mean()
        grads = torch.autograd.grad(total, list(net.parameters()))
        assert ctld.device.type == device
        out[device] = [t.detach().cpu() for t in (ctld, dsm, gsm, *grads)]
    for a, b in zip(out["cpu"], out["cuda"], strict=True):
        assert torch.allclose(a, b, rtol=1e-9, atol=1e-11)
