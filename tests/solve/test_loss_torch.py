"""The torch Monte Carlo loss (gsmtheory/solve/_loss_torch.py) against quadrature, on CPU and CUDA."""

from __future__ import annotations

import pytest
import torch

from gsmtheory import GSMError
from gsmtheory.solve import evaluate_gsm_loss, loss_methods
from gsmtheory.solve._loss_torch import torch_mc_loss
from gsmtheory.sweep._tasks import registry_names
from gsmtheory.symbolic import gsm_loss, load_spec


def test_torch_monte_carlo_agrees_with_quadrature():
    spec = load_spec("bimodal")
    loss = gsm_loss(spec.diffusion, spec.model)
    at = [{"a": 1.0}, {"a": 2.0}, {"a": 2.5}]
    quad = evaluate_gsm_loss(loss, at)
    mc = torch_mc_loss(loss, at, device="cpu", samples=60_000, seed=1, max_batch=25_000)
    assert mc.resolution["batch"] == 25_000  # three batches, the last partial
    for q, m, e in zip(quad.explicit, mc.explicit, mc.explicit_error, strict=True):
        assert abs(q - m) <= 2.5 * e + 1e-12, (q, m, e)  # 2.5 × 1.96 standard errors
    for q, m, e in zip(quad.implicit, mc.implicit, mc.implicit_error, strict=True):
        assert abs(q - m) <= 2.5 * e, (q, m, e)
    # truth a = m = 2: the explicit divergence vanishes exactly at every sample
    assert mc.explicit[1] == pytest.approx(0.0, abs=1e-12)
    again = torch_mc_loss(loss, at, device="cpu", samples=60_000, seed=1, max_batch=25_000)
    assert again.explicit == mc.explicit  # seeded


def test_torch_monte_carlo_refuses_bounded_targets():
    spec = load_spec("jacobi")  # a Beta target on [0, 1]: no exact mixture samples
    with pytest.raises(GSMError, match="whole space"):
        evaluate_gsm_loss(gsm_loss(spec.diffusion, spec.model), [{str(p): 0.5 for p in spec.model.params}],
                          method="torch-mc")


def test_loss_methods_one_public_entry():
    """evaluate_gsm_loss(method=...) reaches every evaluator; the sweep accepts the same names."""
    assert registry_names("loss") == ("auto", *loss_methods().names())
    spec = load_spec("bimodal")
    loss = gsm_loss(spec.diffusion, spec.model)
    at = [{"a": 1.5}]
    torch_path = evaluate_gsm_loss(loss, at, method="torch-mc", device="cpu", mc_samples=20_000, seed=3)
    direct = torch_mc_loss(loss, at, device="cpu", samples=20_000, seed=3)
    assert torch_path.explicit == direct.explicit and torch_path.resolution["device"] == "cpu"
    quad = evaluate_gsm_loss(loss, at, method="quadrature")
    assert quad.to_dict() == evaluate_gsm_loss(loss, at).to_dict()  # auto = quadrature in 1D
    numpy_mc = evaluate_gsm_loss(loss, at, method="monte-carlo", mc_samples=50_000, seed=2)
    assert "monte carlo" in numpy_mc.method
    assert abs(numpy_mc.explicit[0] - quad.explicit[0]) <= 2.5 * numpy_mc.explicit_error[0]
    with pytest.raises(GSMError, match="unknown loss method"):
        evaluate_gsm_loss(loss, at, method="simpson")
    with pytest.raises(GSMError, match="unknown device"):
        evaluate_gsm_loss(loss, at, method="torch-mc", device="tpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device (the code does not require one)")
def test_torch_monte_carlo_on_cuda_agrees_with_cpu():
    spec = load_spec("bimodal")
    loss = gsm_loss(spec.diffusion, spec.model)
    at = [{"a": 1.0}, {"a": 2.5}]
    cpu = evaluate_gsm_loss(loss, at, method="torch-mc", device="cpu", mc_samples=200_000, seed=0)
    gpu = evaluate_gsm_loss(loss, at, method="torch-mc", device="cuda", mc_samples=200_000, seed=0)
    assert gpu.resolution["device"].startswith("cuda")
    for c, g, ec, eg in zip(cpu.explicit, gpu.explicit, cpu.explicit_error, gpu.explicit_error, strict=True):
        assert abs(c - g) <= 2.5 * (ec + eg), (c, g)
