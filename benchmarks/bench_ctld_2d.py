"""C_P of CTLD versus C_P of Langevin for a 2D target, as the separation grows (issue 5).

Run: ``python -m benchmarks.bench_ctld_2d`` (about 1–2 minutes on 2 cores). Target: two unit
Gaussians at (±m, 0) (catalogue ``mixture-2d``), separation d = 2m ∈ {1, 2, 4, 6, 8, 10}
(``--extended`` adds d = 12). For each d:
- Langevin: ``poincare_constant`` of the 2D diffusion (finite volumes in 2D);
- CTLD: ``ctld_poincare_3d`` at resolution 1.0 (as the Poincaré method ``ctld3d`` runs it), the 3D
  lifted chain on (x, y, β) with the reported default constants λ = 1, diam = d,
  β_max = 14 d² − 1, log r = −7 d²/(1 + β), by ``poincare_3d`` (per-axis extrapolation);
- the 1D CTLD lift of the x-marginal target (``ctld_poincare``), whose C_P the 2D lift must
  reach or exceed (the y coordinate only adds modes).
Writes benchmarks/results/ctld_2d.json: values, error estimates, times, grid sizes, the ratios
CTLD/Langevin and CTLD-2D/CTLD-1D, the first separation where CTLD mixes faster, if any, and
the crossover m* located by Brent's method inside that bracket, with its uncertainty (the
solvers' relative errors over the slope of the log-ratio), beside the 1D lift's crossover.

``--reference`` instead computes much finer reference values of the CTLD C_P at d = 1, 2, 10
(a few minutes) and writes benchmarks/results/ctld_2d_reference.json; the plain run reads that
file and reports the true error of each referenced row beside its error estimate. The
reference uses the same discretization (its own base grid: x and y at 2 cells per unit of
asinh, against 2.5 in ``ctld_poincare_3d``; the limit is the same) refined 2, 3 and 4 times
along each axis alone
(4-point Richardson C + a h² + b h⁴ + c h⁶ per axis), summed over the axes, plus the cross
terms Σ a_kl measured by one grid refined twice on all axes. At d = 1 it is cross-checked
by grids refined on all axes together (1, 1.5, 2, 2.5 times; 4-point Richardson), which
assumes no additivity.
"""

from __future__ import annotations

import json
import math
import sys
import time
import warnings
from typing import Any

import numpy as np

from benchmarks._util import RESULTS, write_result
from gsmtheory.numeric import ctld_poincare, ctld_poincare_3d
from gsmtheory.solve import ctld_schedule, poincare_constant
from gsmtheory.symbolic import GaussianMixture, ctld_parameters, load_spec

SEPARATIONS = (1.0, 2.0, 4.0, 6.0, 8.0, 10.0)
EXTENDED = (12.0,)
REFERENCE_SEPARATIONS = (1.0, 2.0, 10.0)
ISOTROPIC_CHECK = (1.0,)  # the reference is also extrapolated from isotropic grids here
RESOLUTION = 1.0  # as the Poincaré method ctld3d


def _mixture(m: float) -> GaussianMixture:
    return GaussianMixture(((-m, 0.0), (m, 0.0)), (0.5, 0.5), ((1.0, 0.0), (0.0, 1.0)))


