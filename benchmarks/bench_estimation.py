"""Estimation benchmarks (issue 4): a 1D sandwich to 1e-8 relative in under 1 s; 1000 replications
of a 1D mixture fit at n = 1000 in under 2 minutes, batched in torch, against a per-replication loop;
and the Monte Carlo curve of the mixture weight (bimodal-weight, 3 sample sizes x 1000 replications),
whose estimates must stay in [0, 1] with every failure counted.

Run: ``python -m benchmarks.bench_estimation [--quick]``; writes benchmarks/results/estimation.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gsmtheory.estimation import build_problem, efficiency, fit_batch, monte_carlo, sample_target
from gsmtheory.symbolic import load_spec

OUT = Path(__file__).parent / "results" / "estimation.json"


def bench_sandwich() -> dict[str, Any]:
    spec = load_spec("bimodal-weight", {"m": 3.0})
    t0 = time.perf_counter()
    build_problem(spec)
    derive = time.perf_counter() - t0
    t0 = time.perf_counter()
    eff = efficiency(spec, rtol=1e-8, poincare=False)
    warm = time.perf_counter() - t0
    # reference: a much finer, fixed resolution (rtol 1e-13) to measure the achieved accuracy
    ref = efficiency(spec, rtol=1e-13, poincare=False).gsm_covariance[0, 0]
    value = eff.gsm_covariance[0, 0]
    return {"spec": "bimodal-weight m=3", "seconds_symbolic_and_compile": derive,
            "seconds_sandwich": warm, "value": value, "reference": ref,
            "relative_error_vs_reference": abs(value - ref) / abs(ref),
            "reported_error": eff.gsm.covariance.relative_error,
            "target": "relative error <= 1e-8 in < 1 s", "passed": bool(warm < 1.0 and abs(value - ref) <= 1e-8 * abs(ref))}


def bench_batched(reps: int, n: int, loop_reps: int) -> dict[str, Any]:
    spec = load_spec("bimodal", {"m": 2.0})
    problem = build_problem(spec)
    data = sample_target(problem, (reps, n), 0)
    results: dict[str, Any] = {}
    for loss in ("gsm", "mle"):
        t0 = time.perf_counter()
        res = fit_batch(problem, data, loss)
        batched = time.perf_counter() - t0
        t0 = time.perf_counter()
        loop_theta = [fit_batch(problem, data[r:r + 1], loss).theta[0] for r in range(loop_reps)]
        loop = (time.perf_counter() - t0) * reps / loop_reps
        same = float(np.max(np.abs(np.array(loop_theta) - res.theta[:loop_reps])))
        results[loss] = {"replications": reps, "n": n, "seconds_batched": batched,
                         "seconds_loop_extrapolated": loop, "loop_replications_timed": loop_reps,
                         "speedup": loop / batched, "converged": res.n_converged,
                         "failed": res.n_failed,
                         "max_abs_difference_loop_vs_batched": same,
                         "n_mse": float(n * np.nanmean((res.theta[:, 0] - 2.0) ** 2)),
                         "passed": bool(batched < 120 and res.n_converged == reps)}
    return results


def bench_weight_curve(reps: int) -> dict[str, Any]:
    """GSM and MLE n·MSE of the mixture weight at m = 3 (GSM nearly unidentifiable: sandwich ≈ 35)."""
    spec = load_spec("bimodal-weight", {"m": 3.0})
    problem = build_problem(spec)
    eff = efficiency(spec, poincare=False)
    out: dict[str, Any] = {"spec": "bimodal-weight m=3", "ns": [100, 400, 1000], "replications": reps,
                              "sandwich_gsm": eff.gsm_covariance[0, 0], "fisher_mle": eff.mle_covariance[0, 0]}
    for est in ("gsm", "mle"):
        t0 = time.perf_counter()
        curve = monte_carlo(problem, [100, 400, 1000], replications=reps, estimator=est, seed=0)
        seconds = time.perf_counter() - t0
        out[est] = {"seconds": seconds,
                    "points": [{"n": p.n, "n_mse": p.diagonal[0], "lower": p.lower[0], "upper": p.upper[0],
                                "converged": p.converged, "at_bound": p.at_bound, "failed": p.failed,
                                "seconds": p.seconds} for p in curve.points],
                    "passed": bool(seconds < 120 and all(p.failed == 0 and p.diagonal[0] <= p.n / 4
                                                         for p in curve.points))}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="200 replications instead of 1000")
    args = parser.parse_args()
    torch.set_num_threads(2)
    reps = 200 if args.quick else 1000
    out: dict[str, Any] = {"threads": torch.get_num_threads(), "cpus": os.cpu_count(),
           "sandwich_1d": bench_sandwich(), "batched_mixture_fit": bench_batched(reps, 1000, 20),
           "weight_monte_carlo": bench_weight_curve(reps)}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2))
    s = out["sandwich_1d"]
    print(f"1D sandwich: {s['seconds_sandwich']:.3f} s (symbolic+compile {s['seconds_symbolic_and_compile']:.2f} s), "
          f"relative error {s['relative_error_vs_reference']:.2e} -> {'ok' if s['passed'] else 'MISSED'}")
    for loss, r in out["batched_mixture_fit"].items():
        print(f"{loss}: {r['replications']} fits at n={r['n']}: batched {r['seconds_batched']:.1f} s, "
              f"loop ~{r['seconds_loop_extrapolated']:.1f} s, speed-up x{r['speedup']:.1f}, "
              f"converged {r['converged']}, n*MSE {r['n_mse']:.3f} -> {'ok' if r['passed'] else 'MISSED'}")
    w = out["weight_monte_carlo"]
    for est in ("gsm", "mle"):
        r = w[est]
        pts = ", ".join(f"n={p['n']}: {p['n_mse']:.2f} ({p['at_bound']} at bound, {p['failed']} failed)"
                        for p in r["points"])
        print(f"weight curve {est}: {r['seconds']:.1f} s; {pts} -> {'ok' if r['passed'] else 'MISSED'}")


if __name__ == "__main__":
    main()
