"""DSMLoss (gsmtheory/networks/_dsm.py) against the x part of the CTLD loss."""

from __future__ import annotations

import math

import numpy as np
import sympy as sp
import torch

from gsmtheory.networks import DSMLoss, GSMLoss
from gsmtheory.symbolic import Diffusion
from tests.networks.test_ctld import _lifted_1d  # shared with tests/networks/test_ctld.py
from tests.networks.test_gsm import MixtureNet  # shared with tests/networks/test_gsm.py

F64 = torch.float64


def test_dsm_equals_ctld_x_part_up_to_d_over_2_sigma2_at_each_beta():
    """E_z[½|s(x+σz) + z/σ|²] = E_z[½|s|² + div s](x+σz) + d/(2σ²) for every x (Stein), by Gauss–Hermite."""
    *_, params = _lifted_1d()
    net = MixtureNet([[-1.5], [2.3]], [0.3, 0.7], lam=params.lambda_min)
    z, w = np.polynomial.hermite_e.hermegauss(120)
    w = torch.tensor(w / w.sum(), dtype=F64)
    x0 = torch.tensor([-3.0, -0.5, 1.0, 2.5], dtype=F64)
    dsm = DSMLoss(params, weight="none", reduction="none")
    gsm = GSMLoss.from_diffusion(Diffusion((sp.Symbol("x", real=True),), 0), reduction="none")
    for beta_v in (0.5, 2.0, 4.0):
        sigma2 = beta_v * params.lambda_min
        xs = x0.repeat_interleave(len(z))[:, None]
        zz = torch.tensor(np.tile(z, len(x0)), dtype=F64)[:, None]
        beta_rep = torch.full((len(xs),), beta_v, dtype=F64)
        d_vals = (dsm(net, xs, level=beta_rep, noise=zz).reshape(len(x0), -1) * w).sum(1)
        i_vals = (gsm(lambda v, b=beta_rep: net(v, b), xs + math.sqrt(sigma2) * zz).reshape(len(x0), -1) * w).sum(1)
        gap = d_vals - i_vals
        assert torch.allclose(gap, torch.full_like(gap, 1 / (2 * sigma2)), rtol=1e-10, atol=1e-10), gap
        # and the θ-gradients agree (the constant is θ-free)
        net.zero_grad()
        d_vals.sum().backward()
        g_d = net.means.grad.clone()
        net.zero_grad()
        i_vals.sum().backward()
        assert torch.allclose(g_d, net.means.grad, rtol=1e-9, atol=1e-10)