def measure(separations: tuple[float, ...] = SEPARATIONS,
            reference: dict[str, Any] | None = None) -> dict[str, Any]:
    """One row per separation d = 2m (module docstring)."""
    rows: list[dict[str, Any]] = []
    for d in separations:
        m = d / 2
        spec = load_spec("mixture-2d", constants={"m": m})
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lang = poincare_constant(spec.diffusion)
            t1 = time.perf_counter()
            mix2 = spec.diffusion.mixture
            assert mix2 is not None  # the catalogue entry is a mixture
            params = ctld_parameters(mix2)
            ctld = ctld_poincare_3d(mix2, ctld_schedule(params), resolution=RESOLUTION, rtol=1e-3)
            t2 = time.perf_counter()
            mix1 = GaussianMixture(((-m,), (m,)), (0.5, 0.5), ((1.0,),))
            one = ctld_poincare(mix1, ctld_schedule(ctld_parameters(mix1)))
            t3 = time.perf_counter()
        res = ctld.resolution
        ctld_row: dict[str, Any] = {
            "value": ctld.poincare_constant, "error": ctld.error_estimate,
            "relative_error": ctld.error_estimate / ctld.poincare_constant,
            "status": ctld.status, "base_grid": res["base"], "grids": res["levels"],
            "cells_kept": res["cells_kept"], "cells_kept_total": int(sum(res["cells_kept"])),
            "largest_grid_cells_kept": int(max(res["cells_kept"])),
            "axis_errors": [a["error"] for a in res["axes"]],
            "cross_error": res["cross"]["error"] if res["cross"] else None,
            "seconds": t2 - t1, "resolution": RESOLUTION, "constants": params.to_dict()}
        ref = (reference or {}).get(f"{d:g}")
        if ref is not None:
            true_err = abs(ctld.poincare_constant - ref["value"])
            ctld_row["reference"] = ref["value"]
            ctld_row["reference_uncertainty"] = ref["uncertainty"]
            ctld_row["true_error"] = true_err
            ctld_row["estimate_over_true_error"] = (ctld.error_estimate / true_err if true_err > 0
                                                   else math.inf)
        row = {
            "separation": d, "m": m,
            "langevin": {"value": lang.poincare_constant, "error": lang.error_estimate,
                         "method": lang.method, "status": lang.status, "seconds": t1 - t0},
            "ctld": ctld_row,
            "ctld_1d_lift": {"value": one.poincare_constant, "error": one.error_estimate,
                             "seconds": t3 - t2},
            "ratio_ctld_over_langevin": ctld.poincare_constant / lang.poincare_constant,
            "ratio_ctld2d_over_ctld1d": ctld.poincare_constant / one.poincare_constant,
        }
        rows.append(row)
        extra = ""
        if ref is not None:
            extra = (f", reference {ref['value']:.8g} ±{ref['uncertainty']:.1g}: true rel. error "
                     f"{ctld_row['true_error'] / ref['value']:.2g}, estimate/true "
                     f"{ctld_row['estimate_over_true_error']:.3g}")
        print(f"d={d:g}: Langevin C_P={lang.poincare_constant:.6g} (±{lang.error_estimate:.2g}), "
              f"CTLD C_P={ctld.poincare_constant:.8g} (±{ctld.error_estimate:.2g}, "
              f"rel {ctld.error_estimate / ctld.poincare_constant:.2g}, {ctld.status}, {t2 - t1:.1f} s, "
              f"{ctld_row['cells_kept_total']} cells in {len(res['levels'])} grids){extra}, "
              f"CTLD/Langevin={row['ratio_ctld_over_langevin']:.3g}, "
              f"2D/1D lift={row['ratio_ctld2d_over_ctld1d']:.4f}", flush=True)
    faster = [r["separation"] for r in rows if r["ratio_ctld_over_langevin"] < 1]
    out: dict[str, Any] = {"target": "mixture-2d: unit Gaussians at (±m, 0)", "rows": rows,
                           "crossover_separation": faster[0] if faster else None,
                           "note": "crossover = first separation where C_P(CTLD) < C_P(Langevin), None if not seen"}
    i = next((k for k, r in enumerate(rows) if r["ratio_ctld_over_langevin"] < 1), None)
    if i is not None and i > 0:
        out["crossover"] = crossover(rows[i - 1]["m"], rows[i]["m"])
        c = out["crossover"]
        print(f"crossover m* = {c['m']:.5f} ± {c['uncertainty']:.1g} (d* = {2 * c['m']:.4f}; the 1D lift's: "
              f"{c['m_1d']:.5f}), {c['evaluations']} evaluations, {c['seconds']:.0f} s", flush=True)
    return out


def _log_ratio(m: float) -> tuple[float, float, float]:
    """(log C_P(CTLD, 3D lift) − log C_P(Langevin, 2D), its relative error, the 1D lift's log ratio)."""
    spec = load_spec("mixture-2d", constants={"m": m})
    mix2 = spec.diffusion.mixture
    assert mix2 is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lang = poincare_constant(spec.diffusion)
        ctld = ctld_poincare_3d(mix2, ctld_schedule(ctld_parameters(mix2)), resolution=RESOLUTION, rtol=1e-3)
        mix1 = GaussianMixture(((-m,), (m,)), (0.5, 0.5), ((1.0,),))
        one = ctld_poincare(mix1, ctld_schedule(ctld_parameters(mix1)))
    err = ctld.error_estimate / ctld.poincare_constant + lang.error_estimate / lang.poincare_constant
    return (math.log(ctld.poincare_constant / lang.poincare_constant), err,
            math.log(one.poincare_constant / lang.poincare_constant))


def crossover(lo: float, hi: float, tol: float = 1e-4) -> dict[str, Any]:
    """m* where C_P(CTLD lift of the 2D target) = C_P(Langevin): Brent on the log-ratio in [lo, hi].

    Uncertainty: the combined relative error of the two solvers at m* ± h divided by the slope
    of the log-ratio there, plus the bracket tolerance (as check C14 does in 1D). The 1D lift's
    crossover (x-marginal target) is found on the same bracket for comparison.
    """
    from scipy.optimize import brentq

    t0 = time.perf_counter()
    cache: dict[float, tuple[float, float, float]] = {}

    def f(m: float, which: int = 0) -> float:
        if m not in cache:
            cache[m] = _log_ratio(m)
        return cache[m][which]

    m_star = float(brentq(f, lo, hi, xtol=tol))
    h = 1e-2
    slope = (f(m_star + h) - f(m_star - h)) / (2 * h)
    unc = max(cache[m_star + h][1], cache[m_star - h][1]) / abs(slope) + tol
    m_1d = float(brentq(lambda m: f(m, 2), lo, hi, xtol=tol))
    return {"m": m_star, "separation": 2 * m_star, "uncertainty": unc, "slope_of_log_ratio": slope,
            "m_1d": m_1d, "evaluations": len(cache), "seconds": time.perf_counter() - t0,
            "method": "Brent on log C_P(CTLD 3D) - log C_P(Langevin 2D); uncertainty = relative errors / slope "
                      "+ xtol"}


