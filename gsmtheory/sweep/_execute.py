"""Run a sweep: one code path over a local process pool or an existing Dask cluster.

Both back ends are a :class:`concurrent.futures.Executor` (the local pool and the Dask cluster
are in ``_pools``). The parent submits a bounded window of jobs, waits for the first to complete,
commits its row to the store in its own transaction and tops the window up; no scheduling logic
of our own beyond that window.
"""

from __future__ import annotations

import concurrent.futures as cf
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from gsmtheory import __version__
from gsmtheory._device import resolve_device
from gsmtheory._errors import GSMError
from gsmtheory._extras import require
from gsmtheory.sweep._pools import (
    PRELOAD,
    PRELOAD_SELFTEST,
    check_scheduler,
    default_workers,
    executor,
)
from gsmtheory.sweep._store import open_store
from gsmtheory.sweep._sweepfile import SweepFile, expand_grid
from gsmtheory.sweep._tasks import Job, Outcome, execute

__all__ = ["SweepSummary", "run_sweep"]


@dataclass(frozen=True)
class SweepSummary:
    r"""What a sweep run did: ``total = written + skipped + failed + not_run``.

    Attributes
    ----------
    total, written, skipped, failed : int
        Grid points; rows written now; points already ``ok`` in the store; rows stored as errors.
    seconds : float
        Wall time.
    workers : int
        Local worker processes (0 on a Dask cluster).
    scheduler : str or None
        The Dask scheduler's address.
    device : str
        The torch device asked for (``auto`` is resolved by each task that uses torch).
    spec_hash, store : str
        The sweep's identity and the store.

    Raises
    ------
    ValueError
        Negative counts, or more rows than grid points.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from gsmtheory.sweep import parse_sweep, run_sweep
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> sweep = parse_sweep('spec = "double-well"\ntask = "selftest"\n[grid]\nbeta = [1.0, 2.0, 4.0]')
    >>> summary = run_sweep(sweep, folder / "r.sqlite", workers=1, progress=False)
    >>> summary.total, summary.written, summary.skipped, summary.failed
    (3, 3, 0, 0)
    >>> run_sweep(sweep, folder / "r.sqlite", workers=1, progress=False).skipped   # resumes: nothing again
    3
    """

    total: int
    written: int
    skipped: int
    failed: int
    seconds: float
    workers: int
    scheduler: str | None
    device: str
    spec_hash: str
    store: str

    def __post_init__(self) -> None:
        if min(self.total, self.written, self.skipped, self.failed) < 0:
            raise ValueError("counts must be non-negative")
        if self.written + self.skipped + self.failed > self.total:
            raise ValueError("written + skipped + failed exceeds total")

    def to_dict(self) -> dict[str, Any]:
        """JSON keys of docs/design.md §4 (total, written, skipped) plus failed, seconds, back end."""
        return {"total": self.total, "written": self.written, "skipped": self.skipped,
                "failed": self.failed, "seconds": self.seconds, "workers": self.workers,
                "scheduler": self.scheduler, "device": self.device, "spec_hash": self.spec_hash,
                "store": self.store}


def _job_device(device: str, scheduler: str | None) -> str:
    """Check the name here; ``auto`` is resolved by the task that uses torch (a worker of a
    cluster resolves it on its own machine; a task without torch never imports it). An explicit
    ``cuda`` is checked now for a local pool, so a machine without one fails before any task."""
    if device == "auto":
        return device
    if scheduler is not None:
        if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
            resolve_device(device)  # raises the unknown-device error
        return device
    return resolve_device(device)


