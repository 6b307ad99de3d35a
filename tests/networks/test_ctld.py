"""Tests of gsmtheory/networks/_ctld.py.

Network losses tied to the symbolic side (issue 16): same numbers as the compiled symbolic losses.

A Gaussian mixture written as a torch module *is* a symbolic model, so its network loss must equal
the compiled ``gsm_loss(...).implicit`` (and, lifted, the CTLD loss with its β-faces) to 1e-10,
θ-gradient included; the true score gives −K_p = −½E_p[∇ℓᵀD∇ℓ]; Hutchinson is unbiased; DSM and
CTLD's x-part differ by d/(2σ²) at each noise level.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
import torch

from gsmtheory import ModelError
from gsmtheory.compile import compile_expr
from gsmtheory.networks import CTLDLoss, DSMLoss, GSMLoss, network_loss
from gsmtheory.numeric import sample_mixture
from gsmtheory.solve import (
    LossOptions,
    build_problem,
    ctld_schedule,
    evaluate_loss,
)
from gsmtheory.symbolic import (
    Diffusion,
    GaussianMixture,
    MixtureExpressions,
    Model,
    ctld_lift,
    ctld_model,
    ctld_parameters,
    gsm_loss,
    load_spec,
    parse_spec,
)
from tests.networks.test_gsm import MixtureNet  # shared with tests/networks/test_gsm.py

F64 = torch.float64


def _lifted_1d(beta_max=4.0):
    x = sp.Symbol("x", real=True)
    target = GaussianMixture(((-2.0,), (2.0,)), (0.3, 0.7), ((1.0,),))
    diff = Diffusion((x,), target.log_density_expr((x,)), mixture=target)
    a, b = sp.symbols("a b", real=True)
    model = Model.gaussian_mixture((x,), (a, b), MixtureExpressions(((a,), (b,)), (sp.Rational(3, 10),
                                   sp.Rational(7, 10)), ((sp.Integer(1),),)), [-2.0, 2.0])
    params = ctld_parameters(target, beta_max=beta_max, log_r="-3/(1 + beta)")
    return target, diff, model, params


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


def test_ctld_network_equals_the_lifted_symbolic_loss_with_faces():
    _, diff, model, params = _lifted_1d()
    lifted, lmodel = ctld_lift(diff, beta_max=params.beta_max, log_r=params.log_r), ctld_model(model, params)
    sym = gsm_loss(lifted, lmodel)
    args = (*lifted.coords, *lmodel.params)
    bulk_f = compile_expr(args, sym.implicit, "torch")
    faces = {t.side: compile_expr(args, t.flux, "torch") for t in sym.boundary_terms}
    assert set(faces) == {"lower", "upper"}
    c = np.exp(ctld_schedule(params).law.logpdf(np.array([0.0, params.beta_max])))
    theta = torch.tensor([-1.5, 2.3], dtype=F64, requires_grad=True)
    for kind in ("score", "energy"):
        net = MixtureNet([[-1.5], [2.3]], [0.3, 0.7], lam=params.lambda_min, kind=kind)
        loss = CTLDLoss(params, kind=kind)
        x = torch.linspace(-5, 5, 21, dtype=F64)[:, None]
        beta = torch.linspace(0.0, params.beta_max, 21, dtype=F64)
        parts = loss.parts(net, x, beta=beta, noise=torch.zeros_like(x), face_noise=torch.zeros_like(x))
        ref_bulk = bulk_f(x[:, 0], beta, *theta.unbind())
        ref_lo = -c[0] * faces["lower"](x[:, 0], torch.zeros_like(beta), *theta.unbind())
        ref_hi = -c[1] * faces["upper"](x[:, 0], torch.full_like(beta, params.beta_max), *theta.unbind())
        for name, ref in (("bulk", ref_bulk), ("face_lower", ref_lo), ("face_upper", ref_hi)):
            assert torch.allclose(parts[name], ref, rtol=1e-10, atol=1e-10), (kind, name)
        total = parts["bulk"] + parts["face_lower"] + parts["face_upper"]
        total.sum().backward()
        theta.grad = None
        (ref_bulk + ref_lo + ref_hi).sum().backward()
        assert torch.allclose(net.means.grad.reshape(-1), theta.grad, rtol=1e-10, atol=1e-10), kind


def test_ctld_true_score_gives_the_quadrature_implicit_loss():
    """Sampled β ∼ r, x̃ = x + √(βλ)z, and both faces: the mean is the lifted implicit loss at θ*."""
    spec = parse_spec('coords = ["x"]\n[mixture]\nmeans = [[-2.0], [2.0]]\nweights = [0.3, 0.7]\n'
                      'covariance = [[1.0]]\n[model]\nparams = ["a"]\ntruth = {a = 2.0}\n[model.mixture]\n'
                      'means = [["-a"], ["a"]]\nweights = [0.3, 0.7]\ncovariance = [[1.0]]\n'
                      '[ctld]\nlambda_min = 1.0\ndiameter = 4.0\nbeta_max = 4.0\nlog_r = "-3/(1 + beta)"\n')
    quad = evaluate_loss(build_problem(spec, lift=True), [{"a": 2.0}], options=LossOptions(panels=48))
    net = MixtureNet([[-2.0], [2.0]], [0.3, 0.7])
    loss = network_loss(spec, reduction="none")
    assert isinstance(loss, CTLDLoss)
    x = torch.tensor(sample_mixture(spec.diffusion.mixture, 40_000, seed=5), dtype=F64)
    with torch.no_grad():
        values = loss(net, x, generator=torch.Generator().manual_seed(0))
    mean, se = float(values.mean()), float(values.std()) / math.sqrt(len(values))
    assert abs(mean - quad.implicit[0]) < 4 * se + quad.implicit_error[0], (mean, quad.implicit[0], se)
    assert abs(quad.implicit[0] + quad.constant) < 1e-6  # explicit is 0 at the truth
    without_faces = CTLDLoss(loss.schedule, faces=False, reduction="none")
    with torch.no_grad():
        biased = without_faces(net, x, generator=torch.Generator().manual_seed(0))
    assert abs(float(biased.mean()) - quad.implicit[0]) > 4 * se  # the faces matter


def test_ctld_hutchinson_is_unbiased():
    *_, params = _lifted_1d()
    net = MixtureNet([[-1.5, 0.3], [2.3, -0.2]], [0.3, 0.7], lam=params.lambda_min, kind="energy")
    x = torch.tensor(np.random.default_rng(4).normal(scale=2.0, size=(200, 2)), dtype=F64)
    beta = torch.linspace(0.0, params.beta_max, 200, dtype=F64)
    z = torch.zeros_like(x)
    exact = CTLDLoss(params, kind="energy")(net, x, beta=beta, noise=z, face_noise=z).detach()
    hutch = CTLDLoss(params, kind="energy", divergence="hutchinson", probes=2)
    draws = torch.stack([hutch(net, x, beta=beta, noise=z, face_noise=z,
                               generator=torch.Generator().manual_seed(s)).detach() for s in range(200)])
    mean, se = float(draws.mean()), float(draws.std()) / math.sqrt(len(draws))
    assert se > 0 and abs(mean - float(exact)) < 4 * se, (mean, float(exact), se)


def test_deterministic_under_a_seed_and_follows_dtype():
    *_, params = _lifted_1d()
    net = MixtureNet([[-1.5], [2.3]], [0.3, 0.7], lam=params.lambda_min)
    loss = CTLDLoss(params, reduction="none")
    x = torch.tensor(np.random.default_rng(0).normal(size=(64, 1)), dtype=F64)
    a = loss(net, x, generator=torch.Generator().manual_seed(7))
    b = loss(net, x, generator=torch.Generator().manual_seed(7))
    c = loss(net, x, generator=torch.Generator().manual_seed(8))
    assert torch.equal(a, b) and not torch.equal(a, c)
    beta = loss.schedule.sample(100_000, x, torch.Generator().manual_seed(0))
    assert float(beta.min()) >= 0 and float(beta.max()) <= params.beta_max
    # β ∼ r: its mean against the quadrature mean of r/Z_r
    grid = np.linspace(0, params.beta_max, 20001)
    dens = np.exp(ctld_schedule(params).law.logpdf(grid))
    mean_r = float(np.trapezoid(grid * dens, grid))
    assert abs(float(beta.mean()) - mean_r) < 4 * float(beta.std()) / math.sqrt(len(beta))
    net32 = MixtureNet([[-1.5], [2.3]], [0.3, 0.7])
    out = GSMLoss.from_diffusion(load_spec("gaussian").diffusion)(lambda v: net32(v).to(v.dtype), x.float())
    assert out.dtype == torch.float32
