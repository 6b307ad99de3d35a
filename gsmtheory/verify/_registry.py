"""Discover and run the checks: ``gsmtheory.claims.check_*`` modules, one claim each.

A check module defines ``CLAIM_ID = "CNN"`` and ``check(quick: bool = True) -> ClaimRecord``.
Discovery imports every ``check_*`` module of the package; a module that fails to import, has
no ``CLAIM_ID`` or no ``check`` becomes a :class:`Check` that runs to an ``"error"`` record, so
one broken check never stops the others.
"""

from __future__ import annotations

import fnmatch
import importlib
import pkgutil
import re
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace

from gsmtheory._errors import GSMError
from gsmtheory._extras import extra_hint, missing_extra
from gsmtheory.verify._record import ClaimRecord

__all__ = ["Check", "discover", "run_check", "select", "verdict_settled"]

_MODULE = re.compile(r"^check_(\d+)")
_VERDICT_ONLY: ContextVar[bool] = ContextVar("gsmtheory_verdict_only", default=False)
#: ``details`` key of a record a check returned at its first failed comparison
STOPPED = "stopped_at_first_failure"


@dataclass(frozen=True)
class Check:
    """One discovered check: the claim id, its module, and the function (or why it is broken).

    Attributes
    ----------
    id : str
        The claim id (``CLAIM_ID`` of the module, e.g. ``"C03"``).
    module : str
        The module's import name.
    function : callable or None
        ``check(quick=True) -> ClaimRecord``.
    problem : str or None
        Why the module is broken (it did not import, or has no ``check``).

    Raises
    ------
    ValueError
        Both or neither of ``function`` and ``problem`` given.

    Examples
    --------
    >>> from gsmtheory.verify import Check, ClaimRecord, run_check
    >>> check = Check("C99", "demo.check_99_one", function=lambda quick=True: ClaimRecord.equality(
    ...     "C99", "One equals one.", "demo", 1.0, 1.0, 1e-12, "exact"))
    >>> check.slug, run_check(check).passed
    ('check_99_one', True)
    """

    id: str
    module: str
    function: Callable[..., ClaimRecord] | None = None
    problem: str | None = None

    def __post_init__(self) -> None:
        if (self.function is None) == (self.problem is None):
            raise ValueError("a Check has either a function or a problem, not both or neither")

    @property
    def slug(self) -> str:
        """The module's last name, e.g. ``check_03_skew_q``."""
        return self.module.rsplit(".", 1)[-1]


def _sort_key(check: Check) -> tuple[int, str, str]:
    m = re.match(r"^[A-Za-z]*(\d+)", check.id)
    return (int(m.group(1)) if m else 10**9, check.id, check.module)


def _fallback_id(name: str) -> str:
    m = _MODULE.match(name)
    return f"C{int(m.group(1)):02d}" if m else name


def discover(package: str = "gsmtheory.claims") -> tuple[Check, ...]:
    """All ``check_*`` modules of ``package``, sorted by claim number then id.

    Parameters
    ----------
    package : str
        The import name of the package holding the checks.

    Returns
    -------
    tuple of Check
        One per ``check_*`` module; a module that does not import, or has no ``check``, comes
        back with its ``problem``.

    Raises
    ------
    GSMError
        The package itself cannot be imported.

    Examples
    --------
    >>> from gsmtheory.verify import discover
    >>> discover("gsmtheory.sweep")                            # a package without checks
    ()
    """
    try:
        pkg = importlib.import_module(package)
    except ImportError as exc:
        raise GSMError(f"cannot import the check package {package!r} ({exc})",
                       "install gsmtheory with its package (pip install -e .)") from exc
    checks: list[Check] = []
    for info in pkgutil.iter_modules(getattr(pkg, "__path__", [])):
        if not info.name.startswith("check_"):
            continue
        name = f"{package}.{info.name}"
        try:
            module = importlib.import_module(name)
        except Exception as exc:
            checks.append(Check(_fallback_id(info.name), name,
                                problem=f"import failed: {type(exc).__name__}: {exc}"))
            continue
        claim_id = getattr(module, "CLAIM_ID", None)
        function = getattr(module, "check", None)
        if not isinstance(claim_id, str) or not callable(function):
            checks.append(Check(claim_id if isinstance(claim_id, str) else _fallback_id(info.name),
                                name, problem="module defines no CLAIM_ID string or no check()"))
            continue
        checks.append(Check(claim_id, name, function=function))
    return tuple(sorted(checks, key=_sort_key))


