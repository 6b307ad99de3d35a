"""C_P of CTLD versus C_P of Langevin for a 2D target, as the separation grows (issue 5).

Run: ``python -m benchmarks.bench_ctld_2d`` (about 80 s on 2 cores); ``--extended`` adds
d = 8 and 10 (about 80 s more), where the crossover lies. Target: two unit Gaussians at (±m, 0)
(catalogue ``mixture-2d``), separation d = 2m ∈ {1, 2, 4, 6}. For each d:
- Langevin: ``poincare_constant`` of the 2D diffusion (finite volumes in 2D);
- CTLD: ``ctld_poincare_3d`` at resolution 1.0 (what ``ctld_poincare_spec`` runs, there at 1.25:
  the 3D lifted chain on (x, y, β), reported default constants
  λ = 1, diam = d, β_max = 14 d² − 1, log r = −7 d²/(1 + β)), by ``poincare_3d``;
- the 1D CTLD lift of the x-marginal target (``ctld_poincare``), whose C_P the 2D lift must
  reach or exceed (the y coordinate only adds modes).
Writes benchmarks/results/ctld_2d.json: values, error estimates, times, the ratios
CTLD/Langevin and CTLD-2D/CTLD-1D, and the first separation where CTLD mixes faster, if any.
"""

from __future__ import annotations

import sys
import time
import warnings
from typing import Any

from benchmarks._util import write_result
from gsmtheory.numeric import ctld_poincare, ctld_poincare_3d, poincare_constant
from gsmtheory.symbolic import GaussianMixture, ctld_parameters, load_spec

SEPARATIONS = (1.0, 2.0, 4.0, 6.0)
EXTENDED = (8.0, 10.0)
RESOLUTION = 1.0  # ctld_poincare_spec uses 1.25 (rel. error ~6e-4 at d = 2, 2.7x slower)


def measure(separations: tuple[float, ...] = SEPARATIONS) -> dict[str, Any]:
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
            ctld = ctld_poincare_3d(mix2, params, resolution=RESOLUTION, rtol=1e-3)
            t2 = time.perf_counter()
            mix1 = GaussianMixture(((-m,), (m,)), (0.5, 0.5), ((1.0,),))
            one = ctld_poincare(mix1, ctld_parameters(mix1))
            t3 = time.perf_counter()
        row = {
            "separation": d, "m": m,
            "langevin": {"value": lang.poincare_constant, "error": lang.error_estimate,
                         "method": lang.method, "status": lang.status, "seconds": t1 - t0},
            "ctld": {"value": ctld.poincare_constant, "error": ctld.error_estimate,
                     "relative_error": ctld.error_estimate / ctld.poincare_constant,
                     "status": ctld.status, "grids": ctld.resolution["levels"],
                     "cells_kept": ctld.resolution["cells_kept"], "seconds": t2 - t1,
                     "resolution": RESOLUTION, "constants": params.to_dict()},
            "ctld_1d_lift": {"value": one.poincare_constant, "error": one.error_estimate,
                             "seconds": t3 - t2},
            "ratio_ctld_over_langevin": ctld.poincare_constant / lang.poincare_constant,
            "ratio_ctld2d_over_ctld1d": ctld.poincare_constant / one.poincare_constant,
        }
        rows.append(row)
        print(f"d={d:g}: Langevin C_P={lang.poincare_constant:.6g} (±{lang.error_estimate:.2g}), "
              f"CTLD C_P={ctld.poincare_constant:.6g} (±{ctld.error_estimate:.2g}, {t2 - t1:.1f} s), "
              f"CTLD/Langevin={row['ratio_ctld_over_langevin']:.3g}, "
              f"2D/1D lift={row['ratio_ctld2d_over_ctld1d']:.4f}", flush=True)
    faster = [r["separation"] for r in rows if r["ratio_ctld_over_langevin"] < 1]
    return {"target": "mixture-2d: unit Gaussians at (±m, 0)", "rows": rows,
            "crossover_separation": faster[0] if faster else None,
            "note": "crossover = first separation where C_P(CTLD) < C_P(Langevin), None if not seen"}


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    t0 = time.perf_counter()
    out = measure(SEPARATIONS + EXTENDED if "--extended" in args else SEPARATIONS)
    out["total_seconds"] = time.perf_counter() - t0
    print(f"crossover: {out['crossover_separation']}; total {out['total_seconds']:.1f} s")
    print(write_result("ctld_2d", out))


if __name__ == "__main__":
    main()
