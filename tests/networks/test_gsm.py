"""Losses shaped like torch's (issue 23): loss(model, batch), reductions, event shapes, D without a spec,
gradients to the input, dtypes, skipped faces, torch.compile where torch allows it."""

from __future__ import annotations

import math

import pytest
import sympy as sp
import torch

from gsmtheory.networks import (
    SKIP_BELOW,
    CTLDLoss,
    DSMLoss,
    GSMLoss,
    log_uniform_schedule,
    paper_schedule,
)
from gsmtheory.symbolic import Diffusion

F64 = torch.float64


def _mlp(inputs, outputs, seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(inputs, 16), torch.nn.Tanh(), torch.nn.Linear(16, outputs)).double()


def _x(n=32, d=2, seed=1):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=F64) * 2


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


def _precond_sym(x, y):
    return [[1 + x**2, x * y / 2], [x * y / 2, 1 + y**2]]


def _precond_torch(v):
    a, b = v[:, 0], v[:, 1]
    return torch.stack([torch.stack([1 + a**2, a * b / 2], -1), torch.stack([a * b / 2, 1 + b**2], -1)], -2)


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


def _finite_difference(f, x, h=1e-5):
    out = torch.zeros_like(x)
    for idx in range(x.numel()):
        e = torch.zeros_like(x).reshape(-1)
        e[idx] = h
        e = e.reshape(x.shape)
        out.reshape(-1)[idx] = (f(x + e) - f(x - e)) / (2 * h)
    return out


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
    compiled autograd refuses (the documented limitation): a clear RuntimeError in backward."""
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
    score = torch.compile(_mlp(2, 2, seed=5))
    with pytest.raises(RuntimeError, match="double backward"):
        GSMLoss()(score, _x(8)).backward()
    assert math.isfinite(float(eager))
