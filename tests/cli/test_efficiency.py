"""Tests of gsmtheory/_cli/efficiency.py.

efficiency on the command line: a bound on C_P never reads as a value (issue #14), JSON keys,
unconverged Monte Carlo, the lifted baselines."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gsmtheory._cli.efficiency import _cp
from gsmtheory.cli import main
from gsmtheory.estimation import build_problem
from gsmtheory.estimation._lifted_quadrature import lifted_quadrature
from gsmtheory.symbolic import load_spec
from tests.cli.test_common import _run  # shared with tests/cli/test_common.py

GOOD_HEAD = 'coords = ["x"]\n'


GAMMA3 = GOOD_HEAD + ('log_density = "2*log(x) - x"\n[domain]\nx = [0, "inf"]\n[model]\nparams = ["k"]\n'
                      'truth = {k = 3.0}\nlog_density = "(k - 1)*log(x) - x"\n')


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


def test_efficiency_text_shows_what_the_poincare_constant_certifies() -> None:
    """A Rayleigh–Ritz lower bound must not read as a value in `gsmtheory efficiency` text."""
    from gsmtheory._cli.efficiency import format_text

    base = {"spec": "s", "params": ["a"], "gsm_covariance": [[1.0]], "mle_covariance": [[1.0]],
            "ratio": 1.0, "per_parameter": {"a": 1.0},
            "worst_direction": {"combination": "a", "ratio": 1.0},
            "best_direction": {"combination": "a", "ratio": 1.0}, "poincare_constant": 18.28,
            "theorem_bound": 3.0, "status": "ok", "method": "quadrature"}
    low = format_text({**base, "poincare": {"side": "lower_bound", "status": "bound"}})
    assert "18.28 (lower_bound, status bound)" in low and "not a certified bound" in low
    est = format_text({**base, "poincare": {"side": "estimate", "status": "ok"}})
    assert "18.28 (estimate, status ok)" in est and "not a certified bound" not in est


def test_infinite_asymptotic_variance_is_a_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Langevin score matching of the Gamma shape at k = 3 needs E[x^-4] = inf: status, not a number."""
    import json

    spec = tmp_path / "g.toml"
    spec.write_text(GAMMA3)
    assert main(["efficiency", str(spec), "--no-poincare", "--json"]) == 0
    eff = json.loads(capsys.readouterr().out)
    assert eff["status"] == "infinite_variance"
    assert eff["gsm_covariance"] == [["inf"]]
    assert "psi psi^T" in eff["message"]


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


@pytest.mark.slow
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


@pytest.mark.slow
def test_efficiency_baselines_agree_with_the_unlifted_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "efficiency", "ctld-bimodal", "--const", "m=1.5")
    assert code == 0 and out is not None and out["lifted"] is True
    for key in ("gsm_covariance", "mle_covariance", "lifted_mle_covariance", "vanilla_gsm_covariance", "ratio",
                "ratios", "poincare_constant", "theorem_bound", "ctld"):
        assert key in out
    spec = load_spec("ctld-bimodal", constants={"m": 1.5})
    eff = lifted_quadrature(build_problem(spec, lift=True))
    assert np.allclose(out["gsm_covariance"], eff.gsm_covariance, rtol=1e-12)
    code, plain, _ = _run(capsys, "efficiency", "ctld-bimodal", "--const", "m=1.5", "--no-lift", "--no-poincare")
    assert code == 0 and plain is not None and plain["lifted"] is False
    # the same estimators computed two ways: vanilla SM = unlifted GSM; original MLE = unlifted MLE
    assert np.allclose(out["vanilla_gsm_covariance"], plain["gsm_covariance"], rtol=1e-6)
    assert np.allclose(out["mle_covariance"], plain["mle_covariance"], rtol=1e-6)
    assert out["ratio"] == pytest.approx(out["ratios"]["ctld_vs_mle"])
    assert out["theorem"]["holds"] is True and out["theorem_bound"] >= out["theorem"]["lhs"]


def test_efficiency_command_keys(capsys):
    import json

    assert main(["efficiency", "bimodal-weight", "--const", "m=2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("gsm_covariance", "mle_covariance", "ratio", "poincare_constant", "theorem_bound",
                "per_parameter", "worst_direction"):
        assert key in out
    assert out["ratio"] == pytest.approx(9.4228, rel=1e-3)
    assert main(["efficiency", "laguerre"]) == 2  # no [model]
