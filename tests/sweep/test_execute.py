"""Tests of gsmtheory/sweep/_execute.py.

Running sweeps: local pool = in-process = Dask cluster; resumable after SIGKILL; failures retried."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gsmtheory import GSMError
from gsmtheory.cli import main
from gsmtheory.sweep import (
    Job,
    draw_report,
    execute,
    expand_grid,
    load_sweep,
    parse_sweep,
    read_rows,
    run_sweep,
    scalar_results,
)

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _results(store):
    return {json.dumps(r.params, sort_keys=True): r.result for r in read_rows(store)}


def _ok_rows(store: Path) -> int:
    try:
        return sum(r.status == "ok" for r in read_rows(store))
    except Exception:  # not created yet
        return 0


def _start(args, log):
    return subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(procs):
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)


@pytest.mark.slow
def test_loss_sweep_quadrature_and_torch_agree(tmp_path):
    base = 'spec = "bimodal"\ntask = "loss"\n[grid]\nm = [1.0, 2.0]\n[task_options]\nat = [{a = 1.5}]\n'
    quad = run_sweep(parse_sweep(base), tmp_path / "q.db", workers=1, progress=False)
    mc = run_sweep(parse_sweep(base + 'method = "torch-mc"\nsamples = 40000\n'), tmp_path / "m.db",
                   workers=1, device="cpu", progress=False)
    assert quad.written == mc.written == 2 and quad.spec_hash != mc.spec_hash
    q = {r.params["m"]: r.result for r in read_rows(tmp_path / "q.db")}
    m = {r.params["m"]: r.result for r in read_rows(tmp_path / "m.db")}
    for sep in (1.0, 2.0):
        assert abs(q[sep]["explicit"][0] - m[sep]["explicit"][0]) <= 2.5 * m[sep]["explicit_error"][0] + 1e-12
        assert "torch on cpu" in m[sep]["method"]
    assert {r.device for r in read_rows(tmp_path / "m.db")} == {"cpu"}


def test_local_pool_matches_in_process_execution(tmp_path, write_sweep):
    sweep = load_sweep(write_sweep({"work": [2000, 4000], "s": [0.5, 1.0, 2.0]}))
    summary = run_sweep(sweep, tmp_path / "a.db", workers=2, device="cpu", progress=False)
    assert (summary.total, summary.written, summary.skipped, summary.failed) == (6, 6, 0, 0)
    stored = _results(tmp_path / "a.db")
    for point in expand_grid(sweep):
        direct = execute(Job("selftest", sweep.spec_name, sweep.spec_text, point.constants, point.key))
        assert direct.status == "ok"
        assert stored[json.dumps(point.params, sort_keys=True)] == json.loads(direct.result_json)
    rows = read_rows(tmp_path / "a.db")
    assert {r.version for r in rows} == {"0.1.0"} and all(r.seconds >= 0 for r in rows)
    assert all(r.spec_hash == sweep.spec_hash for r in rows)
    assert len({r.worker for r in rows}) <= 2 and all(r.worker.split(":")[1] != str(os.getpid()) for r in rows)
    again = run_sweep(sweep, tmp_path / "a.db", workers=1, progress=False)
    assert (again.written, again.skipped, again.failed) == (0, 6, 0)
    # a wider grid on the same store runs only the new points
    wider = load_sweep(write_sweep({"work": [2000, 4000, 8000], "s": [0.5, 1.0, 2.0]}, name="w.toml"))
    more = run_sweep(wider, tmp_path / "a.db", workers=2, progress=False)
    assert (more.total, more.written, more.skipped) == (9, 3, 6)


def test_failures_are_stored_then_retried(tmp_path, write_sweep):
    marker = tmp_path / "fail-now"
    marker.write_text("")
    sweep = load_sweep(write_sweep({"work": [100, 200, 300]}, {"fail_if_exists": str(marker)}))
    first = run_sweep(sweep, tmp_path / "a.db", workers=1, progress=False)
    assert (first.written, first.failed) == (0, 3)
    rows = read_rows(tmp_path / "a.db")
    assert {r.status for r in rows} == {"error"} and all("fail-now" in r.error for r in rows)
    marker.unlink()
    second = run_sweep(sweep, tmp_path / "a.db", workers=1, progress=False)
    assert (second.written, second.skipped, second.failed) == (3, 0, 0)
    rows = read_rows(tmp_path / "a.db")
    assert len(rows) == 3 and {(r.status, r.attempts) for r in rows} == {("ok", 2)}


@pytest.mark.slow
def test_sigkill_part_way_then_rerun_finds_every_task_once(tmp_path, write_sweep):
    n = 16
    sweep = write_sweep({"work": list(range(1, n + 1))}, {"sleep": 0.25})
    store = tmp_path / "k.db"
    cmd = [str(BIN / "gsmtheory"), "sweep", str(sweep), "--store", str(store), "--workers", "2",
           "--json", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while _ok_rows(store) < 4 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)  # the parent, mid-run
        proc.wait(timeout=10)
    finally:
        try:  # its orphaned pool workers, in the session this test started
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    before = {json.dumps(r.params): r.finished for r in read_rows(store) if r.status == "ok"}
    assert 4 <= len(before) < n, len(before)
    rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert (summary["skipped"], summary["written"], summary["failed"]) == (len(before), n - len(before), 0)
    rows = read_rows(store)
    assert sorted(r.params["work"] for r in rows) == list(range(1, n + 1))  # every task exactly once
    assert all(r.status == "ok" and r.attempts == 1 for r in rows)
    assert {json.dumps(r.params): r.finished for r in rows if json.dumps(r.params) in before} == before


@pytest.mark.slow
def test_dask_cluster_on_loopback_matches_local_pool(tmp_path, write_sweep, capsys):
    sweep_path = write_sweep({"work": [3000, 6000, 9000], "s": [0.5, 2.0], "k": [0.0, 1.0]})
    sweep = load_sweep(sweep_path)
    local = run_sweep(sweep, tmp_path / "local.db", workers=2, progress=False)
    assert local.written == 12

    scheduler_file = tmp_path / "scheduler.json"
    log = (tmp_path / "dask.log").open("w")
    procs = [_start([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                     "--no-dashboard", "--scheduler-file", str(scheduler_file)], log)]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            assert procs[0].poll() is None, (tmp_path / "dask.log").read_text()
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for i in range(2):
            procs.append(_start([str(BIN / "dask"), "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                                 "--no-nanny", "--no-dashboard", "--name", f"w{i}"], log))
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
            worker_pids = set(client.run(os.getpid).values())
        assert worker_pids == {p.pid for p in procs[1:]}

        # through the CLI, the same code path as the local pool
        assert main(["sweep", str(sweep_path), "--store", str(tmp_path / "dask.db"), "--scheduler", address,
                     "--json", "--device", "cpu"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert (out["total"], out["written"], out["failed"], out["scheduler"]) == (12, 12, 0, address)
        rows = read_rows(tmp_path / "dask.db")
        assert {int(r.worker.split(":")[1]) for r in rows} <= worker_pids
        assert _results(tmp_path / "dask.db") == _results(tmp_path / "local.db")
        # resumable there too
        assert main(["sweep", str(sweep_path), "--store", str(tmp_path / "dask.db"), "--scheduler", address,
                     "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["skipped"] == 12
    finally:
        _stop(procs[1:])
        _stop(procs[:1])
        log.close()
    assert all(p.poll() is not None for p in procs)


def test_unreachable_scheduler_is_one_line(tmp_path, write_sweep):
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sweep = load_sweep(write_sweep({"work": [10]}))
    start = time.monotonic()
    with pytest.raises(GSMError, match="no Dask scheduler answers at") as info:
        run_sweep(sweep, tmp_path / "s.db", scheduler=f"tcp://127.0.0.1:{port}", connect_timeout=2.0)
    assert "\n" not in str(info.value) and time.monotonic() - start < 10
    assert not (tmp_path / "s.db").exists()  # refused before the store was touched


def test_efficiency_sweep_of_a_gaussian_location_model(tmp_path):
    """Real task: C_P = σ² (claim 1) and Γ_GSM = Γ_MLE = σ² (claim 7) at every grid point."""
    sweep = parse_sweep('spec = "gaussian"\ntask = "efficiency"\n[grid]\nsigma = [0.5, 1.0, 3.0]\n')
    summary = run_sweep(sweep, tmp_path / "e.db", workers=2, progress=False)
    assert (summary.written, summary.failed) == (3, 0)
    for row in read_rows(tmp_path / "e.db"):
        var = row.params["sigma"] ** 2
        flat = scalar_results(row.result)
        assert flat["gsm_covariance"] == pytest.approx(var, rel=1e-8)
        assert flat["mle_covariance"] == pytest.approx(var, rel=1e-8)
        assert flat["key_lemma.poincare_constant"] == pytest.approx(var, rel=1e-6)
    plots = {Path(p).name for p in draw_report(tmp_path / "e.db").plots}
    prefix = "gaussian-efficiency-" + sweep.spec_hash[:8]
    assert {f"{prefix}-{k}-vs-sigma.png" for k in ("gsm_covariance", "mle_covariance")} <= plots
    assert not any("resolution" in p for p in plots)


def test_fit_sweep_reads_data_and_hashes_its_bytes(tmp_path):
    """Real task: for the Gaussian location model the GSM estimate is the sample mean, at any σ."""
    import numpy as np

    data = np.random.default_rng(3).normal(0.4, 1.5, size=(400, 1))
    np.save(tmp_path / "x.npy", data)
    text = 'spec = "gaussian"\ntask = "fit"\n[grid]\nsigma = [1.0, 2.0]\n[task_options]\ndata = "x.npy"\n'
    sweep = parse_sweep(text, base=tmp_path)
    summary = run_sweep(sweep, tmp_path / "f.db", workers=1, progress=False)
    assert (summary.written, summary.failed) == (2, 0), read_rows(tmp_path / "f.db")[0].error
    for row in read_rows(tmp_path / "f.db"):
        assert row.result["estimate"]["mu"] == pytest.approx(float(data.mean()), abs=1e-9)
    moved = tmp_path / "moved"
    moved.mkdir()
    np.save(moved / "x.npy", data)
    assert parse_sweep(text, base=moved).spec_hash == sweep.spec_hash  # same bytes, same sweep
    np.save(moved / "x.npy", data[:-1])
    assert parse_sweep(text, base=moved).spec_hash != sweep.spec_hash  # other data, other sweep


def test_poincare_sweep_of_gaussians(tmp_path):
    """Real task: C_P = σ² for N(0, σ²) under Langevin (claim 1), one stored row per σ."""
    sweep = parse_sweep('spec = "gaussian"\ntask = "poincare"\n[grid]\nsigma = [0.5, 2.0]\n')
    summary = run_sweep(sweep, tmp_path / "p.db", workers=2, progress=False)
    assert (summary.written, summary.failed) == (2, 0), [r.error for r in read_rows(tmp_path / "p.db")]
    for row in read_rows(tmp_path / "p.db"):
        assert row.result["poincare_constant"] == pytest.approx(row.params["sigma"] ** 2, rel=1e-6)
    plots = {Path(p).name.split("-", 3)[3] for p in draw_report(tmp_path / "p.db").plots}
    assert plots == {f"{k}-vs-sigma.png" for k in ("poincare_constant", "spectral_gap", "error_estimate")}


def test_ctld_specs_are_lifted_unless_told_not_to():
    """As on the command line: a [ctld] spec sweeps the lift; lift = false its target, which for
    ctld-bimodal is bimodal's (same C_P, to the last digit: same solver on the same target)."""
    def run_one(text):
        sweep = parse_sweep(text)
        point = expand_grid(sweep)[0]
        out = execute(Job(sweep.task, sweep.spec_name, sweep.spec_text, point.constants, point.key,
                          sweep.options_json))
        assert out.status == "ok", out.error
        return json.loads(out.result_json)

    grid = '[grid]\nm = [2.0]\n'
    plain = run_one('spec = "bimodal"\ntask = "poincare"\n' + grid)
    unlifted = run_one('spec = "ctld-bimodal"\ntask = "poincare"\n' + grid + "[task_options]\nlift = false\n")
    lifted = run_one('spec = "ctld-bimodal"\ntask = "poincare"\n' + grid + "[task_options]\nquick = true\n")
    assert unlifted["poincare_constant"] == plain["poincare_constant"]
    assert (plain["lifted"], unlifted["lifted"], lifted["lifted"]) == (False, False, True)
    assert lifted["poincare_constant"] > 0
