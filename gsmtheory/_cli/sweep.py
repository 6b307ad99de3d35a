"""``gsmtheory sweep``: run a sweep file into a resumable store, or draw a store's plots."""

from __future__ import annotations

import argparse
from typing import Any

from gsmtheory._cli._common import bounded_int
from gsmtheory._errors import GSMError
from gsmtheory.sweep import draw_report, load_sweep, run_sweep

NAME = "sweep"
HELP = ("Run a parameter sweep (a spec, a task, a grid over its constants) into a resumable "
        "SQLite store, locally or on a Dask cluster; or draw a store's plots with --report.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments: SWEEP --store DB [--workers N | --scheduler ADDRESS] [--device ...] | --report DB."""
    parser.add_argument("sweep", nargs="?", metavar="SWEEP", help="sweep TOML file")
    parser.add_argument("--store", metavar="DB", help="SQLite result store (created when absent)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=bounded_int(1, 256), metavar="N",
                       help="local worker processes (default: the cores available)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                        help="torch device for Monte Carlo and loss evaluation (default auto)")
    parser.add_argument("--report", metavar="DB", help="draw the standard plots of a store instead")
    parser.add_argument("--out", metavar="DIR", help="folder for --report plots (default DB_report/)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the sweep (or the report) and return its JSON summary."""
    if args.report is not None:
        if args.sweep is not None or args.store is not None:
            raise GSMError("--report takes a store only", "use 'gsmtheory sweep --report DB [--out DIR]'")
        return draw_report(args.report, args.out).to_dict()
    if args.sweep is None or args.store is None:
        raise GSMError("a sweep needs SWEEP and --store DB", "use 'gsmtheory sweep SWEEP --store DB'")
    if args.workers is not None and args.workers < 1:
        raise GSMError(f"--workers must be at least 1, got {args.workers}", "give --workers 1 or more")
    sweep = load_sweep(args.sweep)
    try:
        summary = run_sweep(sweep, args.store, workers=args.workers, scheduler=args.scheduler,
                            device=args.device, progress=False if args.no_progress else getattr(args, "progress", None))
    except KeyboardInterrupt:
        raise KeyboardInterrupt(
            f"interrupted: every finished task is in {args.store}; the same command resumes "
            "without repeating them") from None
    return summary.to_dict()


def format_text(result: dict[str, Any]) -> str:
    """One line per summary."""
    if "plots" in result:
        return f"{len(result['plots'])} plot(s) from {result['rows']} row(s) in {result['out']}"
    return (f"{result['total']} task(s): {result['written']} written, {result['skipped']} skipped, "
            f"{result['failed']} failed in {result['seconds']:.2f} s")


def exit_code(result: dict[str, Any]) -> int:
    """1 when some tasks failed (their errors are stored; a re-run retries them), else 0."""
    return 1 if result.get("failed", 0) else 0
