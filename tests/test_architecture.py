"""docs/design.md §3: data flows one way. A layer imports only layers above it; checks use public API."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["symbolic", "compile", "numeric", "solve", "estimation", "api", "networks", "verify", "sweep", "cli",
          "claims"]  # gsmtheory.claims: the checks, once proofs_checks/ moves in (docs/packaging.md)
BASE = {"gsmtheory", "gsmtheory._errors", "gsmtheory._device", "gsmtheory._json"}


def _layer_of(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "gsmtheory" or module in BASE:
        return None
    second = parts[1] if len(parts) > 1 else ""
    if second in ("cli", "_cli"):
        return LAYERS.index("cli")
    if second in LAYERS:
        return LAYERS.index(second)
    return None


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
            out.extend(f"{node.module}.{alias.name}" for alias in node.names if node.module == "gsmtheory")
    return out


def _package_files() -> list[Path]:
    return sorted((ROOT / "gsmtheory").rglob("*.py"))


@pytest.mark.parametrize("path", _package_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_layers_import_only_upwards(path: Path) -> None:
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    own = _layer_of(module)
    if own is None:
        # base modules (gsmtheory/__init__, _errors, helpers at the top) may use only base modules
        for imported in _imports(path):
            layer = _layer_of(imported)
            assert layer is None or module.startswith("gsmtheory._notebooks"), (module, imported)
        return
    for imported in _imports(path):
        layer = _layer_of(imported)
        if layer is not None:
            assert layer <= own, f"{module} ({LAYERS[own]}) imports {imported} ({LAYERS[layer]}), a lower layer"


def _public_violations(source: str) -> list[str]:
    tree = ast.parse(source)
    bad = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name.startswith("gsmtheory") and any(part.startswith("_") for part in name.split(".")[1:]):
                bad.append(name)
    return bad


def test_proofs_checks_use_public_api_only() -> None:
    """The claims use the layers' public names; their own helpers (``_lifted``) are theirs."""
    for path in sorted((ROOT / "proofs_checks").glob("*.py")):
        own = "proofs_checks" + "."
        assert [v for v in _public_violations(path.read_text(encoding="utf-8"))
                if not v.startswith(own)] == [], path.name


def test_notebooks_use_public_api_only() -> None:
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] == "code":
                source = "".join(cell["source"])
                source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
                assert _public_violations(source) == [], path.name


#: what numeric must not import (docs/design.md §3: arrays and callables only)
SYMBOLIC = ("sympy", "gsmtheory.symbolic", "gsmtheory.compile")


def _symbolic_imports(source: str) -> list[str]:
    """Imports of SymPy, gsmtheory.symbolic or gsmtheory.compile, function-local ones included."""
    tree = ast.parse(source)
    bad = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + ([f"{node.module}.{a.name}" for a in node.names]
                                     if node.module == "gsmtheory" else [])
        bad += [n for n in names if any(n == s or n.startswith(s + ".") for s in SYMBOLIC)]
    return bad


