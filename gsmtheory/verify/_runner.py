"""Run a selection of checks (in-process, or in worker processes) into a :class:`VerifyResult`."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tqdm import tqdm

from gsmtheory._errors import GSMError
from gsmtheory.verify._record import ClaimRecord
from gsmtheory.verify._registry import Check, discover, run_check, select
from gsmtheory.verify._source import Erratum
from gsmtheory.verify._verdict import VERDICTS, Verdict

__all__ = ["AUTO_JOBS_FROM", "MODES", "VerifyInterrupted", "VerifyResult", "auto_jobs", "run_checks", "verify"]

#: quick: seconds per claim (the default, ``make verify``); full: fine resolutions, larger Monte Carlo
MODES: tuple[str, ...] = ("quick", "full")


@dataclass(frozen=True)
class VerifyResult:
    """The records of one verification run, sorted as discovered (by claim number).

    Attributes
    ----------
    claims : tuple of ClaimRecord
        The records.
    mode : str
        ``"quick"`` or ``"full"``.
    seconds : float
        Wall time of the run.
    selected : int or None
        How many checks were selected (default: ``len(claims)``); more when interrupted.

    Raises
    ------
    ValueError
        A mode other than ``"quick"`` and ``"full"``.

    Examples
    --------
    >>> from gsmtheory.verify import ClaimRecord, VerifyResult
    >>> one = ClaimRecord.equality("C99", "One equals one.", "demo", 1.0, 1.0, 1e-12, "exact")
    >>> res = VerifyResult((one,), "quick", 0.1, selected=2)
    >>> res.passed, res.failed, res.interrupted
    (1, 0, True)
    """

    claims: tuple[ClaimRecord, ...]
    mode: str
    seconds: float
    #: how many checks were selected; more than ``len(claims)`` when the run was interrupted
    selected: int | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode {self.mode!r} is not one of {', '.join(MODES)}")
        object.__setattr__(self, "claims", tuple(self.claims))
        if self.selected is None:
            object.__setattr__(self, "selected", len(self.claims))

    @property
    def interrupted(self) -> bool:
        """True when fewer checks finished than were selected (Ctrl-C or SIGTERM)."""
        return len(self.claims) < (self.selected or 0)

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.claims)

    @property
    def skipped(self) -> int:
        """Checks that did not run because an optional dependency (e.g. torch) is not installed."""
        return sum(1 for c in self.claims if c.details.get("missing_extra"))

    @property
    def failed(self) -> int:
        return len(self.claims) - self.passed - self.skipped

    @property
    def crashed(self) -> int:
        """Checks that raised (no verdict)."""
        return sum(c.status == "crashed" for c in self.claims)

    @property
    def missed_tolerance(self) -> int:
        """Checks that ran but missed their tolerance (their verdicts are not trusted)."""
        return sum(c.status == "missed tolerance" for c in self.claims)

    @property
    def verdicts(self) -> tuple[tuple[ClaimRecord, Verdict], ...]:
        """``(record, verdict)`` for every printed statement tested, checks that crashed excluded."""
        return tuple((c, v) for c in self.claims if c.status != "crashed" for v in c.verdicts)

    @property
    def verdict_counts(self) -> dict[str, int]:
        """How many statements hold, are false, loose or ambiguous (trusted verdicts of checks
        that ran within their tolerance); ``"untrusted"`` counts the others."""
        counts = dict.fromkeys(VERDICTS, 0)
        counts["untrusted"] = 0
        for c, v in self.verdicts:
            if c.status == "ran" and v.trusted:
                counts[v.verdict] += 1
            else:
                counts["untrusted"] += 1
        return counts

    @property
    def headline(self) -> str:
        """``"30 checks ran; of the statements tested: 20 hold, 5 false, 4 loose, 1 ambiguous"``,
        then the checks that crashed or missed their tolerance, each a different thing from a
        statement found false."""
        n = self.verdict_counts
        ran = len(self.claims) - self.crashed - self.skipped
        text = (f"{ran} check{'s' if ran != 1 else ''} ran; of the {sum(n[v] for v in VERDICTS)} statements "
                f"tested: {n['holds']} hold, {n['false']} false, {n['loose']} loose, {n['ambiguous']} ambiguous")
        extra = []
        if n["untrusted"]:
            extra.append(f"{n['untrusted']} verdict{'s' if n['untrusted'] != 1 else ''} not trusted")
        no_verdict = [c.id for c in self.claims if c.status in ("ran", "missed tolerance") and not c.verdicts]
        if no_verdict:
            extra.append(f"no verdict from {', '.join(no_verdict)}")
        if self.skipped:
            extra.append(f"{self.skipped} not run (an optional dependency is missing)")
        extra.append(f"{self.crashed} check{'s' if self.crashed != 1 else ''} crashed")
        extra.append(f"{self.missed_tolerance} missed {'its' if self.missed_tolerance == 1 else 'their'} tolerance")
        return text + "; " + ", ".join(extra)

    @property
    def findings(self) -> tuple[tuple[str, str], ...]:
        """``(claim id, sentence)`` for every finding of every claim."""
        return tuple((c.id, f) for c in self.claims for f in c.findings)

    @property
    def errata(self) -> tuple[tuple[ClaimRecord, Erratum], ...]:
        """``(record, erratum)`` for every printed statement a check found false or loose."""
        return tuple((c, e) for c in self.claims for e in c.errata)

    def to_dict(self) -> dict[str, Any]:
        """``{"claims": [...], "passed": n, "failed": n, "seconds": t, "mode": ..., "errata": [...]}``;
        each erratum carries the claim id and its source's citation."""
        return {"headline": self.headline, "claims": [c.to_dict() for c in self.claims], "passed": self.passed,
                "failed": self.failed, "skipped": self.skipped, "crashed": self.crashed,
                "missed_tolerance": self.missed_tolerance,
                "verdicts": self.verdict_counts,
                "statements": [{"claim": c.id, "status": c.status, **v.to_dict()} for c, v in self.verdicts],
                "seconds": self.seconds, "mode": self.mode,
                "selected": self.selected, "interrupted": self.interrupted,
                "errata": [{"claim": c.id, "source": c.citation, **e.to_dict()} for c, e in self.errata]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VerifyResult:
        return cls(tuple(ClaimRecord.from_dict(c) for c in data["claims"]), data["mode"],
                   float(data["seconds"]), data.get("selected"))


class VerifyInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) during a run; ``partial`` holds the checks that finished.

    Parameters
    ----------
    partial : VerifyResult
        The records of the checks that finished.

    Examples
    --------
    >>> from gsmtheory.verify import VerifyInterrupted, VerifyResult
    >>> str(VerifyInterrupted(VerifyResult((), "quick", 0.0, selected=3)))
    '0 of 3 checks finished'
    """

    def __init__(self, partial: VerifyResult) -> None:
        super().__init__(f"{len(partial.claims)} of {partial.selected} checks finished")
        self.partial = partial


def _run_in_worker(package: str, module: str, quick: bool) -> ClaimRecord:
    for check in discover(package):
        if check.module == module:
            return run_check(check, quick)
    return ClaimRecord.error(module, f"{module} not found in a worker process")  # pragma: no cover


#: the thread pools of BLAS, OpenMP and torch, read when a worker imports numpy or torch
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def _threads_per_worker(jobs: int) -> Iterator[None]:
    """Workers spawned inside the block share the cores: each gets cores // jobs threads (unless
    the user set the variables), so two workers with a torch pool each do not oversubscribe 2 cores."""
    per = str(max(1, (os.cpu_count() or 1) // jobs))
    saved = {k: os.environ.get(k) for k in THREAD_VARIABLES}
    os.environ.update({k: per for k, v in saved.items() if v is None})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel queued checks and end the running ones: no worker outlives an interrupt."""
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in multiprocessing.active_children():
        proc.terminate()


