"""Run a selection of checks (in-process, or in worker processes) into a :class:`VerifyResult`."""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from tqdm import tqdm

from gsmtheory._errors import GSMError
from gsmtheory.verify._record import ClaimRecord, Erratum
from gsmtheory.verify._registry import Check, discover, run_check, select

__all__ = ["MODES", "VerifyResult", "run_checks", "verify"]

#: quick: seconds per claim (the default, ``make verify``); full: fine resolutions, larger Monte Carlo
MODES: tuple[str, ...] = ("quick", "full")


@dataclass(frozen=True)
class VerifyResult:
    """The records of one verification run, sorted as discovered (by claim number)."""

    claims: tuple[ClaimRecord, ...]
    mode: str
    seconds: float

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode {self.mode!r} is not one of {', '.join(MODES)}")
        object.__setattr__(self, "claims", tuple(self.claims))

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.claims)

    @property
    def failed(self) -> int:
        return len(self.claims) - self.passed

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
        return {"claims": [c.to_dict() for c in self.claims], "passed": self.passed,
                "failed": self.failed, "seconds": self.seconds, "mode": self.mode,
                "errata": [{"claim": c.id, "source": c.citation, **e.to_dict()} for c, e in self.errata]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VerifyResult:
        return cls(tuple(ClaimRecord.from_dict(c) for c in data["claims"]), data["mode"],
                   float(data["seconds"]))


def _run_in_worker(package: str, module: str, quick: bool) -> ClaimRecord:
    for check in discover(package):
        if check.module == module:
            return run_check(check, quick)
    return ClaimRecord.error(module, f"{module} not found in a worker process")  # pragma: no cover


def run_checks(checks: Sequence[Check], *, quick: bool = True, progress: bool = False,
               jobs: int = 1, package: str = "proofs_checks") -> VerifyResult:
    """Run ``checks`` and collect their records (order kept); a tqdm bar on stderr if ``progress``.

    ``jobs > 1`` runs the checks in that many spawned worker processes (each re-discovers
    ``package``); the default runs them one after the other in this process.
    """
    if jobs < 1:
        raise GSMError(f"--jobs must be at least 1, got {jobs}", "give a positive number of workers")
    start = time.perf_counter()
    records: dict[int, ClaimRecord] = {}
    bar = tqdm(total=len(checks), desc="verify", unit="claim", file=sys.stderr,
               disable=not progress, leave=True, dynamic_ncols=True)
    try:
        if jobs == 1 or len(checks) <= 1:
            for i, check in enumerate(checks):
                bar.set_postfix_str(check.id)
                records[i] = run_check(check, quick)
                bar.update(1)
        else:
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
                futures = {pool.submit(_run_in_worker, package, c.module, quick): i
                           for i, c in enumerate(checks)}
                for fut in as_completed(futures):
                    i = futures[fut]
                    try:
                        records[i] = fut.result()
                    except Exception as exc:  # a worker died
                        records[i] = ClaimRecord.error(checks[i].id, f"worker failed: {exc}")
                    bar.set_postfix_str(checks[i].id)
                    bar.update(1)
    finally:
        bar.close()
    return VerifyResult(tuple(records[i] for i in range(len(checks))),
                        "quick" if quick else "full", time.perf_counter() - start)


def verify(pattern: str | None = None, *, quick: bool = True, package: str = "proofs_checks",
           progress: bool = False, jobs: int = 1) -> VerifyResult:
    """Discover the checks of ``package``, keep those matching ``pattern``, run them.

    Raises
    ------
    GSMError
        No check matches ``pattern`` (or the package has none).
    """
    checks = select(discover(package), pattern)
    if not checks:
        what = f"matches {pattern!r}" if pattern else f"was found in {package!r}"
        raise GSMError(f"no check {what}", "see the ids with 'gsmtheory verify --list'")
    return run_checks(checks, quick=quick, progress=progress, jobs=jobs, package=package)
