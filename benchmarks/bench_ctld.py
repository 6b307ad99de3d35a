"""Benchmark: the full 1D CTLD C_P curve (8 separations, relative error <= 1e-3 each).

Target (issue 5): under 2 minutes on 2 cores. Reference in the same process: the 1D Langevin
C_P at the same separations (``poincare_1d``). Writes benchmarks/results/ctld.json.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np

from gsmtheory.numeric import ctld_poincare, mixture_logpdf, poincare_1d
from gsmtheory.solve import ctld_schedule
from gsmtheory.symbolic import GaussianMixture, ctld_parameters

SEPARATIONS = [0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.5, 7.0]


def main() -> None:
    """Time the CTLD curve and the Langevin reference; print ratios; write JSON."""
    t0 = time.perf_counter()
    rows = []
    for m in SEPARATIONS:
        mix = GaussianMixture(((-m,), (m,)), (0.5, 0.5), ((1.0,),))
        r = ctld_poincare(mix, ctld_schedule(ctld_parameters(mix)), cells=8)
        rows.append({"m": m, "cp": r.poincare_constant, "relative_error": r.relative_error, "status": r.status})
    t_ctld = time.perf_counter() - t0
    t0 = time.perf_counter()
    for m in SEPARATIONS:
        mix = GaussianMixture(((-m,), (m,)), (0.5, 0.5), ((1.0,),))
        poincare_1d(lambda x, mix=mix: mixture_logpdf(mix, x[..., None]), 1.0, -math.inf, math.inf, rtol=1e-6,
                    points=np.array([-m, m]))
    t_ref = time.perf_counter() - t0
    ok = all(r["relative_error"] <= 1e-3 for r in rows)
    out = {"seconds_ctld_curve": t_ctld, "seconds_langevin_reference": t_ref, "ratio": t_ctld / t_ref,
           "target_seconds": 120.0, "meets_target": t_ctld < 120.0 and ok, "all_errors_below_1e-3": ok,
           "curve": rows}
    print(f"CTLD C_P curve: {t_ctld:.2f} s for {len(SEPARATIONS)} separations (target < 120 s), "
          f"max relative error {max(r['relative_error'] for r in rows):.2e}; "
          f"{t_ctld / t_ref:.1f}x the 1D Langevin reference ({t_ref:.2f} s)")
    path = Path(__file__).parent / "results" / "ctld.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
