"""The verification report: ``report.md``, a self-contained ``index.html``, PNG plots, the witness
spec files (``witness-*.toml``, one per statement found false) and ``results.json``, staged and moved into place file by file (never half-written), only into a
directory gsmtheory created or that carries its marker (a user's files are never touched).
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gsmtheory._json import plain, provenance
from gsmtheory._outdir import claim_directory, publish, staging
from gsmtheory.verify._plots import PlotOutcome, render_plots
from gsmtheory.verify._record import ClaimRecord
from gsmtheory.verify._runner import VerifyResult
from gsmtheory.verify._verdict import Verdict

__all__ = ["JOURNAL", "format_value", "prepare_report", "write_report"]

def format_value(value: Any, width: int | None = None) -> str:
    """Text for a computed or theoretical value (floats to 6 significant digits). With ``width``
    the text is shortened to that many characters ending in "…" (terminal tables only: the report
    never shortens a value)."""
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


#: the claims of docs/design.md §2 (the papers' statements); checks with other ids (C17 on) go beyond the paper
DESIGN_CLAIMS: tuple[str, ...] = tuple(f"C{i:02d}" for i in range(1, 17))


def _beyond(c: ClaimRecord) -> bool:
    """A check whose claim is not printed in the papers: its source says ``"beyond"`` (e.g. C17,
    generator design); without a source, one whose id is not one of docs/design.md §2."""
    if c.source is not None:
        return c.source.paper == "beyond"
    return c.id not in DESIGN_CLAIMS


def _locator(c: ClaimRecord) -> str:
    """Short source column: ``"COLT 2024, Theorem 6, p. 6"``, or the free reference."""
    return c.source.citation if c.source is not None else (c.reference or "(no source)")


_SEVERITY = {"false": "false as printed", "loose": "loose as printed", "ambiguous": "ambiguous as printed"}


def _absent(result: VerifyResult) -> str:
    """Which docs/design.md §2 claims the run lacks, and which of its checks go beyond the paper."""
    ids = {c.id for c in result.claims}
    missing = [i for i in DESIGN_CLAIMS if i not in ids]
    extra = [c.id for c in result.claims if _beyond(c)]
    parts = []
    if missing:
        parts.append(f"Claims of docs/design.md §2 not in this run: {', '.join(missing)}.")
    if extra:
        parts.append(f"Beyond the paper (not a claim of docs/design.md §2): {', '.join(extra)}.")
    return " ".join(parts)


def _interrupted(result: VerifyResult) -> str:
    return (f"This run was interrupted: {len(result.claims)} of {result.selected} selected checks "
            "finished; 'gsmtheory verify --resume --report DIR' runs the rest.")


def _label(c: ClaimRecord) -> str:
    return f"{c.id} (beyond the paper)" if _beyond(c) else c.id


def _status(c: ClaimRecord) -> str:
    if c.kind == "error":
        return "ERROR"
    return "pass" if c.passed else "FAIL"


def _verdict_column(c: ClaimRecord) -> str:
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


def _decisive(c: ClaimRecord) -> tuple[str, str, str]:
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


def _entry_rows(c: ClaimRecord) -> list[tuple[str, str, str]]:
    theo_whole = c.kind in ("rate", "finding") and len(c.entries()) == 1
    return [(label or "value", format_value(comp),
             format_value(c.theoretical) if theo_whole else format_value(theo))
            for label, comp, theo in c.entries()]


def _witnesses(result: VerifyResult) -> list[tuple[ClaimRecord, Verdict]]:
    return [(c, v) for c, v in result.verdicts if v.witness is not None]


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _search_text(search: dict[str, Any] | None) -> str:
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


def _verdict_lines(v: Verdict, full: bool = True) -> list[str]:
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
        lines.append("search: " + _search_text(v.search))
    return lines


def _markdown(result: VerifyResult, plots: list[PlotOutcome], when: str) -> str:
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
        *([_interrupted(result), ""] if result.interrupted else []),
        *([_absent(result), ""] if _absent(result) else []),
        "| id | source | claim | verdict | computed (deciding entry) | theoretical | relation | check | s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | ---: |",
    ]
    for c in result.claims:
        label, comp, theo = _decisive(c)
        lines.append("| " + " | ".join(_md_cell(x) for x in (
            _label(c), _locator(c), c.statement, _verdict_column(c),
            f"{label}: {comp}" if label else comp, theo, c.relation, _status(c), f"{c.seconds:.2f}")) + " |")
    lines += ["", "## Verdicts", ""]
    if result.verdicts:
        lines += ["| claim | printed statement | verdict | evidence |", "| --- | --- | --- | --- |"]
        for c, v in result.verdicts:
            tag = v.verdict + ("" if v.trusted and c.status == "ran" else " (not trusted)")
            lines.append("| " + " | ".join(_md_cell(x) for x in (c.id, v.statement, tag, " ".join(
                _verdict_lines(v, full=False)))) + " |")
    else:
        lines.append("No check gave a verdict.")
    wit = _witnesses(result)
    lines += ["", "## Witnesses", ""]
    if wit:
        lines.append("Each statement found false has a witness: a spec file in this directory and the command "
                     "whose output shows the violated quantity.")
        lines.append("")
        for c, v in wit:
            w = v.witness
            assert w is not None
            lines.append(f"- [{w.filename}]({w.filename}) ({c.id}, {v.statement}): `{w.shell}` gives "
                         f"{w.describe().split('; reproduce')[0]}.")
    else:
        lines.append("No statement was found false.")
    lines += ["", "## Errata", ""]
    if result.errata:
        lines.append("Printed statements the checks found false, loose or ambiguous, each as a question for the authors.")
        lines.append("")
        for c, e in result.errata:
            lines += [f"### {c.citation} ({_SEVERITY[e.severity]}; check {c.id})", "",
                      f"- Printed: {e.printed}", f"- Computed: {e.numbers}", f"- Corrected: {e.corrected}",
                      f"- Question: {e.question}", ""]
    else:
        lines += ["No check found a printed statement false or loose.", ""]
    lines += ["## Findings", ""]
    if result.findings:
        lines += [f"- **{cid}**: {text}" for cid, text in result.findings]
    else:
        lines.append("No computed case contradicts a statement as reported.")
    failed = [c for c in result.claims if not c.passed]
    if failed:
        lines += ["", "## Checks that crashed or missed their tolerance", "",
                  "These are failures of the checks (their verdicts are not trusted), not statements found false."]
        lines.append("")
        for c in failed:
            if c.kind == "error":
                why = f"crashed: {c.details.get('error')}"
            else:
                label, comp, theo = _decisive(c)
                why = (f"missed its tolerance: {label + ': ' if label else ''}computed {comp} against "
                       f"theoretical {theo}; relation {c.relation}")
            lines.append(f"- **{c.id}**: {why}")
    lines += ["", "## Plots", ""]
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
    lines += ["## Claims", ""]
    for c in result.claims:
        lines += [f"### {_label(c)}: {_status(c)}", "", c.statement, ""]
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
                         + ("" if v.trusted else " (not trusted)") + ". " + " ".join(_verdict_lines(v)))
        for f in c.findings:
            lines.append(f"- Finding: {f}")
        for e in c.errata:
            lines.append(f"- Erratum ({_SEVERITY[e.severity]}): {e.corrected}")
        rows = _entry_rows(c)
        if rows:
            lines += ["", "| entry | computed | theoretical |", "| --- | --- | --- |"]
            lines += ["| " + " | ".join(_md_cell(x) for x in r) + " |" for r in rows]
        extra = {k: v for k, v in c.details.items() if k != "plots"}
        if extra:
            lines += ["", "<details><summary>Details (every number the check recorded)</summary>", "",
                      "```json", json.dumps(plain(extra, finite=True), indent=1, ensure_ascii=False), "```", "",
                      "</details>"]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:72rem;margin:2rem auto;
padding:0 1rem;color:#1b1b1b;line-height:1.45}
table{border-collapse:collapse;width:100%;font-size:.85rem}
th,td{border:1px solid #ccc;padding:.3rem .45rem;vertical-align:top;text-align:left}
th{background:#f2f2f2} td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#176d2c;font-weight:600} .FAIL,.ERROR{color:#b00020;font-weight:700}
figure{margin:1rem 0} figure img{max-width:100%;border:1px solid #ddd}
.note{color:#666;font-style:italic} code{font-size:.85em}
section.claim{border-top:1px solid #ddd;margin-top:1rem}
section.erratum{border-left:4px solid #b36b00;padding:.2rem .8rem;margin:.8rem 0;background:#fff8ef}
section.erratum.false{border-left-color:#b00020;background:#fff3f4}
section.erratum dt{font-weight:600} section.erratum dd{margin:0 0 .3rem 1rem}
.question{font-style:italic} .sev{font-weight:400;font-size:.85em;color:#555} td.src{min-width:10rem;font-size:.8rem}
section.erratum.ambiguous{border-left-color:#5a5aa0;background:#f5f5ff}
.verdict.false{color:#b00020;font-weight:700} .verdict.holds{color:#176d2c}
.verdict.loose{color:#b36b00} .verdict.ambiguous{color:#5a5aa0} .verdict.untrusted{color:#777}
table.entries{width:auto;margin:.4rem 0} pre{white-space:pre-wrap;font-size:.75rem}
"""

