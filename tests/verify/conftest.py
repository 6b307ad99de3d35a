"""A fake check package, written to a temporary directory, for the verify machinery tests."""

from __future__ import annotations

import itertools
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

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
