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
from gsmtheory.verify import (
    read_witness_header,
    witness_header,
)

SPEC = 'coords = ["x"]\nlog_density = "-x**2/2"\n'


WITNESS_CHECK = '''
from gsmtheory.symbolic import parse_spec
from gsmtheory.verify import ClaimRecord
CLAIM_ID = "C05"
def check(quick=True):
    return ClaimRecord.equality(CLAIM_ID, "s", "r", 1.0, 1.0, 0.0, "x")
def evaluate_witness(spec_text, quantity):
    s = parse_spec(spec_text)
    return {"value": 2.5 + len(s.diffusion.coords), "bound": 3.0, "relation": "<="}
'''


COUNTING = """
from pathlib import Path
from gsmtheory.verify import ClaimRecord
CLAIM_ID = "C{n:02d}"
def check(quick=True):
    log = Path({log!r})
    log.write_text(log.read_text() + CLAIM_ID + " " if log.exists() else CLAIM_ID + " ")
    if {stop} and not Path({flag!r}).exists():
        raise KeyboardInterrupt
    return ClaimRecord.equality(CLAIM_ID, "s", "r", 1.0, 1.0, 0.0, "x")
"""


def _counting_package(make_package: Callable[..., str], tmp_path: Path, stop_at: int) -> str:
    log, flag = str(tmp_path / "ran.txt"), str(tmp_path / "fixed")
    return make_package({f"check_{n:02d}_c": COUNTING.format(n=n, log=log, flag=flag,
                                                              stop=n == stop_at)
                         for n in (1, 2, 3)})


WORKER = """
import os, time
from pathlib import Path
from gsmtheory.verify import ClaimRecord
CLAIM_ID = "C{n:02d}"
def check(quick=True):
    (Path({log!r}) / f"{{CLAIM_ID}}-{{os.getpid()}}").write_text(os.environ.get("OMP_NUM_THREADS", "unset"))
    if {slow} and not Path({flag!r}).exists():
        time.sleep(120)
    return ClaimRecord.equality(CLAIM_ID, "s", "r", 1.0, 1.0, 0.0, "x")
"""


def _worker_package(make_package: Callable[..., str], tmp_path: Path, fast: int) -> tuple[str, Path, Path]:
    """Eight checks (the default --jobs runs them in 2 workers); those after ``fast`` sleep until the flag exists."""
    log, flag = tmp_path / "ran", tmp_path / "fixed"
    log.mkdir()
    pkg = make_package({f"check_{n:02d}_w": WORKER.format(n=n, log=str(log), flag=str(flag), slow=n > fast)
                        for n in range(1, 9)})
    return pkg, log, flag


