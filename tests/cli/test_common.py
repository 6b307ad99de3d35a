"""Bad specs on the command line: exit 2, one line on stderr naming problem and fix, nothing executed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gsmtheory import GSMError
from gsmtheory.cli import main
from gsmtheory.symbolic import parse_spec

GOOD_HEAD = 'coords = ["x"]\n'

BAD_SPECS: list[tuple[str, str, str]] = [
    ("non-symmetric D", 'coords = ["x", "y"]\nlog_density = "-x**2 - y**2"\n[diffusion]\nD = [["1", "x"], ["0", "1"]]\n', "not symmetric"),
    ("D not PSD", GOOD_HEAD + 'log_density = "-x**2"\n[diffusion]\nD = [["x**2 - 4"]]\n', "not positive semidefinite"),
    ("D negative constant", GOOD_HEAD + 'log_density = "-x**2"\n[diffusion]\nD = [["-1"]]\n', "not positive semidefinite"),
    ("Q not skew", 'coords = ["x", "y"]\nlog_density = "-x**2 - y**2"\n[diffusion]\nQ = [["0", "1"], ["1", "0"]]\n', "skew"),
    ("unknown symbol", GOOD_HEAD + 'log_density = "-k*x**2"\n', "unknown name 'k'"),
    ("undeclared coordinate in domain", GOOD_HEAD + 'log_density = "-x**2"\n[domain]\ny = [0, 1]\n', "undeclared coordinate"),
    ("malformed TOML", GOOD_HEAD + 'log_density = "-x**2\n', "malformed TOML"),
    ("empty domain", GOOD_HEAD + 'log_density = "-x**2"\n[domain]\nx = [1, 0]\n', "empty"),
    ("non-numeric constant", GOOD_HEAD + 'log_density = "-c*x**2"\n[constants]\nc = "two"\n', "not a number"),
    ("model without truth", GOOD_HEAD + 'log_density = "-x**2"\n[model]\nparams = ["a"]\nlog_density = "-(x-a)**2"\n', "no truth"),
    ("__import__", GOOD_HEAD + 'log_density = "__import__(\'os\').system(\'touch PWNED\')"\n', "not allowed"),
    ("lambda", GOOD_HEAD + 'log_density = "(lambda: 1)()"\n', "not allowed"),
    ("attribute access", GOOD_HEAD + 'log_density = "x.__class__"\n', "not allowed"),
    ("dunder name", GOOD_HEAD + 'log_density = "__builtins__"\n', "not allowed"),
    ("unlisted function", GOOD_HEAD + 'log_density = "eval(\'1\')"\n', "not allowed"),
    ("subscript", GOOD_HEAD + 'log_density = "x[0]"\n', "not allowed"),
    ("string literal", GOOD_HEAD + 'log_density = "\'abc\'"\n', "not a number"),
    ("huge power", GOOD_HEAD + 'log_density = "-x**2 + 2**10**10**10"\n', "too large"),
    ("no target", GOOD_HEAD, "target is missing"),
    ("unknown top-level key", GOOD_HEAD + 'log_density = "-x**2"\nlog_denisty = "-x"\n', "unknown key"),
    ("bad coords", 'coords = "x"\nlog_density = "-x**2"\n', "coords must be"),
    ("ctld lambda <= 0", GOOD_HEAD + '[mixture]\nmeans = [[-1.0], [1.0]]\ncovariance = [[1.0]]\n[ctld]\nlambda_min = -1\n', "lambda_min"),
    ("ctld beta_max <= 0", GOOD_HEAD + '[mixture]\nmeans = [[-1.0], [1.0]]\ncovariance = [[1.0]]\n[ctld]\nbeta_max = 0\n', "beta_max"),
    ("keyword arguments", GOOD_HEAD + 'log_density = "exp(x=1)"\n', "keyword"),
    ("truth names unknown param", GOOD_HEAD + 'log_density = "-x**2"\n[model]\nparams = ["a"]\ntruth = {b = 1.0}\nlog_density = "-(x-a)**2"\n', "unknown parameter"),
    # issue 12, item 5: complex values, infinite mass, unbounded work
    ("complex via sqrt(-1)", GOOD_HEAD + 'log_density = "sqrt(-1)*x - x**2/2"\n', "log_density is complex-valued"),
    ("complex via log of a negative", GOOD_HEAD + 'log_density = "log(-1 - x**2)"\n', "log_density is complex-valued"),
    ("complex D", GOOD_HEAD + 'log_density = "-x**2/2"\n[diffusion]\nD = [["sqrt(x)"]]\n', "D[0][0] is complex-valued"),
    ("complex model", GOOD_HEAD + 'log_density = "-x**2/2"\n[model]\nparams = ["a"]\ntruth = {a = 0.0}\n'
     'log_density = "-(x - a)**2/2 + log(a - 1)"\n', "model log_density is complex-valued"),
    ("not normalizable: growing", GOOD_HEAD + 'log_density = "x**2"\n',
     "p ∝ exp(x**2) is not normalizable on (-inf, inf)"),
    ("not normalizable: flat", GOOD_HEAD + 'log_density = "1/(1 + x**2)"\n', "is not normalizable on (-inf, inf)"),
    ("not normalizable: slow decay", GOOD_HEAD + 'log_density = "-log(1 + x**2)/4"\n', "decays only like"),
    ("not normalizable: singular end", GOOD_HEAD + 'log_density = "-2*log(x)"\n[domain]\nx = [0, 1]\n',
     "is not normalizable on (0, 1)"),
    ("huge symbolic exponent", GOOD_HEAD + 'log_density = "-x**2/2"\n[model]\nparams = ["a"]\ntruth = {a = 0.0}\n'
     'log_density = "-(x - a)**9999"\n', "expression too large to derive"),
    ("Min with one argument", GOOD_HEAD + 'log_density = "-x**2 + Min(x)"\n', "needs at least two arguments"),
]


@pytest.mark.parametrize(("label", "text", "needle"), BAD_SPECS, ids=[b[0] for b in BAD_SPECS])
def test_bad_spec_exits_2_with_one_line(label: str, text: str, needle: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "bad.toml"
    spec.write_text(text)
    before = sorted(p.name for p in tmp_path.iterdir())
    code = main(["derive", str(spec)])
    out, err = capsys.readouterr()
    assert code == 2, label
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert needle in lines[0], lines[0]
    assert ";" in lines[0]  # "problem; fix"
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written, nothing executed


GAMMA3 = GOOD_HEAD + ('log_density = "2*log(x) - x"\n[domain]\nx = [0, "inf"]\n[model]\nparams = ["k"]\n'
                      'truth = {k = 3.0}\nlog_density = "(k - 1)*log(x) - x"\n')


def test_fit_refuses_data_outside_the_domain(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """7 of 300 Gamma samples flipped negative: refused with their count, exit 2, nothing written."""
    import numpy as np

    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "gamma.toml"
    spec.write_text(GAMMA3)
    data = np.random.default_rng(1).gamma(3.0, 1.0, size=(300, 1))
    data[[4, 50, 51, 90, 200, 201, 299]] *= -1
    np.save(tmp_path / "data.npy", data)
    before = sorted(p.name for p in tmp_path.iterdir())
    for loss in ("gsm", "mle"):
        code = main(["fit", str(spec), "--data", str(tmp_path / "data.npy"), "--loss", loss])
        out, err = capsys.readouterr()
        assert code == 2 and out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "7 of 300 rows lie outside the domain x in [0, inf]" in lines[0], err
        assert "first at row 5" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize("weight", ["min(x, 2)", "Min(x, 2)", "(x + 2 - Abs(x - 2))/2"])
def test_min_weighting_derives_fits_and_gives_efficiency(weight: str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """genscore's D = min(x, c): parsed, compiled (Heaviside, Piecewise), fitted; the Abs rewrite agrees.

    The GSM estimator's sandwich must be the same number for the three spellings of the same D.
    """
    import json

    import numpy as np

    spec = tmp_path / "g.toml"
    spec.write_text(GAMMA3 + f'[diffusion]\nD = [["{weight}"]]\n')
    np.save(tmp_path / "d.npy", np.random.default_rng(0).gamma(3.0, 1.0, size=(400, 1)))
    assert main(["derive", str(spec), "--json"]) == 0
    assert main(["fit", str(spec), "--data", str(tmp_path / "d.npy"), "--json"]) == 0
    fitted = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert fitted["converged"] is True and abs(fitted["estimate"]["k"] - 3.0) < 0.5
    assert main(["efficiency", str(spec), "--no-poincare", "--json"]) == 0
    eff = json.loads(capsys.readouterr().out)
    assert eff["status"] == "ok"
    # the same number for every spelling (computed once for min(x, 2) by mpmath in
    # tests/estimation/test_heavy_tails.py); here: the three spellings agree to their errors
    value, err = eff["gsm_covariance"][0][0], eff["gsm_covariance_error"][0][0]
    assert 5.0 < value < 5.5 and err < 1e-8


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


def test_there_are_at_least_fifteen_bad_specs() -> None:
    assert len(BAD_SPECS) >= 15


def test_subprocess_has_no_traceback(tmp_path: Path) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text(GOOD_HEAD + 'log_density = "__import__(\'os\').system(\'touch PWNED\')"\n')
    proc = subprocess.run([sys.executable, "-m", "gsmtheory.cli", "derive", str(spec), "--json"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "PWNED").exists()


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["loss"])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert main(["loss", "gaussian", "--at", "mu=abc"]) == 2
    assert main(["loss", "gaussian", "--at", "nu=1"]) == 2
    assert main(["derive", "no-such-spec"]) == 2


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=200))
def test_parser_survives_random_text(text: str) -> None:
    try:
        parse_spec(text)
    except GSMError:
        pass


_expr_chars = st.sampled_from([*"x+-*/()^.0123456789eE_ab,[]'\"", "**", "exp(", "log(", "sqrt(", "lambda", " "])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(_expr_chars, max_size=40))
def test_expression_parser_survives_random_expressions(pieces: list[str]) -> None:
    text = GOOD_HEAD + "log_density = " + repr("".join(pieces)).replace("\\'", "'") + "\n"
    try:
        parse_spec(text)
    except GSMError:
        pass
