"""Bad input to the network losses: one clear error each (gsmtheory._errors types, message names the fix)."""

from __future__ import annotations

import pytest
import sympy as sp
import torch

from gsmtheory import ModelError, NumericalError, SpecError
from gsmtheory.networks import CTLDNetworkLoss, DSMNetworkLoss, GSMNetworkLoss, network_loss
from gsmtheory.symbolic import Diffusion, ctld_parameters, load_spec, parse_spec

F64 = torch.float64
X2 = torch.zeros(5, 2, dtype=F64)


def _mixture_2d():
    return load_spec("mixture-2d").diffusion


def test_score_of_the_wrong_shape():
    loss = GSMNetworkLoss(_mixture_2d(), lambda x: x[:, :1])
    with pytest.raises(ModelError, match=r"score network returned shape \(5, 1\).*shape \(5, 2\)"):
        loss(X2)


def test_energy_of_the_wrong_shape():
    loss = GSMNetworkLoss(_mixture_2d(), lambda x: x, kind="energy")
    with pytest.raises(ModelError, match=r"energy network returned shape \(5, 2\).*one energy per sample"):
        loss(X2)


def test_non_differentiable_energy():
    def detached(x):
        return (x.detach() ** 2).sum(-1)

    def numpy_energy(x):
        return torch.as_tensor((x.detach().numpy() ** 2).sum(-1))

    for energy in (detached, numpy_energy):
        with pytest.raises(ModelError, match=r"not differentiable in x.*no \.detach"):
            GSMNetworkLoss(_mixture_2d(), energy, kind="energy")(X2)


def test_ctld_table_without_a_noise_conditional_network():
    spec = parse_spec('coords = ["x"]\n[mixture]\nmeans = [[-2.0], [2.0]]\nweights = [0.3, 0.7]\n'
                      'covariance = [[1.0]]\n[ctld]\nbeta_max = 3.0\n')

    def score(x):
        return -x

    with pytest.raises(ModelError, match=r"\[ctld\] table.*noise-conditional.*takes only x"):
        network_loss(spec, score)
    params = ctld_parameters(spec.diffusion.mixture, beta_max=3.0)
    for cls in (CTLDNetworkLoss, DSMNetworkLoss):
        with pytest.raises(ModelError, match="noise-conditional network s\\(x, beta\\)"):
            cls(params, score)

    class OneArg(torch.nn.Module):
        def forward(self, x):
            return -x

    with pytest.raises(ModelError, match="takes only x"):
        network_loss(spec, OneArg())
    # the same network is fine without a [ctld] table, and a two-argument one with it
    assert isinstance(network_loss(load_spec("bimodal"), score), GSMNetworkLoss)
    assert isinstance(network_loss(spec, lambda x, beta: -x), CTLDNetworkLoss)
    assert isinstance(network_loss("ctld-bimodal", lambda x, beta: -x), CTLDNetworkLoss)  # a catalogue name


def test_faces_that_need_the_density_are_refused_clearly():
    spec = load_spec("reflected-gaussian")
    with pytest.raises(ModelError, match=r"lower end x = 0.*face_density"):
        GSMNetworkLoss(spec.diffusion, lambda x: -x)
    x, y = sp.symbols("x y", real=True)
    box = Diffusion((x, y), -(x**2 + y**2) / 2, domain=((0, 1), (-sp.oo, sp.oo)))
    with pytest.raises(ModelError, match="needs the target density on the face"):
        GSMNetworkLoss(box, lambda z: -z)


def test_other_bad_arguments():
    d = _mixture_2d()
    with pytest.raises(SpecError, match="unknown network kind"):
        GSMNetworkLoss(d, lambda x: -x, kind="logit")
    with pytest.raises(SpecError, match="unknown divergence"):
        GSMNetworkLoss(d, lambda x: -x, divergence="skilling")
    with pytest.raises(SpecError, match="probes"):
        GSMNetworkLoss(d, lambda x: -x, divergence="hutchinson", probes=0)
    params = ctld_parameters(load_spec("bimodal").diffusion.mixture, beta_max=3.0)
    with pytest.raises(SpecError, match="probes >= 2"):
        CTLDNetworkLoss(params, lambda x, b: -x, divergence="hutchinson", probes=1)
    with pytest.raises(NumericalError, match=r"shape \(5, 3\).*d = 2"):
        GSMNetworkLoss(d, lambda x: -x)(torch.zeros(5, 3, dtype=F64))
    with pytest.raises(NumericalError, match="outside the domain"):
        GSMNetworkLoss(load_spec("jacobi").diffusion, lambda x: -x)(torch.full((3, 1), 1.5, dtype=F64))
    with pytest.raises(NumericalError, match="beta outside"):
        CTLDNetworkLoss(params, lambda x, b: -x)(torch.zeros(4, 1, dtype=F64), beta=torch.full((4,), 9.0, dtype=F64))
    with pytest.raises(SpecError, match="bounded"):
        network_loss(parse_spec('coords = ["x"]\nlog_density = "-x**2/2"\n[domain]\nx = [0, 1]\n'
                                '[ctld]\nlambda_min = 1.0\ndiameter = 1.0\n'), lambda x, b: -x)
