"""The cost of `poincare` on the catalogue (and on the edge cases of issue #21) as a ratio.

Run: ``python -m benchmarks.bench_poincare_catalogue``. Every catalogue entry's C_P (``api.poincare``,
default tolerances, the CTLD lift where the entry has one) is timed, and so are the issue's edge
cases (sech^2.1, a rotated 2D product, a 3D rotated product, a 3D shell). Each time is divided by
a reference workload timed in the same process (a fixed dense symmetric eigen-solve, 10 × 400²),
so the ratios compare across machines and versions: the brief's budget is "within 2× of the
previous version's ratio on the catalogue". ``--base PATH`` runs the same in a second process on
the package found at PATH (e.g. an unpacked earlier commit) and reports new/base per entry.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from typing import Any

import numpy as np

from benchmarks._util import write_result

EDGES = {
    "sech^2.1": 'coords = ["x"]\nlog_density = "-2.1*log(cosh(x))"\n',
    "rotated logistic x Gaussian (2D)":
        'coords = ["x", "y"]\nlog_density = "-2*log(cosh((x + y)/sqrt(2))) - ((x - y)/sqrt(2))**2"\n',
    "rotated double well x logistic x Gaussian (3D)":
        'coords = ["x", "y", "z"]\nlog_density = "-((x + y)/sqrt(2))**4 + 2*((x + y)/sqrt(2))**2 '
        '- 2*log(cosh((x - y + z)/sqrt(3))) - ((x - y - 2*z)/sqrt(6))**2/2"\n',
    "3D shell": 'coords = ["x", "y", "z"]\nlog_density = "-(x**2 + y**2 + z**2 - 4)**2"\n',
    "coupled double well (2D, with a Lyapunov upper bound)":
        'coords = ["x", "y"]\nlog_density = "-(x**2 - 1)**2 - y**2 - x**2*y**2/2"\n',
    "coupled double well x Gaussians (4D, blocks)":
        'coords = ["x", "y", "z", "w"]\nlog_density = "-(x**2-1)**2 - y**2/2 - z**2/2 - w**2/2 - x**2*y**2/2"\n',
    "heavy in one direction (2D)": 'coords = ["x", "y"]\nlog_density = "-x**2/2 - log(1 + y**2 + x**2*y**2/10)"\n',
}


def _reference() -> float:
    """Median of 5 timings of 10 dense 400 × 400 symmetric eigen-solves (seconds)."""
    a = np.random.default_rng(0).standard_normal((400, 400))
    a = a + a.T
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(10):
            np.linalg.eigvalsh(a)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure() -> dict[str, Any]:
    """Seconds and ratios for every entry, in this process."""
    import gsmtheory
    from gsmtheory import api
    from gsmtheory.symbolic import catalogue_names, load_spec, parse_spec

    sys.stderr.write(f"{gsmtheory.__file__}\n")

    ref = _reference()
    rows = {}
    specs = [(n, load_spec(n)) for n in catalogue_names()] + [(n, parse_spec(t)) for n, t in EDGES.items()]
    for name, spec in specs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            t0 = time.perf_counter()
            try:
                ans = api.poincare(spec)
                status = ans.status
            except Exception as exc:  # a refusal is a result too (its cost counts)
                status = f"error: {type(exc).__name__}"
            sec = time.perf_counter() - t0
        rows[name] = {"seconds": sec, "ratio": sec / ref, "status": status}
    total = sum(r["seconds"] for n, r in rows.items() if n not in EDGES)
    return {"reference_seconds": ref, "rows": rows, "catalogue_seconds": total,
            "catalogue_ratio": total / ref}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", help="PATH holding an earlier gsmtheory package to compare with")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # the package under --base comes first on the path (before the working tree)
        if args.base:
            sys.path.insert(0, args.base)
        print(json.dumps(measure()))
        return
    new = measure()
    out: dict[str, Any] = {"new": new}
    if args.base:
        got = subprocess.run([sys.executable, "-m", "benchmarks.bench_poincare_catalogue", "--child",
                              "--base", os.path.abspath(args.base)], capture_output=True, text=True, check=True)
        base = json.loads(got.stdout.strip().splitlines()[-1])
        base["gsmtheory"] = got.stderr.strip().splitlines()[-1] if got.stderr.strip() else ""
        out["base"] = base
        out["new_over_base"] = {n: new["rows"][n]["ratio"] / base["rows"][n]["ratio"]
                                for n in new["rows"] if n in base["rows"]}
        out["catalogue_new_over_base"] = new["catalogue_ratio"] / base["catalogue_ratio"]
    path = write_result("poincare_catalogue", out)
    for name, row in new["rows"].items():
        extra = f"  new/base {out['new_over_base'][name]:.2f}" if "new_over_base" in out else ""
        print(f"{name:48s} {row['seconds']:8.2f} s  ratio {row['ratio']:8.1f}  {row['status']}{extra}")
    if "catalogue_new_over_base" in out:
        print(f"catalogue total: new/base {out['catalogue_new_over_base']:.2f}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
