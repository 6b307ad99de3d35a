"""Hostile and careless input on the real command line: exit 2, one line naming the fix, in seconds.

The cases run through ``gsmtheory.cli.main`` — the entry point of the ``gsmtheory`` script,
argument parsing, the one-line error handler and exit status included — in one fresh
interpreter (one start-up instead of one per case), each with its own stdout and stderr and
clock. For each: exit status 2, stderr exactly one line with the expected words and no
traceback, stdout empty, nothing created beside the inputs, and a return long before any
computation the input asked for could have run (a hang, or a 64 s MemoryError, is what these
inputs produced before). The misspecification and user-directory tests start the real script.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
#: generous for a loaded 2-core machine; each case takes well under a second to a few seconds
SECONDS = 20.0

#: runs every case through main() in one interpreter; prints one JSON line per case
_BATCH = """
import contextlib, io, json, sys, time, traceback
from gsmtheory.cli import main
for argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
        except BaseException:
            traceback.print_exc()
            code = "raised"
    print(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue(),
                      "seconds": time.monotonic() - start}), flush=True)
"""

HEAD = 'coords = ["x"]\n'


def _gsmtheory(argv: list[str], cwd: Path, timeout: float = 120) -> tuple[int, str, str, float]:
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "gsmtheory.cli", *argv], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start


def _mixture(d: int) -> str:
    names = ", ".join(f'"x{i}"' for i in range(d))
    first = ", ".join(["3.0"] + ["0.0"] * (d - 1))
    second = ", ".join(["-3.0"] + ["0.0"] * (d - 1))
    return f"coords = [{names}]\n[mixture]\nmeans = [[{first}], [{second}]]\ncovariance = 1.0\n"


def _files(tmp: Path) -> None:
    """The inputs every case may name."""
    (tmp / "digits.toml").write_text(HEAD + 'log_density = "-c*x**2"\n[constants]\nc = ' + "7" * 400 + "\n")
    (tmp / "literal.toml").write_text(HEAD + 'log_density = "-x**2/' + "7" * 400 + '"\n')
    (tmp / "power.toml").write_text(HEAD + 'log_density = "-x**2 + 10**9999*x"\n')
    (tmp / "product.toml").write_text(HEAD + 'log_density = "-x**2*1e99*1e99"\n')
    (tmp / "wide.toml").write_text(_mixture(20_000))
    (tmp / "nfkc.toml").write_text('coords = ["x", "𝑥"]\nlog_density = "-x**2 - 𝑥**2"\n')
    (tmp / "keyword.toml").write_text('coords = ["x", "lambda"]\nlog_density = "-x**2"\n')
    (tmp / "flat2d.toml").write_text('coords = ["x", "y"]\nlog_density = "-x**2"\n')
    (tmp / "truth.toml").write_text(HEAD + 'log_density = "-x**2/2"\n[model]\nparams = ["a"]\n'
                                    'truth = {a = 1.0}\nlog_density = "a*x**2/2"\n')
    (tmp / "octic.toml").write_text(HEAD + 'log_density = "-x**8"\n[model]\nparams = ["t"]\ntruth = {t = 1.0}\n'
                                    'log_density = "-t*x**8"\n')
    (tmp / "empty.npy").write_bytes(b"")
    rng = np.random.default_rng(0)
    np.save(tmp / "complex.npy", rng.normal(size=(200, 1)) + 1j * rng.normal(size=(200, 1)))
    np.save(tmp / "huge.npy", rng.normal(size=(200, 1)) * 1e200)
    np.save(tmp / "large.npy", rng.normal(size=(200, 1)) * 1e40)
    (tmp / "s.toml").write_text('spec = "gaussian"\ntask = "poincare"\n[grid]\nsigma = [1.0]\n')
    os.mkfifo(tmp / "fifo")


def _truncated_store(tmp: Path) -> None:
    from gsmtheory.sweep import open_store

    with open_store(tmp / "full.sqlite") as db:
        db.register("h", "selftest", "s", "", "{}", {"work": [1]}, "t")
        for i in range(200):
            db.write("h", "selftest", json.dumps({"work": i}), "ok", json.dumps({"value": i}), None, 0.1,
                     "0", "cpu", "w")
    raw = (tmp / "full.sqlite").read_bytes()
    (tmp / "cut.sqlite").write_bytes(raw[: len(raw) // 3])


CASES: list[tuple[str, list[str], list[str]]] = [
    ("400-digit constant", ["poincare", "digits.toml"], ["constant c", "more than 30 digits"]),
    ("400-digit literal", ["derive", "literal.toml"], ["more than 30 digits"]),
    ("10**9999*x", ["derive", "power.toml"], ["10**9999 is about 1e9999", "±1e+100"]),
    ("1e99*1e99*x", ["derive", "product.toml"], ["1e+198", "±1e+100"]),
    ("--const beta=1e308", ["poincare", "double-well", "--const", "beta=1e308"], ["--const beta", "1e+308"]),
    ("--at a=1e308", ["loss", "bimodal", "--at", "a=1e308"], ["--at a", "±1e+100"]),
    ("0-byte .npy", ["fit", "gaussian", "--data", "empty.npy"], ["empty.npy", "is empty"]),
    ("--samples 10**12", ["efficiency", "bimodal", "--samples", "1000000000000"], ["--samples", "outside"]),
    ("--samples '10**12'", ["efficiency", "bimodal", "--samples", "10**12"], ["--samples", "not an integer"]),
    ("--workers 10**6", ["sweep", "s.toml", "--store", "w.sqlite", "--workers", "1000000"], ["--workers"]),
    ("d = 20 000 mixture", ["poincare", "wide.toml"], ["20000 names", "at most 2000"]),
    ("truncated store", ["sweep", "s.toml", "--store", "cut.sqlite"], ["is corrupt", ".recover"]),
    ("truncated store report", ["sweep", "--report", "cut.sqlite"], ["is corrupt", ".recover"]),
    ("malformed scheduler", ["sweep", "s.toml", "--store", "x.sqlite", "--scheduler", "garbage:://"],
     ["not of the form tcp://HOST:PORT"]),
    ("unknown scheduler host", ["sweep", "s.toml", "--store", "x.sqlite", "--scheduler",
                                "tcp://no-such-host.invalid:8786"], ["is unknown"]),
    ("closed scheduler port", ["sweep", "s.toml", "--store", "x.sqlite", "--scheduler", "tcp://127.0.0.1:1"],
     ["no Dask scheduler answers"]),
    ("derive a FIFO", ["derive", "fifo"], ["is a FIFO", "regular files only"]),
    ("derive /dev/zero", ["derive", "/dev/zero"], ["is a device", "regular files only"]),
    ("fit from a FIFO", ["fit", "gaussian", "--data", "fifo"], ["is a FIFO"]),
    ("complex data", ["fit", "gaussian", "--data", "complex.npy"], ["complex-valued"]),
    ("data scaled by 1e200", ["fit", "gaussian", "--data", "huge.npy"], ["beyond ±1e+60", "rescale"]),
    ("a loss that overflows", ["fit", "octic.toml", "--data", "large.npy"], ["NaN or inf"]),
    ("𝑥 beside x", ["derive", "nfkc.toml"], ["reads as 'x'", "NFKC"]),
    ("a keyword as a name", ["derive", "keyword.toml"], ["Python keyword"]),
    ("2D target flat in y", ["poincare", "flat2d.toml"], ["not normalizable", "along y"]),
    ("truth not normalizable", ["efficiency", "truth.toml"], ["the model at its truth (a = 1)", "not normalizable"]),
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], dict[str, dict[str, Any]]]:
    """The input files, the names beside them, and every case's outcome (one interpreter)."""
    tmp = tmp_path_factory.mktemp("hostile")
    _files(tmp)
    _truncated_store(tmp)
    before = sorted(p.name for p in tmp.iterdir())
    proc = subprocess.run([sys.executable, "-c", _BATCH, json.dumps([argv for _, argv, _ in CASES])],
                          capture_output=True, text=True, cwd=tmp, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(results) == len(CASES), proc.stdout[-2000:] + proc.stderr[-3000:]
    return tmp, before, {label: r for (label, _, _), r in zip(CASES, results, strict=True)}


@pytest.mark.parametrize(("label", "argv", "needles"), CASES, ids=[c[0] for c in CASES])
def test_exit_2_in_one_line_within_seconds(label: str, argv: list[str], needles: list[str],
                                           inputs: tuple[Path, list[str], dict[str, dict[str, Any]]]) -> None:
    folder, before, results = inputs
    r = results[label]
    code, out, err, seconds = r["code"], r["out"], r["err"], r["seconds"]
    lines = err.strip().splitlines()
    assert code == 2, (label, code, err[-2000:])
    assert out == ""
    assert len(lines) == 1, err
    assert "Traceback" not in err and ";" in lines[0]  # "problem; fix"
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert seconds < SECONDS, f"{label}: {seconds:.1f} s"
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing created beside the inputs


def test_a_misspecified_model_is_computed_and_said(tmp_path: Path) -> None:
    """Misspecified models stay allowed (a legitimate study); the record and the text say it."""
    (tmp_path / "m.toml").write_text(HEAD + 'log_density = "-x**2/2"\n[model]\nparams = ["mu"]\n'
                                     'truth = {mu = 2.0}\nlog_density = "-(x - mu)**2/2"\n')
    code, out, err, _ = _gsmtheory(["efficiency", "m.toml", "--json"], tmp_path)
    assert code == 0, err
    record = json.loads(out)
    assert "does not reproduce the target" in record["misspecified"] and "mu = 2" in record["misspecified"]
    code, out, _err, _ = _gsmtheory(["efficiency", "m.toml"], tmp_path)
    assert code == 0 and out.splitlines()[1].startswith("MISSPECIFIED: the model at its truth (mu = 2)")
    code, out, _err, _ = _gsmtheory(["efficiency", "gaussian", "--json"], tmp_path)
    assert code == 0 and json.loads(out)["misspecified"] is None


@pytest.mark.parametrize("make", [
    lambda d: d / "user",
], ids=["directory"])
def test_every_command_pointed_at_a_users_directory_leaves_it_alone(
        make: Callable[[Path], Path], tmp_path: Path) -> None:
    """A folder of the user's files, given where a command expects a spec, data, a store or an
    output directory: refused with exit 2, every file byte for byte as it was."""
    user = make(tmp_path)
    (user / "src").mkdir(parents=True)
    (user / "README.md").write_text("my project\n")
    (user / "index.html").write_text("<p>mine</p>\n")
    (user / "results.json").write_text("{}\n")
    (user / "src" / "main.py").write_text("print('hi')\n")
    (tmp_path / "s.toml").write_text('spec = "gaussian"\ntask = "selftest"\n[grid]\nsigma = [1.0]\n')

    def snapshot() -> dict[str, bytes]:
        return {str(p.relative_to(user)): p.read_bytes() for p in sorted(user.rglob("*")) if p.is_file()}

    before = snapshot()
    for argv in (["derive", str(user)], ["poincare", str(user)], ["fit", "gaussian", "--data", str(user)],
                 ["sweep", str(user), "--store", str(tmp_path / "x.sqlite")],
                 ["sweep", "s.toml", "--store", str(user)], ["sweep", "--report", str(user)],
                 ["sweep", "s.toml", "--store", str(user / "README.md")],
                 ["verify", "-k", "C01", "--report", str(user)]):
        code, _out, err, _ = _gsmtheory(argv, tmp_path)
        assert code == 2, (argv, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, (argv, err)
        assert snapshot() == before, argv
