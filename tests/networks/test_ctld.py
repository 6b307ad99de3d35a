"""Network losses tied to the symbolic side (issue 16): same numbers as the compiled symbolic losses.

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
from scipy.special import ndtr

from gsmtheory.compile import compile_expr
from gsmtheory.networks import CTLDLoss, DSMLoss, GSMLoss, network_loss
from gsmtheory.numeric import ctld_beta_logpdf, sample_mixture
from gsmtheory.solve import (
    LossOptions,
    build_problem,
    ctld_schedule,
    evaluate_gsm_loss,
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

F64 = torch.float64


class MixtureNet(torch.nn.Module):
    """log p_θ^β(x) = log Σ_k w_k N(x; μ_k, (v + βλ) I): learnable means, as a score or an energy."""

    def __init__(self, means, weights, var=1.0, lam=1.0, kind="score"):
        super().__init__()
        self.means = torch.nn.Parameter(torch.tensor(means, dtype=F64))
        self.register_buffer("logw", torch.log(torch.tensor(weights, dtype=F64) / sum(weights)))
        self.var, self.lam, self.kind = var, lam, kind

    def log_density(self, x, beta=None):
        v = self.var + (0.0 if beta is None else self.lam * beta)
        v = torch.as_tensor(v, dtype=x.dtype)
        v = v[:, None] if v.ndim == 1 else v
        diff = x[:, None, :] - self.means[None]
        d = x.shape[1]
        a = self.logw - 0.5 * (diff * diff).sum(-1) / v - 0.5 * d * torch.log(v)
        return torch.logsumexp(a, dim=1)

    def forward(self, x, beta=None):
        if self.kind == "energy":
            return -self.log_density(x, beta)
        v = self.var + (0.0 if beta is None else self.lam * beta)
        v = torch.as_tensor(v, dtype=x.dtype)
        v = v[:, None] if v.ndim == 1 else v
        diff = x[:, None, :] - self.means[None]
        d = x.shape[1]
        a = self.logw - 0.5 * (diff * diff).sum(-1) / v - 0.5 * d * torch.log(v)
        r = torch.softmax(a, dim=1)
        return -(r[..., None] * diff).sum(1) / v


def _symbolic_2d(D):
    x, y = sp.symbols("x y", real=True)
    target = GaussianMixture(((-2.0, 0.0), (2.0, 0.5)), (0.3, 0.7), ((1.0, 0.0), (0.0, 1.0)))
    diff = Diffusion((x, y), target.log_density_expr((x, y)), sp.ImmutableMatrix(D(x, y)), mixture=target)
    params = sp.symbols("m0 m1 m2 m3", real=True)
    eye = ((sp.Integer(1), sp.Integer(0)), (sp.Integer(0), sp.Integer(1)))
    mix = MixtureExpressions(((params[0], params[1]), (params[2], params[3])),
                             (sp.Rational(3, 10), sp.Rational(7, 10)), eye)
    model = Model.gaussian_mixture((x, y), params, mix, [-2.0, 0.0, 2.0, 0.5])
    return target, diff, model


def _precond(x, y):
    return [[1 + x**2, x * y / 2], [x * y / 2, 1 + y**2]]


@pytest.mark.parametrize("kind", ["score", "energy"])
def test_mixture_network_equals_compiled_symbolic_loss_and_gradient(kind):
    _, diff, model = _symbolic_2d(_precond)
    sym = gsm_loss(diff, model)
    f = compile_expr((*diff.coords, *model.params), sym.implicit, "torch")
    theta0 = [-1.7, 0.2, 2.4, 0.1]
    net = MixtureNet([[-1.7, 0.2], [2.4, 0.1]], [0.3, 0.7], kind=kind)
    x = torch.tensor(np.random.default_rng(1).normal(scale=2.0, size=(60, 2)), dtype=F64)
    got = GSMLoss.from_diffusion(diff, kind=kind, reduction="none")(net, x)
    th = torch.tensor(theta0, dtype=F64, requires_grad=True)
    ref = f(x[:, 0], x[:, 1], *th.unbind())
    assert torch.allclose(got, ref, rtol=1e-10, atol=1e-10), float((got - ref).abs().max())
    got.sum().backward()
    ref.sum().backward()
    g_net = net.means.grad.reshape(-1)
    assert torch.allclose(g_net, th.grad, rtol=1e-10, atol=1e-10), (g_net, th.grad)
    # a wrong sign convention (dropping div D, or the trace) would not match
    assert float((got - 0.5 * ref).abs().max().detach()) > 1e-3


def test_true_score_gives_minus_kp():
    """E_p[ℓ_θ*] = D_GSM(p, p) − K_p = −½E_p[∇ℓᵀD∇ℓ] (explicit − implicit constant)."""
    target, diff, model = _symbolic_2d(_precond)
    k_p = evaluate_gsm_loss(gsm_loss(diff, model), [dict(zip(map(str, model.params), model.truth, strict=True))],
                            panels=32).constant
    net = MixtureNet([[-2.0, 0.0], [2.0, 0.5]], [0.3, 0.7])
    x = torch.tensor(sample_mixture(target, 40_000, seed=3), dtype=F64)
    with torch.no_grad():
        values = GSMLoss.from_diffusion(diff, reduction="none")(net, x)
    mean, se = float(values.mean()), float(values.std()) / math.sqrt(len(values))
    assert abs(mean + k_p) < 4 * se, (mean, -k_p, se)
    assert k_p > 10 * se  # the check can fail: −K_p is far from 0 on this scale


def test_finite_ends_match_the_symbolic_boundary_terms():
    spec = load_spec("reflected-gaussian")
    sym = gsm_loss(spec.diffusion, spec.model)
    at = [{"mu": 0.8}]
    ev = evaluate_gsm_loss(sym, at)
    f = compile_expr((*spec.diffusion.coords, *spec.model.params), sym.implicit, "torch")
    loss = GSMLoss.from_diffusion(spec.diffusion, face_density="target", reduction="none")
    assert len(loss.faces) == 2
    x = torch.linspace(0.0, 2.0, 11, dtype=F64)[:, None]
    got = loss(lambda v: -(v - 0.8), x)
    bulk = f(x[:, 0], torch.tensor(0.8, dtype=F64))
    assert torch.allclose(got - bulk, torch.full_like(got, ev.boundary[0]), rtol=1e-9, atol=1e-12)
    assert abs(ev.boundary[0]) > 1e-2  # the faces matter here
    # Jacobi D = x(1 - x) vanishes on both ends: no face is kept
    assert GSMLoss.from_diffusion(load_spec("jacobi").diffusion).faces == ()


def _hutchinson_mean(loss_fn, n_draws, seed):
    gen = torch.Generator().manual_seed(seed)
    vals = torch.stack([loss_fn(gen) for _ in range(n_draws)])
    return vals.mean(0), vals.std(0) / math.sqrt(n_draws)


def test_hutchinson_is_unbiased_for_the_preconditioned_loss():
    _, diff, _ = _symbolic_2d(_precond)
    net = MixtureNet([[-1.7, 0.2], [2.4, 0.1]], [0.3, 0.7], kind="energy")
    x = torch.tensor(np.random.default_rng(2).normal(scale=2.0, size=(400, 2)), dtype=F64)
    with torch.no_grad():
        exact = GSMLoss.from_diffusion(diff, kind="energy")(net, x)
    hutch = GSMLoss.from_diffusion(diff, kind="energy", divergence="hutchinson", probes=1)
    draws = torch.stack([hutch(net, x, generator=torch.Generator().manual_seed(s)).detach() for s in range(200)])
    mean, se = float(draws.mean()), float(draws.std()) / math.sqrt(len(draws))
    assert se > 0 and abs(mean - float(exact)) < 4 * se, (mean, float(exact), se)


def _lifted_1d(beta_max=4.0):
    x = sp.Symbol("x", real=True)
    target = GaussianMixture(((-2.0,), (2.0,)), (0.3, 0.7), ((1.0,),))
    diff = Diffusion((x,), target.log_density_expr((x,)), mixture=target)
    a, b = sp.symbols("a b", real=True)
    model = Model.gaussian_mixture((x,), (a, b), MixtureExpressions(((a,), (b,)), (sp.Rational(3, 10),
                                   sp.Rational(7, 10)), ((sp.Integer(1),),)), [-2.0, 2.0])
    params = ctld_parameters(target, beta_max=beta_max, log_r="-3/(1 + beta)")
    return target, diff, model, params


def test_ctld_network_equals_the_lifted_symbolic_loss_with_faces():
    _, diff, model, params = _lifted_1d()
    lifted, lmodel = ctld_lift(diff, beta_max=params.beta_max, log_r=params.log_r), ctld_model(model, params)
    sym = gsm_loss(lifted, lmodel)
    args = (*lifted.coords, *lmodel.params)
    bulk_f = compile_expr(args, sym.implicit, "torch")
    faces = {t.side: compile_expr(args, t.flux, "torch") for t in sym.boundary_terms}
    assert set(faces) == {"lower", "upper"}
    c = np.exp(ctld_beta_logpdf(ctld_schedule(params), np.array([0.0, params.beta_max])))
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
    dens = np.exp(ctld_beta_logpdf(ctld_schedule(params), grid))
    mean_r = float(np.trapezoid(grid * dens, grid))
    assert abs(float(beta.mean()) - mean_r) < 4 * float(beta.std()) / math.sqrt(len(beta))
    net32 = MixtureNet([[-1.5], [2.3]], [0.3, 0.7])
    out = GSMLoss.from_diffusion(load_spec("gaussian").diffusion)(lambda v: net32(v).to(v.dtype), x.float())
    assert out.dtype == torch.float32


def test_langevin_helpers_with_exact_scores():
    from gsmtheory.networks import annealed_langevin, grid_density, langevin, log_uniform_schedule

    gen = torch.Generator().manual_seed(0)
    h = 0.05
    x = langevin(lambda v: -v, torch.zeros(4000, 1, dtype=F64), step=h, steps=400, generator=gen)
    var, exact = float(x.var()), 1.0 / (1.0 - h / 2)  # stationary variance of ULA on N(0, 1)
    assert abs(var - exact) < 4 * exact * math.sqrt(2 / 4000)
    # the true noise-conditional score of 0.3 N(-3, 1) + 0.7 N(3, 1): annealing recovers the weights
    net = MixtureNet([[-3.0], [3.0]], [0.3, 0.7], lam=1.0)
    start = torch.randn(3000, 1, generator=gen, dtype=F64) * math.sqrt(10.0 + 40.0)
    xs = annealed_langevin(net, start, log_uniform_schedule(40.0), levels=12, steps_per_level=40, eps=0.05,
                           generator=gen)
    left = float((xs[:, 0] < 0).double().mean())
    assert abs(left - 0.3) < 4 * math.sqrt(0.3 * 0.7 / 3000) + 0.01, left
    pts, probs = grid_density(MixtureNet([[-3.0], [3.0]], [0.3, 0.7], kind="energy"), [-12.0], [12.0], [2400])
    exact_left = 0.3 * ndtr(3.0) + 0.7 * ndtr(-3.0)  # mass of x < 0, overlap included
    assert abs(float(probs[pts[:, 0] < 0].sum()) - exact_left) < 1e-6


def test_fit_network_is_deterministic_and_lowers_the_loss():
    from gsmtheory.networks import fit_network

    spec = load_spec("mixture-2d")
    data = torch.tensor(sample_mixture(spec.diffusion.mixture, 500, seed=0), dtype=F64)

    def train(seed):
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.SiLU(), torch.nn.Linear(16, 1)).double()
        loss = GSMLoss(kind="energy", divergence="hutchinson")
        hist = fit_network(loss, lambda x: net(x)[:, 0], data, steps=60, batch_size=64, lr=1e-2, seed=seed,
                           parameters=net.parameters())
        return hist, torch.cat([p.detach().reshape(-1) for p in net.parameters()])

    h1, p1 = train(3)
    h2, p2 = train(3)
    _, p3 = train(4)
    assert h1.losses == h2.losses and torch.equal(p1, p2) and not torch.equal(p1, p3)
    assert np.mean(h1.losses[-10:]) < np.mean(h1.losses[:10])