def run_checks(checks: Sequence[Check], *, quick: bool = True, progress: bool | None = False,
               jobs: int = 1, package: str = "gsmtheory.claims",
               on_record: Callable[[Check, ClaimRecord], None] | None = None) -> VerifyResult:
    """Run ``checks`` and collect their records (order kept); a tqdm bar on stderr if
    ``progress`` (``None``: only when stderr is a terminal).

    ``jobs > 1`` runs the checks in that many spawned worker processes (each re-discovers
    ``package``); the default runs them one after the other in this process. ``on_record`` is
    called with each check and its record as soon as it finishes (the journal of
    ``verify --report``).

    Parameters
    ----------
    checks : sequence of Check
        What to run (:func:`discover`, :func:`select`).
    quick : bool
        Quick mode, or the full run.
    progress : bool or None
        Show the progress bar (None: when stderr is a terminal).
    jobs : int
        Worker processes (1: in this process).
    package : str
        The check package the workers re-discover.
    on_record : callable, optional
        ``on_record(check, record)`` as each check finishes.

    Returns
    -------
    VerifyResult
        The records in the order of ``checks``.

    Raises
    ------
    GSMError
        ``jobs`` below 1.
    VerifyInterrupted
        On Ctrl-C: carries the records that finished (workers are stopped first).

    Examples
    --------
    >>> from gsmtheory.verify import Check, ClaimRecord
    >>> def one(quick=True):
    ...     return ClaimRecord.equality("C99", "One equals one.", "demo", 1.0, 1.0, 1e-12, "exact")
    >>> check = Check("C99", "demo.check_99_one", function=one)
    >>> from gsmtheory.verify import run_checks
    >>> result = run_checks([check])
    >>> result.passed, result.mode
    (1, 'quick')
    """
    if jobs < 1:
        raise GSMError(f"--jobs must be at least 1, got {jobs}", "give a positive number of workers")
    start = time.perf_counter()
    records: dict[int, ClaimRecord] = {}
    bar = tqdm(total=len(checks), desc="verify", unit="claim", file=sys.stderr,
               disable=None if progress is None else not progress, leave=True,
               dynamic_ncols=True)

    def done(i: int, record: ClaimRecord) -> None:
        records[i] = record
        if on_record is not None:
            on_record(checks[i], record)
        bar.set_postfix_str(checks[i].id)
        bar.update(1)

    def result() -> VerifyResult:
        return VerifyResult(tuple(records[i] for i in sorted(records)),
                            "quick" if quick else "full", time.perf_counter() - start, len(checks))

    try:
        if jobs == 1 or len(checks) <= 1:
            for i, check in enumerate(checks):
                bar.set_postfix_str(check.id)
                done(i, run_check(check, quick))
        else:
            ctx = multiprocessing.get_context("spawn")
            pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx)
            try:
                with _threads_per_worker(jobs):  # the workers start at the first submit
                    futures = {pool.submit(_run_in_worker, package, c.module, quick): i
                               for i, c in enumerate(checks)}
                for fut in as_completed(futures):
                    i = futures[fut]
                    try:
                        record = fut.result()
                    except Exception as exc:  # a worker died
                        record = ClaimRecord.error(checks[i].id, f"worker failed: {exc}")
                    done(i, record)
            except BaseException:
                _stop_workers(pool)
                raise
            pool.shutdown(wait=True)
    except KeyboardInterrupt:
        raise VerifyInterrupted(result()) from None
    finally:
        bar.close()
    return result()


