"""Tests of gsmtheory/networks/_spec.py.

Bad arguments to network_loss and the losses: one clear error each (gsmtheory._errors types, message names the fix)."""

from __future__ import annotations

import pytest
import torch

from gsmtheory import NumericalError, SpecError
from gsmtheory.networks import CTLDLoss, DSMLoss, GSMLoss, network_loss
from gsmtheory.symbolic import ctld_parameters, load_spec, parse_spec

F64 = torch.float64


def _mixture_2d():
    return load_spec("mixture-2d").diffusion


def test_other_bad_arguments():
    d = _mixture_2d()
    with pytest.raises(SpecError, match="unknown network kind"):
        GSMLoss(kind="logit")
    with pytest.raises(SpecError, match="unknown divergence"):
        GSMLoss(divergence="skilling")
    with pytest.raises(SpecError, match="probes"):
        GSMLoss(divergence="hutchinson", probes=0)
    with pytest.raises(SpecError, match="unknown reduction"):
        GSMLoss(reduction="average")
    with pytest.raises(SpecError, match="not symmetric positive semidefinite"):
        GSMLoss(D=[[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(SpecError, match="square matrix"):
        GSMLoss(D=[1.0, 2.0])
    with pytest.raises(NumericalError, match=r"D is \(2, 2\) but a sample has 3"):
        GSMLoss(D=[[2.0, 0.0], [0.0, 1.0]])(lambda x: -x, torch.zeros(5, 3, dtype=F64))
    with pytest.raises(NumericalError, match=r"\(n, \*event_shape\).*x\[:, None\]"):
        GSMLoss()(lambda x: -x, torch.zeros(5, dtype=F64))
    params = ctld_parameters(load_spec("bimodal").diffusion.mixture, beta_max=3.0)
    with pytest.raises(SpecError, match="probes >= 2"):
        CTLDLoss(params, divergence="hutchinson", probes=1)
    with pytest.raises(SpecError, match="CTLDParameters"):
        CTLDLoss(3.0)
    with pytest.raises(NumericalError, match=r"shape \(5, 3\).*d = 2"):
        GSMLoss.from_diffusion(d)(lambda x: -x, torch.zeros(5, 3, dtype=F64))
    with pytest.raises(NumericalError, match="outside the domain"):
        GSMLoss.from_diffusion(load_spec("jacobi").diffusion)(lambda x: -x, torch.full((3, 1), 1.5, dtype=F64))
    with pytest.raises(NumericalError, match="beta outside"):
        CTLDLoss(params)(lambda x, b: -x, torch.zeros(4, 1, dtype=F64), beta=torch.full((4,), 9.0, dtype=F64))
    with pytest.raises(NumericalError, match=r"levels of shape \(3,\) for 4 samples"):
        DSMLoss(params)(lambda x, b: -x, torch.zeros(4, 1, dtype=F64), level=torch.ones(3, dtype=F64))
    with pytest.raises(SpecError, match="bounded"):
        network_loss(parse_spec('coords = ["x"]\nlog_density = "-x**2/2"\n[domain]\nx = [0, 1]\n'
                                '[ctld]\nlambda_min = 1.0\ndiameter = 1.0\n'))
