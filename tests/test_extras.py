"""The core install runs without the extras: torch and Dask are imported only where they run.

Each command runs in a fresh interpreter in which ``torch``, ``distributed`` and ``dask`` cannot
be imported (as after ``pip install gsmtheory`` without extras). Closed-form and quadrature paths
must succeed and never try to import them; a path that needs one must exit 2 with one line that
names the pip command.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

#: a meta-path finder that refuses the extras and records every attempt to import them
_PRELUDE = """
import importlib.abc, json, sys
tried = []
class _NoExtras(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("torch", "distributed", "dask"):
            tried.append(name)
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _NoExtras())
from gsmtheory.cli import main
code = main(ARGV)
sys.stdout.flush()
sys.stderr.write("\\n@@" + json.dumps({"code": code, "tried": sorted(set(tried))}) + "\\n")
"""


def _run(argv: list[str], cwd: Path, timeout: float = 240) -> tuple[int, str, list[str], list[str]]:
    """(exit code, stdout, stderr lines of the command, modules it tried to import among the extras)."""
    proc = subprocess.run([sys.executable, "-c", _PRELUDE.replace("ARGV", repr(argv))],
                          capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(cwd)})
    head, sep, tail = proc.stderr.rpartition("\n@@")
    assert sep, proc.stderr[-3000:]
    info = json.loads(tail)
    return info["code"], proc.stdout, [ln for ln in head.splitlines() if ln.strip()], info["tried"]


@pytest.mark.parametrize("argv", [
    ["derive", "double-well", "--json"],
    ["poincare", "double-well", "--json"],
    ["loss", "bimodal", "--at", "a=1.5", "--json"],
    ["efficiency", "gaussian", "--json"],
    ["catalogue", "--json"],
    ["sample", "bimodal", "--n", "500", "--out", "s.npy", "--json"],
    ["verify", "-k", "C01", "--json"],
], ids=lambda a: a[0])
@pytest.mark.slow
def test_core_commands_run_without_the_extras(argv: list[str], tmp_path: Path) -> None:
    code, out, err, tried = _run(argv, tmp_path)
    assert code == 0, err
    assert tried == [], f"{argv[0]} tried to import {tried}"
    result = json.loads(out)
    assert result["schema_version"] == 1 and result["versions"]["gsmtheory"]


def test_a_closed_form_fit_needs_no_torch(tmp_path: Path) -> None:
    """A Gaussian location model's GSM loss is quadratic in θ: the estimate is a linear solve."""
    data = np.random.default_rng(3).normal(0.4, 1.5, size=(400, 1))
    np.save(tmp_path / "x.npy", data)
    code, out, err, tried = _run(["fit", "gaussian", "--data", "x.npy", "--json"], tmp_path)
    assert code == 0 and tried == [], (err, tried)
    fitted = json.loads(out)
    # the GSM estimate of a Gaussian mean with known variance is the sample mean
    assert fitted["estimate"]["mu"] == pytest.approx(float(data.mean()), abs=1e-10)


@pytest.mark.slow
def test_a_local_sweep_needs_no_dask(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text('spec = "gaussian"\ntask = "poincare"\n[grid]\nsigma = [1.0, 2.0]\n')
    code, out, err, tried = _run(["sweep", "s.toml", "--store", "r.sqlite", "--workers", "1", "--json"],
                                 tmp_path)
    assert code == 0 and tried == [], (err, tried)
    assert json.loads(out)["written"] == 2


@pytest.mark.parametrize(("argv", "extra"), [
    (["loss", "bimodal", "--at", "a=1.5", "--method", "torch-mc"], "torch"),
    (["fit", "bimodal", "--data", "x.npy"], "torch"),
    (["sweep", "s.toml", "--store", "r.sqlite", "--scheduler", "tcp://127.0.0.1:9"], "dask"),
], ids=["torch-mc", "iterative-fit", "dask-scheduler"])
def test_a_path_that_needs_an_extra_says_so_in_one_line(argv: list[str], extra: str, tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", np.random.default_rng(0).normal(size=(200, 1)))
    (tmp_path / "s.toml").write_text('spec = "gaussian"\ntask = "poincare"\n[grid]\nsigma = [1.0]\n')
    code, out, err, _tried = _run(argv, tmp_path)
    assert code == 2 and out == ""
    assert len(err) == 1, err
    assert f"pip install 'gsmtheory[{extra}]'" in err[0] and "Traceback" not in err[0]
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("r.sqlite")]  # no store begun


@pytest.mark.slow
def test_verify_says_which_checks_need_torch_and_does_not_fail_them(tmp_path: Path) -> None:
    """C06 compares the sandwich with Monte Carlo fits in torch: without torch it is 'not run'."""
    code, out, err, _tried = _run(["verify", "-k", "C06", "--json"], tmp_path)
    result = json.loads(out)
    assert code == 0, err
    assert (result["passed"], result["failed"], result["skipped"]) == (0, 0, 1)
    (claim,) = result["claims"]
    assert "pip install 'gsmtheory[torch]'" in claim["details"]["error"]