#: ``jobs=0`` (the command line's default) runs this many checks or more in worker processes
AUTO_JOBS_FROM = 8


def auto_jobs(n_checks: int) -> int:
    """Worker processes for ``jobs=0``: one per core, at most 2, when ``n_checks >= AUTO_JOBS_FROM``
    (a worker costs seconds to start, more than a handful of checks gain); else 1 (in-process)."""
    return max(1, min(2, os.cpu_count() or 1)) if n_checks >= AUTO_JOBS_FROM else 1


def verify(pattern: str | None = None, *, quick: bool = True, package: str = "gsmtheory.claims",
           progress: bool | None = False, jobs: int = 1,
           on_record: Callable[[Check, ClaimRecord], None] | None = None,
           finished: dict[str, ClaimRecord] | None = None) -> VerifyResult:
    """Discover the checks of ``package``, keep those matching ``pattern``, run them.

    ``jobs=0`` picks the number of worker processes by :func:`auto_jobs`. ``finished`` maps check modules to records of an earlier, interrupted run of the same mode
    (``verify --resume``): those checks are not run again, and their records are merged in
    discovery order. ``on_record`` is passed to :func:`run_checks`.

    Parameters
    ----------
    pattern : str or None
        Which checks (:func:`select`); None runs all.
    quick : bool
        Quick mode (``make verify``), or the full run (``--full``).
    package : str
        The check package (``gsmtheory.claims``).
    progress, jobs, on_record
        As for :func:`run_checks`.
    finished : dict, optional
        Records of an earlier interrupted run, by check module.

    Returns
    -------
    VerifyResult
        The records, in discovery order.

    Raises
    ------
    GSMError
        No check matches ``pattern`` (or the package has none).
    VerifyInterrupted
        On Ctrl-C, with the records that finished (earlier ones merged in).

    Examples
    --------
    >>> from gsmtheory.verify import verify
    >>> verify(package="gsmtheory.sweep")
    Traceback (most recent call last):
    ...
    gsmtheory._errors.GSMError: no check was found in 'gsmtheory.sweep'; see the ids with 'gsmtheory verify --list'
    """
    checks = select(discover(package), pattern)
    if not checks:
        what = f"matches {pattern!r}" if pattern else f"was found in {package!r}"
        raise GSMError(f"no check {what}", "see the ids with 'gsmtheory verify --list'")
    finished = dict(finished or {})
    todo = [c for c in checks if c.module not in finished]
    new: dict[str, ClaimRecord] = {}

    def record(check: Check, rec: ClaimRecord) -> None:
        new[check.module] = rec
        if on_record is not None:
            on_record(check, rec)

    def merged(seconds: float) -> VerifyResult:
        got = {**finished, **new}
        return VerifyResult(tuple(got[c.module] for c in checks if c.module in got),
                            "quick" if quick else "full", seconds, len(checks))

    try:
        fresh = run_checks(todo, quick=quick, progress=progress, jobs=jobs or auto_jobs(len(todo)), package=package,
                           on_record=record)
    except VerifyInterrupted as stop:
        raise VerifyInterrupted(merged(stop.partial.seconds)) from None
    return merged(fresh.seconds)
