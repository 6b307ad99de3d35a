"""A bound on C_P never reads as a value: poincare text/JSON and efficiency text (issue #14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gsmtheory._cli.efficiency import _cp
from gsmtheory.cli import main

SPEC = '''coords = ["x0", "x1", "x2", "x3"]
log_density = "-(x0**4 + x1**4 + x2**4 + x3**4) - (x0**2 + x1**2 + x2**2 + x3**2)/2 + 0.3*x0*x1"
'''


def test_poincare_bracket_in_json_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "q4.toml"
    spec.write_text(SPEC)
    assert main(["poincare", str(spec), "--json", "--quick", "--method", "rayleigh_ritz"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "bound" and out["side"] == "bracket"
    assert out["upper"] == pytest.approx(1 / 0.7, rel=1e-10) and 0 < out["lower"] < out["upper"]
    assert main(["poincare", str(spec), "--quick", "--method", "rayleigh_ritz"]) == 0
    text = capsys.readouterr().out
    line = next(s for s in text.splitlines() if s.startswith("poincare_constant"))
    assert "in [" in line and "not a value" in line
    gap = next(s for s in text.splitlines() if s.startswith("spectral_gap"))
    assert "in [" in gap


@pytest.mark.parametrize(("side", "lower", "upper", "want"), [
    ("lower_bound", 18.0, None, ">= 18 (lower_bound, status bound): a lower bound only, not a value"),
    ("upper_bound", None, 3.0, "<= 3 (upper_bound, status bound): an upper bound only, not a value"),
    ("bracket", 1.0, 3.0, "in [1, 3] (bracket, status bound): a two-sided bound, not a value"),
    ("estimate", 2.0, 2.0, "2 (estimate, status bound)"),
])
def test_efficiency_text_shows_what_cp_certifies(side: str, lower: float | None, upper: float | None,
                                                 want: str) -> None:
    result = {"poincare_constant": 2.0,
              "poincare": {"side": side, "status": "bound", "lower": lower, "upper": upper}}
    assert _cp(result) == want


def test_efficiency_json_says_what_cp_certifies(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["efficiency", "gaussian", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["poincare_side"] == out["poincare"]["side"]
    assert out["poincare_side"] in ("estimate", "exact")


CTLD_MC = '''coords = ["x", "y", "z"]
[mixture]
means = [[-1.5, 0, 0], [1.5, 0, 0], [0, 1.5, 0.5]]
weights = [0.3, 0.4, 0.3]
covariance = 1.0
[model]
params = ["a", "b"]
truth = {a = 1.5, b = 1.5}
[model.mixture]
means = [["-a", 0, 0], ["a", 0, 0], [0, "b", 0.5]]
weights = [0.3, 0.4, 0.3]
covariance = 1.0
[ctld]
lambda_min = 1.0
diameter = 3.0
'''


def test_unconverged_monte_carlo_efficiency_says_so_and_exits_1(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """dim U = 2: no reduction, the CTLD covariances come from Monte Carlo; --rtol is its target
    relative standard error, which a small budget cannot reach."""
    spec = tmp_path / "mc3.toml"
    spec.write_text(CTLD_MC)
    assert main(["efficiency", str(spec), "--samples", "20000", "--rtol", "1e-3"]) == 1
    out = capsys.readouterr().out
    assert "NOT CONVERGED" in out and "status: not_converged" in out
    assert main(["efficiency", str(spec), "--samples", "20000", "--rtol", "1e-3", "--json"]) == 1
    res = json.loads(capsys.readouterr().out)
    assert res["status"] == "not_converged" and res["resolution"]["rtol"] == 1e-3
    assert res["error_estimate"] > 1e-3
