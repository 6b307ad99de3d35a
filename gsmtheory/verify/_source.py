"""Where a claim is printed and how the printed statement can be wrong: :class:`Source`,
:class:`Erratum`, the works a claim may cite (docs/paper.md), and the coercion of a record's
source, errata and verdicts from their JSON form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gsmtheory.verify._verdict import Verdict

__all__ = ["PAPERS", "SEVERITIES", "Erratum", "Source", "as_errata", "as_source", "as_verdicts"]


#: how a printed statement can be wrong (see :class:`Erratum`)
SEVERITIES: tuple[str, ...] = ("false", "loose", "ambiguous")


#: the works a claim may cite, with their full references (docs/paper.md names them this way)
PAPERS: dict[str, str] = {
    "COLT 2024": "Qin & Risteski, Fit Like You Sample: Sample-Efficient Generalized Score Matching from "
                 "Fast Mixing Diffusions, COLT 2024, PMLR 247 (qin24a)",
    "KHR 2023": "Koehler, Heckett & Risteski, Statistical Efficiency of Score Matching: The View from "
                "Isoperimetry, ICLR 2023",
    "textbook": "a standard result (the locator names the book or paper)",
    "beyond": "beyond the papers: a question the package asks of its own",
}


@dataclass(frozen=True)
class Source:
    """Where a claim is printed: the work, the locator in it, and the printed statement.

    Attributes
    ----------
    paper : str
        One of :data:`PAPERS`: ``"COLT 2024"`` (Qin & Risteski, the numbering of the COLT PDF, not
        arXiv's), ``"KHR 2023"``, ``"textbook"`` or ``"beyond"`` (no printed statement).
    locator : str
        Theorem/lemma/remark number and page, e.g. ``"Theorem 6, p. 6"`` (docs/paper.md's locators).
    printed : str
        The statement as printed, as a formula in the package's notation (docs/paper.md), including
        a printed constant the package finds wrong: the record's computed value answers it.

    Raises
    ------
    ValueError
        A paper not in :data:`PAPERS`, or an empty locator or printed statement.

    Examples
    --------
    >>> from gsmtheory.verify import Source
    >>> Source("COLT 2024", "Theorem 6, p. 6", "Γ_GSM ≤ 2 C_P² ...").citation
    'COLT 2024, Theorem 6, p. 6'
    """

    paper: str
    locator: str
    printed: str

    def __post_init__(self) -> None:
        if self.paper not in PAPERS:
            raise ValueError(f"source paper {self.paper!r} is not one of {', '.join(PAPERS)}")
        for name in ("locator", "printed"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"source {name} must be a non-empty string (see docs/paper.md)")

    @property
    def citation(self) -> str:
        """``"COLT 2024, Theorem 6, p. 6"``."""
        return f"{self.paper}, {self.locator}"

    def to_dict(self) -> dict[str, str]:
        """``{"paper", "locator", "printed"}``."""
        return {"paper": self.paper, "locator": self.locator, "printed": self.printed}


@dataclass(frozen=True)
class Erratum:
    """A printed statement the check found false or loose, as a question for the authors.

    Attributes
    ----------
    severity : str
        ``"false"`` (a computed case contradicts it), ``"loose"`` (true, with the slack in
        ``numbers``; a bound that a corrected constant or exponent makes sharp) or
        ``"ambiguous"`` (the text admits readings that the computation tells apart).
    printed : str
        The printed statement (formula).
    numbers : str
        The computed numbers that show it (one sentence).
    corrected : str
        The statement the computation supports.
    question : str
        The erratum phrased as a question a reader could send to the authors.

    Raises
    ------
    ValueError
        A severity other than false, loose or ambiguous, or an empty sentence.

    Examples
    --------
    >>> from gsmtheory.verify import Erratum
    >>> e = Erratum("loose", "C ≤ 2", "C = 1.1 at the worst case found", "C ≤ 1.1", "Is 2 needed?")
    >>> e.to_dict()["severity"]
    'loose'
    """

    severity: str
    printed: str
    numbers: str
    corrected: str
    question: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"erratum severity {self.severity!r} is not one of {', '.join(SEVERITIES)}")
        for name in ("printed", "numbers", "corrected", "question"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"erratum {name} must be a non-empty sentence")

    def to_dict(self) -> dict[str, str]:
        """``{"severity", "printed", "numbers", "corrected", "question"}``."""
        return {"severity": self.severity, "printed": self.printed, "numbers": self.numbers,
                "corrected": self.corrected, "question": self.question}


def as_source(value: Any) -> Source | None:
    if value is None or isinstance(value, Source):
        return value
    if isinstance(value, Mapping):
        return Source(str(value["paper"]), str(value["locator"]), str(value["printed"]))
    raise TypeError(f"source must be a Source (or its dict), got {type(value).__name__}")


def as_errata(value: Any) -> tuple[Erratum, ...]:
    if isinstance(value, Erratum | Mapping):
        value = (value,)
    out = []
    for e in value:
        if isinstance(e, Mapping):
            e = Erratum(**{k: str(e[k]) for k in ("severity", "printed", "numbers", "corrected", "question")})
        if not isinstance(e, Erratum):
            raise TypeError(f"errata must be Erratum records, got {type(e).__name__}")
        out.append(e)
    return tuple(out)


def as_verdicts(value: Any) -> tuple[Verdict, ...]:
    if isinstance(value, Verdict | Mapping):
        value = (value,)
    out = []
    for v in value:
        if isinstance(v, Mapping):
            v = Verdict.from_dict(v)
        if not isinstance(v, Verdict):
            raise TypeError(f"verdicts must be Verdict records, got {type(v).__name__}")
        out.append(v)
    return tuple(out)
