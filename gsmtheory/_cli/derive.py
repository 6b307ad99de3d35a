"""`gsmtheory derive SPEC`: generator, stationarity, Dirichlet form and GSM losses, symbolically."""

from __future__ import annotations

import argparse
from typing import Any

import sympy as sp

from gsmtheory._cli._common import add_spec_argument, spec_from_args
from gsmtheory.symbolic import gsm_loss

NAME = "derive"
HELP = "derive drift, generator, stationarity, Dirichlet form and (with a model) the GSM losses"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """SPEC and --format."""
    add_spec_argument(parser)
    parser.add_argument("--format", choices=["text", "latex", "python", "json"], default="text",
                        help="how expressions are written (default text)")


def _fmt(expr: Any, style: str) -> Any:
    if isinstance(expr, sp.MatrixBase):
        return [[_fmt(v, style) for v in row] for row in expr.tolist()]
    if style == "latex":
        return sp.latex(expr)
    if style == "python":
        return sp.pycode(_plain_derivatives(expr), fully_qualified_modules=False)
    return sp.sstr(expr)


def _plain_derivatives(expr: sp.Expr) -> sp.Expr:
    """Derivatives of the test function g become plain names (g_x, g_xy, ...) for Python source."""
    subs = {}
    for der in expr.atoms(sp.Derivative):
        name = "".join(str(v) * n for v, n in der.variable_count)
        subs[der] = sp.Symbol(f"{der.expr.func.__name__}_{name}")
    expr = expr.xreplace(subs)
    return expr.xreplace({f: sp.Symbol(f.func.__name__) for f in expr.atoms(sp.core.function.AppliedUndef)})


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Derive everything the spec allows; the result has the keys of docs/design.md §4."""
    spec = spec_from_args(args)
    d = spec.diffusion
    style = "text" if args.format == "json" else args.format
    g = sp.Function("g")(*d.coords)
    st = d.stationarity()
    out: dict[str, Any] = {
        "spec": spec.name,
        "coords": [str(c) for c in d.coords],
        "log_density": _fmt(d.log_density, style),
        "drift": [_fmt(sp.simplify(b), style) for b in d.drift()],
        "diffusion_matrix": _fmt(d.D, style),
        "skew_matrix": _fmt(d.Q, style),
        "generator": _fmt(sp.simplify(d.generator(g)), style),
        "stationary": st.verdict,
        "stationarity_method": st.method,
        "dirichlet_integrand": _fmt(sp.simplify(d.dirichlet_integrand(g)), style),
        "score_operator": _fmt(d.score_operator().B.T, style),
        "degenerate": d.is_degenerate,
        "domain": [[str(lo), str(hi)] for lo, hi in d.domain],
    }
    if d.is_degenerate:
        out["poincare_note"] = ("D is singular: the Dirichlet form E(g) = E_p[grad g^T D grad g] vanishes for "
                                "some non-constant g, so it controls no variance and no Poincare inequality holds")
    if spec.model is not None:
        loss = gsm_loss(d, spec.model)
        out.update({
            "params": [str(p) for p in spec.model.params],
            "gsm_explicit": _fmt(sp.simplify(loss.explicit), style),
            "gsm_implicit": _fmt(sp.simplify(loss.implicit), style),
            "gsm_constant": _fmt(sp.simplify(loss.constant), style),
            "boundary_terms": [{"coord": str(t.coord), "side": t.side, "at": str(t.at),
                                "flux": _fmt(t.flux, style), "vanishes": t.vanishes,
                                "contribution": f"-(p * flux) at {t.coord} = {t.at}"}
                               for t in loss.boundary_terms],
            "J": _fmt(loss.J, style),
        })
    return out


def format_text(result: dict[str, Any]) -> str:
    """One `key: value` block per derived object."""
    lines = []
    for key, value in result.items():
        if key == "boundary_terms":
            lines.append("boundary_terms:" + ("" if value else " none (no finite ends)"))
            for t in value:
                lines.append(f"  {t['side']} end {t['coord']} = {t['at']}: flux {t['flux']} "
                             f"(vanishes: {t['vanishes']}); implicit loss gets {t['contribution']}")
        else:
            lines.append(f"{key}: {value}")
    return "\n".join(lines)
