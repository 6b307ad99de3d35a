"""The report as Markdown (``report.md``): the summary table, verdicts, witnesses, errata,
findings, failed checks, plots and one section per claim (docs/design.md §2).
"""

from __future__ import annotations

import json

from gsmtheory._json import plain
from gsmtheory.verify._plots import PlotOutcome
from gsmtheory.verify._record import ClaimRecord
from gsmtheory.verify._report_text import (
    SEVERITY_TEXT,
    absent_text,
    claim_label,
    decisive_entry,
    entry_rows,
    interrupted_text,
    locator,
    md_cell,
    status_text,
    verdict_column,
    verdict_lines,
    witnesses,
)
from gsmtheory.verify._runner import VerifyResult

__all__ = ["markdown_report"]


def markdown_report(result: VerifyResult, plots: list[PlotOutcome], when: str) -> str:
    """``report.md``: the summary table, then one section each for the verdicts, witnesses, errata,
    findings, failed checks, plots and claims."""
    lines = _summary(result, when) + _verdicts(result) + _witnesses(result) + _errata(result)
    lines += _findings(result) + _failed(result) + _plots(plots) + ["## Claims", ""]
    for c in result.claims:
        lines += _claim(c)
    return "\n".join(lines).rstrip() + "\n"


def _summary(result: VerifyResult, when: str) -> list[str]:
    lines = [
        "# gsmtheory verification report",
        "",
        f"**{result.headline}.**",
        "",
        f"{result.passed} of {len(result.claims)} claims passed, {result.failed} failed; "
        f"mode **{result.mode}**; {result.seconds:.1f} s; {when}. A check *passes* when it ran and met "
        "its tolerance; the *verdict* says what the computation concludes about the printed statement "
        "(holds, false, loose, ambiguous) — a statement found false is a result, not a failed check. "
        "The printed statements are restated in docs/paper.md and the claims in docs/design.md §2.",
        "",
        *([interrupted_text(result), ""] if result.interrupted else []),
        *([absent_text(result), ""] if absent_text(result) else []),
        "| id | source | claim | verdict | computed (deciding entry) | theoretical | relation | check | s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | ---: |",
    ]
    for c in result.claims:
        label, comp, theo = decisive_entry(c)
        lines.append("| " + " | ".join(md_cell(x) for x in (
            claim_label(c), locator(c), c.statement, verdict_column(c),
            f"{label}: {comp}" if label else comp, theo, c.relation, status_text(c), f"{c.seconds:.2f}")) + " |")
    return lines


def _verdicts(result: VerifyResult) -> list[str]:
    lines = ["", "## Verdicts", ""]
    if not result.verdicts:
        return [*lines, "No check gave a verdict."]
    lines += ["| claim | printed statement | verdict | evidence |", "| --- | --- | --- | --- |"]
    for c, v in result.verdicts:
        tag = v.verdict + ("" if v.trusted and c.status == "ran" else " (not trusted)")
        lines.append("| " + " | ".join(md_cell(x) for x in (c.id, v.statement, tag, " ".join(
            verdict_lines(v, full=False)))) + " |")
    return lines


def _witnesses(result: VerifyResult) -> list[str]:
    wit = witnesses(result)
    lines = ["", "## Witnesses", ""]
    if not wit:
        return [*lines, "No statement was found false."]
    lines.append("Each statement found false has a witness: a spec file in this directory and the command "
                 "whose output shows the violated quantity.")
    lines.append("")
    for c, v in wit:
        w = v.witness
        assert w is not None
        lines.append(f"- [{w.filename}]({w.filename}) ({c.id}, {v.statement}): `{w.shell}` gives "
                     f"{w.describe().split('; reproduce')[0]}.")
    return lines


def _errata(result: VerifyResult) -> list[str]:
    lines = ["", "## Errata", ""]
    if not result.errata:
        return [*lines, "No check found a printed statement false or loose.", ""]
    lines.append("Printed statements the checks found false, loose or ambiguous, each as a question for the authors.")
    lines.append("")
    for c, e in result.errata:
        lines += [f"### {c.citation} ({SEVERITY_TEXT[e.severity]}; check {c.id})", "",
                  f"- Printed: {e.printed}", f"- Computed: {e.numbers}", f"- Corrected: {e.corrected}",
                  f"- Question: {e.question}", ""]
    return lines


def _findings(result: VerifyResult) -> list[str]:
    if result.findings:
        return ["## Findings", "", *(f"- **{cid}**: {text}" for cid, text in result.findings)]
    return ["## Findings", "", "No computed case contradicts a statement as reported."]


def _failed(result: VerifyResult) -> list[str]:
    failed = [c for c in result.claims if not c.passed]
    if not failed:
        return []
    lines = ["", "## Checks that crashed or missed their tolerance", "",
             "These are failures of the checks (their verdicts are not trusted), not statements found false."]
    lines.append("")
    for c in failed:
        if c.kind == "error":
            why = f"crashed: {c.details.get('error')}"
        else:
            label, comp, theo = decisive_entry(c)
            why = (f"missed its tolerance: {label + ': ' if label else ''}computed {comp} against "
                   f"theoretical {theo}; relation {c.relation}")
        lines.append(f"- **{c.id}**: {why}")
    return lines


def _plots(plots: list[PlotOutcome]) -> list[str]:
    lines = ["", "## Plots", ""]
    for p in plots:
        lines.append(f"### {p.title}")
        lines.append("")
        if p.filename:
            lines.append(f"![{p.title}]({p.filename})")
            lines.append("")
            lines.append(f"Data from {', '.join(p.sources)}.")
        else:
            lines.append(f"_{p.note}_")
        lines.append("")
    return lines


def _claim(c: ClaimRecord) -> list[str]:
    lines = [f"### {claim_label(c)}: {status_text(c)}", "", c.statement, ""]
    if c.source is not None:
        lines.append(f"- Source: {c.source.citation}; printed: {c.source.printed}")
    if c.reference:
        lines.append(f"- Reference: {c.reference}")
    lines.append(f"- Check: {c.status}; kind: {c.kind}; relation: {c.relation}")
    if c.tolerance is not None or c.tolerance_reason:
        tol = "none" if c.tolerance is None else f"{c.tolerance:.3g}"
        lines.append(f"- Tolerance: {tol}" + (f" ({c.tolerance_reason})" if c.tolerance_reason else ""))
    for v in c.verdicts:
        lines.append(f"- Verdict on {v.statement}: **{v.verdict}**"
                     + ("" if v.trusted else " (not trusted)") + ". " + " ".join(verdict_lines(v)))
    lines += [f"- Finding: {f}" for f in c.findings]
    lines += [f"- Erratum ({SEVERITY_TEXT[e.severity]}): {e.corrected}" for e in c.errata]
    rows = entry_rows(c)
    if rows:
        lines += ["", "| entry | computed | theoretical |", "| --- | --- | --- |"]
        lines += ["| " + " | ".join(md_cell(x) for x in r) + " |" for r in rows]
    extra = {k: v for k, v in c.details.items() if k != "plots"}
    if extra:
        lines += ["", "<details><summary>Details (every number the check recorded)</summary>", "",
                  "```json", json.dumps(plain(extra, finite=True), indent=1, ensure_ascii=False), "```", "",
                  "</details>"]
    lines.append("")
    return lines
