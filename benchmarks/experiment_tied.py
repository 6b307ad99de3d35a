r"""The fair experiment, part (a): parametric heads tied across noise levels (issue 23).

Target p = w N(−m/2, 1) + (1 − w) N(m/2, 1), w = 0.2, separations m = 2…10. The model is the same
mixture with θ = (w, μ_1, μ_2) tied across noise levels, p_θ^β = p_θ ∗ N(0, βλ), λ = 1
(:class:`gsmtheory.networks.TiedMixture`). From n = 250…4000 samples (R replications each) θ̂ is
fitted exactly (projected Newton from the truth, one fixed draw (β, z, z′) per sample) by

- ``sm``: vanilla score matching (:class:`GSMLoss`, no annealing);
- ``ctld-paper`` / ``ctld-loguniform``: CTLD with the paper's r (log r = −7m²/(1 + β) on
  [0, 14m² − 1]) or the log-uniform r ∝ 1/(1 + β) on [0, m²];
- ``dsm-paper`` / ``dsm-loguniform``: annealed DSM (weight σ²) with the same tie and the same r;
- ``dsm-loguniform-matched``: the same DSM with K draws per sample, K the measured cost ratio
  CTLD/DSM per sample (compute matched).

For each (loss, m, n) the RMSE of ŵ, μ̂_1, μ̂_2 over replications (with its standard error, delta
method), fitted slopes of log RMSE against log n, and the sandwich predictions √(Γ/n): the
package's quadrature sandwich for SM (:func:`gsmtheory.estimation.efficiency`) and CTLD
(:func:`gsmtheory.estimation.efficiency` of the lifted problem), the Monte Carlo torch sandwich
(:func:`gsmtheory.networks.sandwich`) for DSM.

Run: ``python -m benchmarks.experiment_tied`` (full: writes benchmarks/results/experiment_tied.json);
notebook 07 loads it and re-runs :data:`SLICE` live.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gsmtheory.estimation import efficiency
from gsmtheory.networks import (
    CTLDLoss,
    DSMLoss,
    GSMLoss,
    ScheduleWarning,
    TiedMixture,
    fit_tied,
    log_uniform_schedule,
    paper_schedule,
    sandwich,
)
from gsmtheory.numeric import sample_mixture
from gsmtheory.solve import build_problem
from gsmtheory.symbolic import GaussianMixture, parse_spec

RESULTS = Path(__file__).resolve().parent / "results"
F64 = torch.float64
WEIGHT = 0.2
PARAMS = ("w", "mu1", "mu2")
LOSSES = ("sm", "ctld-paper", "ctld-loguniform", "dsm-paper", "dsm-loguniform", "dsm-loguniform-matched")
#: a predicted sd above this (w) or 0.5 (means) is the saturated regime (the estimate is bounded, not normal)
SATURATED = {"w": 0.1, "mu1": 0.5, "mu2": 0.5}
#: estimates of the first KEEP replications are stored, for the notebook's live re-run to compare
KEEP = 20


@dataclass(frozen=True)
class Config:
    """Sizes of one run."""

    separations: tuple[float, ...] = (2.0, 4.0, 6.0, 8.0, 10.0)
    ns: tuple[int, ...] = (250, 500, 1000, 2000, 4000)
    replications: int = 100
    losses: tuple[str, ...] = LOSSES
    sandwich_points: int = 200_000
    seed: int = 0


FULL = Config()
#: the live slice of notebook 07: separation 8, three sample sizes, 30 replications, SM/CTLD/DSM (log-uniform)
SLICE = Config(separations=(8.0,), ns=(250, 1000, 4000), replications=KEEP,
               losses=("sm", "ctld-loguniform", "dsm-loguniform"), sandwich_points=60_000)


def mixture(m: float) -> GaussianMixture:
    """The target at separation m."""
    return GaussianMixture(((-m / 2,), (m / 2,)), (WEIGHT, 1 - WEIGHT), ((1.0,),))


def spec_toml(m: float) -> str:
    """The target with the tied model θ = (w, a, b) as a spec (for the package's quadrature sandwich)."""
    return (f'coords = ["x"]\n[mixture]\nmeans = [[{-m / 2}], [{m / 2}]]\nweights = [{WEIGHT}, {1 - WEIGHT}]\n'
            'covariance = [[1.0]]\n[model]\nparams = ["w", "a", "b"]\n'
            f'truth = {{w = {WEIGHT}, a = {-m / 2}, b = {m / 2}}}\n[model.mixture]\nmeans = [["a"], ["b"]]\n'
            'weights = ["w", "1 - w"]\ncovariance = [[1.0]]\n')


def schedules(m: float) -> dict[str, Any]:
    """The paper's r at D = m and the log-uniform r on [0, m²] (the paper's warns: its mass near 0 is tiny)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScheduleWarning)
        return {"paper": paper_schedule(m), "loguniform": log_uniform_schedule(m * m)}


def make_loss(name: str, m: float, matched: int = 1) -> tuple[Any, int]:
    """(loss module with reduction="none", draws per point) for a loss name (``matched``: K of the matched DSM)."""
    if name == "sm":
        return GSMLoss(reduction="none"), 1
    family, law = name.split("-")[:2]
    sched = schedules(m)[law]
    if family == "ctld":
        return CTLDLoss(sched, reduction="none"), 1
    return DSMLoss(sched, reduction="none"), (matched if name.endswith("matched") else 1)


def _per_point_seconds(loss: Any, m: float, draws: int = 1) -> float:
    """Seconds per data point of one loss + θ-gradient evaluation of the tied head (4096 points, best of 3)."""
    head = TiedMixture(2, 1)
    theta = head.theta([WEIGHT, 1 - WEIGHT], [[-m / 2], [m / 2]]).reshape(1, -1).requires_grad_(True)
    x = torch.tensor(sample_mixture(mixture(m), 4096 * draws, seed=1), dtype=F64).reshape(-1, 1)
    at_zero = isinstance(loss, GSMLoss)
    best = math.inf
    for _ in range(3):
        t0 = time.perf_counter()
        v = loss.per_sample(head.model(theta, at_zero=at_zero), x).mean()
        torch.autograd.grad(v, theta)
        best = min(best, time.perf_counter() - t0)
    return best / 4096


def matched_draws(m: float) -> int:
    """K = round(cost of CTLD / cost of DSM) per data point, both with the log-uniform r (at least 1)."""
    sched = schedules(m)["loguniform"]
    ratio = _per_point_seconds(CTLDLoss(sched, reduction="none"), m) / _per_point_seconds(
        DSMLoss(sched, reduction="none"), m)
    return max(1, round(ratio))


def rmse_with_error(errors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """RMSE per column and its standard error by the delta method: se(MSE)/(2 RMSE)."""
    sq = errors**2
    mse = sq.mean(0)
    se_mse = sq.std(0, ddof=1) / math.sqrt(len(sq))
    rmse = np.sqrt(mse)
    return rmse, se_mse / (2 * np.maximum(rmse, 1e-300))


def fit_cell(name: str, m: float, n: int, cfg: Config, matched: int = 1) -> dict[str, Any]:
    """R fits of one loss at one (m, n): RMSE per parameter, status counts, seconds, draws per point."""
    head = TiedMixture(2, 1)
    truth = head.theta([WEIGHT, 1 - WEIGHT], [[-m / 2], [m / 2]])
    seeds = [cfg.seed * 100_000 + int(m) * 10_000 + r for r in range(cfg.replications)]
    data = torch.stack([torch.tensor(sample_mixture(mixture(m), n, seed=s), dtype=F64) for s in seeds])
    loss, k = make_loss(name, m, matched)
    t0 = time.perf_counter()
    fit = fit_tied(head, loss, data, theta0=truth, seed=cfg.seed + n, draws_per_point=k)
    seconds = time.perf_counter() - t0
    ok = fit.solved
    rmse, se = rmse_with_error(fit.theta[ok] - truth.numpy())
    status = {s: fit.status.count(s) for s in set(fit.status)}
    first = fit.theta[:KEEP].round(12).tolist()
    return {"estimates_first": first, "loss": name, "m": m, "n": n, "draws_per_point": k, "seconds": seconds, "status": status,
            "solved": int(ok.sum()), "rmse": dict(zip(PARAMS, rmse.tolist(), strict=True)),
            "rmse_se": dict(zip(PARAMS, se.tolist(), strict=True)),
            "mean_error": dict(zip(PARAMS, (fit.theta[ok] - truth.numpy()).mean(0).tolist(), strict=True))}


def predictions(m: float, cfg: Config, matched: int = 1) -> dict[str, dict[str, Any]]:
    """Γ_jj per loss at separation m: quadrature for SM and CTLD, torch Monte Carlo for DSM (with its se)."""
    spec = spec_toml(m)
    out: dict[str, dict[str, Any]] = {}
    if "sm" in cfg.losses:
        eff = efficiency(parse_spec(spec))
        out["sm"] = {"gamma": np.diag(eff.gsm_covariance).tolist(), "se": [0.0] * 3, "method": "quadrature",
                     "mle": np.diag(eff.mle_covariance).tolist()}
    laws = schedules(m)
    for law, sched in laws.items():
        if f"ctld-{law}" in cfg.losses:
            kw = {} if law == "paper" else {"beta_max": sched.beta_max, "log_r": "-log(1 + beta)"}
            eff = efficiency(build_problem(parse_spec(spec + "[ctld]\n"), lift=True, **kw), poincare=False)
            out[f"ctld-{law}"] = {"gamma": np.diag(eff.gsm_covariance).tolist(), "se": [0.0] * 3,
                                  "method": "quadrature", "relative_error": eff.error,
                                  "mle_lifted": np.diag(eff.mle_lifted).tolist()}
    head = TiedMixture(2, 1)
    truth = head.theta([WEIGHT, 1 - WEIGHT], [[-m / 2], [m / 2]])

    def sampler(k: int, seed: int) -> torch.Tensor:
        return torch.tensor(sample_mixture(mixture(m), k, seed=seed), dtype=F64)

    for name in cfg.losses:
        if name.startswith("dsm"):
            loss, k = make_loss(name, m, matched)
            sw = sandwich(head, loss, truth, sampler, points=cfg.sandwich_points, draws_per_point=k, seed=7)
            out[name] = {"gamma": np.diag(sw.covariance).tolist(), "se": np.diag(sw.standard_error).tolist(),
                         "method": f"torch Monte Carlo, {sw.points} points", "draws_per_point": k}
    return out


def slopes(cells: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Least-squares slope of log RMSE against log n per (loss, m) and parameter."""
    out: dict[str, dict[str, float]] = {}
    for key in {(c["loss"], c["m"]) for c in cells}:
        rows = sorted((c for c in cells if (c["loss"], c["m"]) == key), key=lambda c: c["n"])
        if len(rows) < 2:
            continue
        ln = np.log([r["n"] for r in rows])
        out[f"{key[0]}@{key[1]:g}"] = {p: float(np.polyfit(ln, np.log([r["rmse"][p] for r in rows]), 1)[0])
                                       for p in PARAMS}
    return out


def compare(cells: list[dict[str, Any]], pred: dict[str, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each cell's RMSE against √(Γ/n): ratio, z = (RMSE − pred)/se (both errors), and whether saturated."""
    rows = []
    for c in cells:
        p = pred[f"{c['m']:g}"][c["loss"]]
        for j, name in enumerate(PARAMS):
            sd = math.sqrt(p["gamma"][j] / c["n"])
            sd_se = 0.5 * p["se"][j] / max(p["gamma"][j], 1e-300) * sd
            err = math.hypot(c["rmse_se"][name], sd_se)
            rows.append({"loss": c["loss"], "m": c["m"], "n": c["n"], "param": name, "rmse": c["rmse"][name],
                         "predicted": sd, "ratio": c["rmse"][name] / sd, "z": (c["rmse"][name] - sd) / err,
                         "saturated": sd > SATURATED[name]})
    return rows


def run(cfg: Config = FULL, *, verbose: bool = True, predict: bool = True) -> dict[str, Any]:
    """Every (loss, m, n) of ``cfg``: fits, predictions (unless ``predict=False``), slopes and the comparison."""
    torch.set_num_threads(1)
    start = time.perf_counter()
    cells, pred, matched = [], {}, {}
    for m in cfg.separations:
        matched[f"{m:g}"] = k = matched_draws(m) if any(n.endswith("matched") for n in cfg.losses) else 1
        if predict:
            pred[f"{m:g}"] = predictions(m, cfg, k)
        for name in cfg.losses:
            for n in cfg.ns:
                cell = fit_cell(name, m, n, cfg, k)
                cells.append(cell)
                if verbose:
                    r = cell["rmse"]
                    print(f"m={m:g} {name:24s} n={n:5d}: rmse w {r['w']:.4f} mu1 {r['mu1']:.4f} mu2 {r['mu2']:.4f}"
                          f" ({cell['seconds']:.1f} s, {cell['status']})", flush=True)
    return {"config": asdict(cfg), "cells": cells, "predictions": pred, "slopes": slopes(cells),
            "matched_draws": matched,
            "comparison": compare(cells, pred) if predict else [], "schedules": {f"{m:g}": {k: v.describe() for k, v in
                                                                         schedules(m).items()}
                                                              for m in cfg.separations},
            "seconds": time.perf_counter() - start}


def main() -> dict[str, Any]:
    """The full run: writes benchmarks/results/experiment_tied.json."""
    result = run(FULL)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "experiment_tied.json").write_text(json.dumps(result) + "\n")
    print(f"done in {result['seconds']:.0f} s")
    return result


def quick(cfg: Config = SLICE, *, predict: bool = False) -> dict[str, Any]:
    """A smaller run (the notebook's live slice by default, fits only)."""
    return run(replace(cfg), verbose=False, predict=predict)


if __name__ == "__main__":
    main()