def select(checks: Sequence[Check], pattern: str | None) -> tuple[Check, ...]:
    """Checks whose id or module name matches ``pattern``.

    ``pattern`` is a comma-separated list of terms, each a case-insensitive substring or glob
    (``C0[1-4]``, ``skew``, ``C03,C04``); None or empty selects everything.

    Parameters
    ----------
    checks : sequence of Check
        The discovered checks.
    pattern : str or None
        The terms.

    Returns
    -------
    tuple of Check
        The matching checks, in their order.

    Examples
    --------
    >>> from gsmtheory.verify import Check, ClaimRecord
    >>> def one(quick=True):
    ...     return ClaimRecord.equality("C99", "One equals one.", "demo", 1.0, 1.0, 1e-12, "exact")
    >>> check = Check("C99", "demo.check_99_one", function=one)
    >>> from gsmtheory.verify import select
    >>> select([check], "c9*"), select([check], "skew")
    ((Check(id='C99', module='demo.check_99_one', function=<function one at ...>, problem=None),), ())
    """
    if not pattern or not pattern.strip():
        return tuple(checks)
    terms = [t.strip().lower() for t in pattern.split(",") if t.strip()]

    def hit(check: Check) -> bool:
        names = (check.id.lower(), check.slug.lower())
        for term in terms:
            glob = any(ch in term for ch in "*?[")
            for n in names:
                if (glob and fnmatch.fnmatchcase(n, term)) or (not glob and term in n):
                    return True
        return False

    return tuple(c for c in checks if hit(c))


def verdict_settled(failed: bool) -> bool:
    """Whether a check may return now: ``failed`` (a comparison it just made does not meet its
    tolerance) and its caller asked for the verdict only (``run_check(..., verdict_only=True)``).

    ``passed`` is the conjunction of a check's comparisons, so one failed comparison settles it; the
    record the check then returns must fail and carry ``details["stopped_at_first_failure"]`` (what
    failed). The mutation tests ask only whether a deliberate bug makes a check fail, and skip the
    rest of the work this way; ``gsmtheory verify`` never does.

    Parameters
    ----------
    failed : bool
        The outcome of the comparison just made (True: outside its tolerance).

    Returns
    -------
    bool
        ``failed`` in a verdict-only run, else False.

    Examples
    --------
    >>> from gsmtheory.verify import verdict_settled
    >>> verdict_settled(True)   # a normal run goes on to its other comparisons
    False
    """
    return failed and _VERDICT_ONLY.get()


def run_check(check: Check, quick: bool = True, *, verdict_only: bool = False) -> ClaimRecord:
    """Run one check; never raises. Wall time goes to ``seconds``; warnings the check emitted
    go to ``details["warnings"]``; an exception becomes an ``"error"`` record with its message.

    Parameters
    ----------
    check : Check
        A discovered check.
    quick : bool
        Quick mode (seconds) or the full run (``--full``).
    verdict_only : bool
        Let the check return at its first failed comparison (:func:`verdict_settled`): the record
        is then only a verdict (``passed`` False), without the rest of its numbers.

    Returns
    -------
    ClaimRecord
        The check's record, or an ``"error"`` record (``"not run"`` when an optional
        dependency is missing).

    Examples
    --------
    >>> from gsmtheory.verify import Check, ClaimRecord
    >>> def one(quick=True):
    ...     return ClaimRecord.equality("C99", "One equals one.", "demo", 1.0, 1.0, 1e-12, "exact")
    >>> check = Check("C99", "demo.check_99_one", function=one)
    >>> from gsmtheory.verify import run_check
    >>> record = run_check(check)
    >>> record.passed, record.status, record.seconds >= 0
    (True, 'ran', True)
    """
    start = time.perf_counter()
    if check.function is None:
        return ClaimRecord.error(check.id, f"{check.module}: {check.problem}",
                                 statement=f"({check.slug} did not run)")
    token = _VERDICT_ONLY.set(verdict_only)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            record = check.function(quick=quick)
    except Exception as exc:
        extra = missing_extra(exc)
        if extra is not None:  # not a failure of the claim: the check needs an optional extra
            record = ClaimRecord.error(check.id, extra_hint(extra, f"{check.id} did not run: it"),
                                       statement=f"({check.slug} needs {extra})",
                                       seconds=time.perf_counter() - start)
            return replace(record, details={**record.details, "missing_extra": extra})
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" at {tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else ""
        return ClaimRecord.error(check.id, f"{type(exc).__name__}: {exc}{where}",
                                 statement=f"({check.slug} raised)",
                                 seconds=time.perf_counter() - start)
    finally:
        _VERDICT_ONLY.reset(token)
    seconds = time.perf_counter() - start
    if not isinstance(record, ClaimRecord):
        return ClaimRecord.error(check.id, f"{check.module}.check returned "
                                 f"{type(record).__name__}, not a ClaimRecord", seconds=seconds)
    if record.id != check.id:
        return ClaimRecord.error(check.id, f"{check.module}.check returned a record for "
                                 f"{record.id!r}, not its CLAIM_ID {check.id!r}",
                                 statement=record.statement, seconds=seconds)
    if STOPPED in record.details and (record.passed or not verdict_only):
        return ClaimRecord.error(check.id, f"{check.module}.check stopped at a first failure "
                                 f"({record.details[STOPPED]}) but its record "
                                 f"{'passes' if record.passed else 'was not asked to stop'}",
                                 statement=record.statement, seconds=seconds)
    if caught:
        texts = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
        record = replace(record, details={**record.details, "warnings": texts})
    return record.with_seconds(seconds)
