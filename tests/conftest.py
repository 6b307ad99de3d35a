"""Test-suite settings and the fixtures shared across layers.

Hypothesis is derandomized under CI, so a CI run is reproducible: development runs keep
Hypothesis's random exploration (that is how counterexamples are found); a CI run (CI=true) replays
a fixed sequence of examples instead. Under xdist each worker gets one BLAS/OpenMP/torch thread
(``make test`` sets the same variables before numpy loads).

Shared fixtures: ``write_sweep`` (a tiny sweep spec with the selftest's ``work`` constant; the
sweep and cli tests), ``make_package`` (a fake check package in a temporary directory; the verify,
cli and claims tests) and ``quick_record`` (a real check run once per session in quick mode).
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

if os.environ.get("PYTEST_XDIST_WORKER"):  # one thread per worker: the workers already fill the cores
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# -- the sweep tests' spec (tests/sweep, tests/cli/test_sweep.py) --

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


# -- a fake check package (tests/verify, tests/cli/test_verify.py, tests/claims) --

_counter = itertools.count()

PASSING = '''
from gsmtheory.verify import ClaimRecord, Source, plot, series
CLAIM_ID = "C01"
def check(quick: bool = True) -> ClaimRecord:
    n = 3 if quick else 5
    xs = [1.0, 2.0, 3.0, 4.0][:n]
    return ClaimRecord.equality(
        CLAIM_ID, "One equals one.", "Fake 2024, Thm 1", 1.0 + 1e-12, 1.0, 1e-9,
        "rounding only", source=Source("COLT 2024", "Theorem 1, p. 1", "1 = 1"),
        details={"mode": "quick" if quick else "full", "plots": [
            plot("cp_vs_separation", "C_P", "separation", "C_P",
                 [series("Langevin", xs, [2.0 ** x for x in xs])], yscale="log"),
            plot("custom_thing", "Custom", "x", "y", [series("a", [0, 1], [1, 0])]),
        ]})
'''

FAILING = '''
from gsmtheory.verify import ClaimRecord, Erratum, Source
CLAIM_ID = "C02"
def check(quick: bool = True) -> ClaimRecord:
    return ClaimRecord.bound(CLAIM_ID, "Three is at most two.", "Fake 2024, Lemma 2", 3.0, 2.0,
                             findings=["The computed value 3 exceeds the reported bound 2."],
                             source=Source("KHR 2023", "Lemma 2, p. 2", "3 <= 2"),
                             errata=[Erratum("false", "3 <= 2", "computed 3 against the printed 2",
                                             "3 <= 3", "Should Lemma 2's constant be 3 rather than 2?")])
'''

RAISING = '''
CLAIM_ID = "C03"
def check(quick: bool = True):
    raise RuntimeError("solver exploded")
'''

BROKEN_IMPORT = '''
import not_a_module_that_exists_anywhere  # noqa: F401
CLAIM_ID = "C04"
def check(quick=True):
    pass
'''

WITH_PLOTS = '''
from gsmtheory.verify import ClaimRecord, plot, series
CLAIM_ID = "C14"
def check(quick: bool = True) -> ClaimRecord:
    return ClaimRecord.rate(CLAIM_ID, "Polynomial growth.", "Fake 2024, Thm 14", 2.1, (1.5, 3.0),
        "fit over 4 points", details={"plots": [
            plot("cp_vs_separation", "C_P", "separation", "C_P",
                 [series("CTLD", [1, 2, 3], [1.0, 4.0, 9.0])], yscale="log"),
            plot("spectral_convergence", "conv", "n", "error",
                 [series("kernel", [8, 16, 32], [1e-2, 1e-4, 1e-8], yerr=[0, 0, 0])],
                 xscale="log", yscale="log")]})
'''

SOURCES = {
    "check_01_passing": PASSING,
    "check_02_failing": FAILING,
    "check_03_raising": RAISING,
    "check_04_broken": BROKEN_IMPORT,
    "check_14_plots": WITH_PLOTS,
    "helpers": "X = 1\n",  # not a check module: ignored
}


@pytest.fixture
def make_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., str]]:
    """Write a fake check package with the given modules (default: all of SOURCES); returns its
    import name, unique per call, importable for the rest of the test."""
    created: list[str] = []

    def make(modules: dict[str, str] | None = None) -> str:
        name = f"fake_checks_{next(_counter)}"
        root = tmp_path / "pkgs"
        (root / name).mkdir(parents=True)
        (root / name / "__init__.py").write_text("")
        for mod, src in (SOURCES if modules is None else modules).items():
            (root / name / f"{mod}.py").write_text(textwrap.dedent(src))
        monkeypatch.syspath_prepend(str(root))
        created.append(name)
        return name

    yield make
    for name in created:
        for mod in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[mod]


_QUICK_CACHE: dict[str, object] = {}


@pytest.fixture(scope="session")
def quick_record() -> Callable[[str], object]:
    """Run a real check (gsmtheory.claims) in quick mode once per session; returns its record."""
    from gsmtheory.verify import discover, run_check

    def get(claim_id: str) -> object:
        if claim_id not in _QUICK_CACHE:
            (check,) = [c for c in discover("gsmtheory.claims") if c.id == claim_id]
            _QUICK_CACHE[claim_id] = run_check(check, quick=True)
        return _QUICK_CACHE[claim_id]

    return get
