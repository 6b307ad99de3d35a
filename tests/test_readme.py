"""The README's examples run as written, in an empty directory (as in a fresh clone).

The shell block of "Using it" runs line by line in one empty directory — the sample file and the
sweep file are made by lines of the block itself — except ``gsmtheory verify``, which tests/claims
runs (it takes minutes): a plain ``gsmtheory`` line through the entry point its console script calls
(:func:`gsmtheory.cli.main`, in this process, which keeps the derivations it shares with the other
lines; tests/cli/test_verify.py runs the console script itself), any other line in bash. The Python
blocks run as scripts (``runpy``, in this process). Each must exit 0.
"""

from __future__ import annotations

import contextlib
import os
import re
import runpy
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

pytestmark = pytest.mark.slow


def _block(after: str, lang: str) -> str:
    section = README.split(after, 1)[1]
    return section.split(f"```{lang}\n", 1)[1].split("```", 1)[0]


def _shell_lines() -> list[str]:
    lines = []
    for line in _block("## Using it", "bash").splitlines():
        command = re.sub(r"\s+#.*$", "", line).strip()
        if command and not command.startswith((". ", "source ")) and not command.startswith("gsmtheory verify"):
            lines.append(command)
    return lines


def test_the_shell_block_makes_its_own_inputs() -> None:
    lines = _shell_lines()
    made = [i for i, c in enumerate(lines) if "samples.npy" in c and " sample " in f" {c} "]
    used = [i for i, c in enumerate(lines) if "--data samples.npy" in c]
    assert made and used and made[0] < used[0]
    assert any("> sweep.toml" in c for c in lines[: next(i for i, c in enumerate(lines) if "sweep.toml --store" in c)])


def test_the_shell_block_runs_in_an_empty_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from gsmtheory.cli import main

    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    env.pop("PYTHONPATH", None)
    monkeypatch.chdir(tmp_path)
    for command in _shell_lines():
        argv = shlex.split(command)
        if argv[0] == "gsmtheory" and not set(command) & set("|&;<>$`(){}*?"):
            code = main(argv[1:])
            assert code == 0, (command, capsys.readouterr().err[-2000:])
            continue
        proc = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True,
                              env=env, timeout=600)
        assert proc.returncode == 0, (command, proc.stderr[-2000:])
    assert (tmp_path / "results.sqlite").is_file() and (tmp_path / "results_report").is_dir()


@pytest.mark.parametrize("heading", ["### From Python", "### Train a score model (`gsmtheory.networks`)"])
def test_the_python_blocks_run(heading: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each block as a script (``__main__``) in this process, with torch's random state given back."""
    script = tmp_path / "example.py"
    text = _block(heading, "python")
    script.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with contextlib.ExitStack() as stack:
        if "import torch" in text:
            import torch

            stack.enter_context(torch.random.fork_rng())
        runpy.run_path(str(script), run_name="__main__")  # an exception in the block fails the test
