"""What a check concludes about a printed statement: a :class:`Verdict`, and for a statement found
false a :class:`Witness` (a spec file and the command that shows the violation).

A verdict is separate from whether the check *ran*: a check that crashed or missed its tolerance
has no trustworthy verdict, and a statement found false is a result of a check that ran well.

- ``holds``: the statement survived the worst case the check found; ``slack`` is printed/needed
  there (1 = tight).
- ``false``: a computed case contradicts it; ``witness`` names the case as a spec file and the
  command whose output shows the violated quantity.
- ``loose``: true, but a fitted exponent or the constant needed is smaller than printed
  (``fitted`` against ``printed``, what they measure in ``quantity``).
- ``ambiguous``: the text admits readings that the computation tells apart; ``readings`` gives the
  outcome (with numbers) under each.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from gsmtheory._json import plain

__all__ = ["RELATIONS", "VERDICTS", "Verdict", "Witness", "read_witness_header", "witness_header", "worst_verdict"]

#: the verdicts, from the mildest to the most severe
VERDICTS: tuple[str, ...] = ("holds", "loose", "ambiguous", "false")

#: how a witness's value relates to the printed bound in the printed statement
RELATIONS: tuple[str, ...] = ("<=", ">=", "==")

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _finite_or_none(value: Any, name: str) -> float | None:
    if value is None:
        return None
    v = float(value)
    if math.isnan(v):
        raise ValueError(f"{name} is NaN; give a number or None")
    return v


@dataclass(frozen=True)
class Witness:
    """A case where a printed statement fails, written as a gsmtheory spec.

    Attributes
    ----------
    name : str
        File stem; the report writes ``witness-<name>.toml``.
    spec : str
        TOML text of a spec that :func:`gsmtheory.symbolic.parse_spec` accepts (its ``description``
        and leading comments say what it witnesses).
    command : str
        The command that shows the violation, with ``{file}`` where the file name goes, e.g.
        ``"gsmtheory efficiency {file}"`` or ``"gsmtheory verify --witness {file}"``.
    quantity : str
        The key of that command's output that is violated (a dotted path into its ``--json``).
    value : float
        The quantity at the witness, re-evaluated in this run through the command's own code path
        (never a stored number).
    bound : float
        The printed bound the quantity violates.
    relation : str
        The printed relation ``value <relation> bound`` (``"<="``, ``">="`` or ``"=="``).
    tolerance : float
        For ``"=="``: the relative difference that counts as a violation; for the inequalities the
        relative margin by which the value must miss the bound to count.
    point : dict
        The family's parameters at the witness (for the report and for searches).

    Raises
    ------
    ValueError
        A name that is not a file stem, an empty spec or quantity, a command without ``{file}``,
        an unknown relation, or a NaN value, bound or tolerance.

    Examples
    --------
    >>> from gsmtheory.verify import Witness, witness_header
    >>> spec = witness_header("C99", "Lemma 2", "value", "value <= 2", "gsmtheory verify --witness {file}") + \\
    ...     'coords = ["x"]' + chr(10) + 'log_density = "-x**2/2"' + chr(10)
    >>> w = Witness("C99-demo", spec, "gsmtheory verify --witness {file}", "value", 3.0, 2.0)
    >>> w.filename, w.violated, w.shell
    ('witness-C99-demo.toml', True, 'gsmtheory verify --witness witness-C99-demo.toml')
    """

    name: str
    spec: str
    command: str
    quantity: str
    value: float
    bound: float
    relation: str = "<="
    tolerance: float = 0.0
    point: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ValueError(f"witness name {self.name!r} must be a file stem (letters, digits, . _ -)")
        if not isinstance(self.spec, str) or not self.spec.strip():
            raise ValueError("a witness needs the TOML text of its spec")
        if "{file}" not in self.command:
            raise ValueError(f"witness command {self.command!r} must contain {{file}}")
        if not self.quantity.strip():
            raise ValueError("a witness must name the quantity it violates")
        if self.relation not in RELATIONS:
            raise ValueError(f"witness relation {self.relation!r} is not one of {', '.join(RELATIONS)}")
        object.__setattr__(self, "value", float(self.value))
        object.__setattr__(self, "bound", float(self.bound))
        object.__setattr__(self, "tolerance", float(self.tolerance))
        object.__setattr__(self, "point", plain(dict(self.point)))

    @property
    def filename(self) -> str:
        """``witness-<name>.toml``."""
        return f"witness-{self.name}.toml"

    @property
    def shell(self) -> str:
        """The command with the file name filled in."""
        return self.command.replace("{file}", self.filename)

    @property
    def violated(self) -> bool:
        """True when the value contradicts ``value <relation> bound`` (beyond ``tolerance``)."""
        v, b, t = self.value, self.bound, self.tolerance
        if not math.isfinite(v):
            return (self.relation == "<=" and v > 0) or (self.relation == ">=" and v < 0)
        if self.relation == "<=":
            return v > b + t * abs(b)
        if self.relation == ">=":
            return v < b - t * abs(b)
        return abs(v - b) > t * max(abs(b), 1e-300)

    @property
    def ratio(self) -> float:
        """value/bound (how far the printed bound is missed)."""
        return self.value / self.bound if self.bound else math.inf

    def describe(self) -> str:
        """One line: ``quantity = value > bound (printed) — <command>``."""
        sign = {"<=": ">", ">=": "<", "==": "≠"}[self.relation] if self.violated else "vs"
        return (f"{self.quantity} = {self.value:.6g} {sign} {self.bound:.6g} (printed); "
                f"reproduce with `{self.shell}`")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "file": self.filename, "spec": self.spec, "command": self.shell,
                "command_template": self.command, "quantity": self.quantity, "value": self.value,
                "bound": self.bound, "relation": self.relation, "tolerance": self.tolerance,
                "violated": self.violated, "point": self.point}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Witness:
        return cls(str(data["name"]), str(data["spec"]), str(data.get("command_template", data["command"])),
                   str(data["quantity"]), _num(data["value"]), _num(data["bound"]),
                   str(data.get("relation", "<=")), _num(data.get("tolerance", 0.0)),
                   dict(data.get("point", {})))


def _num(v: Any) -> float:
    return float(v)  # also reads the strings "inf", "-inf", "nan" that finite JSON writes


@dataclass(frozen=True)
class Verdict:
    """The verdict on one printed statement (module docstring).

    Attributes
    ----------
    statement : str
        Which printed statement (locator and, where a check tests several forms, which form), e.g.
        ``"COLT 2024, Theorem 6, pp. 6-7 (three-term form as printed)"``.
    verdict : str
        ``"holds"``, ``"loose"``, ``"ambiguous"`` or ``"false"``.
    summary : str
        One sentence with the numbers that decide it.
    slack : float or None
        printed/needed at the worst case found (``holds``; also given for ``loose`` constants).
    worst : dict or None
        Where the worst case was found (the family's parameters, labelled).
    witness : Witness or None
        Required for ``false``.
    fitted, printed : float or None
        Required for ``loose``: the fitted exponent or needed constant against the printed one.
    quantity : str
        What ``fitted``/``printed`` measure (``"exponent of D"``, ``"constant"``).
    readings : dict or None
        Required for ``ambiguous``: reading → outcome with numbers (at least two readings).
    search : dict or None
        The worst-case search behind it: family, objective, budget, evaluations, best value, starts,
        seconds (:class:`gsmtheory.verify.SearchResult`), or how a cached point was re-evaluated.
    trusted : bool
        False when the package's own solvers disagree at the worst point: the number is not
        trusted there (the summary says which solver).

    Raises
    ------
    ValueError
        An unknown verdict, an empty statement or summary, ``false`` without a witness,
        ``loose`` without fitted and printed values, ``ambiguous`` with fewer than two readings.

    Examples
    --------
    >>> from gsmtheory.verify import Verdict
    >>> v = Verdict("COLT 2024, Lemma 11", "loose", "exponent 1 against 2", fitted=1.0, printed=2.0)
    >>> v.verdict, v.untrusted("solvers differ").trusted
    ('loose', False)
    """

    statement: str
    verdict: str
    summary: str
    slack: float | None = None
    worst: dict[str, Any] | None = None
    witness: Witness | None = None
    fitted: float | None = None
    printed: float | None = None
    quantity: str = ""
    readings: dict[str, str] | None = None
    search: dict[str, Any] | None = None
    trusted: bool = True

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r} is not one of {', '.join(VERDICTS)}")
        for name in ("statement", "summary"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"a verdict needs a non-empty {name}")
        object.__setattr__(self, "slack", _finite_or_none(self.slack, "slack"))
        object.__setattr__(self, "fitted", _finite_or_none(self.fitted, "fitted"))
        object.__setattr__(self, "printed", _finite_or_none(self.printed, "printed"))
        if isinstance(self.witness, Mapping):
            object.__setattr__(self, "witness", Witness.from_dict(self.witness))
        if self.verdict == "false" and self.witness is None:
            raise ValueError(f"{self.statement}: a 'false' verdict needs a witness")
        if self.verdict == "loose" and (self.fitted is None or self.printed is None):
            raise ValueError(f"{self.statement}: a 'loose' verdict needs fitted and printed values")
        if self.verdict == "ambiguous" and (not self.readings or len(self.readings) < 2):
            raise ValueError(f"{self.statement}: an 'ambiguous' verdict needs at least two readings")
        if self.worst is not None:
            object.__setattr__(self, "worst", plain(dict(self.worst)))
        if self.search is not None:
            object.__setattr__(self, "search", plain(dict(self.search)))
        if self.readings is not None:
            object.__setattr__(self, "readings", {str(k): str(v) for k, v in self.readings.items()})
        object.__setattr__(self, "trusted", bool(self.trusted))

    @property
    def severity(self) -> int:
        """0 holds, 1 loose, 2 ambiguous, 3 false."""
        return VERDICTS.index(self.verdict)

    def untrusted(self, why: str) -> Verdict:
        """The same verdict marked as not trusted, with the reason appended to the summary."""
        return replace(self, trusted=False, summary=f"{self.summary} NOT TRUSTED: {why}")

    def to_dict(self) -> dict[str, Any]:
        return {"statement": self.statement, "verdict": self.verdict, "summary": self.summary,
                "slack": self.slack, "worst": self.worst,
                "witness": None if self.witness is None else self.witness.to_dict(),
                "fitted": self.fitted, "printed": self.printed, "quantity": self.quantity,
                "readings": self.readings, "search": self.search, "trusted": self.trusted}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        def num(v: Any) -> float | None:
            return None if v is None else float(v)
        return cls(str(data["statement"]), str(data["verdict"]), str(data["summary"]), num(data.get("slack")),
                   data.get("worst"), None if data.get("witness") is None else Witness.from_dict(data["witness"]),
                   num(data.get("fitted")), num(data.get("printed")), str(data.get("quantity", "")),
                   data.get("readings"), data.get("search"), bool(data.get("trusted", True)))


def worst_verdict(verdicts: tuple[Verdict, ...] | list[Verdict]) -> str | None:
    """The most severe verdict of a list (false > ambiguous > loose > holds), None for none.

    Parameters
    ----------
    verdicts : sequence of Verdict
        The verdicts of one record (or of a run).

    Returns
    -------
    str or None
        The most severe verdict's name.

    Examples
    --------
    >>> from gsmtheory.verify import Verdict, worst_verdict
    >>> worst_verdict([Verdict("T1", "holds", "slack 2"), Verdict("T2", "loose", "1 vs 2", fitted=1, printed=2)])
    'loose'
    >>> worst_verdict([]) is None
    True
    """
    if not verdicts:
        return None
    return max(verdicts, key=lambda v: v.severity).verdict


def witness_header(claim: str, statement: str, quantity: str, printed: str, command: str) -> str:
    """The comment block a witness file starts with: what it witnesses, the printed bound, how to
    reproduce it, and the two lines (``claim``, ``quantity``) that ``gsmtheory verify --witness FILE``
    reads to recompute the quantity with the claim's own evaluator.

    Parameters
    ----------
    claim : str
        The claim id whose evaluator recomputes the quantity.
    statement : str
        The printed statement witnessed.
    quantity : str
        The violated quantity (a key of the command's ``--json`` output).
    printed : str
        The printed bound, as a formula.
    command : str
        The command that reproduces it.

    Returns
    -------
    str
        Comment lines, each ending in a newline.

    Examples
    --------
    >>> from gsmtheory.verify import witness_header
    >>> print(witness_header("C99", "Lemma 2", "value", "value <= 2", "gsmtheory verify --witness {file}"), end="")
    # gsmtheory witness: Lemma 2
    # printed: value <= 2
    # reproduce: gsmtheory verify --witness {file}
    # claim = C99
    # quantity = value
    """
    lines = [f"# gsmtheory witness: {statement}",
             f"# printed: {printed}",
             f"# reproduce: {command}",
             f"# claim = {claim}",
             f"# quantity = {quantity}"]
    return "\n".join(lines) + "\n"


def read_witness_header(text: str) -> dict[str, str]:
    """``{"claim", "quantity"}`` (those present) from a witness file's leading comment lines.

    Parameters
    ----------
    text : str
        The witness file's text.

    Returns
    -------
    dict
        The ``claim`` and ``quantity`` found (empty when the file has no header).

    Examples
    --------
    >>> from gsmtheory.verify import read_witness_header, witness_header
    >>> read_witness_header(witness_header("C99", "Lemma 2", "value", "value <= 2", "cmd {file}") + "coords = []")
    {'claim': 'C99', 'quantity': 'value'}
    """
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line[1:].strip()
        for key in ("claim", "quantity"):
            if body.startswith(f"{key} = "):
                out[key] = body.split("=", 1)[1].strip()
    return out