def _fit_limit(h: list[float], c: list[float]) -> float:
    """C of c = C + a h² + b h⁴ + ... through all points (len(h) terms)."""
    A = np.vstack([np.asarray(h) ** (2 * k) for k in range(len(h))]).T
    return float(np.linalg.solve(A, np.asarray(c))[0])


def reference_value(d: float, factors: tuple[int, ...] = (2, 3, 4)) -> dict[str, Any]:
    """Fine reference C_P of the CTLD lift at separation d (module docstring)."""
    from gsmtheory.numeric import ctld_joint_logpdf
    from gsmtheory.numeric._ctld_nd import ctld_grid
    from gsmtheory.numeric._spectral3d import _solve

    mix = _mixture(d / 2)
    params = ctld_parameters(mix)
    box, stretch, shape = ctld_grid(mix, ctld_schedule(params), RESOLUTION, 40.0, xy_density=2.0)

    def ell(x: Any, y: Any, b: Any) -> Any:
        xx, yy, bb = np.broadcast_arrays(x, y, b)
        return np.asarray(ctld_joint_logpdf(mix, ctld_schedule(params), np.stack([xx, yy], axis=-1), bb))

    t0 = time.perf_counter()
    runs: list[dict[str, Any]] = []

    def solve(n: list[int]) -> float:
        t = time.perf_counter()
        cp, kept, _ = _solve(ell, box, n, stretch, 40.0)
        runs.append({"cells": n, "value": cp, "kept": kept, "seconds": time.perf_counter() - t})
        print(f"  reference d={d:g} {n}: {cp!r} ({kept} cells, {runs[-1]['seconds']:.1f} s)", flush=True)
        return cp

    c0 = solve(list(shape))
    limits, spreads, at2 = [], [], []
    for k in range(3):
        h, c = [1.0], [c0]
        for f in factors:
            n = list(shape)
            n[k] = f * shape[k]
            h.append(1.0 / f)
            c.append(solve(n))
        limits.append(_fit_limit(h, c))
        spreads.append(abs(limits[-1] - _fit_limit(h[1:], c[1:])))
        at2.append(c[1])
    c2 = solve([2 * s for s in shape])
    pair_sum = (c2 - (c0 + sum(v - c0 for v in at2))) / (1 - 0.25) ** 2
    value = c0 + sum(v - c0 for v in limits) + pair_sum
    out: dict[str, Any] = {
        "separation": d, "value": value, "uncertainty": sum(spreads) + 0.25 * abs(pair_sum),
        "axis_limits": limits, "axis_fit_spreads": spreads, "cross_terms": pair_sum,
        "base_grid": list(shape), "factors": list(factors)}
    if d in ISOTROPIC_CHECK:  # all axes refined together: no additivity assumed
        h2, c = [], []
        for level in (1.0, 1.5, 2.0, 2.5):
            n = [math.ceil(level * s) for s in shape]
            h2.append(sum((s / v) ** 2 for s, v in zip(shape, n)) / 3.0)
            c.append(c0 if level == 1.0 else solve(n))
        iso = _fit_limit([math.sqrt(v) for v in h2], c)
        out["isotropic_check"] = {"value": iso, "three_point": _fit_limit([math.sqrt(v) for v in h2[1:]], c[1:]),
                                  "difference": iso - value}
    out.update({"runs": runs, "seconds": time.perf_counter() - t0})
    return out


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    t0 = time.perf_counter()
    ref_path = RESULTS / "ctld_2d_reference.json"
    if "--reference" in args:
        refs = {f"{d:g}": reference_value(d) for d in REFERENCE_SEPARATIONS}
        out = {"references": refs, "total_seconds": time.perf_counter() - t0,
               "method": "per-axis refinement x2, x3, x4 of the resolution-1.0 grid, 4-point "
                         "Richardson per axis, plus cross terms from the grid refined x2 on all axes; "
                         "uncertainty = spread of 4- vs 3-point fits + 1/4 of the cross terms"}
        for k, r in refs.items():
            print(f"d={k}: reference C_P = {r['value']:.10g} ± {r['uncertainty']:.2g} ({r['seconds']:.0f} s)")
        print(write_result("ctld_2d_reference", out))
        return
    reference = json.loads(ref_path.read_text())["references"] if ref_path.exists() else None
    out = measure(SEPARATIONS + EXTENDED if "--extended" in args else SEPARATIONS, reference)
    out["total_seconds"] = time.perf_counter() - t0
    print(f"first separation where CTLD is faster: {out['crossover_separation']}; total {out['total_seconds']:.1f} s")
    print(write_result("ctld_2d", out))


if __name__ == "__main__":
    main()
