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
