"""``gsmtheory loss`` (gsmtheory/_cli/loss.py): constant differences, several parameters, the torch route
and the lifted CTLD loss."""

from __future__ import annotations

import numpy as np
import pytest

from gsmtheory.cli import main
from gsmtheory.estimation import build_problem
from gsmtheory.solve import evaluate_loss
from gsmtheory.symbolic import load_spec
from tests.cli.test_common import _run  # shared with tests/cli/test_common.py
from tests.cli.test_derive import _json  # shared with tests/cli/test_derive.py


def test_loss_difference_is_constant(capsys: pytest.CaptureFixture[str]) -> None:
    result = _json(capsys, ["loss", "reflected-gaussian", "--at", "mu=0.3", "--at", "mu=1.0",
                            "--at", "mu=-0.5", "--json"])
    assert len(result["explicit"]) == 3
    diffs = result["difference"]
    assert max(diffs) - min(diffs) < 1e-10
    assert abs(diffs[0] - result["expected_difference"]) < 1e-10
    assert max(abs(b) for b in result["boundary"]) > 0.1  # the boundary terms are not negligible here


def test_loss_torch_monte_carlo_on_a_device_agrees_with_quadrature(capsys: pytest.CaptureFixture[str]) -> None:
    quad = _json(capsys, ["loss", "bimodal", "--at", "a=1.5", "--at", "a=2.5", "--json"])
    mc = _json(capsys, ["loss", "bimodal", "--at", "a=1.5", "--at", "a=2.5", "--method", "torch-mc",
                        "--device", "auto", "--samples", "100000", "--seed", "4", "--json"])
    assert mc["resolution"]["samples"] == 100_000 and mc["resolution"]["device"] in ("cpu", "cuda")
    for key in ("explicit", "implicit"):
        for q, m, e in zip(quad[key], mc[key], mc[f"{key}_error"], strict=True):
            assert abs(q - m) <= 2.5 * e, (key, q, m, e)  # 2.5 × (1.96 standard errors)
    assert main(["loss", "ctld-bimodal", "--method", "torch-mc"]) == 2  # the lifted loss has its own rule
    with pytest.raises(SystemExit) as usage:  # a budget out of range is a usage error
        main(["loss", "bimodal", "--samples", "1", "--method", "torch-mc"])
    assert usage.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "torch-mc answers for the un-lifted target" in err[0]
    assert "--samples: 1 is outside [2, 100_000_000]" in err[1]


def test_loss_with_several_params_and_constants(capsys: pytest.CaptureFixture[str]) -> None:
    result = _json(capsys, ["loss", "gaussian-2d", "--const", "s2=2", "--at", "a=-1,b=1", "--at", "a=0,b=0",
                            "--json"])
    assert result["explicit"][1] == pytest.approx(0.0, abs=1e-14)
    # ∇ℓ − ∇ℓ_q = (−a/s1, −b/s2), so explicit = ½(a²/s1² + b²/s2²) with s1 = 1, s2 = 2
    assert result["explicit"][0] == pytest.approx(0.5 * (1.0 + 1.0 / 4.0), rel=1e-12)


@pytest.mark.slow
def test_loss_is_the_lifted_loss_with_beta_faces(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "loss", "ctld-bimodal", "--const", "m=1", "--at", "a=0.6", "--at", "a=1.4",
                        "--panels", "32")
    assert code == 0 and out is not None and out["lifted"] is True
    spec = load_spec("ctld-bimodal", constants={"m": 1.0})
    # the same loss at twice the panels moves by less than the reported errors
    ref = evaluate_loss(build_problem(spec, lift=True), [{"a": 0.6}, {"a": 1.4}])
    for key in ("explicit", "implicit"):
        gap = np.abs(np.array(out[key]) - np.array(getattr(ref, key)))
        assert np.all(gap <= np.array(out[f"{key}_error"]) + 1e-13), (key, gap)
    assert np.allclose(out["boundary"], ref.boundary, rtol=1e-7, atol=1e-14)
    assert np.ptp(out["difference"]) < 1e-8 and min(abs(b) for b in out["boundary"]) > 0
    code, plain, _ = _run(capsys, "loss", "ctld-bimodal", "--const", "m=1", "--at", "a=0.6", "--no-lift")
    assert code == 0 and plain is not None and plain["lifted"] is False
    assert plain["boundary"] == [0.0] and abs(plain["explicit"][0] - out["explicit"][0]) > 1e-4
