"""Fixtures for the sweep tests: a tiny spec with the selftest's ``work`` constant."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SPEC = """
coords = ["x"]
log_density = "-x**2/(2*s)"
[constants]
work = 1000
s = 1.0
k = 0.0
"""


def _toml_value(value: Any) -> str:
    return json.dumps(value)  # numbers, strings and lists of them are the same in TOML


@pytest.fixture
def write_sweep(tmp_path: Path) -> Callable[..., Path]:
    """write_sweep(grid, options=None, task="selftest", name="sweep.toml") -> path of the sweep file."""
    (tmp_path / "spec.toml").write_text(SPEC)

    def write(grid: dict[str, list[Any]], options: dict[str, Any] | None = None,
              task: str = "selftest", name: str = "sweep.toml") -> Path:
        lines = ['spec = "spec.toml"', f'task = "{task}"', "[grid]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in grid.items()]
        if options:
            lines.append("[task_options]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in options.items()]
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n")
        return path

    return write
