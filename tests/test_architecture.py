"""docs/architecture.md: the rules the package keeps, one test per rule, each listing every violation.

Layers one-way; numeric free of SymPy; no import cycles; no private names across modules;
function-local imports only to defer torch or SymPy; ``compile`` imported by one package; modules
≤ 400 lines, functions ≤ 60 lines of code, the median module ≤ 120 lines of code; CTLD-specific code in
≤ 8 modules; one name per file; the claims and notebooks on the public API; the tests mirror the
package (tests/<layer>/test_<module>.py for gsmtheory/<layer>/_<module>.py). Where another
engineer's area does not meet a rule yet, the allowance is listed here with the reason, for the
lead to remove after merging; everything else must meet it.
"""

from __future__ import annotations

import ast
import json
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "gsmtheory"
LAYERS = ["symbolic", "compile", "numeric", "solve", "estimation", "api", "networks", "verify", "sweep", "cli",
          "claims"]  # gsmtheory.claims: the checks, once gsmtheory/claims/ moves in (docs/packaging.md)
BASE = {"gsmtheory", "gsmtheory._errors", "gsmtheory._device", "gsmtheory._json", "gsmtheory._methods",
        "gsmtheory._progress"}

# --- allowances: other engineers' areas, listed with the reason (the lead removes them after merging) ----
MODULE_LINES_ALLOWED: dict[str, str] = {}
FUNCTION_LINES_ALLOWED: dict[str, str] = {}
COMPILE_ALLOWED: dict[str, str] = {}
#: CTLD-specific code: 8 modules by the detector (13 at the start of issue #22). The last step made the
#: covariance methods ``quadrature`` and ``monte-carlo`` answer lifted problems through the Lift's
#: interface (faces, quadrature, noise-level law, ``Lift.noised``), so estimation keeps only
#: what is CTLD's own: the estimator ``ctld`` with its d >= 3 reduction, and the design of r(beta).
CTLD_LIMIT = 8
SAME_NAME_ALLOWED: dict[str, str] = {}
#: test files that test a rule across the package rather than one module (tests mirror the package)
TESTS_ALLOWED = {
    "test_architecture.py": "the package's rules (docs/architecture.md), read from every module",
    "test_docs.py": "the API reference builds with warnings as errors; the docstrings across the package",
    "test_packaging.py": "the sdist and the wheel built from it (docs/packaging.md)",
    "test_readme.py": "the README's shell and Python blocks run as written",
    "test_readme_counts.py": "the README's lists of methods are the registries' names",
    "test_notebooks.py": "the notebooks/ narratives run over the public API",
    "test_experiments.py": "the experiments/ scripts run end to end on tiny sizes",
    "claims/test_claims.py": "every check module at once: citations, quick mode, errata, witnesses, mutations",
}


# --- reading the package ------------------------------------------------------------------------------
def _files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


#: the claims (gsmtheory/claims) are held to the layering, the function-local-import and the
#: public-API rules like everything else, but they are not library code: each is one printed
#: statement checked top to bottom, so the library's size, CTLD-count, compile-ownership and
#: one-name rules apply to the other files only
CLAIMS = PACKAGE / "claims"


