"""The explanatory notebooks (issue 7): structure of the stored files, and every one runs.

Each notebook in notebooks/ must be stored with its outputs stripped, tell its idea in at least
three markdown cells, draw at least one plot, and execute top to bottom without an error in the
venv's ``python3`` kernel; the executed notebook must contain at least one PNG image. Wall times
are recorded (printed, and attached to the test report as user properties), never asserted.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT_S = 240
PLOT_CALL = re.compile(r"\b(plt|ax|axes|fig)\b[\w\[\]., ]*\.(plot|semilogy|loglog|contourf?|scatter|hist|"
                       r"imshow|pcolormesh|bar|errorbar|fill_between|quiver|streamplot|step)\(")


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def test_there_are_at_least_five_notebooks() -> None:
    assert len(NOTEBOOKS) >= 5, [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_valid_and_stripped(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.get("outputs") == [], f"{path.name}: cell {i} has stored outputs"
            assert cell.get("execution_count") is None, f"{path.name}: cell {i} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_explains_and_plots(path: Path) -> None:
    cells = _load(path)["cells"]
    markdown = [c for c in cells if c["cell_type"] == "markdown" and _source(c).strip()]
    assert len(markdown) >= 3, f"{path.name}: {len(markdown)} markdown cells"
    assert any("$" in _source(c) for c in markdown), f"{path.name}: no LaTeX in the prose"
    plotting = [c for c in cells if c["cell_type"] == "code" and PLOT_CALL.search(_source(c))]
    assert plotting, f"{path.name}: no plot-producing code cell"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes(path: Path, record_property: pytest.RecordProperty) -> None:
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
        allow_errors=False)
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError on the first failing cell
    seconds = time.perf_counter() - start
    record_property("seconds", round(seconds, 2))
    print(f"{path.name}: executed in {seconds:.1f} s")
    images = [out for cell in nb.cells if cell.cell_type == "code"
              for out in cell.get("outputs", []) if "image/png" in out.get("data", {})]
    assert images, f"{path.name}: executed without producing a PNG image"
    errors = [out for cell in nb.cells if cell.cell_type == "code"
              for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert errors == []
