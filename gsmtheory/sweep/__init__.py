"""Parameter sweeps: a sweep file, a resumable SQLite store, local or Dask execution, plots.

>>> from gsmtheory.sweep import parse_sweep, expand_grid
>>> sweep = parse_sweep('spec = "gaussian"\\ntask = "selftest"\\n[grid]\\nsigma = [1.0, 2.0]')
>>> [p.params for p in expand_grid(sweep)]
[{'sigma': 1.0}, {'sigma': 2.0}]
"""

from gsmtheory.sweep._execute import SweepSummary, run_sweep
from gsmtheory.sweep._pools import default_workers
from gsmtheory.sweep._store import SweepStore, open_store
from gsmtheory.sweep._store_format import STORE_FORMAT, STORE_SCHEMA
from gsmtheory.sweep._store_read import StoredRow, read_rows, read_sweeps
from gsmtheory.sweep._sweep_report import Report, draw_report, scalar_results
from gsmtheory.sweep._sweepfile import (
    SweepFile,
    SweepPoint,
    canonical_json,
    expand_grid,
    load_sweep,
    parse_sweep,
)
from gsmtheory.sweep._tasks import TASKS, Job, Outcome, execute, jsonable

__all__ = [
    "STORE_FORMAT",
    "STORE_SCHEMA",
    "TASKS",
    "Job",
    "Outcome",
    "Report",
    "StoredRow",
    "SweepFile",
    "SweepPoint",
    "SweepStore",
    "SweepSummary",
    "canonical_json",
    "default_workers",
    "draw_report",
    "execute",
    "expand_grid",
    "jsonable",
    "load_sweep",
    "open_store",
    "parse_sweep",
    "read_rows",
    "read_sweeps",
    "run_sweep",
    "scalar_results",
]