def test_verify_witness_recomputes_with_the_claims_evaluator(make_package: Callable[..., str], tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    pkg = make_package({"check_05_witness": WITNESS_CHECK})
    path = tmp_path / "w.toml"
    path.write_text(witness_header("C05", "Lemma 5", "value", "value <= 3", "gsmtheory verify --witness w.toml") + SPEC)
    assert read_witness_header(path.read_text()) == {"claim": "C05", "quantity": "value"}
    assert main(["verify", "--package", pkg, "--witness", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["value"] == 3.5 and out["violated"] is True and out["claim"] == "C05"
    assert main(["verify", "--package", pkg, "--witness", str(path)]) == 0
    assert "VIOLATED" in capsys.readouterr().out
    path.write_text(SPEC)
    assert main(["verify", "--package", pkg, "--witness", str(path)]) == 2
    assert "header" in capsys.readouterr().err


def test_json_shape_and_exit_code(make_package: Callable[..., str],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    pkg = make_package()
    assert main(["verify", "--package", pkg, "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"claims", "passed", "failed", "skipped", "seconds", "mode", "errata", "selected",
                         "interrupted", "headline", "crashed", "missed_tolerance", "verdicts", "statements",
                         "schema_version", "versions"}
    assert data["crashed"] == 2 and data["missed_tolerance"] == 1  # the raising and the broken check; C02
    assert "3 checks ran" in data["headline"] and "2 checks crashed, 1 missed its tolerance" in data["headline"]
    assert data["selected"] == 5 and data["interrupted"] is False
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
    assert err == ""  # a progress bar only on a terminal
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


@pytest.mark.slow
def test_console_script_exit_status(make_package: Callable[..., str], tmp_path: Path) -> None:
    pkg = make_package()
    root = str(tmp_path / "pkgs")
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-m", "gsmtheory.cli", "verify", "--package", pkg, "--json"]
    bad = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and json.loads(bad.stdout)["failed"] == 3
    good = subprocess.run([*cmd, "-k", "C01"], env=env, capture_output=True, text=True, timeout=120)
    assert good.returncode == 0 and json.loads(good.stdout)["passed"] == 1


@pytest.mark.parametrize("name", ["README.md", "index.html", "results.json"])
def test_report_into_a_users_directory_is_refused_before_any_check(
        make_package: Callable[..., str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """`verify --report .` in a project: exit 2, one line, no check run, every file intact."""
    pkg = _counting_package(make_package, tmp_path, stop_at=0)
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / name).write_text("mine")
    (project / "src" / "m.py").write_text("code")
    monkeypatch.chdir(project)
    assert main(["verify", "--package", pkg, "--report", "."]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did not write" in err and "choose a new or empty" in err
    assert not (tmp_path / "ran.txt").exists()  # refused before the first check
    assert sorted(p.name for p in project.iterdir()) == sorted([name, "src"])
    assert (project / name).read_text() == "mine" and (project / "src" / "m.py").read_text() == "code"


def test_interrupt_keeps_finished_checks_and_resume_runs_the_rest(
        make_package: Callable[..., str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C at the second of three checks: exit 130, a report of the first, a journal; then
    --resume runs only the second and third and reports all three."""
    pkg = _counting_package(make_package, tmp_path, stop_at=2)
    rep = tmp_path / "rep"
    assert main(["verify", "--package", pkg, "--report", str(rep), "--json"]) == 130
    err = capsys.readouterr().err
    assert "1 of 3 checks that finished are in" in err and "--resume" in err
    data = json.loads((rep / "results.json").read_text())
    assert [c["id"] for c in data["claims"]] == ["C01"] and data["interrupted"] is True
    assert "interrupted" in (rep / "report.md").read_text()
    (tmp_path / "fixed").write_text("")
    (tmp_path / "ran.txt").unlink()
    assert main(["verify", "--package", pkg, "--report", str(rep), "--resume", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in out["claims"]] == ["C01", "C02", "C03"] and not out["interrupted"]
    assert (tmp_path / "ran.txt").read_text().split() == ["C02", "C03"]
    # without --resume everything runs again
    assert main(["verify", "--package", pkg, "--report", str(rep), "--json"]) == 0
    assert (tmp_path / "ran.txt").read_text().split() == ["C02", "C03", "C01", "C02", "C03"]


def test_interrupt_without_report_says_nothing_was_written(
        make_package: Callable[..., str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    pkg = _counting_package(make_package, tmp_path, stop_at=2)
    assert main(["verify", "--package", pkg]) == 130
    assert "nothing was written" in capsys.readouterr().err
    assert main(["verify", "--package", pkg, "--resume"]) == 2
    assert "--resume needs" in capsys.readouterr().err


def test_sigterm_is_handled_like_ctrl_c(make_package: Callable[..., str], tmp_path: Path) -> None:
    """SIGTERM to a running `gsmtheory verify`: exit 130 and the finished check in the report."""
    import signal
    import time

    slow = ("import time\nfrom gsmtheory.verify import ClaimRecord\nCLAIM_ID = 'C02'\n"
            "def check(quick=True):\n    time.sleep(60)\n")
    fast = ("from gsmtheory.verify import ClaimRecord\nCLAIM_ID = 'C01'\n"
            "def check(quick=True):\n    return ClaimRecord.equality(CLAIM_ID, 's', 'r', 1.0, 1.0, 0.0, 'x')\n")
    pkg = make_package({"check_01_fast": fast, "check_02_slow": slow})
    root = str(tmp_path / "pkgs")
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    rep = tmp_path / "rep"
    proc = subprocess.Popen([sys.executable, "-m", "gsmtheory.cli", "verify", "--package", pkg,
                             "--report", str(rep)], env=env, stderr=subprocess.PIPE, text=True)
    journal = rep / "verify-journal.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (journal.exists() and journal.read_text()):
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "1 of 2 checks that finished" in err
    assert [c["id"] for c in json.loads((rep / "results.json").read_text())["claims"]] == ["C01"]


def test_default_jobs_run_many_checks_in_two_workers_in_order(
        make_package: Callable[..., str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pkg, log, _ = _worker_package(make_package, tmp_path, fast=8)
    assert main(["verify", "--package", pkg, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in out["claims"]] == [f"C{n:02d}" for n in range(1, 9)]  # discovery order
    pids = {p.name.split("-")[1] for p in log.iterdir()}
    assert len(list(log.iterdir())) == 8 and str(os.getpid()) not in pids  # each once, in workers
    assert len(pids) == (2 if (os.cpu_count() or 1) >= 2 else 1)
    threads = os.environ.get("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // len(pids))))
    assert {p.read_text() for p in log.iterdir()} == {threads}  # the workers share the cores
    assert "OMP_NUM_THREADS" not in os.environ or os.environ["OMP_NUM_THREADS"] == threads  # restored
    assert main(["verify", "--package", pkg, "--jobs", "1", "-k", "C01", "--json"]) == 0  # in-process
    assert (log / f"C01-{os.getpid()}").exists()


@pytest.mark.slow
def test_sigterm_stops_the_workers_and_resume_runs_the_rest(make_package: Callable[..., str], tmp_path: Path) -> None:
    """SIGTERM while two workers run: exit 130, the finished checks in the report, no worker left
    behind; --resume then runs only the checks that had not finished."""
    import signal
    import time

    pkg, log, flag = _worker_package(make_package, tmp_path, fast=2)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "pkgs") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    rep = tmp_path / "rep"
    cmd = [sys.executable, "-m", "gsmtheory.cli", "verify", "--package", pkg, "--report", str(rep)]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    journal = rep / "verify-journal.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (journal.exists() and journal.read_text().count("\n") >= 2
                                               and len(list(log.iterdir())) >= 4):
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "2 of 8 checks that finished" in err
    assert [c["id"] for c in json.loads((rep / "results.json").read_text())["claims"]] == ["C01", "C02"]
    workers = {int(p.name.split("-")[1]) for p in log.iterdir()}
    time.sleep(0.5)
    for pid in workers:  # terminated with their parent
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    flag.write_text("")
    started = {p.name for p in log.iterdir()}
    done = subprocess.run([*cmd, "--resume", "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert [c["id"] for c in json.loads(done.stdout)["claims"]] == [f"C{n:02d}" for n in range(1, 9)]
    rerun = {p.name.split("-")[0] for p in log.iterdir() if p.name not in started}
    assert rerun == {f"C{n:02d}" for n in range(3, 9)}
