"""Device selection, device-sized batches, and the loss task on torch (CPU here; no GPU needed)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmtheory import GSMError, _device
from gsmtheory.numeric import batch_size, resolve_device
from gsmtheory.solve import evaluate_gsm_loss, loss_methods
from gsmtheory.solve._loss_torch import torch_mc_loss
from gsmtheory.sweep import parse_sweep, read_rows, run_sweep
from gsmtheory.sweep._tasks import registry_names
from gsmtheory.symbolic import gsm_loss, load_spec


def test_resolve_device(monkeypatch):
    assert resolve_device("cpu") == "cpu" == resolve_device(" CPU ")
    monkeypatch.setattr(_device, "_cuda_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    with pytest.raises(GSMError, match="no CUDA device"):
        resolve_device("cuda")
    monkeypatch.setattr(_device, "_cuda_available", lambda: True)
    assert resolve_device("auto") == "cuda" and resolve_device("cuda:1") == "cuda:1"
    for bad in ("tpu", "cuda:x", "", 3):
        with pytest.raises(GSMError, match="device"):
            resolve_device(bad)


def test_auto_matches_this_machine():
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")


def test_batch_size_exact_cases():
    assert batch_size("cpu", 100, free_bytes=4_000_000, fraction=0.5) == 20_000
    assert batch_size("cpu", 100, free_bytes=10) == 1024  # floor
    assert batch_size("cpu", 1, free_bytes=1 << 40, maximum=5000) == 5000  # cap
    assert batch_size("cpu", 8 * 64) >= 1024  # reads the free memory
    for kwargs in ({"bytes_per_sample": 0}, {"bytes_per_sample": 8, "fraction": 0.0},
                   {"bytes_per_sample": 8, "maximum": 0}):
        with pytest.raises(GSMError):
            batch_size("cpu", **kwargs)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 10_000), st.integers(0, 1 << 36), st.integers(0, 1 << 36), st.integers(1, 1 << 25))
def test_batch_size_is_monotone_and_bounded(per_sample, free_a, free_b, maximum):
    lo, hi = sorted((free_a, free_b))
    a = batch_size("cpu", per_sample, free_bytes=lo, maximum=maximum)
    b = batch_size("cpu", per_sample, free_bytes=hi, maximum=maximum)
    assert min(1024, maximum) <= a <= b <= maximum


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


def test_loss_sweep_quadrature_and_torch_agree(tmp_path):
    base = 'spec = "bimodal"\ntask = "loss"\n[grid]\nm = [1.0, 2.0]\n[task_options]\nat = [{a = 1.5}]\n'
    quad = run_sweep(parse_sweep(base), tmp_path / "q.db", workers=1, progress=False)
    mc = run_sweep(parse_sweep(base + 'method = "torch-mc"\nsamples = 40000\n'), tmp_path / "m.db",
                   workers=1, device="cpu", progress=False)
    assert quad.written == mc.written == 2 and quad.spec_hash != mc.spec_hash
    q = {r.params["m"]: r.result for r in read_rows(tmp_path / "q.db")}
    m = {r.params["m"]: r.result for r in read_rows(tmp_path / "m.db")}
    for sep in (1.0, 2.0):
        assert abs(q[sep]["explicit"][0] - m[sep]["explicit"][0]) <= 2.5 * m[sep]["explicit_error"][0] + 1e-12
        assert "torch on cpu" in m[sep]["method"]
    assert {r.device for r in read_rows(tmp_path / "m.db")} == {"cpu"}
