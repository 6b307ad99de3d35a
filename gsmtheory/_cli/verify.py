"""`gsmtheory verify`: run every claim check, print computed against theoretical, write a report."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import Any

from gsmtheory._cli._common import bounded_int
from gsmtheory._errors import GSMError
from gsmtheory._outdir import Journal
from gsmtheory.verify import (
    JOURNAL,
    Check,
    ClaimRecord,
    VerifyInterrupted,
    VerifyResult,
    discover,
    format_value,
    prepare_report,
    read_witness_header,
    select,
    verify,
    write_report,
)

NAME = "verify"
HELP = ("check every claim of the theory (the papers' theorems and lemmas, one executable check each); "
        "exit status 1 when a check fails")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--quick/--full, -k, --report, --jobs, --list, --package."""
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="full", action="store_false",
                      help="seconds per claim (the default)")
    mode.add_argument("--full", dest="full", action="store_true",
                      help="fine resolutions and larger Monte Carlo (minutes)")
    parser.set_defaults(full=False)
    parser.add_argument("-k", dest="pattern", metavar="PATTERN", default=None,
                        help="only checks whose id or module matches (substring or glob; "
                             "comma-separated terms, e.g. -k C03,C04 or -k 'C1?')")
    parser.add_argument("--report", metavar="DIR", default=None,
                        help="write report.md, index.html, plots and results.json to DIR: a new "
                             "or empty directory, or one gsmtheory wrote before (checked before "
                             "any check runs; other directories are refused)")
    parser.add_argument("--resume", action="store_true",
                        help="with --report: keep the checks an interrupted run of the same mode "
                             "finished (DIR's journal) and run only the rest")
    parser.add_argument("--jobs", type=bounded_int(0, 256), default=0, metavar="N",
                        help="run the checks in N worker processes (1: in-process; default 0: one per "
                             "core, at most 2, when 8 or more checks run, else in-process)")
    parser.add_argument("--list", action="store_true", help="list the discovered checks and exit")
    parser.add_argument("--witness", metavar="FILE", default=None,
                        help="recompute the quantity a witness file of the report shows to violate a printed "
                             "statement (the claim and quantity are named in the file's header), and exit")
    parser.add_argument("--package", default="gsmtheory.claims", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the selected checks; the result has claims, passed, failed, seconds, mode (+ report).

    The report directory is claimed before the first check runs; each finished check is
    appended to its journal, so Ctrl-C (or SIGTERM) keeps them: the report is written with the
    checks that finished, and ``--resume`` runs only the rest.
    """
    if args.witness:
        return _witness(args.witness, args.package)
    if args.list:
        checks = select(discover(args.package), args.pattern)
        return {"checks": [{"id": c.id, "module": c.module, "problem": c.problem} for c in checks]}
    if args.resume and not args.report:
        raise GSMError("--resume needs the report directory of the interrupted run",
                       "add --report DIR (the directory the interrupted run wrote)")
    mode = "full" if args.full else "quick"
    target = prepare_report(args.report) if args.report else None
    journal = Journal(target / JOURNAL) if target is not None else None
    finished: dict[str, ClaimRecord] = {}
    if journal is not None:
        if args.resume:
            finished = {e["module"]: ClaimRecord.from_dict(e["record"]) for e in journal.entries()
                        if e.get("mode") == mode and isinstance(e.get("module"), str)
                        and isinstance(e.get("record"), dict)}
        else:
            journal.reset()

    def record(check: Check, rec: ClaimRecord) -> None:
        if journal is not None:
            journal.append({"mode": mode, "module": check.module, "record": rec.to_dict()})

    try:
        result = verify(args.pattern, quick=not args.full, package=args.package,
                        progress=getattr(args, "progress", None), jobs=args.jobs, on_record=record, finished=finished)
    except VerifyInterrupted as stop:
        part = stop.partial
        if target is None:
            raise KeyboardInterrupt(
                f"interrupted: {len(part.claims)} of {part.selected} checks had finished; nothing "
                "was written (give --report DIR to keep finished checks)") from None
        write_report(part, target)
        raise KeyboardInterrupt(
            f"interrupted: the {len(part.claims)} of {part.selected} checks that finished are in "
            f"{target}; 'gsmtheory verify --resume --report {args.report}' runs the rest") from None
    out = result.to_dict()
    if target is not None:
        out["report"] = str(write_report(result, target))
    return out


def _witness(path: str, package: str) -> dict[str, Any]:
    """Recompute a witness file's quantity with the evaluator of the claim its header names."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise GSMError(f"cannot read witness file {path!r} ({exc.strerror})", "give the path of a witness-*.toml") from None
    head = read_witness_header(text)
    if "claim" not in head or "quantity" not in head:
        raise GSMError(f"{path} has no '# claim = ...' and '# quantity = ...' header lines",
                       "give a witness file written by 'gsmtheory verify --report'")
    checks = [c for c in discover(package) if c.id == head["claim"]]
    if not checks:
        raise GSMError(f"no check {head['claim']!r} (named in {path})", "see 'gsmtheory verify --list'")
    module = importlib.import_module(checks[0].module)
    evaluate = getattr(module, "evaluate_witness", None)
    if evaluate is None:
        raise GSMError(f"check {head['claim']} has no witness evaluator",
                       "run the command named in the file's '# reproduce:' line instead")
    out = dict(evaluate(text, head["quantity"]))
    value, bound, relation = float(out["value"]), float(out["bound"]), str(out.get("relation", "<="))
    violated = (value > bound) if relation == "<=" else (value < bound) if relation == ">=" else (
        abs(value - bound) > float(out.get("tolerance", 0.0)) * max(abs(bound), 1e-300))
    return {"witness": path, "claim": head["claim"], "quantity": head["quantity"], "value": value,
            "bound": bound, "relation": relation, "violated": bool(violated),
            **{k: v for k, v in out.items() if k not in ("value", "bound", "relation")}}


def format_text(result: dict[str, Any]) -> str:
    """A table of computed against theoretical values, then the errata, findings and failures."""
    if "checks" in result:
        return "\n".join(f"{c['id']:<6} {c['module']}" + (f"  [{c['problem']}]" if c["problem"] else "")
                         for c in result["checks"])
    if "witness" in result:
        sign = {"<=": ">", ">=": "<", "==": "!="}[result["relation"]] if result["violated"] else "within"
        return (f"{result['claim']} witness {result['witness']}: {result['quantity']} = {result['value']:.10g} "
                f"{sign} {result['bound']:.10g} (printed: {result['quantity']} {result['relation']} bound)"
                + ("  VIOLATED" if result["violated"] else "  not violated"))
    res = VerifyResult.from_dict(result)
    head = f"{'id':<6}{'result':<8}{'verdict':<22}{'computed':<26}{'theoretical':<26}{'s':>7}  relation"
    rows = [head, "-" * len(head)]
    for c in res.claims:
        status = ("skip" if c.details.get("missing_extra") else "ERROR" if c.kind == "error"
                  else "pass" if c.passed else "FAIL")
        verdict = ", ".join(v.verdict for v in c.verdicts) or "-"
        rows.append(f"{c.id:<6}{status:<8}{verdict:<22}{format_value(c.computed, 24):<26}"
                    f"{format_value(c.theoretical, 24):<26}{c.seconds:>7.2f}  {c.relation}")
    if res.verdicts:
        rows += ["", "Verdicts (one per printed statement):"]
        rows += [f"  {c.id} [{v.verdict}{'' if v.trusted and c.status == 'ran' else ', not trusted'}] {v.statement}"
                 + (f" — witness {v.witness.filename}: {v.witness.describe()}" if v.witness else "")
                 for c, v in res.verdicts]
    if res.errata:
        rows += ["", "Errata (printed statements found false, loose or ambiguous):"]
        rows += [f"  {c.id} [{c.citation}; {e.severity}]: {e.question}" for c, e in res.errata]
    if res.findings:
        rows += ["", "Findings:"] + [f"  {cid}: {text}" for cid, text in res.findings]
    failed = [c for c in res.claims if not c.passed and not c.details.get("missing_extra")]
    skipped = [c for c in res.claims if c.details.get("missing_extra")]
    if skipped:
        rows += ["", "Not run (an optional dependency is missing):"]
        rows += [f"  {c.id}: {c.details.get('error')}" for c in skipped]
    if failed:
        rows += ["", "Failed (crashed or missed the tolerance; not the same as a statement found false):"]
        for c in failed:
            why = c.details.get("error") if c.kind == "error" else (
                f"computed {format_value(c.computed, 120)} vs theoretical "
                f"{format_value(c.theoretical, 120)} ({c.relation})")
            rows.append(f"  {c.id}: {why}")
    rows.append("")
    rows.append(res.headline + ".")
    rows.append(f"{res.passed} passed, {res.failed} failed, "
                + (f"{res.skipped} not run, " if res.skipped else "") + f"{len(res.claims)} claims, "
                f"mode {res.mode}, {res.seconds:.1f} s"
                + (f"; report in {result['report']}" if result.get("report") else ""))
    return "\n".join(rows)


def exit_code(result: dict[str, Any]) -> int:
    """1 when any selected check crashed or missed its tolerance, else 0 (a printed statement found
    false is a verdict of a check that ran, not a failure; a witness recomputed exits 0)."""
    return 1 if result.get("failed", 0) else 0
