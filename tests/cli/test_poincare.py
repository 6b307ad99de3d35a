"""A [ctld] table lifts the target for every command; --no-lift gives the unlifted target."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gsmtheory.cli import main
from gsmtheory.estimation import build_problem, ctld_efficiency, sample_target
from gsmtheory.numeric import ctld_poincare
from gsmtheory.solve import ctld_schedule, evaluate_loss, poincare_constant
from gsmtheory.symbolic import ctld_parameters, load_spec

FORMULA = '''coords = ["x"]
log_density = "log(exp(-(x - 1)**2/2) + exp(-(x + 1)**2/2))"
[ctld]
lambda_min = 1.0
diameter = 2.0
'''

FORMULA_2D = '''coords = ["x", "y"]
log_density = "-(x**2 - 1)**2 - y**2/2"
[ctld]
lambda_min = 1.0
diameter = 2.0
'''


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any] | None, str]:
    code = main([*argv, "--json"])
    cap = capsys.readouterr()
    return code, (json.loads(cap.out) if cap.out.strip() else None), cap.err


def test_poincare_is_the_lifted_chains(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "poincare", "ctld-bimodal", "--const", "m=1")
    assert code == 0 and out is not None and out["lifted"] is True
    assert out["ctld"]["lambda_min"] == 1.0 and out["ctld"]["diameter"] == 2.0
    assert out["ctld"]["beta_max"] == 14 * 4 - 1 and set(out["ctld"]["defaults"]) == {"beta_max", "log_r"}
    spec = load_spec("ctld-bimodal", constants={"m": 1.0})
    mix = spec.diffusion.mixture
    assert mix is not None
    direct = ctld_poincare(mix, ctld_schedule(ctld_parameters(spec.diffusion, spec.ctld)), cells=16)
    assert out["poincare_constant"] == pytest.approx(direct.poincare_constant, rel=1e-12)
    assert out["relative_error"] < 1e-3 and out["status"] == "ok"
    code, plain, _ = _run(capsys, "poincare", "ctld-bimodal", "--const", "m=1", "--no-lift")
    assert code == 0 and plain is not None and plain["lifted"] is False
    assert plain["poincare_constant"] == pytest.approx(poincare_constant(spec.diffusion).poincare_constant, rel=1e-9)
    assert out["poincare_constant"] > 10 * plain["poincare_constant"]  # at m = 1 the lift mixes slower


def test_formula_target_lift_matches_mixture_lift(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "formula.toml"
    path.write_text(FORMULA)
    code, out, _ = _run(capsys, "poincare", str(path), "--quick")
    assert code == 0 and out is not None and out["lifted"] is True
    assert out["method"].startswith("ctld-fv2d-numerical-convolution")
    code, ref, _ = _run(capsys, "poincare", "ctld-bimodal", "--const", "m=1")
    assert ref is not None
    tol = 3 * (out["relative_error"] + ref["relative_error"])
    assert abs(out["poincare_constant"] / ref["poincare_constant"] - 1) < max(tol, 1e-3)


def test_what_cannot_be_lifted_is_a_one_line_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # a 2D mixture lifts (3D solver, tests/numeric/test_spectral_3d.py); a 2D formula target
    # would need a numerical 2D convolution, which is not provided
    path = tmp_path / "f2.toml"
    path.write_text(FORMULA_2D)
    code, out, err = _run(capsys, "poincare", str(path))
    assert code == 2 and out is None and err.count("\n") == 1
    code, _, err = _run(capsys, "poincare", "ctld-bimodal", "--method", "green")
    assert code == 2 and "--no-lift" in err and err.count("\n") == 1


def test_efficiency_baselines_agree_with_the_unlifted_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "efficiency", "ctld-bimodal", "--const", "m=1.5")
    assert code == 0 and out is not None and out["lifted"] is True
    for key in ("gsm_covariance", "mle_covariance", "lifted_mle_covariance", "vanilla_gsm_covariance", "ratio",
                "ratios", "poincare_constant", "theorem_bound", "ctld"):
        assert key in out
    spec = load_spec("ctld-bimodal", constants={"m": 1.5})
    eff = ctld_efficiency(build_problem(spec, lift=True))
    assert np.allclose(out["gsm_covariance"], eff.gsm_covariance, rtol=1e-12)
    code, plain, _ = _run(capsys, "efficiency", "ctld-bimodal", "--const", "m=1.5", "--no-lift", "--no-poincare")
    assert code == 0 and plain is not None and plain["lifted"] is False
    # the same estimators computed two ways: vanilla SM = unlifted GSM; original MLE = unlifted MLE
    assert np.allclose(out["vanilla_gsm_covariance"], plain["gsm_covariance"], rtol=1e-6)
    assert np.allclose(out["mle_covariance"], plain["mle_covariance"], rtol=1e-6)
    assert out["ratio"] == pytest.approx(out["ratios"]["ctld_vs_mle"])
    assert out["theorem"]["holds"] is True and out["theorem_bound"] >= out["theorem"]["lhs"]


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


def test_fit_defaults_to_ctld_for_a_ctld_spec(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    spec = load_spec("ctld-bimodal", constants={"m": 1.5})
    data = sample_target(spec.diffusion, 1500, 4)
    path = tmp_path / "d.npy"
    np.save(path, data)
    code, out, _ = _run(capsys, "fit", "ctld-bimodal", "--const", "m=1.5", "--data", str(path), "--starts", "2")
    assert code == 0 and out is not None and out["loss_name"] == "ctld" and out["converged"] is True
    assert abs(out["estimate"]["a"] - 1.5) < 4 * out["standard_errors"]["a"]
    code, plain, _ = _run(capsys, "fit", "ctld-bimodal", "--const", "m=1.5", "--data", str(path), "--no-lift")
    assert code == 0 and plain is not None and plain["loss_name"] == "gsm"
    assert plain["estimate"]["a"] != out["estimate"]["a"]
    code, _, err = _run(capsys, "fit", "ctld-bimodal", "--data", str(path), "--no-lift", "--loss", "ctld")
    assert code == 2 and err.count("\n") == 1
