"""Signals and the worker pool: no worker outlives its sweep, however the sweep ends.

A sweep of slow tasks is started in its own session; once its workers run, the sweep (the
parent only) gets SIGTERM — handled like Ctrl-C: exit 130, one line, the pool stopped — or
SIGKILL, which nothing can handle: the workers then die with their parent (PR_SET_PDEATHSIG, the
forkserver exiting with the sweep). Processes are found by walking /proc.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and prctl are Linux's")


def _parents() -> dict[int, int]:
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":  # a zombie has exited already
            out[int(entry)] = int(fields[1])
    return out


def _descendants(pid: int) -> set[int]:
    parents = _parents()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    return pids & set(_parents())


def _start_slow_sweep(tmp_path: Path, write_sweep: Callable[..., Path]) -> tuple[subprocess.Popen[str], set[int]]:
    sweep = write_sweep({"work": [1, 2, 3, 4, 5, 6]}, {"sleep": 60.0})
    cmd = [str(BIN / "gsmtheory"), "sweep", str(sweep), "--store", str(tmp_path / "s.db"), "--workers", "2",
           "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 90
    family: set[int] = set()
    while time.monotonic() < deadline and proc.poll() is None:
        family = _descendants(proc.pid)
        if len(family) >= 3:  # the forkserver and two workers
            break
        time.sleep(0.1)
    assert len(family) >= 3, (family, proc.poll())
    time.sleep(1.0)  # the workers are inside their 60 s task
    return proc, _descendants(proc.pid)


def _cleanup(proc: subprocess.Popen[str], family: set[int]) -> None:
    for pid in _alive(family) | ({proc.pid} if proc.poll() is None else set()):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.communicate(timeout=10)


def _gone_within(pids: set[int], seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return _alive(pids)


@pytest.mark.slow
def test_sigterm_stops_the_sweep_and_its_workers(tmp_path: Path, write_sweep: Callable[..., Path]) -> None:
    proc, family = _start_slow_sweep(tmp_path, write_sweep)
    try:
        start = time.monotonic()
        os.kill(proc.pid, signal.SIGTERM)  # the parent only, as `kill PID` does
        _out, err = proc.communicate(timeout=30)
        assert time.monotonic() - start < 15  # not after the 60 s tasks
        assert proc.returncode == 130
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "interrupted" in lines[0] and "resumes" in lines[0], err
        assert _gone_within(family, 10) == set()
    finally:
        _cleanup(proc, family)


@pytest.mark.slow
def test_sigkill_of_the_sweep_takes_its_workers_along(tmp_path: Path, write_sweep: Callable[..., Path]) -> None:
    proc, family = _start_slow_sweep(tmp_path, write_sweep)
    try:
        os.kill(proc.pid, signal.SIGKILL)  # nothing in the parent runs after this
        proc.wait(timeout=10)
        assert _gone_within(family, 10) == set()
    finally:
        _cleanup(proc, family)
