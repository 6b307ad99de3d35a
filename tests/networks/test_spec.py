"""Bad input to the network losses: one clear error each (gsmtheory._errors types, message names the fix)."""

from __future__ import annotations

import pytest
import sympy as sp
import torch

from gsmtheory import ModelError, NumericalError, SpecError
from gsmtheory.networks import CTLDLoss, DSMLoss, GSMLoss, network_loss
from gsmtheory.symbolic import Diffusion, ctld_parameters, load_spec, parse_spec

F64 = torch.float64
X2 = torch.zeros(5, 2, dtype=F64)


def _mixture_2d():
    return load_spec("mixture-2d").diffusion


def test_score_of_the_wrong_shape():
    loss = GSMLoss.from_diffusion(_mixture_2d())
    with pytest.raises(ModelError, match=r"score network returned shape \(5, 1\).*shape \(5, 2\)"):
        loss(lambda x: x[:, :1], X2)


def test_energy_of_the_wrong_shape():
    loss = GSMLoss(kind="energy")
    with pytest.raises(ModelError, match=r"energy network returned shape \(5, 2\).*one energy per sample"):
        loss(lambda x: x, X2)


def test_non_differentiable_energy():
    def detached(x):
        return (x.detach() ** 2).sum(-1)

    def numpy_energy(x):
        return torch.as_tensor((x.detach().numpy() ** 2).sum(-1))

    for energy in (detached, numpy_energy):
        with pytest.raises(ModelError, match=r"not differentiable in x.*no \.detach"):
            GSMLoss(kind="energy")(energy, X2)


def test_ctld_table_without_a_noise_conditional_network():
    spec = parse_spec('coords = ["x"]\n[mixture]\nmeans = [[-2.0], [2.0]]\nweights = [0.3, 0.7]\n'
                      'covariance = [[1.0]]\n[ctld]\nbeta_max = 3.0\n')

    def score(x):
        return -x

    class OneArg(torch.nn.Module):
        def forward(self, x):
            return -x

    x = torch.zeros(4, 1, dtype=F64)
    params = ctld_parameters(spec.diffusion.mixture, beta_max=3.0)
    for loss in (network_loss(spec), CTLDLoss(params), DSMLoss(params), DSMLoss(params, kind="energy")):
        for model in (score, OneArg()):
            with pytest.raises(ModelError, match=r"noise-conditional model s\(x, (beta|level)\).*takes only x"):
                loss(model, x)
    # the same model is fine without a [ctld] table, and a two-argument one with it
    assert isinstance(network_loss(load_spec("bimodal")), GSMLoss)
    assert isinstance(network_loss(spec), CTLDLoss)
    assert isinstance(network_loss("ctld-bimodal"), CTLDLoss)  # a catalogue name
    assert torch.isfinite(network_loss(spec)(lambda v, b: -v, x))


def test_faces_that_need_the_density_are_refused_clearly():
    spec = load_spec("reflected-gaussian")
    with pytest.raises(ModelError, match=r"lower end x = 0.*face_density"):
        GSMLoss.from_diffusion(spec.diffusion)
    x, y = sp.symbols("x y", real=True)
    box = Diffusion((x, y), -(x**2 + y**2) / 2, domain=((0, 1), (-sp.oo, sp.oo)))
    with pytest.raises(ModelError, match="needs the target density on the face"):
        GSMLoss.from_diffusion(box)


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
