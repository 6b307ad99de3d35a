"""`gsmtheory catalogue`: the built-in specs (names any command accepts as SPEC) with their descriptions."""

from __future__ import annotations

import argparse
import tomllib
from typing import Any

from gsmtheory.symbolic import CATALOGUE

NAME = "catalogue"
HELP = "list the catalogue's specs (usable as SPEC by every command) with their descriptions"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No arguments beyond --json."""


def _entry(name: str, text: str) -> dict[str, Any]:
    data = tomllib.loads(text)
    target = "mixture" if "mixture" in data else "log_density"
    return {"name": name, "description": str(data.get("description", "")).strip(),
            "coords": list(data.get("coords", [])), "target": target,
            "model": sorted((data.get("model") or {}).get("params", [])),
            "ctld": "ctld" in data, "constants": dict(data.get("constants", {}))}


def run(args: argparse.Namespace) -> dict[str, Any]:
    """``{"entries": [{name, description, coords, target, model, ctld, constants}, ...]}``."""
    return {"entries": [_entry(name, CATALOGUE[name]) for name in sorted(CATALOGUE)]}


def format_text(result: dict[str, Any]) -> str:
    """One line per entry: the name, its dimension and model parameters, the description."""
    rows = []
    width = max(len(e["name"]) for e in result["entries"])
    for e in result["entries"]:
        extra = f"d = {len(e['coords'])}" + (f", model ({', '.join(e['model'])})" if e["model"] else "")
        extra += ", CTLD lift" if e["ctld"] else ""
        rows.append(f"{e['name']:<{width}}  {e['description']} [{extra}]")
    rows.append("")
    rows.append("Use a name wherever a command takes SPEC, e.g. 'gsmtheory poincare double-well'; "
                "'gsmtheory derive NAME' prints its formulas.")
    return "\n".join(rows)
