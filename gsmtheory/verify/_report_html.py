"""The report as one self-contained HTML page (``index.html``, plots inlined): the same sections
as the Markdown report, with a filter over the claims (docs/design.md §2).
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

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
    status_text,
    verdict_column,
    verdict_lines,
    witnesses,
)
from gsmtheory.verify._runner import VerifyResult

__all__ = ["html_report"]


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

def html_report(result: VerifyResult, plots: list[PlotOutcome], when: str, directory: Path) -> str:
    """``index.html``: the report's sections as one page, plots inlined."""
    e = html.escape
    findings = "".join(f"<li><b>{e(cid)}</b>: {e(t)}</li>" for cid, t in result.findings)
    findings_html = (f"<ul>{findings}</ul>" if findings else
                     "<p>No computed case contradicts a statement as reported.</p>")
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
<p class="note">{e(interrupted_text(result)) if result.interrupted else ""}</p>
<p class="note">{e(absent_text(result))}</p>
<table><thead><tr><th>id</th><th>source</th><th>claim</th><th>verdict</th><th>computed (deciding entry)</th>
<th>theoretical</th><th>relation</th><th>check</th><th>s</th></tr></thead><tbody>
{_summary_rows(result)}
</tbody></table>
<h2 id="verdicts">Verdicts</h2>
{_verdicts_html(result)}
<h2 id="witnesses">Witnesses</h2>
{_witnesses_html(result)}
<h2 id="errata">Errata</h2>
{_errata_html(result)}
<h2 id="findings">Findings</h2>
{findings_html}
{_failed_html(result)}
<h2 id="plots">Plots</h2>
{_figures(plots, directory)}
<h2 id="claims">Claims</h2>
{''.join(_claim_section(c) for c in result.claims)}
</body></html>
"""


def _summary_rows(result: VerifyResult) -> str:
    """One table row per claim: label, source, statement, verdict, deciding entry, relation, status, seconds."""
    e = html.escape
    rows = []
    for c in result.claims:
        st = status_text(c)
        label, comp, theo = decisive_entry(c)
        verdict = verdict_column(c)
        vclass = (c.verdict or "none") if c.status == "ran" else "untrusted"
        rows.append(
            f"<tr><td><a href='#{e(c.id)}'>{e(claim_label(c))}</a></td><td class='src'>{e(locator(c))}</td>"
            f"<td>{e(c.statement)}</td><td class='verdict {e(vclass)}'>{e(verdict)}</td>"
            f"<td class='num'>{e(label + ': ' if label else '')}{e(comp)}</td>"
            f"<td class='num'>{e(theo)}</td><td>{e(c.relation)}</td>"
            f"<td class='{st}'>{st}</td><td class='num'>{c.seconds:.2f}</td></tr>")
    return ''.join(rows)


def _verdicts_html(result: VerifyResult) -> str:
    """The verdicts table (or a sentence saying there is none)."""
    e = html.escape
    vrows = []
    for c, v in result.verdicts:
        tag = v.verdict + ("" if v.trusted and c.status == "ran" else " (not trusted)")
        evidence = "<br>".join(e(x) for x in verdict_lines(v, full=False))
        if v.witness is not None:
            evidence += (f"<br>file: <a href='{e(v.witness.filename)}'>{e(v.witness.filename)}</a>")
        vrows.append(f"<tr><td><a href='#{e(c.id)}'>{e(c.id)}</a></td><td>{e(v.statement)}</td>"
                     f"<td class='verdict {e(v.verdict)}'>{e(tag)}</td><td>{evidence}</td></tr>")
    verdicts_html = ("<table><thead><tr><th>claim</th><th>printed statement</th><th>verdict</th><th>evidence</th>"
                     f"</tr></thead><tbody>{''.join(vrows)}</tbody></table>") if vrows else "<p>No check gave a verdict.</p>"
    return verdicts_html


def _witnesses_html(result: VerifyResult) -> str:
    """The witness files and the commands that show the violated quantity."""
    e = html.escape
    wit = witnesses(result)
    wit_items = []
    for c, v in wit:
        w = v.witness
        assert w is not None
        wit_items.append(f"<li><a href='{e(w.filename)}'>{e(w.filename)}</a> ({e(c.id)}, {e(v.statement)}): "
                         f"<code>{e(w.shell)}</code> gives {e(w.describe().split('; reproduce')[0])}.</li>")
    witnesses_html = ("<p>Each statement found false has a witness: a spec file in this directory and the command "
                      "whose output shows the violated quantity.</p><ul>" + "".join(wit_items) + "</ul>"
                      ) if wit_items else "<p>No statement was found false.</p>"
    return witnesses_html


def _errata_html(result: VerifyResult) -> str:
    """One section per printed statement found false, loose or ambiguous."""
    e = html.escape
    errata = []
    for c, er in result.errata:
        errata.append(
            f"<section class='erratum {e(er.severity)}'><h3>{e(c.citation)} "
            f"<span class='sev'>({e(SEVERITY_TEXT[er.severity])}; check <a href='#{e(c.id)}'>{e(c.id)}</a>)</span></h3>"
            f"<dl><dt>Printed</dt><dd><code>{e(er.printed)}</code></dd><dt>Computed</dt><dd>{e(er.numbers)}</dd>"
            f"<dt>Corrected</dt><dd>{e(er.corrected)}</dd><dt>Question</dt><dd class='question'>{e(er.question)}</dd>"
            f"</dl></section>")
    errata_html = ("<p>Printed statements the checks found false, loose or ambiguous, each as a question for the authors.</p>"
                   + "".join(errata)) if errata else "<p>No check found a printed statement false or loose.</p>"
    return errata_html


def _failed_html(result: VerifyResult) -> str:
    """The checks that crashed or missed their tolerance (empty when none did)."""
    e = html.escape
    failed = [c for c in result.claims if not c.passed]
    failed_items = []
    for c in failed:
        if c.kind == "error":
            why = f"crashed: {c.details.get('error')}"
        else:
            label, comp, theo = decisive_entry(c)
            why = (f"missed its tolerance: {label + ': ' if label else ''}computed {comp} against theoretical "
                   f"{theo}; relation {c.relation}")
        failed_items.append(f"<li><b>{e(c.id)}</b>: {e(why)}</li>")
    failed_html = ("<h2 id='failed'>Checks that crashed or missed their tolerance</h2><p>These are failures of the "
                   "checks (their verdicts are not trusted), not statements found false.</p><ul>"
                   + "".join(failed_items) + "</ul>") if failed_items else ""
    return failed_html


def _figures(plots: list[PlotOutcome], directory: Path) -> str:
    """The plots, inlined as base64 PNG (a note where no claim supplied one)."""
    e = html.escape
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
    return ''.join(figs)


def _claim_section(c: ClaimRecord) -> str:
    """One claim: source, reference, relation, tolerance, verdicts, findings, errata, entries, details."""
    e = html.escape
    st = status_text(c)
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
                     + "<br>".join(e(x) for x in verdict_lines(v)) + "</li>")
    items += [f"<li>Finding: {e(f)}</li>" for f in c.findings]
    items += [f"<li class='erratum-item'>Erratum ({e(SEVERITY_TEXT[er.severity])}): {e(er.corrected)}</li>"
              for er in c.errata]
    table = ""
    rows_ = entry_rows(c)
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
    return (f"<section class='claim' id='{e(c.id)}'><h3>{e(claim_label(c))}: "
            f"<span class='{st}'>{st}</span></h3><p>{e(c.statement)}</p>"
            f"<ul>{''.join(items)}</ul>{table}{details}</section>")
