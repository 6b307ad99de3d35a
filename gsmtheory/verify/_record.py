"""The claim record: what one executable check of docs/design.md §2 returns.

A record holds the claim (statement, reference), how it is tested (kind, relation, tolerance
and its reason), what came out (computed against theoretical, passed, seconds) and anything a
reader needs beyond that (details: extra numbers and plot series; findings: sentences stating
where a computed case contradicts the claim *as reported*, with numbers).

The constructors :meth:`ClaimRecord.equality`, :meth:`ClaimRecord.bound`,
:meth:`ClaimRecord.rate` and :meth:`ClaimRecord.finding` decide ``passed`` from the kind, so
a failing check always carries the observed value that failed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from gsmtheory._json import plain
from gsmtheory.verify._entries import (
    bound_relation,
    count_numbers,
    equality_relation,
    flatten,
    read_numbers,
    read_verdict_numbers,
    short,
)
from gsmtheory.verify._source import Erratum, Source, as_errata, as_source, as_verdicts
from gsmtheory.verify._verdict import Verdict, worst_verdict

__all__ = ["KINDS", "STATUSES", "ClaimRecord", "plain"]


#: whether a check ran: it crashed (raised), missed its tolerance, or ran and met it
STATUSES: tuple[str, ...] = ("ran", "missed tolerance", "crashed")


#: the kinds of claim. "error" is reserved for the registry: a check that raised or did not import.
KINDS: tuple[str, ...] = ("equality", "upper_bound", "lower_bound", "rate", "finding", "error")


_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class ClaimRecord:
    """One claim of docs/design.md §2, checked.

    Attributes
    ----------
    id : str
        ``"C01"`` … ``"C16"`` (further claims continue the numbering).
    statement : str
        The claim in one or two sentences, as the paper states it.
    reference : str
        Paper and result, e.g. ``"Qin & Risteski 2023, Lemma 2"``.
    kind : str
        ``"equality"``, ``"upper_bound"``, ``"lower_bound"``, ``"rate"`` or ``"finding"``
        (``"error"`` only from the registry).
    relation : str
        Human-readable relation tested, e.g. ``"|computed−theoretical|/|theoretical| ≤ 1e-08"``.
    computed, theoretical
        Float or a small JSON-able structure (lists, dicts of floats).
    passed : bool
        Whether the relation holds.
    tolerance : float or None
        The numeric tolerance of the relation; ``tolerance_reason`` says where it comes from.
    seconds : float
        Wall time of the check (the registry measures and sets it).
    details : dict
        Extra JSON-able numbers. ``details["plots"]`` is a list of plot specs (see :func:`plot`)
        that the report draws; plots sharing a ``name`` are merged across claims.
    findings : tuple of str
        Plain sentences with numbers, where a computed case contradicts the claim as reported.
    source : Source or None
        Where the claim is printed (paper, locator, printed formula); None only for records of
        checks outside the package (the registry's error records, test fixtures).
    errata : tuple of Erratum
        Printed statements this check found false or loose; the report's errata section is
        built from these and nothing else.
    verdicts : tuple of Verdict
        One verdict per printed statement the check tests (``holds``, ``false``, ``loose``,
        ``ambiguous``), separate from ``passed`` (whether the check ran and met its tolerance).
    labels : tuple of str
        One label per number of ``computed`` (flattened), saying what each entry is; the report
        shows computed and theoretical values entry by entry under these labels.

    Raises
    ------
    ValueError
        An id that is not an identifier like ``"C07"``, an unknown kind, a negative tolerance,
        non-finite or negative seconds, or labels that do not match the computed numbers.
    TypeError
        ``passed`` not a bool, findings or labels given as one string, an empty finding, or a
        source, erratum or verdict of the wrong type.

    Examples
    --------
    >>> from gsmtheory.verify import ClaimRecord
    >>> rec = ClaimRecord.bound("C99", "x ≤ 2", "demo", 1.5, 2.0)
    >>> rec.passed, rec.relation, rec.details["slack"]
    (True, 'computed ≤ theoretical', 1.3333333333333333)
    >>> ClaimRecord.from_dict(rec.to_dict()) == rec
    True
    """

    id: str
    statement: str
    reference: str
    kind: str
    relation: str
    computed: Any
    theoretical: Any
    passed: bool
    tolerance: float | None = None
    tolerance_reason: str = ""
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)
    findings: tuple[str, ...] = ()
    source: Source | None = None
    errata: tuple[Erratum, ...] = ()
    verdicts: tuple[Verdict, ...] = ()
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID.match(self.id):
            raise ValueError(f"claim id {self.id!r} is not an identifier like 'C07'")
        if self.kind not in KINDS:
            raise ValueError(f"claim kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if not isinstance(self.passed, bool | np.bool_):
            raise TypeError(f"passed must be a bool, got {type(self.passed).__name__}")
        if self.tolerance is not None and not (
            isinstance(self.tolerance, int | float | np.number) and self.tolerance >= 0
        ):
            raise ValueError(f"tolerance must be a non-negative number or None, got {self.tolerance!r}")
        if not (isinstance(self.seconds, int | float) and math.isfinite(self.seconds)) or self.seconds < 0:
            raise ValueError(f"seconds must be finite and non-negative, got {self.seconds!r}")
        if isinstance(self.findings, str):
            raise TypeError("findings must be a sequence of sentences, not one string")
        findings = tuple(self.findings)
        if not all(isinstance(f, str) and f.strip() for f in findings):
            raise TypeError("every finding must be a non-empty sentence")
        object.__setattr__(self, "passed", bool(self.passed))
        object.__setattr__(self, "tolerance", None if self.tolerance is None else float(self.tolerance))
        object.__setattr__(self, "seconds", float(self.seconds))
        object.__setattr__(self, "computed", plain(self.computed))
        object.__setattr__(self, "theoretical", plain(self.theoretical))
        object.__setattr__(self, "details", plain(dict(self.details)))
        object.__setattr__(self, "findings", findings)
        object.__setattr__(self, "source", as_source(self.source))
        object.__setattr__(self, "errata", as_errata(self.errata))
        object.__setattr__(self, "verdicts", as_verdicts(self.verdicts))
        if isinstance(self.labels, str):
            raise TypeError("labels must be a sequence of strings, one per computed number")
        labels = tuple(str(x) for x in self.labels)
        if labels and self.kind != "error":
            n = count_numbers(self.computed)
            if n != len(labels):
                raise ValueError(f"{len(labels)} labels for {n} computed numbers; give one label per number")
        object.__setattr__(self, "labels", labels)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def equality(
        cls,
        id: str,
        statement: str,
        reference: str,
        computed: Any,
        theoretical: Any,
        tolerance: float,
        tolerance_reason: str,
        *,
        relative: bool = True,
        details: Mapping[str, Any] | None = None,
        findings: Sequence[str] = (),
        source: Source | None = None,
        errata: Sequence[Erratum] = (),
        verdicts: Sequence[Verdict] = (),
        labels: Sequence[str] = (),
    ) -> ClaimRecord:
        """Equality within a named tolerance, elementwise over nested values.

        relative: ``max |c − t| / max(|t|, tiny) ≤ tolerance`` (scale from each theoretical
        entry); absolute: ``max |c − t| ≤ tolerance``. NaN anywhere fails. The observed error is
        kept in ``details["error"]``.
        """
        relation, passed, err = equality_relation(computed, theoretical, tolerance, relative)
        d = {"error": err, **(dict(details) if details else {})}
        return cls(id, statement, reference, "equality", relation, computed, theoretical, passed,
                   tolerance, tolerance_reason, details=d, findings=tuple(findings), source=source,
                   errata=tuple(errata), verdicts=tuple(verdicts), labels=tuple(labels))

    @classmethod
    def bound(
        cls,
        id: str,
        statement: str,
        reference: str,
        computed: Any,
        theoretical: Any,
        *,
        upper: bool = True,
        tolerance: float = 0.0,
        tolerance_reason: str = "exact inequality; computed to floating-point accuracy",
        details: Mapping[str, Any] | None = None,
        findings: Sequence[str] = (),
        source: Source | None = None,
        errata: Sequence[Erratum] = (),
        verdicts: Sequence[Verdict] = (),
        labels: Sequence[str] = (),
    ) -> ClaimRecord:
        """One-sided bound, elementwise: ``computed ≤ theoretical·(1 + tol)`` (upper) or
        ``computed ≥ theoretical·(1 − tol)`` (lower), the tolerance scaled by ``|theoretical|``.

        ``details["slack"]`` holds the smallest ``theoretical/computed`` (upper) or
        ``computed/theoretical`` (lower) ratio: how tight the bound is (1 = tight).
        """
        relation, passed, slack = bound_relation(computed, theoretical, tolerance, upper)
        d = {"slack": slack, **(dict(details) if details else {})}
        kind = "upper_bound" if upper else "lower_bound"
        return cls(id, statement, reference, kind, relation, computed, theoretical, passed,
                   tolerance, tolerance_reason, details=d, findings=tuple(findings), source=source,
                   errata=tuple(errata), verdicts=tuple(verdicts), labels=tuple(labels))

    @classmethod
    def rate(
        cls,
        id: str,
        statement: str,
        reference: str,
        computed: float,
        band: tuple[float, float],
        tolerance_reason: str,
        *,
        theoretical: Any = None,
        details: Mapping[str, Any] | None = None,
        findings: Sequence[str] = (),
        source: Source | None = None,
        errata: Sequence[Erratum] = (),
        verdicts: Sequence[Verdict] = (),
        labels: Sequence[str] = (),
    ) -> ClaimRecord:
        """A fitted rate (exponent, growth constant) that must lie in ``band = (lo, hi)``.

        ``theoretical`` defaults to the band as ``[lo, hi]``; ``tolerance`` is the half-width.
        """
        lo, hi = float(band[0]), float(band[1])
        if not lo <= hi:
            raise ValueError(f"rate band ({lo}, {hi}) is empty; give (lo, hi) with lo ≤ hi")
        c = float(computed)
        passed = bool(math.isfinite(c) and lo <= c <= hi)
        relation = f"{short(lo)} ≤ fitted rate ≤ {short(hi)}"
        return cls(id, statement, reference, "rate", relation, c,
                   [lo, hi] if theoretical is None else theoretical, passed, (hi - lo) / 2,
                   tolerance_reason, details=dict(details) if details else {},
                   findings=tuple(findings), source=source, errata=tuple(errata),
                   verdicts=tuple(verdicts), labels=tuple(labels))

    @classmethod
    def finding(
        cls,
        id: str,
        statement: str,
        reference: str,
        computed: Any,
        theoretical: Any,
        findings: Sequence[str],
        *,
        relation: str = "reported as a finding: computed against the value as reported",
        passed: bool = True,
        tolerance: float | None = None,
        tolerance_reason: str = "",
        details: Mapping[str, Any] | None = None,
        source: Source | None = None,
        errata: Sequence[Erratum] = (),
        verdicts: Sequence[Verdict] = (),
        labels: Sequence[str] = (),
    ) -> ClaimRecord:
        """A result that is reported rather than asserted (e.g. the smallest constant a theorem
        needs). ``passed`` says whether the computation itself succeeded; give at least one
        finding sentence."""
        findings = tuple(findings)
        if not findings:
            raise ValueError("a finding record needs at least one finding sentence")
        return cls(id, statement, reference, "finding", relation, computed, theoretical, passed,
                   tolerance, tolerance_reason, details=dict(details) if details else {},
                   findings=findings, source=source, errata=tuple(errata), verdicts=tuple(verdicts),
                   labels=tuple(labels))

    @classmethod
    def error(cls, id: str, message: str, *, statement: str = "", reference: str = "",
              seconds: float = 0.0) -> ClaimRecord:
        """The record of a check that raised or could not be imported (registry only)."""
        return cls(id, statement or "(check did not run)", reference, "error",
                   "the check raised before producing a result", None, None, False,
                   seconds=seconds, details={"error": message})

    # ------------------------------------------------------------------ helpers
    def with_seconds(self, seconds: float) -> ClaimRecord:
        """The same record with its wall time set."""
        return replace(self, seconds=seconds)

    def with_findings(self, *sentences: str) -> ClaimRecord:
        """The same record with more findings appended."""
        return replace(self, findings=(*self.findings, *sentences))

    def with_source(self, source: Source) -> ClaimRecord:
        """The same record with its source set."""
        return replace(self, source=source)

    def with_errata(self, *errata: Erratum) -> ClaimRecord:
        """The same record with more errata appended."""
        return replace(self, errata=(*self.errata, *errata))

    def with_verdicts(self, *verdicts: Verdict) -> ClaimRecord:
        """The same record with more verdicts appended."""
        return replace(self, verdicts=(*self.verdicts, *verdicts))

    @property
    def status(self) -> str:
        """Whether the check ran: ``"not run"`` (an optional dependency such as torch is missing),
        ``"crashed"`` (it raised), ``"missed tolerance"`` (its relation failed: the computation or
        the corrected statement is in doubt) or ``"ran"``. A printed statement found false is a
        verdict of a check that ran, not a failure."""
        if self.kind == "error":
            return "not run" if self.details.get("missing_extra") else "crashed"
        return "ran" if self.passed else "missed tolerance"

    @property
    def verdict(self) -> str | None:
        """The most severe verdict over the statements tested (None: no verdict given)."""
        return worst_verdict(self.verdicts)

    def entries(self) -> list[tuple[str, Any, Any]]:
        """``(label, computed, theoretical)`` per number of ``computed`` (labels from
        :attr:`labels`, dict keys, or ``entry i``); a single theoretical value is repeated."""
        comp = flatten(self.computed)
        theo = flatten(self.theoretical)
        if len(theo) == 1 and len(comp) > 1:
            theo = [(theo[0][0], theo[0][1])] * len(comp)
        out = []
        for i, (key, c) in enumerate(comp):
            label = self.labels[i] if i < len(self.labels) else (key or (f"entry {i + 1}" if len(comp) > 1 else ""))
            t = theo[i][1] if i < len(theo) and len(theo) == len(comp) else None
            out.append((label, c, t))
        return out

    @property
    def citation(self) -> str:
        """The source's citation (``"COLT 2024, Theorem 6, p. 6"``), else the free-text reference."""
        return self.source.citation if self.source is not None else self.reference

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict; keys id, statement, reference, relation, computed, theoretical, passed,
        seconds (docs/design.md §4), then kind, tolerance, tolerance_reason, details, findings."""
        return {
            "id": self.id,
            "statement": self.statement,
            "reference": self.reference,
            "relation": self.relation,
            "computed": self.computed,
            "theoretical": self.theoretical,
            "passed": self.passed,
            "seconds": self.seconds,
            "kind": self.kind,
            "tolerance": self.tolerance,
            "tolerance_reason": self.tolerance_reason,
            "details": self.details,
            "findings": list(self.findings),
            "source": None if self.source is None else self.source.to_dict(),
            "errata": [e.to_dict() for e in self.errata],
            "status": self.status,
            "verdict": self.verdict,
            "verdicts": [v.to_dict() for v in self.verdicts],
            "labels": list(self.labels),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClaimRecord:
        """Inverse of :meth:`to_dict` (non-finite floats written as strings are read back)."""
        num, num_keep = read_numbers, read_verdict_numbers
        return cls(
            id=data["id"], statement=data["statement"], reference=data["reference"],
            kind=data.get("kind", "equality"), relation=data["relation"],
            computed=num(data["computed"]), theoretical=num(data["theoretical"]),
            passed=bool(data["passed"]), tolerance=num(data.get("tolerance")),
            tolerance_reason=data.get("tolerance_reason", ""), seconds=float(data["seconds"]),
            details=num(data.get("details", {})), findings=tuple(data.get("findings", ())),
            source=data.get("source"), errata=tuple(data.get("errata", ())),
            verdicts=tuple(Verdict.from_dict(num_keep(v)) for v in data.get("verdicts", ())),
            labels=tuple(data.get("labels", ())),
        )
