"""`gsmtheory loss SPEC --at a=1.3`: explicit, implicit and boundary parts of the GSM loss.

A spec with a ``[ctld]`` table gives the CTLD loss: ``gsm_loss`` of the lifted diffusion and
model on (x, β), the boundary being the β-face terms at 0 and β_max; ``--no-lift`` gives the
unlifted target's loss. ``--method torch-mc --device auto|cpu|cuda`` evaluates by Monte Carlo in
torch on that device (Gaussian-mixture targets on the whole space).
"""

from __future__ import annotations

import argparse
from typing import Any

from gsmtheory import api
from gsmtheory._cli._common import (
    MAX_SAMPLES,
    add_lift_argument,
    add_spec_argument,
    bounded_int,
    lift_option,
    parse_at,
    spec_from_args,
)
from gsmtheory._device import DEVICE_CHOICES
from gsmtheory.solve import loss_methods

NAME = "loss"
HELP = "evaluate the explicit GSM divergence, its partition-free implicit form and the boundary terms"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """SPEC, --at (repeatable), --panels, --method, --device, --samples, --seed."""
    add_spec_argument(parser)
    parser.add_argument("--at", action="append", default=[], metavar="NAME=VALUE[,NAME=VALUE]",
                        help="a parameter point (repeatable); several params: --at a=-1,b=1")
    parser.add_argument("--panels", type=bounded_int(4, 4096), default=64,
                        help="quadrature panels, 4 to 4096 (the error uses twice as many; default 64)")
    parser.add_argument("--method", default="auto", choices=["auto", *loss_methods().names()],
                        help="loss method (default: the first registered one that applies: quadrature for d <= 2, "
                             "Monte Carlo beyond; on a lift quadrature for a 1D target, ctld_product beyond); torch-mc: "
                             "Monte Carlo in torch on --device")
    parser.add_argument("--device", default="cpu", choices=DEVICE_CHOICES,
                        help="torch device for --method torch-mc (default cpu)")
    parser.add_argument("--samples", type=bounded_int(2, MAX_SAMPLES), default=200_000,
                        help=f"Monte Carlo draws (default 200000, at most {MAX_SAMPLES:_})")
    parser.add_argument("--seed", type=bounded_int(0, 2**63 - 1), default=0, help="Monte Carlo seed")
    add_lift_argument(parser)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Loss values per --at point; implicit − explicit is the same at every point."""
    spec = spec_from_args(args)
    problem = api.problem(spec, lift=lift_option(args))
    record = api.loss(problem, parse_at(args.at), panels=args.panels, method=args.method, device=args.device,
                      samples=args.samples, seed=args.seed)
    return {"spec": spec.name, **api.as_dict(problem, record)}


def format_text(result: dict[str, Any]) -> str:
    """A small table."""
    rows = [f"{'point':<28}{'explicit':>22}{'implicit':>22}{'boundary':>22}{'implicit-explicit':>22}"]
    for p, e, i, b, d in zip(result["at"], result["explicit"], result["implicit"], result["boundary"],
                             result["difference"], strict=True):
        label = ",".join(f"{k}={v:g}" for k, v in p.items())
        rows.append(f"{label:<28}{e:>22.14g}{i:>22.14g}{b:>22.14g}{d:>22.14g}")
    rows.append(f"theory: implicit - explicit = -E_p[grad l^T D grad l]/2 = {result['expected_difference']:.14g}")
    rows.append(f"method: {result['method']}")
    if result.get("lifted"):
        c = result["ctld"]
        rows.append(f"CTLD lift over (x, beta): lambda {c['lambda_min']:g}, beta_max {c['beta_max']:g}, "
                    f"log r = {c['log_r']}; boundary = the beta-face terms")
    return "\n".join(rows)
