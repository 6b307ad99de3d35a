"""`gsmtheory fit SPEC --data FILE [--loss NAME]`: fit the spec's model to samples by a registered estimator.

The default loss is ``ctld`` for a spec with a ``[ctld]`` table (the table lifts the target for
every command) and ``gsm`` otherwise; ``--no-lift`` makes it ``gsm`` and refuses ``--loss ctld``.
``--loss ctld`` on a spec without the table lifts with the reported defaults.
"""

from __future__ import annotations

import argparse
from typing import Any

from gsmtheory import api
from gsmtheory._cli._common import (
    add_lift_argument,
    add_spec_argument,
    bounded_int,
    lift_option,
    spec_from_args,
)
from gsmtheory._files import MAX_DATA_BYTES, regular_file
from gsmtheory.estimation import estimators, load_data

NAME = "fit"
HELP = "fit the spec's model to samples (.npy or .csv, one row per sample) by GSM, MLE or CTLD"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """SPEC, --data, --loss, --starts, --max-iter, --seed."""
    add_spec_argument(parser)
    parser.add_argument("--data", required=True, metavar="FILE", help=".npy or .csv file, one row per sample")
    parser.add_argument("--loss", choices=list(estimators().names()), default=None,
                        help="estimator (default: ctld for a spec with a [ctld] table, else gsm)")
    parser.add_argument("--starts", type=bounded_int(1, 256), default=4,
                        help="starting points for iterative fits (default 4, at most 256)")
    parser.add_argument("--max-iter", type=bounded_int(1, 100_000), default=100,
                        help="Newton iterations per start (default 100)")
    parser.add_argument("--seed", type=bounded_int(0, 2**63 - 1), default=0, help="seed of the jittered starts")
    add_lift_argument(parser)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """estimate, standard_errors (param name -> number, or null when not converged), loss, converged."""
    regular_file(args.data, "data file", MAX_DATA_BYTES)  # no FIFO, no device, not empty
    spec = spec_from_args(args)
    data = load_data(args.data, spec.diffusion.dim)
    problem = api.problem(spec, lift=lift_option(args), estimator=args.loss)
    record = api.fit(problem, data, loss=args.loss, starts=args.starts, max_iter=args.max_iter, seed=args.seed)
    return {"spec": spec.name, **api.as_dict(problem, record)}


def format_text(result: dict[str, Any]) -> str:
    """One line per parameter."""
    lines = [f"{result['loss_name']} fit of {result['spec']} on n = {result['n']}: {result['status']}"]
    for name, value in result["estimate"].items():
        se = result["standard_errors"][name]
        lines.append(f"  {name} = {'n/a' if value is None else f'{value:.10g}'}"
                     f"  (se {'n/a' if se is None else f'{se:.3g}'})")
    lines.append(f"loss: {result['loss']}  converged: {result['converged']}  method: {result['method']}")
    if result.get("message"):
        lines.append(f"note: {result['message']}")
    return "\n".join(lines)


def exit_code(result: dict[str, Any]) -> int:
    """1 when the fit did not converge (its status is printed, not a number), else 0."""
    return 0 if result["converged"] else 1