def run_sweep(sweep: SweepFile, store: str | Path, *, workers: int | None = None,
              scheduler: str | None = None, device: str = "auto", progress: bool | None = None,
              data: Any = None, connect_timeout: float = 20.0) -> SweepSummary:
    r"""Run every grid point of ``sweep`` not yet ``ok`` in ``store``; commit each row on arrival.

    Parameters
    ----------
    sweep : SweepFile
        a validated sweep (:func:`gsmtheory.sweep.load_sweep`).
    store : path
        the SQLite store; created when absent; locked for the run.
    workers : int, optional
        local worker processes (default: the cores available); ignored with ``scheduler``.
    scheduler : str, optional
        address of a running Dask scheduler (``tcp://host:port``); the same code path.
    device : {"auto", "cpu", "cuda"}
        torch device for tasks that use torch.
    progress : bool or None
        tqdm bar on stderr: True always, False never, None only on a terminal.
    data : array, optional
        samples for ``fit`` (loaded from ``task_options.data`` when omitted).
    connect_timeout : float
        seconds to wait for the Dask scheduler.

    Returns
    -------
    SweepSummary
        total, written, skipped (already ``ok`` in the store), failed (stored as ``error``).

    Raises
    ------
    GSMError
        A bad ``workers`` count, a scheduler that does not answer (or Dask not installed),
        an unknown device, a store that cannot be used, a worker process that died.
    KeyboardInterrupt
        Ctrl-C or SIGTERM (through the command line): the pool is stopped at once, every
        finished row is stored, and the same call resumes without repeating them.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from gsmtheory.sweep import parse_sweep, read_rows, run_sweep
    >>> store = pathlib.Path(tempfile.mkdtemp()) / "r.sqlite"
    >>> sweep = parse_sweep('spec = "double-well"\ntask = "selftest"\n[grid]\nbeta = [1.0, 2.0]')
    >>> run_sweep(sweep, store, workers=1, progress=False).written
    2
    >>> sorted(r.params["beta"] for r in read_rows(store))
    [1.0, 2.0]
    """
    start = time.perf_counter()
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise GSMError(f"--workers must be a positive integer, got {workers}", "give --workers 1 or more")
    n_workers = default_workers() if workers is None else int(workers)
    if scheduler is not None:  # before the store is touched
        require("distributed", "sweep --scheduler (a Dask cluster)")
        check_scheduler(scheduler)
    job_device = _job_device(device, scheduler)
    if sweep.task == "fit" and data is None and sweep.data_path is not None:
        from gsmtheory.estimation import load_data
        from gsmtheory.symbolic import parse_spec

        data = load_data(sweep.data_path, parse_spec(sweep.spec_text, name=sweep.spec_name).diffusion.dim)
    points = expand_grid(sweep)
    spec_hash = sweep.spec_hash
    with open_store(store) as db:
        db.register(spec_hash, sweep.task, sweep.spec_name, sweep.spec_text, sweep.options_json,
                    sweep.grid_dict, sweep.source)
        done = db.finished_keys(spec_hash, sweep.task)
        pending = [Job(sweep.task, sweep.spec_name, sweep.spec_text, p.constants, p.key,
                       sweep.options_json, job_device, data)
                   for p in points if p.key not in done]
        skipped = len(points) - len(pending)
        written = failed = 0
        if pending:
            with executor(n_workers, scheduler, connect_timeout,
                           PRELOAD_SELFTEST if sweep.task == "selftest" else PRELOAD) as (ex, slots), \
                    tqdm(total=len(pending), desc=f"sweep {sweep.task}", unit="task", file=sys.stderr,
                         disable=(not progress) if progress is not None else None) as bar:
                todo = iter(pending)
                window = max(2, 2 * slots)
                running: set[cf.Future[Outcome]] = set()
                jobs: dict[cf.Future[Outcome], Job] = {}

                def top_up() -> None:
                    for job in todo:
                        fut = ex.submit(execute, job)
                        running.add(fut)
                        jobs[fut] = job
                        if len(running) >= window:
                            break

                top_up()
                while running:
                    finished, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                    for fut in finished:
                        running.discard(fut)
                        job = jobs.pop(fut)
                        outcome = _outcome(fut, job)
                        db.write(spec_hash, sweep.task, job.key, outcome.status, outcome.result_json,
                                 outcome.error, outcome.seconds, __version__, outcome.device,
                                 outcome.worker)
                        if outcome.status == "ok":
                            written += 1
                        else:
                            failed += 1
                        bar.update(1)
                    top_up()
    return SweepSummary(total=len(points), written=written, skipped=skipped, failed=failed,
                        seconds=time.perf_counter() - start,
                        workers=n_workers if scheduler is None else 0, scheduler=scheduler,
                        device=job_device, spec_hash=spec_hash, store=str(store))


def _outcome(fut: cf.Future[Outcome], job: Job) -> Outcome:
    """The worker's outcome; a task lost by the back end (not a task error) becomes an error row."""
    try:
        return fut.result()
    except BrokenProcessPool:
        raise GSMError("a worker process died (out of memory or killed?)",
                       "finished rows are stored; re-run the same command to continue") from None
    except Exception as exc:  # e.g. distributed.KilledWorker, a lost connection
        message = " ".join(str(exc).split())
        return Outcome(job.key, "error", None, f"{type(exc).__name__}: {message}"[:2000], 0.0,
                       job.device, "?")