# Sets data-images="loaded/total" on <body> once every image has decoded (the rendering test reads it).
_SCRIPT = """
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute('data-images', ok + '/' + imgs.length);
  var s = document.getElementById('image-status');
  if (s) { s.textContent = ok + ' of ' + imgs.length + ' plots loaded'; }
});
"""


def _html(result: VerifyResult, plots: list[PlotOutcome], when: str, directory: Path) -> str:
    e = html.escape
    rows = []
    for c in result.claims:
        st = _status(c)
        label, comp, theo = _decisive(c)
        verdict = _verdict_column(c)
        vclass = (c.verdict or "none") if c.status == "ran" else "untrusted"
        rows.append(
            f"<tr><td><a href='#{e(c.id)}'>{e(_label(c))}</a></td><td class='src'>{e(_locator(c))}</td>"
            f"<td>{e(c.statement)}</td><td class='verdict {e(vclass)}'>{e(verdict)}</td>"
            f"<td class='num'>{e(label + ': ' if label else '')}{e(comp)}</td>"
            f"<td class='num'>{e(theo)}</td><td>{e(c.relation)}</td>"
            f"<td class='{st}'>{st}</td><td class='num'>{c.seconds:.2f}</td></tr>")
    vrows = []
    for c, v in result.verdicts:
        tag = v.verdict + ("" if v.trusted and c.status == "ran" else " (not trusted)")
        evidence = "<br>".join(e(x) for x in _verdict_lines(v, full=False))
        if v.witness is not None:
            evidence += (f"<br>file: <a href='{e(v.witness.filename)}'>{e(v.witness.filename)}</a>")
        vrows.append(f"<tr><td><a href='#{e(c.id)}'>{e(c.id)}</a></td><td>{e(v.statement)}</td>"
                     f"<td class='verdict {e(v.verdict)}'>{e(tag)}</td><td>{evidence}</td></tr>")
    verdicts_html = ("<table><thead><tr><th>claim</th><th>printed statement</th><th>verdict</th><th>evidence</th>"
                     f"</tr></thead><tbody>{''.join(vrows)}</tbody></table>") if vrows else "<p>No check gave a verdict.</p>"
    wit = _witnesses(result)
    wit_items = []
    for c, v in wit:
        w = v.witness
        assert w is not None
        wit_items.append(f"<li><a href='{e(w.filename)}'>{e(w.filename)}</a> ({e(c.id)}, {e(v.statement)}): "
                         f"<code>{e(w.shell)}</code> gives {e(w.describe().split('; reproduce')[0])}.</li>")
    witnesses_html = ("<p>Each statement found false has a witness: a spec file in this directory and the command "
                      "whose output shows the violated quantity.</p><ul>" + "".join(wit_items) + "</ul>"
                      ) if wit_items else "<p>No statement was found false.</p>"
    findings = "".join(f"<li><b>{e(cid)}</b>: {e(t)}</li>" for cid, t in result.findings)
    findings_html = (f"<ul>{findings}</ul>" if findings else
                     "<p>No computed case contradicts a statement as reported.</p>")
    errata = []
    for c, er in result.errata:
        errata.append(
            f"<section class='erratum {e(er.severity)}'><h3>{e(c.citation)} "
            f"<span class='sev'>({e(_SEVERITY[er.severity])}; check <a href='#{e(c.id)}'>{e(c.id)}</a>)</span></h3>"
            f"<dl><dt>Printed</dt><dd><code>{e(er.printed)}</code></dd><dt>Computed</dt><dd>{e(er.numbers)}</dd>"
            f"<dt>Corrected</dt><dd>{e(er.corrected)}</dd><dt>Question</dt><dd class='question'>{e(er.question)}</dd>"
            f"</dl></section>")
    errata_html = ("<p>Printed statements the checks found false, loose or ambiguous, each as a question for the authors.</p>"
                   + "".join(errata)) if errata else "<p>No check found a printed statement false or loose.</p>"
    failed = [c for c in result.claims if not c.passed]
    failed_items = []
    for c in failed:
        if c.kind == "error":
            why = f"crashed: {c.details.get('error')}"
        else:
            label, comp, theo = _decisive(c)
            why = (f"missed its tolerance: {label + ': ' if label else ''}computed {comp} against theoretical "
                   f"{theo}; relation {c.relation}")
        failed_items.append(f"<li><b>{e(c.id)}</b>: {e(why)}</li>")
    failed_html = ("<h2 id='failed'>Checks that crashed or missed their tolerance</h2><p>These are failures of the "
                   "checks (their verdicts are not trusted), not statements found false.</p><ul>"
                   + "".join(failed_items) + "</ul>") if failed_items else ""
    figs = []
    for p in plots:
        if p.filename:
            data = base64.b64encode((directory / p.filename).read_bytes()).decode("ascii")
            figs.append(f"<figure id='plot-{e(p.name)}'><h3>{e(p.title)}</h3>"
                        f"<img alt='{e(p.title)}' src='data:image/png;base64,{data}'>"
                        f"<figcaption>Data from {e(', '.join(p.sources))}; "
                        f"file <a href='{e(p.filename)}'>{e(p.filename)}</a>.</figcaption></figure>")
        else:
            figs.append(f"<div id='plot-{e(p.name)}'><h3>{e(p.title)}</h3>"
                        f"<p class='note'>{e(p.note or '')}</p></div>")
    sections = []
    for c in result.claims:
        st = _status(c)
        items = [(f"<li class='source'>Source: <b>{e(c.source.citation)}</b>; printed: "
                  f"<code>{e(c.source.printed)}</code></li>") if c.source is not None else "",
                 f"<li>Reference: {e(c.reference)}</li>" if c.reference else "",
                 f"<li>Check: {e(c.status)}; kind: {e(c.kind)}; relation: <code>{e(c.relation)}</code></li>"]
        if c.tolerance is not None or c.tolerance_reason:
            tol = "none" if c.tolerance is None else f"{c.tolerance:.3g}"
            items.append(f"<li>Tolerance: {e(tol)}"
                         + (f" ({e(c.tolerance_reason)})" if c.tolerance_reason else "") + "</li>")
        for v in c.verdicts:
            items.append(f"<li class='verdict-item'>Verdict on {e(v.statement)}: <b class='verdict {e(v.verdict)}'>"
                         f"{e(v.verdict)}</b>{'' if v.trusted else ' (not trusted)'}. "
                         + "<br>".join(e(x) for x in _verdict_lines(v)) + "</li>")
        items += [f"<li>Finding: {e(f)}</li>" for f in c.findings]
        items += [f"<li class='erratum-item'>Erratum ({e(_SEVERITY[er.severity])}): {e(er.corrected)}</li>"
                  for er in c.errata]
        table = ""
        rows_ = _entry_rows(c)
        if rows_:
            table = ("<table class='entries'><thead><tr><th>entry</th><th>computed</th><th>theoretical</th></tr>"
                     "</thead><tbody>" + "".join(f"<tr><td>{e(a)}</td><td class='num'>{e(b)}</td>"
                                                 f"<td class='num'>{e(t)}</td></tr>" for a, b, t in rows_)
                     + "</tbody></table>")
        extra = {k: v for k, v in c.details.items() if k != "plots"}
        details = ""
        if extra:
            details = ("<details><summary>Details (every number the check recorded)</summary><pre>"
                       + e(json.dumps(plain(extra, finite=True), indent=1, ensure_ascii=False)) + "</pre></details>")
        sections.append(f"<section class='claim' id='{e(c.id)}'><h3>{e(_label(c))}: "
                        f"<span class='{st}'>{st}</span></h3><p>{e(c.statement)}</p>"
                        f"<ul>{''.join(items)}</ul>{table}{details}</section>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gsmtheory verification report</title><style>{_CSS}</style>
<script>{_SCRIPT}</script></head>
<body data-images="pending">
<h1>gsmtheory verification report</h1>
<p class="headline"><b>{e(result.headline)}.</b></p>
<p>{result.passed} of {len(result.claims)} claims passed, {result.failed} failed;
mode <b>{e(result.mode)}</b>; {result.seconds:.1f} s; {e(when)}. A check <i>passes</i> when it ran and met its
tolerance; the <i>verdict</i> says what the computation concludes about the printed statement (holds, false,
loose, ambiguous) — a statement found false is a result, not a failed check. The printed statements are
restated in docs/paper.md and the claims in docs/design.md §2.
<span id="image-status" class="note"></span></p>
<p class="note">{e(_interrupted(result)) if result.interrupted else ""}</p>
<p class="note">{e(_absent(result))}</p>
<table><thead><tr><th>id</th><th>source</th><th>claim</th><th>verdict</th><th>computed (deciding entry)</th>
<th>theoretical</th><th>relation</th><th>check</th><th>s</th></tr></thead><tbody>
{''.join(rows)}
</tbody></table>
<h2 id="verdicts">Verdicts</h2>
{verdicts_html}
<h2 id="witnesses">Witnesses</h2>
{witnesses_html}
<h2 id="errata">Errata</h2>
{errata_html}
<h2 id="findings">Findings</h2>
{findings_html}
{failed_html}
<h2 id="plots">Plots</h2>
{''.join(figs)}
<h2 id="claims">Claims</h2>
{''.join(sections)}
</body></html>
"""


#: the journal of finished claims inside a report directory (``verify --resume`` reads it)
JOURNAL = "verify-journal.jsonl"


def prepare_report(directory: str | os.PathLike[str]) -> Path:
    """Claim ``directory`` for a report before any check runs (see :func:`claim_directory`):
    a new or empty directory, or one gsmtheory wrote; anything else raises :class:`GSMError`."""
    return claim_directory(directory, "verify-report")


def write_report(result: VerifyResult, directory: str | os.PathLike[str]) -> Path:
    """Write ``report.md``, ``index.html`` (plots inlined as base64), the PNG plots and
    ``results.json`` to ``directory``.

    The files are rendered into a staging directory first and each moved into place with
    ``os.replace``, so an interrupted run leaves every file either old or new, never
    half-written. Only files gsmtheory wrote there before (listed in its marker file) are
    removed when the new report lacks them; files a user put beside them stay.

    Raises
    ------
    GSMError
        ``directory`` is a file, cannot be written, or holds files gsmtheory did not write.
    """
    target = prepare_report(directory)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with staging(target) as tmp:
        plots = render_plots(result.claims, tmp)
        for _, v in _witnesses(result):
            assert v.witness is not None
            (tmp / v.witness.filename).write_text(v.witness.spec, encoding="utf-8")
        (tmp / "report.md").write_text(_markdown(result, plots, when), encoding="utf-8")
        (tmp / "index.html").write_text(_html(result, plots, when, tmp), encoding="utf-8")
        (tmp / "results.json").write_text(
            json.dumps({**provenance(), **plain(result, finite=True)}, indent=1) + "\n", encoding="utf-8")
        keep = [JOURNAL] if (target / JOURNAL).exists() else []
        publish(target, tmp, "verify-report", keep=keep)
    return target