def _library_files() -> list[Path]:
    return [p for p in _files() if not p.is_relative_to(CLAIMS)]


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _imports(tree: ast.AST, local_only: bool = False) -> list[tuple[int, str]]:
    """(line, module) of absolute imports (``from gsmtheory import x`` gives ``gsmtheory.x``);
    with ``local_only`` only those inside a function body."""
    scopes = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)] if local_only \
        else [tree]
    out = []
    for scope in scopes:
        for node in ast.walk(scope):
            if isinstance(node, ast.Import):
                out += [(node.lineno, a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "gsmtheory":
                    out += [(node.lineno, f"gsmtheory.{a.name}") for a in node.names]
                else:
                    out.append((node.lineno, node.module))
    return out


def _layer_of(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "gsmtheory" or module in BASE or len(parts) < 2:
        return None
    second = "cli" if parts[1] in ("cli", "_cli") else parts[1]
    return LAYERS.index(second) if second in LAYERS else None


# --- the rules, each a function returning every violation ---------------------------------------------
def layer_violations(files: dict[str, ast.Module]) -> list[str]:
    out = []
    for module, tree in files.items():
        own = _layer_of(module)
        for line, imported in _imports(tree):
            layer = _layer_of(imported)
            if layer is None:
                continue
            if own is None:
                out.append(f"{module}:{line} (a base module) imports {imported} ({LAYERS[layer]})")
            elif layer > own:
                out.append(f"{module}:{line} ({LAYERS[own]}) imports {imported} ({LAYERS[layer]}), a lower layer")
    return out


SYMBOLIC = ("sympy", "gsmtheory.symbolic", "gsmtheory.compile")


def sympy_in_numeric(files: dict[str, ast.Module]) -> list[str]:
    return [f"{m}:{line} imports {name}" for m, tree in files.items() if m.startswith("gsmtheory.numeric")
            for line, name in _imports(tree) if any(name == s or name.startswith(s + ".") for s in SYMBOLIC)]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
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


def import_graph(files: dict[str, ast.Module]) -> dict[str, set[str]]:
    """Module → the gsmtheory modules it imports (function-local imports included)."""
    def resolve(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    return {m: {t for _, n in _imports(tree) if n.startswith("gsmtheory") and (t := resolve(n)) not in (None, m)}
            for m, tree in files.items()}  # type: ignore[misc]


def private_crossings(files: dict[str, ast.Module]) -> list[str]:
    """Private names imported from another module, and another layer's private module imported."""
    out = []
    for module, tree in files.items():
        own = module.split(".")[1] if "." in module else ""
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("gsmtheory"):
                out += [f"{module}:{node.lineno} imports the private name {node.module}.{a.name}"
                        for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
        for line, name in _imports(tree):
            parts = name.split(".")
            if len(parts) > 2 and parts[2].startswith("_") and not parts[1].startswith("_") and parts[1] != own:
                out.append(f"{module}:{line} imports {name}, another layer's private module")
    return out


DEFERRABLE = ("torch", "distributed", "sympy", "gsmtheory.symbolic", "gsmtheory.compile", "gsmtheory.solve",
              "gsmtheory.estimation", "gsmtheory.api", "gsmtheory.networks")


def undeferred_local_imports(files: dict[str, ast.Module]) -> list[str]:
    """Imports inside a function that do not defer loading torch or SymPy (issue #13)."""
    return [f"{m}:{line} imports {name} inside a function" for m, tree in files.items()
            for line, name in _imports(tree, local_only=True)
            if not any(name == d or name.startswith(d + ".") for d in DEFERRABLE)]


def compile_importers(files: dict[str, ast.Module]) -> dict[str, list[str]]:
    """Package (``gsmtheory.<layer>``) → its modules that import ``gsmtheory.compile``."""
    out: dict[str, list[str]] = {}
    for module, tree in files.items():
        if module.startswith("gsmtheory.compile"):
            continue
        if any(n == "gsmtheory.compile" or n.startswith("gsmtheory.compile.") for _, n in _imports(tree)):
            out.setdefault(".".join(module.split(".")[:2]), []).append(module)
    return out


def code_lines(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> int:
    """Lines of code of a function: non-blank, non-comment lines of its body after the docstring."""
    body = node.body
    first = body[0]
    docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and \
        isinstance(first.value.value, str)
    start = first.end_lineno + 1 if docstring and first.end_lineno is not None else first.lineno
    end = node.end_lineno or start
    return sum(1 for text in lines[start - 1:end] if text.strip() and not text.strip().startswith("#"))


def module_code_lines(text: str) -> int:
    """Lines of code of a module, counted as for functions: no blank or comment lines, no docstrings
    (of the module, its classes and functions); the numpydoc docstrings every public name carries
    would otherwise count against the size of the code."""
    tree = ast.parse(text)
    docs: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                docs.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return sum(1 for i, line in enumerate(text.splitlines(), 1)
               if line.strip() and not line.strip().startswith("#") and i not in docs)


def long_functions(paths: list[Path], limit: int = 60) -> list[str]:
    out = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and code_lines(node, lines) > limit:
                out.append(f"{_rel(path)}:{node.name} ({code_lines(node, lines)} lines of code)")
    return out


def ctld_modules(paths: list[Path]) -> list[str]:
    """Modules that define CTLD: a top-level function, class or constant named for it, or a method
    registered under a CTLD name (``__init__`` re-exports do not count)."""
    out = []
    for path in paths:
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)]
        names += [t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)]
        for call in ast.walk(tree):  # Method("ctld...", ...) anywhere in the module
            if (isinstance(call, ast.Call) and getattr(call.func, "id", "") == "Method" and call.args
                    and isinstance(call.args[0], ast.Constant)):
                names.append(str(call.args[0].value))
        if any("ctld" in str(n).lower() for n in names):
            out.append(_rel(path))
    return out


def shared_names(paths: list[Path]) -> dict[str, list[str]]:
    counts = Counter(p.name for p in paths if p.name != "__init__.py")
    return {name: sorted(_rel(p) for p in paths if p.name == name) for name, c in counts.items() if c > 1}


def unmirrored_tests(tests: Path, package: Path, allowed: dict[str, str] | None = None) -> list[str]:
    """Test files that do not name a module: tests/<layer>/test_<name>.py needs gsmtheory/<layer>/_<name>.py
    or <name>.py (the layer directory may be private: tests/cli is gsmtheory/_cli), tests/test_<name>.py
    needs gsmtheory/_<name>.py or <name>.py; ``allowed`` names the cross-cutting exceptions."""
    allowed = TESTS_ALLOWED if allowed is None else allowed
    out = []
    for path in sorted(tests.rglob("test_*.py")):
        rel = path.relative_to(tests).as_posix()
        *dirs, _ = path.relative_to(tests).parts
        name = path.stem.removeprefix("test_")
        homes = [package] if not dirs else [package / dirs[0], package / f"_{dirs[0]}"] if len(dirs) == 1 else []
        if rel not in allowed and not any((h / f"_{name}.py").is_file() or (h / f"{name}.py").is_file() for h in homes):
            out.append(f"tests/{rel}: no module {'/'.join(['gsmtheory', *dirs])}/_{name}.py or {name}.py")
    return out


@pytest.fixture(scope="module")
def package() -> dict[str, ast.Module]:
    return {_module(p): _tree(p) for p in _files()}


# --- one test per rule -----------------------------------------------------------------------------
def test_layers_import_only_upwards(package: dict[str, ast.Module]) -> None:
    """docs/design.md §3: a layer imports only the layers above it; base modules import no layer."""
    assert layer_violations(package) == []


def test_numeric_takes_arrays_and_callables_only(package: dict[str, ast.Module]) -> None:
    """Nothing under gsmtheory/numeric imports SymPy, symbolic or compile (function-local imports too),
    and importing it in a fresh interpreter leaves SymPy out."""
    assert sympy_in_numeric(package) == []
    probe = "import sys\nimport gsmtheory.numeric\nprint(sorted(m for m in sys.modules if m.split('.')[0] == 'sympy')[:3])"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_no_import_cycles_even_through_function_local_imports(package: dict[str, ast.Module]) -> None:
    assert cycles(import_graph(package)) == []


def test_no_private_names_cross_modules(package: dict[str, ast.Module]) -> None:
    """A helper two modules share is their interface (no underscore); a layer is used through its __init__."""
    assert private_crossings(package) == []


def test_function_local_imports_only_defer_torch_or_sympy(package: dict[str, ast.Module]) -> None:
    assert undeferred_local_imports(package) == []


def test_compile_is_imported_by_one_package(package: dict[str, ast.Module]) -> None:
    """solve's Problem is the one place symbolic objects become callables (issue #22)."""
    importers = compile_importers({m: t for m, t in package.items() if not m.startswith("gsmtheory.claims")})
    assert set(importers) - set(COMPILE_ALLOWED) == {"gsmtheory.solve"}, importers


def test_modules_and_functions_are_small() -> None:
    """Modules ≤ 400 lines (docstrings included), functions ≤ 60 lines of code; the median library
    module ≤ 120 lines of code."""
    files = _library_files()
    big = [f"{_rel(p)} ({n} lines)" for p in files
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400 and _rel(p) not in MODULE_LINES_ALLOWED]
    long = [f for f in long_functions(files) if f.split(" (")[0] not in FUNCTION_LINES_ALLOWED]
    sizes = [module_code_lines(p.read_text(encoding="utf-8")) for p in files]
    assert big == [] and long == [], big + long
    assert statistics.median(sizes) <= 120, statistics.median(sizes)


def test_ctld_specific_code_lives_in_at_most_eight_modules() -> None:
    """CTLD is one lift with registered methods, not a second pipeline across the layers."""
    found = ctld_modules(_library_files())
    assert len(found) <= CTLD_LIMIT, found


def test_one_name_per_file() -> None:
    shared = {name: where for name, where in shared_names(_library_files()).items() if name not in SAME_NAME_ALLOWED}
    assert shared == {}


def test_tests_mirror_the_package() -> None:
    """tests/<layer>/test_<module>.py tests gsmtheory/<layer>/_<module>.py; the rest is TESTS_ALLOWED."""
    bad = unmirrored_tests(ROOT / "tests", PACKAGE)
    assert bad == [], "test files named for no module:\n" + "\n".join(bad)
    assert [name for name in TESTS_ALLOWED if not (ROOT / "tests" / name).is_file()] == []


def _public_violations(source: str, own: str = "") -> list[str]:
    """Imports of private gsmtheory names (``own``: a package whose private helpers may be used)."""
    return [name for _, name in _imports(ast.parse(source))
            if name.startswith("gsmtheory") and not (own and name.startswith(own + "._"))
            and any(part.startswith("_") for part in name.split(".")[1:])]


def test_claims_and_notebooks_use_the_public_api_only() -> None:
    bad = [f"{p.name}: {v}" for p in sorted((ROOT / "gsmtheory" / "claims").glob("*.py"))
           for v in _public_violations(p.read_text(encoding="utf-8"), own="gsmtheory.claims")]
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                source = "\n".join(line for line in "".join(cell["source"]).splitlines()
                                   if not line.lstrip().startswith(("%", "!")))
                bad += [f"{path.name}: {v}" for v in _public_violations(source)]
    assert bad == []


@pytest.mark.parametrize("argv", [["derive", "double-well", "--json"], ["poincare", "double-well", "--json"]])
def test_derive_and_a_1d_poincare_never_import_torch(argv: list[str]) -> None:
    """torch is imported only where a torch code path runs (it is 1.4 s of start-up)."""
    probe = ("import contextlib, io, sys\nimport gsmtheory.cli as cli\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             f"    code = cli.main({argv!r})\n"
             "print(code, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "False"], out.stdout + out.stderr


def test_every_rule_catches_a_violation(tmp_path: Path) -> None:
    """Each checker above can fail."""
    bad = {"gsmtheory.numeric._x": ast.parse("import sympy\nfrom gsmtheory.solve import Problem\n"
                                              "def f():\n    import scipy\n"),
           "gsmtheory.solve._y": ast.parse("from gsmtheory.numeric._fv import _helper\nfrom gsmtheory.compile import c\n")}
    assert layer_violations(bad) == ["gsmtheory.numeric._x:2 (numeric) imports gsmtheory.solve (solve), a lower layer"]
    assert sympy_in_numeric(bad) == ["gsmtheory.numeric._x:1 imports sympy"]
    assert undeferred_local_imports(bad) == ["gsmtheory.numeric._x:4 imports scipy inside a function"]
    assert len(private_crossings(bad)) == 2
    assert compile_importers(bad) == {"gsmtheory.solve": ["gsmtheory.solve._y"]}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    (tmp_path / "_m.py").write_text("def f():\n    '''doc'''\n" + "    x = 1\n" * 61 + "\n")
    (tmp_path / "_n.py").write_text("from gsmtheory import Method\nM = Method('ctld_toy', None, None)\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "_m.py").write_text("CTLD_X = 1\n")
    paths = [tmp_path / "_m.py", tmp_path / "_n.py", tmp_path / "sub" / "_m.py"]
    assert long_functions(paths) == ["_m.py:f (61 lines of code)"]
    assert ctld_modules(paths) == ["_n.py", "_m.py"]
    assert list(shared_names(paths)) == ["_m.py"]
    assert _public_violations("from gsmtheory.numeric._mixture import m") != []
    pkg, tests = tmp_path / "pkg", tmp_path / "tests"
    for f in ["pkg/numeric/_fv.py", "pkg/_cli/fit.py", "pkg/_json.py", "tests/numeric/test_fv.py",
              "tests/numeric/test_hard_cases.py", "tests/cli/test_fit.py", "tests/test_json.py",
              "tests/test_rules.py", "tests/ctld/test_ctld.py", "tests/numeric/deep/test_fv.py"]:
        (tmp_path / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f).write_text("")
    assert unmirrored_tests(tests, pkg, {"test_rules.py": "a rule"}) == [
        "tests/ctld/test_ctld.py: no module gsmtheory/ctld/_ctld.py or ctld.py",
        "tests/numeric/deep/test_fv.py: no module gsmtheory/numeric/deep/_fv.py or fv.py",
        "tests/numeric/test_hard_cases.py: no module gsmtheory/numeric/_hard_cases.py or hard_cases.py"]
