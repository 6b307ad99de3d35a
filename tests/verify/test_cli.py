"""`gsmtheory verify` on the command line: exit codes, --json shape, -k, --report, --list."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gsmtheory.cli import main


def test_json_shape_and_exit_code(make_package: Callable[..., str],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    pkg = make_package()
    assert main(["verify", "--package", pkg, "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"claims", "passed", "failed", "seconds", "mode", "errata"}
    assert (data["passed"], data["failed"], data["mode"]) == (2, 3, "quick")
    for claim in data["claims"]:
        assert {"id", "statement", "reference", "relation", "computed", "theoretical", "passed",
                "seconds", "source", "errata"} <= set(claim)
    by_id = {c["id"]: c for c in data["claims"]}
    assert by_id["C01"]["source"] == {"paper": "COLT 2024", "locator": "Theorem 1, p. 1", "printed": "1 = 1"}
    assert by_id["C03"]["source"] is None  # a raising check has no record of its own
    (erratum,) = data["errata"]
    assert erratum["claim"] == "C02" and erratum["source"] == "KHR 2023, Lemma 2, p. 2"
    assert erratum["severity"] == "false" and erratum["question"].endswith("?")


def test_k_filter_passing_subset_exits_zero(make_package: Callable[..., str],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    pkg = make_package()
    assert main(["verify", "--package", pkg, "-k", "C01,C14", "--full", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in data["claims"]] == ["C01", "C14"] and data["mode"] == "full"
    assert data["claims"][0]["details"]["mode"] == "full"


def test_text_table_and_report(make_package: Callable[..., str], tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    pkg = make_package()
    assert main(["verify", "--package", pkg, "--report", str(tmp_path / "rep")]) == 1
    out, err = capsys.readouterr()
    assert "computed" in out and "theoretical" in out
    assert "C02   FAIL" in out and "Findings:" in out and "solver exploded" in out
    assert "Errata (printed statements found false, loose or ambiguous):" in out
    assert "  C02 [KHR 2023, Lemma 2, p. 2; false]: Should Lemma 2's constant be 3 rather than 2?" in out
    assert "2 passed, 3 failed, 5 claims, mode quick" in out and "report in" in out
    assert "verify" in err  # the progress bar goes to stderr
    assert (tmp_path / "rep" / "index.html").exists()


def test_user_errors_exit_2(make_package: Callable[..., str],
                            capsys: pytest.CaptureFixture[str]) -> None:
    pkg = make_package()
    assert main(["verify", "--package", pkg, "-k", "nothing-here"]) == 2
    assert "no check matches" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["verify", "--quick", "--full"])
    assert exc.value.code == 2


def test_list(make_package: Callable[..., str], capsys: pytest.CaptureFixture[str]) -> None:
    pkg = make_package()
    assert main(["verify", "--package", pkg, "--list"]) == 0
    out = capsys.readouterr().out
    assert "C01" in out and "check_14_plots" in out and "import failed" in out


def test_console_script_exit_status(make_package: Callable[..., str], tmp_path: Path) -> None:
    pkg = make_package()
    root = str(tmp_path / "pkgs")
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-m", "gsmtheory.cli", "verify", "--package", pkg, "--json"]
    bad = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and json.loads(bad.stdout)["failed"] == 3
    good = subprocess.run([*cmd, "-k", "C01"], env=env, capture_output=True, text=True, timeout=120)
    assert good.returncode == 0 and json.loads(good.stdout)["passed"] == 1
