"""Tests of gsmtheory/_cli/poincare.py.

poincare on the command line: brackets in JSON and text, hard cases, one-line errors; a [ctld] table
lifts the target (--no-lift gives the unlifted one)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gsmtheory.cli import main
from gsmtheory.numeric import ctld_poincare
from gsmtheory.solve import ctld_schedule, poincare_constant
from gsmtheory.symbolic import ctld_parameters, load_spec
from tests.cli.test_common import _run  # shared with tests/cli/test_common.py
from tests.solve.test_poincare import _spec  # shared with tests/solve/test_poincare.py

SPEC = '''coords = ["x0", "x1", "x2", "x3"]
log_density = "-(x0**4 + x1**4 + x2**4 + x3**4) - (x0**2 + x1**2 + x2**2 + x3**2)/2 + 0.3*x0*x1"
'''

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


# ----------------------------------------------------------------------------- through the CLI
def _cli(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str) -> tuple[int, dict]:
    path = tmp_path / "spec.toml"
    path.write_text(text)
    code = main(["poincare", str(path), "--json"])
    out, _ = capsys.readouterr()
    return code, json.loads(out)


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


@pytest.mark.slow
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
    # a 2D mixture lifts (3D solver, tests/numeric/test_spectral3d.py); a 2D formula target
    # would need a numerical 2D convolution, which is not provided
    path = tmp_path / "f2.toml"
    path.write_text(FORMULA_2D)
    code, out, err = _run(capsys, "poincare", str(path))
    assert code == 2 and out is None and err.count("\n") == 1
    code, _, err = _run(capsys, "poincare", "ctld-bimodal", "--method", "green")
    assert code == 2 and "--no-lift" in err and err.count("\n") == 1


def test_cli_poincare_lifts_a_3d_mixture(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from gsmtheory.cli import main

    spec = tmp_path / "m3.toml"
    spec.write_text('coords = ["x", "y", "z"]\n[mixture]\nmeans = [[-0.5, -0.5, -0.5], [0.5, 0.5, 0.5]]\n'
                    "weights = [0.5, 0.5]\ncovariance = 1.0\n[ctld]\nlambda_min = 1.0\n")
    assert main(["poincare", str(spec), "--json", "--quick"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "ctld-sectors" and out["status"] == "ok" and out["side"] == "estimate"
    assert out["poincare_constant"] >= out["resolution"]["lower_bound_Er_s2"]


def test_cli_poincare_json_and_errors(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from gsmtheory.cli import main

    spec = tmp_path / "j.toml"
    spec.write_text('coords = ["x"]\nlog_density = "log(x) + 2*log(1 - x)"\n'
                    '[domain]\nx = [0, 1]\n[diffusion]\nD = [["x*(1 - x)"]]\n')
    assert main(["poincare", str(spec), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["spectral_gap"] == pytest.approx(5.0, rel=1e-8)
    bad = tmp_path / "bad.toml"
    bad.write_text('coords = ["x"]\nlog_density = "x"\n')
    assert main(["poincare", str(bad), "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert "normalized" in err and "\n" not in err


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_cli_logistic_gap_at_the_continuum(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    """The logistic: 1 = 1/σ, the absence of an eigenvalue below σ(1 − δ) certified by the Sturm
    count (an estimate within δ, never ``exact`` by assumption), a certified lower bound 1."""
    code, out = _cli(capsys, tmp_path, _spec("-2*log(cosh(x))"))
    assert code == 0 and out["status"] == "ok" and out["side"] == "estimate"
    assert abs(out["poincare_constant"] - 1.0) <= out["error_estimate"] <= 1e-7
    assert out["lower"] == pytest.approx(1.0) and out["upper"] >= 1.0


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_cli_student_t_and_gamma(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The issue's Student-t ν = 3 row (no inequality) and Gamma(3, 1) with D = x² row (½)."""
    code, out = _cli(capsys, tmp_path, _spec("-2*log(1 + x**2/3)"))
    assert code == 0 and out["status"] == "no_poincare"
    assert out["poincare_constant"] == "inf" and out["lower"] == "inf"  # valid JSON for ∞
    code, out = _cli(capsys, tmp_path, _spec("2*log(x) - x", domain='x = [0, "inf"]',
                                             D='[["x**2"]]'))
    assert code == 0 and out["status"] == "ok"
    assert abs(out["poincare_constant"] - 0.5) <= out["error_estimate"]
    assert out["lower"] <= 0.5 <= out["upper"]
