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
