"""Start-up of the command line: which heavy libraries a command loads, and what it costs.

Run: ``python -m benchmarks.bench_startup``. For each command, a fresh interpreter runs
``gsmtheory.cli.main`` and reports whether torch and SymPy were imported, and the median wall
time of the whole process over 5 runs against the reference process ``python -c "import numpy"``
in the same session (a ratio, so machine speed cancels). Target: ``derive`` and a 1D ``poincare``
never import torch (it cost 1.4 s of the 3.4 s of ``gsmtheory poincare double-well``).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from benchmarks._util import write_result

COMMANDS = {
    "derive double-well": ["derive", "double-well", "--json"],
    "poincare double-well": ["poincare", "double-well", "--json"],
    "poincare jacobi": ["poincare", "jacobi", "--json"],
    "loss bimodal": ["loss", "bimodal", "--at", "a=1.5", "--json"],
}

_PROBE = """
import contextlib, io, json, sys
import gsmtheory.cli as cli
with contextlib.redirect_stdout(io.StringIO()):
    try:
        cli.main({args!r})
    except SystemExit:
        pass
print(json.dumps({{"torch": "torch" in sys.modules, "sympy": "sympy" in sys.modules}}))
"""


def _wall(argv: list[str], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    import json

    reference = _wall([sys.executable, "-c", "import numpy"])
    rows = {}
    for label, args in COMMANDS.items():
        probe = subprocess.run([sys.executable, "-c", _PROBE.format(args=args)], check=True,
                               capture_output=True, text=True)
        loaded = json.loads(probe.stdout.strip().splitlines()[-1])
        seconds = _wall([sys.executable, "-c", _PROBE.format(args=args)])
        rows[label] = {**loaded, "seconds": seconds, "ratio_to_import_numpy": seconds / reference}
        print(f"{label:<24} torch {loaded['torch']!s:<5} sympy {loaded['sympy']!s:<5} "
              f"{seconds:6.2f} s ({seconds / reference:5.1f}x import numpy)")
    ok = not rows["derive double-well"]["torch"] and not rows["poincare double-well"]["torch"]
    write_result("startup", {"reference_import_numpy_seconds": reference, "commands": rows,
                             "target": "derive and 1D poincare without torch", "met": ok})
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
