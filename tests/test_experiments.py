"""The experiment scripts of issue 23 run end to end on tiny sizes on a CPU (the GPU-ready one at d = 2)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import experiment_highd, experiment_networks, experiment_tied  # noqa: E402


def test_the_gpu_ready_script_runs_at_d_2_on_a_cpu(tmp_path: Path) -> None:
    out = tmp_path / "highd.json"
    res = experiment_highd.main(["--dims", "2", "--device", "cpu", "--steps", "10", "--n", "300", "--batch", "32",
                                 "--hidden", "8", "--eval", "200", "--sampler-steps", "20", "--out", str(out)])
    stored = json.loads(out.read_text())
    assert stored["device"] == "cpu" and [r["loss"] for r in stored["rows"]] == list(experiment_highd.LOSSES)
    for row in res["rows"]:
        assert 0.0 <= row["weight"] <= 1.0 and math.isfinite(row["score_error"]) and row["steps"] >= 1
    assert abs(res["truth_weight"] - 0.2) < 1e-3


def test_the_network_experiment_runs_and_summarizes() -> None:
    res = experiment_networks.run(experiment_networks.TINY, verbose=False)
    assert {r["loss"] for r in res["summary"]} == set(experiment_networks.LOSSES)
    costs = res["step_seconds"]["4"]
    assert costs["ctld"] > costs["dsm"] > 0  # CTLD costs more per step; matched compute gives DSM more steps
    steps = {r["loss"]: r["steps"] for r in res["summary"]}
    assert steps["dsm"] > steps["ctld"] == experiment_networks.TINY.steps
    truth = experiment_networks.truth(4.0)
    assert abs(truth["weight"] - (0.2 * 0.97725 + 0.8 * 0.02275)) < 1e-4 and truth["left_mean"] < -1.0


@pytest.mark.slow
def test_the_tied_experiment_reproduces_its_sandwich_on_a_small_grid() -> None:
    cfg = experiment_tied.Config(separations=(4.0,), ns=(200, 800), replications=40,
                                 losses=("sm", "dsm-loguniform"), sandwich_points=40_000)
    res = experiment_tied.run(cfg, verbose=False)
    rows = [r for r in res["comparison"] if not r["saturated"]]
    assert len(rows) >= 10
    # RMSE against √(Γ/n): within 4 combined standard errors (replications and Monte Carlo)
    assert max(abs(r["z"]) for r in rows) < 4, [(r["loss"], r["n"], r["param"], r["z"]) for r in rows]
    assert all(-0.8 < s < -0.3 for v in res["slopes"].values() for s in v.values()), res["slopes"]
    # a replication's estimate does not depend on how many replications run
    again = experiment_tied.run(experiment_tied.Config(separations=(4.0,), ns=(200,), replications=3,
                                                       losses=("sm",)), verbose=False, predict=False)
    first = next(c for c in res["cells"] if c["loss"] == "sm" and c["n"] == 200)["estimates_first"][:3]
    assert np.allclose(again["cells"][0]["estimates_first"], first, rtol=0, atol=1e-9)
