"""``gsmtheory sweep`` (gsmtheory/_cli/sweep.py): JSON and report output, one-line store and usage errors."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from gsmtheory.cli import main
from gsmtheory.sweep import (
    draw_report,
    open_store,
    read_rows,
)


def test_cli_json_and_report(tmp_path, write_sweep, capsys):
    sweep = write_sweep({"work": [10, 100, 1000, 10000], "s": [1.0, 2.0]})
    store = tmp_path / "r.db"
    assert main(["sweep", str(sweep), "--store", str(store), "--workers", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {k: out[k] for k in ("total", "written", "skipped", "failed")} == \
        {"total": 8, "written": 8, "skipped": 0, "failed": 0}
    assert main(["sweep", "--report", str(store), "--out", str(tmp_path / "plots"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    names = {Path(p).name for p in report["plots"]}
    # the task's standard value against every swept constant with two or more values
    assert {n.split("-", 3)[3] for n in names} == {"value-vs-work.png", "value-vs-s.png"}
    for p in report["plots"]:
        assert Path(p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert draw_report(store, tmp_path / "plots2").rows == 8


def test_cli_store_errors_are_one_line_exit_2(tmp_path, write_sweep, capsys):
    sweep = write_sweep({"work": [10, 20]})
    text = tmp_path / "notes.db"
    text.write_text("not a database\n")
    assert main(["sweep", str(sweep), "--store", str(text), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a gsmtheory sweep store" in err
    assert text.read_text() == "not a database\n"

    store = tmp_path / "s.db"
    assert main(["sweep", str(sweep), "--store", str(store), "--workers", "1", "--json"]) == 0
    capsys.readouterr()
    held = open_store(store)  # another sweep is running
    try:
        before = [(r.params, r.result) for r in read_rows(store)]
        assert main(["sweep", str(sweep), "--store", str(store), "--workers", "1"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "locked" in err
    finally:
        held.close()
    assert [(r.params, r.result) for r in read_rows(store)] == before
    conn = sqlite3.connect(store)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


@pytest.mark.parametrize(("argv", "fragment"), [
    (["sweep"], "needs SWEEP and --store"),
    (["sweep", "x.toml"], "needs SWEEP and --store"),
    (["sweep", "--report", "absent.db"], "not found"),
    (["sweep", "absent.toml", "--store", "s.db"], "does not exist"),
])
def test_cli_usage_errors(tmp_path, monkeypatch, capsys, argv, fragment):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err, err


def test_cli_bad_sweep_file_exit_2(write_sweep, tmp_path, capsys):
    sweep = write_sweep({"beta": [1.0]})
    assert main(["sweep", str(sweep), "--store", str(tmp_path / "s.db")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown constant 'beta'" in err
    assert not (tmp_path / "s.db").exists()  # nothing created for a bad sweep


def test_cli_cuda_without_a_gpu_is_one_line(write_sweep, tmp_path, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    sweep = write_sweep({"work": [10]})
    assert main(["sweep", str(sweep), "--store", str(tmp_path / "s.db"), "--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no CUDA device" in err, err
