"""Run every benchmark in its own process (``make bench``); each writes benchmarks/results/<name>.json."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run ``python -m benchmarks.bench_*`` one after another; return the number that failed."""
    failed = 0
    for path in sorted(HERE.glob("bench_*.py")):
        name = f"benchmarks.{path.stem}"
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", name], cwd=HERE.parent)
        print(f"== {name}: exit {code} in {time.perf_counter() - start:.1f} s", flush=True)
        failed += code != 0
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
