"""Tests of gsmtheory/networks/_gsm.py.

Losses shaped like torch's (issue 23): loss(model, batch), reductions, event shapes, D without a spec,
gradients to the input, dtypes, skipped faces, torch.compile where torch allows it.

The README's training example runs as written (issue 23: a practitioner's script from the README alone,
MLP score model on a 2D mixture, D = I without a spec file) and gets the mode weight right.

CUDA agreement of the network losses (skipped without a CUDA device): same numbers as on the CPU.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
import torch

from gsmtheory import ModelError
from gsmtheory.compile import compile_expr
from gsmtheory.networks import (
    SKIP_BELOW,
    CTLDLoss,
    DSMLoss,
    GSMLoss,
    log_uniform_schedule,
    paper_schedule,
)
from gsmtheory.numeric import sample_mixture
from gsmtheory.solve import evaluate_gsm_loss
from gsmtheory.symbolic import (
    Diffusion,
    GaussianMixture,
    MixtureExpressions,
    Model,
    ctld_parameters,
    gsm_loss,
    load_spec,
)

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Train a score model"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)

F64 = torch.float64
X2 = torch.zeros(5, 2, dtype=F64)


def _mixture_2d():
    return load_spec("mixture-2d").diffusion

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


def _net(device):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)).double().to(device)
    return lambda x, b: net(torch.cat([x, b[:, None]], dim=1))[:, 0], net


def _mlp(inputs, outputs, seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(inputs, 16), torch.nn.Tanh(), torch.nn.Linear(16, outputs)).double()


def _x(n=32, d=2, seed=1):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=F64) * 2


def _precond_sym(x, y):
    return [[1 + x**2, x * y / 2], [x * y / 2, 1 + y**2]]


def _precond_torch(v):
    a, b = v[:, 0], v[:, 1]
    return torch.stack([torch.stack([1 + a**2, a * b / 2], -1), torch.stack([a * b / 2, 1 + b**2], -1)], -2)


def _finite_difference(f, x, h=1e-5):
    out = torch.zeros_like(x)
    for idx in range(x.numel()):
        e = torch.zeros_like(x).reshape(-1)
        e[idx] = h
        e = e.reshape(x.shape)
        out.reshape(-1)[idx] = (f(x + e) - f(x - e)) / (2 * h)
    return out


class MixtureNet(torch.nn.Module):
    """log p_θ^β(x) = log Σ_k w_k N(x; μ_k, (v + βλ) I): learnable means, as a score or an energy."""

    def __init__(self, means, weights, var=1.0, lam=1.0, kind="score"):
        super().__init__()
        self.means = torch.nn.Parameter(torch.tensor(means, dtype=F64))
        self.register_buffer("logw", torch.log(torch.tensor(weights, dtype=F64) / sum(weights)))
        self.var, self.lam, self.kind = var, lam, kind

    def _log_weights(self, x, beta):
        """(a_k = log w_k + log N(x; μ_k, vI) up to a constant, x − μ_k, v) with v = var + λβ."""
        v = self.var + (0.0 if beta is None else self.lam * beta)
        v = torch.as_tensor(v, dtype=x.dtype)
        v = v[:, None] if v.ndim == 1 else v
        diff = x[:, None, :] - self.means[None]
        a = self.logw - 0.5 * (diff * diff).sum(-1) / v - 0.5 * x.shape[1] * torch.log(v)
        return a, diff, v

    def log_density(self, x, beta=None):
        return torch.logsumexp(self._log_weights(x, beta)[0], dim=1)

    def forward(self, x, beta=None):
        if self.kind == "energy":
            return -self.log_density(x, beta)
        a, diff, v = self._log_weights(x, beta)
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


@pytest.mark.slow
def test_the_readme_training_example_runs_without_a_spec():
    code = _example()
    assert "GSMLoss()" in code and "load_spec" not in code and "parse_spec" not in code
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), {"__name__": "readme"})
    weight = float(re.search(r"left-mode weight ([0-9.]+)", out.getvalue()).group(1))
    # binomial se 0.01 at 2000 samples, plus the training error of a small MLP in 1500 steps (seeds 0-2
    # gave 0.30, 0.28, 0.26); a sampler without annealing or a broken loss gives 0.5 or a single mode
    assert abs(weight - 0.30) < 0.08, out.getvalue()


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


def test_reductions_and_event_shapes():
    net = _mlp(6, 6)
    x = _x(10, 6)
    flat = GSMLoss(reduction="none")(net, x)
    # the same model seen on (n, 2, 3) batches: identical per-sample values
    shaped = GSMLoss(reduction="none")(lambda v: net(v.reshape(len(v), 6)).reshape(v.shape), x.reshape(10, 2, 3))
    assert shaped.shape == (10,)
    assert torch.allclose(flat, shaped, rtol=0, atol=1e-13)
    assert torch.allclose(GSMLoss()(net, x), flat.mean()) and torch.allclose(GSMLoss(reduction="sum")(net, x), flat.sum())
    # the trace is the divergence: a linear score s = Ax has ½|Ax|² + tr A
    A = torch.tensor([[-1.0, 0.3], [0.2, -2.0]], dtype=F64)
    y = _x(5)
    expect = 0.5 * ((y @ A.T) ** 2).sum(-1) + torch.trace(A)
    assert torch.allclose(GSMLoss(reduction="none")(lambda v: v @ A.T, y), expect, rtol=1e-14, atol=1e-14)


def test_constant_and_callable_D_equal_the_symbolic_route():
    x_, y_ = sp.symbols("x y", real=True)
    energy = _mlp(2, 1)
    model = lambda v: energy(v)[:, 0]  # noqa: E731
    x = _x(40)
    D = [[2.0, 0.5], [0.5, 1.0]]
    sym_const = GSMLoss.from_diffusion(Diffusion((x_, y_), -(x_**2 + y_**2) / 2, sp.ImmutableMatrix(D)),
                                       kind="energy", reduction="none")
    got = GSMLoss(D=D, kind="energy", reduction="none")(model, x)
    assert torch.allclose(got, sym_const(model, x), rtol=1e-12, atol=1e-12)
    sym_field = GSMLoss.from_diffusion(Diffusion((x_, y_), -(x_**2 + y_**2) / 2,
                                                 sp.ImmutableMatrix(_precond_sym(x_, y_))), kind="energy",
                                       reduction="none")
    by_autograd = GSMLoss(D=_precond_torch, kind="energy", reduction="none")(model, x)  # div D by autograd
    ref = sym_field(model, x)
    assert torch.allclose(by_autograd, ref, rtol=1e-12, atol=1e-12)
    # div D matters here: leaving it out (a zero div_D) changes the values
    no_div = GSMLoss(D=_precond_torch, div_D=torch.zeros_like, kind="energy", reduction="none")(model, x)
    assert float((no_div - ref).abs().max().detach()) > 1e-2
    assert GSMLoss(D=torch.eye(2)).describe()["D"] == "identity"


@pytest.mark.parametrize("which", ["gsm", "ctld", "dsm"])
def test_gradients_flow_to_the_input(which):
    """d loss / d x by autograd equals central differences (the loss used to detach its input: zeros)."""
    x = _x(4)
    beta = torch.tensor([0.0, 0.5, 2.0, 7.0], dtype=F64)
    z, zf = _x(4, seed=2), _x(4, seed=3)
    if which == "gsm":
        energy = _mlp(2, 1)

        def f(v):
            return GSMLoss(kind="energy", reduction="sum")(lambda u: energy(u)[:, 0], v)
    else:
        net = _mlp(3, 2)

        def model(u, b):
            return net(torch.cat([u, b[:, None]], 1))

        schedule = log_uniform_schedule(10.0)
        if which == "ctld":
            def f(v):
                return CTLDLoss(schedule, reduction="sum")(model, v, beta=beta, noise=z, face_noise=zf)
        else:
            def f(v):
                return DSMLoss(schedule, reduction="sum")(model, v, level=beta, noise=z)
    xg = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(xg), xg)
    fd = _finite_difference(lambda v: f(v).detach(), x)
    assert float(g.abs().max()) > 1e-3
    assert torch.allclose(g, fd, rtol=1e-6, atol=1e-7), (g, fd)


def test_dtype_follows_the_batch():
    import copy

    net64 = _mlp(3, 2)
    net32 = copy.deepcopy(net64).float()

    def model(u, b):
        return (net32 if u.dtype == torch.float32 else net64)(torch.cat([u, b[:, None]], 1))

    x, z, zf = _x(64), _x(64, seed=5), _x(64, seed=6)
    beta = torch.rand(64, generator=torch.Generator().manual_seed(7), dtype=F64) * 10
    schedule = log_uniform_schedule(10.0)
    for loss, draws in ((CTLDLoss(schedule), {"beta": beta, "noise": z, "face_noise": zf}),
                        (DSMLoss(schedule), {"level": beta, "noise": z})):
        v64 = loss(model, x, **draws).detach()
        v32 = loss(model, x.float(), **{k: v.float() for k, v in draws.items()}).detach()
        assert v32.dtype == torch.float32 and v64.dtype == F64
        assert abs(float(v32) - float(v64)) < 1e-4 * (1 + abs(float(v64))), (float(v32), float(v64))
        # and on their own draws (drawn in the batch's dtype)
        assert loss(model, x.float(), generator=torch.Generator().manual_seed(0)).dtype == torch.float32


def test_faces_whose_weight_underflows_are_skipped_and_stated():
    net = _mlp(3, 2)

    def model(u, b):
        return net(torch.cat([u, b[:, None]], 1))

    with pytest.warns(UserWarning, match="1.23e-157"):
        paper = CTLDLoss(paper_schedule(10.0))
    assert paper.face_weights[0] < SKIP_BELOW < paper.face_weights[1]
    assert paper.kept == ("upper",) and "lower beta-face" in paper.skipped[0] and "2.16e-307" in paper.skipped[0]
    assert paper.describe()["skipped"] == list(paper.skipped)
    # what was skipped: c_0 times the β-score at the face, far below the rounding of the loss
    x = _x(16)
    term = paper.face_weights[0] * paper.beta_score(model, x, torch.zeros(16, dtype=F64))
    total = paper(model, x, generator=torch.Generator().manual_seed(0))
    assert float(term.abs().max()) < 1e-290 and abs(float(total)) > 1e-3
    assert CTLDLoss(log_uniform_schedule(10.0)).skipped == ()
    assert len(CTLDLoss(log_uniform_schedule(10.0), faces=False).skipped) == 2


def test_torch_compile_where_torch_allows_it():
    """DSM with a score model needs no input derivative: a compiled model gives the eager numbers.
    GSM and CTLD differentiate the model in its input with create_graph=True, which torch 2.13's
    compiled autograd refuses (the documented limitation): a clear RuntimeError in backward. The
    refusal is AOTAutograd's, before any code generator runs, so it is checked with the aot_eager
    backend (inductor's C++ build of the same graph costs 2-3 s and refuses alike)."""
    net = _mlp(3, 2)

    def model(u, b):
        return net(torch.cat([u, b[:, None]], 1))

    compiled = torch.compile(model)
    x, beta, z = _x(64), torch.rand(64, dtype=F64) * 5, _x(64, seed=4)
    dsm = DSMLoss(log_uniform_schedule(10.0))
    eager = dsm(model, x, level=beta, noise=z)
    (g_eager,) = torch.autograd.grad(eager, net[0].weight)
    fast = dsm(compiled, x, level=beta, noise=z)
    (g_fast,) = torch.autograd.grad(fast, net[0].weight)
    assert torch.allclose(eager, fast, rtol=1e-10) and torch.allclose(g_eager, g_fast, rtol=1e-8, atol=1e-12)
    score = torch.compile(_mlp(2, 2, seed=5), backend="aot_eager")
    with pytest.raises(RuntimeError, match="double backward"):
        GSMLoss()(score, _x(8)).backward()
    assert math.isfinite(float(eager))


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


@pytest.mark.slow
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