@pytest.mark.parametrize("path", sorted((ROOT / "gsmtheory" / "numeric").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_numeric_takes_arrays_and_callables_only(path: Path) -> None:
    """No module under gsmtheory/numeric imports SymPy, gsmtheory.symbolic or gsmtheory.compile."""
    assert _symbolic_imports(path.read_text(encoding="utf-8")) == [], path.name


def test_the_sympy_check_catches_a_violation() -> None:
    assert _symbolic_imports("def f():\n    import sympy as sp\n") == ["sympy"]
    assert _symbolic_imports("from gsmtheory.compile import compile_expr") == ["gsmtheory.compile"]
    assert _symbolic_imports("from gsmtheory import symbolic") == ["gsmtheory.symbolic"]
    assert _symbolic_imports("import numpy as np\nfrom gsmtheory.numeric import poincare_1d") == []


def test_importing_numeric_leaves_sympy_out() -> None:
    """``import gsmtheory.numeric`` in a fresh interpreter does not load SymPy."""
    import subprocess
    import sys

    probe = "import sys\nimport gsmtheory.numeric\nprint(sorted(m for m in sys.modules if m.split('.')[0] == 'sympy')[:3])"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_checker_catches_a_violation(tmp_path: Path) -> None:
    """The architecture check itself can fail."""
    assert _layer_of("gsmtheory.numeric._mixture") == LAYERS.index("numeric")
    assert _public_violations("from gsmtheory.numeric._mixture import mixture_logpdf") != []
    assert _public_violations("from gsmtheory.numeric import mixture_logpdf") == []


@pytest.mark.parametrize("argv", [["derive", "double-well", "--json"], ["poincare", "double-well", "--json"]])
def test_derive_and_a_1d_poincare_never_import_torch(argv: list[str]) -> None:
    """torch is imported only where a torch code path runs (it is 1.4 s of start-up)."""
    import subprocess
    import sys

    probe = ("import contextlib, io, sys\nimport gsmtheory.cli as cli\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             f"    code = cli.main({argv!r})\n"
             "print(code, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "False"], out.stdout + out.stderr


def _module_graph() -> dict[str, set[str]]:
    """Module → gsmtheory modules it imports (function-local imports included), resolved to files."""
    files = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
             for p in _package_files()}

    def resolve(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        targets = {resolve(name) for name in _imports(path) if name.startswith("gsmtheory")}
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_even_through_function_local_imports() -> None:
    assert _cycles(_module_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# An import inside a function hides a dependency; it is allowed only to defer loading torch,
# Dask's distributed (the optional extras, issue #24) or SymPy (issue #13): those themselves,
# and the layers whose import loads one of them.
DEFERRABLE = ("torch", "distributed", "sympy", "gsmtheory.symbolic", "gsmtheory.compile", "gsmtheory.solve",
              "gsmtheory.estimation", "gsmtheory.api", "gsmtheory.networks")


def _local_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import inside a function body."""
    out = []
    for fn in ast.walk(ast.parse(source)):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Import):
                out.extend((node.lineno, a.name) for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = ([f"{node.module}.{a.name}" for a in node.names] if node.module == "gsmtheory"
                         else [node.module])
                out.extend((node.lineno, n) for n in names)
    return out


def _not_deferring(source: str) -> list[str]:
    return [f"line {line}: {mod}" for line, mod in _local_imports(source)
            if not any(mod == d or mod.startswith(d + ".") for d in DEFERRABLE)]


@pytest.mark.parametrize("path", _package_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_function_local_imports_only_defer_torch_or_sympy(path: Path) -> None:
    bad = _not_deferring(path.read_text(encoding="utf-8"))
    assert not bad, f"{path.relative_to(ROOT)}: move to module level: {bad}"


def test_the_local_import_check_catches_a_violation() -> None:
    src = "def f():\n    import scipy.optimize\n    from gsmtheory import api\n    import torch\n"
    assert _not_deferring(src) == ["line 2: scipy.optimize"]


def _private_names_imported(source: str) -> list[str]:
    """Names with a leading underscore imported from another gsmtheory module."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("gsmtheory"):
            out.extend(f"{node.module}.{a.name}" for a in node.names
                       if a.name.startswith("_") and not a.name.startswith("__"))
    return out


@pytest.mark.parametrize("path", _package_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_names_cross_modules(path: Path) -> None:
    """A helper used by two modules is part of their shared interface: no leading underscore
    (the modules themselves stay private behind each layer's ``__init__``)."""
    assert _private_names_imported(path.read_text(encoding="utf-8")) == []


def test_the_private_name_check_catches_a_violation() -> None:
    src = "from gsmtheory.numeric._fv import _helper, tensor_chain\nfrom gsmtheory import __version__\n"
    assert _private_names_imported(src) == ["gsmtheory.numeric._fv._helper"]


def _private_modules_of_other_layers(own: str, names: list[str]) -> list[str]:
    """Imports of another layer's private module (``gsmtheory.<layer>._x``) by a module of
    layer ``own``: a layer is used through its ``__init__`` only."""
    out = []
    for name in names:
        parts = name.split(".")
        if (len(parts) > 2 and parts[0] == "gsmtheory" and parts[2].startswith("_")
                and not parts[1].startswith("_") and parts[1] != own):
            out.append(name)
    return out


@pytest.mark.parametrize("path", _package_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_layers_use_each_other_through_their_exports(path: Path) -> None:
    own = path.relative_to(ROOT / "gsmtheory").parts[0]
    assert _private_modules_of_other_layers(own, _imports(path)) == []


def test_the_private_module_check_catches_a_violation() -> None:
    names = ["gsmtheory.numeric._fv", "gsmtheory.solve._problem", "gsmtheory._errors", "gsmtheory.numeric"]
    assert _private_modules_of_other_layers("solve", names) == ["gsmtheory.numeric._fv"]
