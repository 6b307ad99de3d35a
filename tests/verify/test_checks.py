"""Every discovered check of proofs_checks, run in quick mode, must pass (grows as checks land)."""

from __future__ import annotations

import json

import pytest

from gsmtheory.verify import discover

CHECKS = discover("proofs_checks")


def test_claim_ids_are_unique_and_modules_follow_the_naming() -> None:
    ids = [c.id for c in CHECKS]
    assert len(ids) == len(set(ids)), ids
    for c in CHECKS:
        number = c.slug.split("_")[1]
        assert c.id == f"C{number}", f"{c.module} declares {c.id}; its file name says C{number}"


@pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])
def test_check_passes_in_quick_mode(check, quick_record) -> None:  # type: ignore[no-untyped-def]
    assert check.problem is None, check.problem
    record = quick_record(check.id)
    summary = {k: record.to_dict()[k] for k in ("kind", "relation", "computed", "theoretical")}
    assert record.kind != "error", record.details.get("error")
    assert record.passed, json.dumps(summary, default=str)[:2000]
    assert record.statement and record.reference and record.relation
    assert record.computed is not None and record.theoretical is not None
    doc = __import__(check.module, fromlist=["check"]).__doc__ or ""
    assert len(doc.strip()) > 200, f"{check.module} needs a docstring stating claim, why and tolerance"


def test_merged_plots_of_the_real_checks_share_one_x_axis(quick_record) -> None:  # type: ignore[no-untyped-def]
    """C02/C14 and C09/C15 feed one plot each: same x (d, the distance between the means), and
    where the targets coincide (two unit-variance Gaussians, equal weights) so do the curves."""
    from gsmtheory.verify import collect_plots

    records = [quick_record(i) for i in ("C02", "C06", "C09", "C14", "C15")]
    merged = collect_plots(records)
    for name in ("cp_vs_separation", "efficiency_vs_separation"):
        assert not merged[name]["xlabel_conflict"], merged[name]["xlabel"]
        assert "distance between the means d" in merged[name]["xlabel"]
    assert "mc_vs_sandwich" in merged

    def curve(name: str, claim: str, prefix: str) -> dict[float, float]:
        (s,) = [s for s in merged[name]["series"] if s["claim"] == claim and s["label"].startswith(prefix)]
        return dict(zip(s["x"], s["y"], strict=True))

    c02 = curve("cp_vs_separation", "C02", "Langevin")
    c14 = curve("cp_vs_separation", "C14", "Langevin")
    common = sorted(set(c02) & set(c14))
    assert len(common) >= 4, common
    for d in common:
        assert abs(c02[d] / c14[d] - 1) < 1e-6, (d, c02[d], c14[d])
    c09 = curve("efficiency_vs_separation", "C09", "vanilla SM, weight")
    c15 = curve("efficiency_vs_separation", "C15", "vanilla SM / MLE")
    common = sorted(set(c09) & set(c15))
    assert len(common) >= 3, common
    for d in common:  # C15 quick uses a coarse quadrature: ~3e-2 relative at d = 8 (reported in its details)
        assert abs(c09[d] / c15[d] - 1) < 3e-2, (d, c09[d], c15[d])
