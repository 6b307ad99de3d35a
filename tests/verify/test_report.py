"""The report directory: Markdown, self-contained HTML, merged PNG plots, notes for missing plots."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gsmtheory import GSMError
from gsmtheory.verify import (
    STANDARD_PLOTS,
    ClaimRecord,
    VerifyResult,
    collect_plots,
    plot,
    series,
    verify,
    write_report,
)

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def fake_result(make_package: Callable[..., str]) -> VerifyResult:
    return verify(package=make_package())


def test_report_files_and_contents(fake_result: VerifyResult, tmp_path: Path) -> None:
    out = write_report(fake_result, tmp_path / "report")
    names = sorted(p.name for p in out.iterdir())
    assert names == [".gsmtheory-output", "cp_vs_separation.png", "custom_thing.png", "index.html",
                     "report.md", "results.json", "spectral_convergence.png"]
    for png in out.glob("*.png"):
        assert png.read_bytes().startswith(PNG) and png.stat().st_size > 5000
    md = (out / "report.md").read_text()
    assert "2 of 5 claims passed, 3 failed" in md
    assert "not in this run: C05, C06, C07, C08, C09, C10, C11, C12, C13, C15, C16." in md
    assert "## Findings" in md and "**C02**: The computed value 3 exceeds the reported bound 2." in md
    assert "![Poincaré constant against separation (Langevin and CTLD)](cp_vs_separation.png)" in md
    assert "Data from C01, C14." in md  # one plot merged from two claims
    assert "No claim in this run supplied the series" in md  # efficiency and mc plots
    assert "RuntimeError: solver exploded" in md
    page = (out / "index.html").read_text()
    assert page.count("data:image/png;base64,") == 3  # self-contained
    first = page.split("data:image/png;base64,")[1].split("'")[0]
    assert base64.b64decode(first).startswith(PNG)
    assert "src='cp_vs_separation.png'" not in page
    data = json.loads((out / "results.json").read_text())
    assert data["passed"] == 2 and data["failed"] == 3 and len(data["claims"]) == 5
    assert VerifyResult.from_dict(data).claims[1].computed == 3.0


def test_report_replaces_only_its_own_files(fake_result: VerifyResult, tmp_path: Path,
                                            make_package: Callable[..., str]) -> None:
    """A second report removes the plots of the first that it lacks, and nothing else: a file
    the user put into the report directory stays."""
    target = tmp_path / "out" / "report"
    write_report(fake_result, target)
    assert (target / "custom_thing.png").exists()
    (target / "notes.txt").write_text("mine")
    ok = ("from gsmtheory.verify import ClaimRecord\nCLAIM_ID = 'C01'\n"
          "def check(quick=True):\n    return ClaimRecord.equality(CLAIM_ID, 's', 'r', 1.0, 1.0, 0.0, 'x')\n")
    write_report(verify(package=make_package({"check_01_ok": ok})), target)
    assert not (target / "custom_thing.png").exists()
    assert (target / "notes.txt").read_text() == "mine"
    assert [p.name for p in target.parent.iterdir()] == ["report"]  # no temporary leftovers
    assert not [p for p in target.iterdir() if p.name.startswith(".staging")]


def test_failed_write_leaves_previous_report(fake_result: VerifyResult, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out" / "report"
    write_report(fake_result, target)
    before = (target / "report.md").read_text()
    import gsmtheory.verify._report as report_module

    def boom(*args: object, **kwargs: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(report_module, "html_report", boom)
    with pytest.raises(KeyboardInterrupt):
        write_report(fake_result, target)
    assert (target / "report.md").read_text() == before
    assert [p.name for p in target.parent.iterdir()] == ["report"]
    assert not [p for p in target.iterdir() if p.name.startswith(".staging")]


@pytest.mark.parametrize("name", ["index.html", "report.md", "results.json", "keep.txt"])
def test_refuses_a_directory_gsmtheory_did_not_write(fake_result: VerifyResult, tmp_path: Path,
                                                     name: str) -> None:
    """A user's directory is refused even when it holds files named like a report's (the old
    rule replaced such a directory as a whole)."""
    user = tmp_path / "project"
    (user / "src").mkdir(parents=True)
    (user / name).write_text("precious")
    (user / "src" / "a.py").write_text("x = 1")
    with pytest.raises(GSMError, match="holds files gsmtheory did not write"):
        write_report(fake_result, user)
    assert (user / name).read_text() == "precious"
    assert (user / "src" / "a.py").read_text() == "x = 1"
    assert sorted(p.name for p in user.iterdir()) == sorted([name, "src"])
    (user / "afile").write_text("x")
    with pytest.raises(GSMError, match="is a file"):
        write_report(fake_result, user / "afile")


def test_bad_series_become_notes_not_crashes(tmp_path: Path) -> None:
    rec = ClaimRecord.equality("C09", "s", "r", 1.0, 1.0, 0.0, "x", details={"plots": [
        plot("efficiency_vs_separation", "t", "x", "y",
             [series("all nan", [1.0, 2.0], [float("nan"), float("nan")])], yscale="log"),
        {"name": "mc_vs_sandwich", "series": [{"label": "broken", "x": [1, 2], "y": "oops"}]},
    ]})
    out = write_report(VerifyResult((rec,), "quick", 0.1), tmp_path / "r")
    md = (out / "report.md").read_text()
    assert "no finite points" in md
    assert not list(out.glob("*.png"))
    assert len(md.split("### ")) > len(STANDARD_PLOTS)


def test_collect_plots_merges_by_name() -> None:
    a = ClaimRecord.equality("C02", "s", "r", 1.0, 1.0, 0.0, "x", details={"plots": [
        plot("cp_vs_separation", "t", "x", "y", [series("Langevin", [1], [1])])]})
    b = ClaimRecord.equality("C14", "s", "r", 1.0, 1.0, 0.0, "x", details={"plots": [
        plot("cp_vs_separation", "t", "x", "y", [series("CTLD", [1], [1])])]})
    merged = collect_plots([a, b])
    assert merged["cp_vs_separation"]["sources"] == ["C02", "C14"]
    assert [s["label"] for s in merged["cp_vs_separation"]["series"]] == ["Langevin (C02)", "CTLD (C14)"]


FIRST = '''
from gsmtheory.verify import ClaimRecord, plot, series
CLAIM_ID = "C01"
def check(quick: bool = True) -> ClaimRecord:
    return ClaimRecord.equality(CLAIM_ID, "One is one.", "Fake 2024", 1.0, 1.0, 1e-9, "exact", details={"plots": [
        plot("cp_vs_separation", "C_P", "separation", "C_P", [series("a", [1, 2], [2, 4])]),
        plot("custom_thing", "Custom", "x", "y", [series("a", [0, 1], [1, 0])])]})
'''

BEYOND = '''
from gsmtheory.verify import ClaimRecord, plot, series
CLAIM_ID = "C17"
def check(quick: bool = True) -> ClaimRecord:
    return ClaimRecord.equality(CLAIM_ID, "A design result.", "this package", 1.0, 1.0, 1e-9, "exact",
        details={"plots": [plot("cp_vs_separation", "C_P", "another x", "C_P", [series("x", [1, 2], [1, 2])])]})
'''


def test_claims_beyond_the_paper_are_listed_not_missing(make_package: Callable[..., str], tmp_path: Path) -> None:
    result = verify(package=make_package({"check_01_first": FIRST, "check_17_beyond": BEYOND}))
    out = write_report(result, tmp_path / "report")
    md = (out / "report.md").read_text()
    missing = md.split("not in this run: ")[1].split(".")[0]
    assert "C17" not in missing and "C02" in missing and "C16" in missing
    assert "Beyond the paper (not a claim of docs/design.md §2): C17." in md
    assert "### C17 (beyond the paper): pass" in md and "### C01: pass" in md
    assert "C17 (beyond the paper)" in (out / "index.html").read_text()


def test_merged_plot_flags_differing_x_axes(make_package: Callable[..., str]) -> None:
    result = verify(package=make_package({"check_01_first": FIRST, "check_17_beyond": BEYOND}))
    merged = collect_plots(result.claims)
    assert merged["cp_vs_separation"]["xlabel_conflict"] is True
    assert merged["cp_vs_separation"]["xlabel"].startswith("separation | another x")
    assert merged["custom_thing"]["xlabel_conflict"] is False and merged["custom_thing"]["xlabel"] == "x"


def test_report_renders_sources_and_errata(fake_result: VerifyResult, tmp_path: Path) -> None:
    """Sources beside each claim (table and sections) and an errata section built from the records."""
    out = write_report(fake_result, tmp_path / "report")
    md = (out / "report.md").read_text()
    assert "| id | source | claim |" in md and "| C01 | COLT 2024, Theorem 1, p. 1 |" in md
    assert "- Source: COLT 2024, Theorem 1, p. 1; printed: 1 = 1" in md
    errata = md.split("## Errata")[1].split("## Findings")[0]
    assert "### KHR 2023, Lemma 2, p. 2 (false as printed; check C02)" in errata
    assert "- Printed: 3 <= 2" in errata and "- Corrected: 3 <= 3" in errata
    assert "- Question: Should Lemma 2's constant be 3 rather than 2?" in errata
    assert "C01" not in errata  # only records with errata appear
    page = (out / "index.html").read_text()
    assert '<h2 id="errata">Errata</h2>' in page
    assert page.index('id="errata"') < page.index('id="findings"')
    assert "<section class='erratum false'><h3>KHR 2023, Lemma 2, p. 2" in page
    assert "Should Lemma 2&#x27;s constant be 3 rather than 2?" in page
    assert "<td class='src'>COLT 2024, Theorem 1, p. 1</td>" in page
    assert "Source: <b>COLT 2024, Theorem 1, p. 1</b>" in page
    data = json.loads((out / "results.json").read_text())
    assert data["errata"] == [{"claim": "C02", "source": "KHR 2023, Lemma 2, p. 2", "severity": "false",
                               "printed": "3 <= 2", "numbers": "computed 3 against the printed 2",
                               "corrected": "3 <= 3", "question": "Should Lemma 2's constant be 3 rather than 2?"}]


def test_report_without_errata_says_so(make_package: Callable[..., str], tmp_path: Path) -> None:
    ok = ("from gsmtheory.verify import ClaimRecord\nCLAIM_ID = 'C01'\n"
          "def check(quick=True):\n    return ClaimRecord.equality(CLAIM_ID, 's', 'r', 1.0, 1.0, 0.0, 'x')\n")
    out = write_report(verify(package=make_package({"check_01_ok": ok})), tmp_path / "r")
    assert "No check found a printed statement false or loose." in (out / "report.md").read_text()
    assert "No check found a printed statement false or loose." in (out / "index.html").read_text()
