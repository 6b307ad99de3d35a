"""The words and numbers the report's two forms share: a claim's label, status, verdict column,
deciding entry, entry rows, search and verdict sentences, and the formatting of values.
"""

from __future__ import annotations

import math
from typing import Any

from gsmtheory.verify._record import ClaimRecord
from gsmtheory.verify._runner import VerifyResult
from gsmtheory.verify._verdict import Verdict

__all__ = [
    "DESIGN_CLAIMS", "SEVERITY_TEXT", "absent_text", "beyond", "claim_label", "decisive_entry",
    "entry_rows", "format_value", "interrupted_text", "locator", "md_cell", "search_text",
    "status_text", "verdict_column", "verdict_lines", "witnesses",
]

#: the claims of docs/design.md §2 (the papers' statements); checks with other ids (C17 on) go beyond the paper
DESIGN_CLAIMS: tuple[str, ...] = tuple(f"C{i:02d}" for i in range(1, 17))


def format_value(value: Any, width: int | None = None) -> str:
    """Text for a computed or theoretical value (floats to 6 significant digits). With ``width``
    the text is shortened to that many characters ending in "…" (terminal tables only: the report
    never shortens a value).

    Parameters
    ----------
    value : object
        A float, a list or a dict of them (or anything with a ``str``).
    width : int, optional
        The most characters to show.

    Returns
    -------
    str
        The text.

    Examples
    --------
    >>> from gsmtheory.verify import format_value
    >>> format_value({"C_P": 1 / 3, "rates": [2.0, 4.000001]})
    '{C_P: 0.333333, rates: [2, 4]}'
    >>> format_value(list(range(20)), width=12)
    '[0, 1, 2, 3…'
    """
    def f(v: Any) -> str:
        if isinstance(v, bool) or v is None:
            return str(v)
        if isinstance(v, float):
            return f"{v:.6g}"
        if isinstance(v, list):
            return "[" + ", ".join(f(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k}: {f(x)}" for k, x in v.items()) + "}"
        return str(v)

    text = f(value)
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def beyond(c: ClaimRecord) -> bool:
    """A check whose claim is not printed in the papers: its source says ``"beyond"`` (e.g. C17,
    generator design); without a source, one whose id is not one of docs/design.md §2."""
    if c.source is not None:
        return c.source.paper == "beyond"
    return c.id not in DESIGN_CLAIMS


def locator(c: ClaimRecord) -> str:
    """Short source column: ``"COLT 2024, Theorem 6, p. 6"``, or the free reference."""
    return c.source.citation if c.source is not None else (c.reference or "(no source)")


SEVERITY_TEXT = {"false": "false as printed", "loose": "loose as printed", "ambiguous": "ambiguous as printed"}


def absent_text(result: VerifyResult) -> str:
    """Which docs/design.md §2 claims the run lacks, and which of its checks go beyond the paper."""
    ids = {c.id for c in result.claims}
    missing = [i for i in DESIGN_CLAIMS if i not in ids]
    extra = [c.id for c in result.claims if beyond(c)]
    parts = []
    if missing:
        parts.append(f"Claims of docs/design.md §2 not in this run: {', '.join(missing)}.")
    if extra:
        parts.append(f"Beyond the paper (not a claim of docs/design.md §2): {', '.join(extra)}.")
    return " ".join(parts)


def interrupted_text(result: VerifyResult) -> str:
    return (f"This run was interrupted: {len(result.claims)} of {result.selected} selected checks "
            "finished; 'gsmtheory verify --resume --report DIR' runs the rest.")


def claim_label(c: ClaimRecord) -> str:
    return f"{c.id} (beyond the paper)" if beyond(c) else c.id


def status_text(c: ClaimRecord) -> str:
    if c.kind == "error":
        return "ERROR"
    return "pass" if c.passed else "FAIL"


def verdict_column(c: ClaimRecord) -> str:
    if c.status == "crashed":
        return "— (check crashed)"
    if not c.verdicts:
        return "— (no verdict given)"
    parts = []
    for v in c.verdicts:
        parts.append(v.verdict + ("" if v.trusted and c.status == "ran" else " (not trusted)"))
    counts: dict[str, int] = {}
    for p in parts:
        counts[p] = counts.get(p, 0) + 1
    return ", ".join(f"{k}" if n == 1 else f"{n}× {k}" for k, n in counts.items())


def decisive_entry(c: ClaimRecord) -> tuple[str, str, str]:
    """(label, computed, theoretical) of the entry that decides the relation: the least slack of a
    bound, the largest deviation of an equality, the value of a rate or a finding's first entry."""
    entries = c.entries()
    if not entries:
        return "", format_value(c.computed), format_value(c.theoretical)
    if len(entries) == 1:
        label, comp, theo = entries[0]
        return label, format_value(comp), format_value(c.theoretical if c.kind == "rate" else theo)

    def score(e: tuple[str, Any, Any]) -> float:
        _, comp, theo = e
        try:
            x, t = float(comp), float(theo)
        except (TypeError, ValueError):
            return -math.inf
        if not (math.isfinite(x) and math.isfinite(t)):
            return math.inf
        if c.kind == "upper_bound":
            return x / t if t else math.inf
        if c.kind == "lower_bound":
            return t / x if x else math.inf
        return abs(x - t) / max(abs(t), 1e-300)

    label, comp, theo = max(entries, key=score)
    return label, format_value(comp), format_value(theo)


def entry_rows(c: ClaimRecord) -> list[tuple[str, str, str]]:
    theo_whole = c.kind in ("rate", "finding") and len(c.entries()) == 1
    return [(label or "value", format_value(comp),
             format_value(c.theoretical) if theo_whole else format_value(theo))
            for label, comp, theo in c.entries()]


def witnesses(result: VerifyResult) -> list[tuple[ClaimRecord, Verdict]]:
    return [(c, v) for c, v in result.verdicts if v.witness is not None]


def md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def search_text(search: dict[str, Any] | None) -> str:
    if not search:
        return ""
    mode = search.get("mode", "")
    bits = [str(mode)] if mode else []
    for key, name in (("evaluations", "evaluations"), ("budget", "budget"), ("starts", "starts"),
                      ("failures", "failed evaluations")):
        if key in search:
            bits.append(f"{name} {search[key]}")
    if "best_value" in search:
        bits.append(f"best value {format_value(search['best_value'])}")
    if "seconds" in search:
        bits.append(f"{float(search['seconds']):.1f} s")
    return "; ".join(bits)


def verdict_lines(v: Verdict, full: bool = True) -> list[str]:
    """The evidence of a verdict: its summary, slack or fitted/printed, readings, witness and search
    (``full``: also where the worst case was found)."""
    lines = [f"{v.summary}"]
    if v.slack is not None:
        lines.append(f"slack at the worst case found: {v.slack:.6g}")
    if v.fitted is not None and v.printed is not None:
        lines.append(f"{v.quantity or 'fitted'}: fitted {v.fitted:.6g} against printed {v.printed:.6g}")
    if v.readings:
        lines += [f"reading “{k}”: {t}" for k, t in v.readings.items()]
    if v.witness is not None:
        lines.append(f"witness {v.witness.filename}: {v.witness.describe()}")
    if v.worst and full:
        lines.append("worst case: " + format_value(v.worst))
    if v.search:
        lines.append("search: " + search_text(v.search))
    return lines
