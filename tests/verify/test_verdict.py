"""Tests of gsmtheory/verify/_verdict.py.

Verdicts per printed statement, witness files and the report that shows them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gsmtheory.verify import (
    ClaimRecord,
    Source,
    Verdict,
    VerifyResult,
    Witness,
    verify,
    witness_header,
    write_report,
)

SPEC = 'coords = ["x"]\nlog_density = "-x**2/2"\n'


def _witness(value: float = 3.0, relation: str = "<=") -> Witness:
    return Witness("C02-fake", witness_header("C02", "Lemma 2", "value", "3 <= 2", "gsmtheory verify --witness F")
                   + SPEC, "gsmtheory verify --witness {file}", "value", value, 2.0, relation)


def test_verdicts_need_their_evidence() -> None:
    with pytest.raises(ValueError, match="needs a witness"):
        Verdict("Lemma 2", "false", "3 > 2")
    with pytest.raises(ValueError, match="fitted and printed"):
        Verdict("Lemma 2", "loose", "exponent 1 against 2")
    with pytest.raises(ValueError, match="two readings"):
        Verdict("Lemma 2", "ambiguous", "depends", readings={"a": "x"})
    with pytest.raises(ValueError, match="not one of"):
        Verdict("Lemma 2", "wrong", "x")
    v = Verdict("Lemma 2", "false", "3 > 2", witness=_witness())
    assert v.witness is not None and v.witness.violated and v.witness.filename == "witness-C02-fake.toml"
    assert Verdict.from_dict(json.loads(json.dumps(v.to_dict()))) == v
    assert not _witness(1.5).violated and _witness(1.5, ">=").violated
    assert v.untrusted("solver A and B differ").summary.endswith("NOT TRUSTED: solver A and B differ")


def test_record_round_trip_keeps_verdicts_labels_and_status() -> None:
    v = Verdict("Lemma 2", "false", "3 > 2", witness=_witness())
    rec = ClaimRecord.bound("C02", "s", "r", [3.0, 1.0], [2.0, 2.0], verdicts=[v], labels=["a", "b"],
                            source=Source("COLT 2024", "Lemma 2, p. 2", "3 <= 2"))
    assert rec.status == "missed tolerance" and rec.verdict == "false"
    assert [e[0] for e in rec.entries()] == ["a", "b"]
    back = ClaimRecord.from_dict(json.loads(json.dumps(rec.to_dict())))
    assert back.verdicts == rec.verdicts and back.labels == rec.labels
    with pytest.raises(ValueError, match="one label per number"):
        ClaimRecord.bound("C02", "s", "r", [3.0, 1.0], 2.0, labels=["only one"])


def test_headline_counts_verdicts_apart_from_failed_checks() -> None:
    holds = ClaimRecord.equality("C01", "s", "r", 1.0, 1.0, 0.0, "x", verdicts=[Verdict("T1", "holds", "slack 1")])
    false = ClaimRecord.equality("C02", "s", "r", 1.0, 1.0, 0.0, "x",
                                 verdicts=[Verdict("T2", "false", "3 > 2", witness=_witness()),
                                           Verdict("T3", "loose", "1 vs 2", fitted=1, printed=2)])
    missed = ClaimRecord.equality("C03", "s", "r", 1.0, 2.0, 0.0, "x", verdicts=[Verdict("T4", "holds", "1")])
    crashed = ClaimRecord.error("C04", "boom")
    res = VerifyResult((holds, false, missed, crashed), "quick", 1.0)
    assert res.verdict_counts == {"holds": 1, "loose": 1, "ambiguous": 0, "false": 1, "untrusted": 1}
    assert res.headline == ("3 checks ran; of the 3 statements tested: 1 hold, 1 false, 1 loose, 0 ambiguous; "
                            "1 verdict not trusted, 1 check crashed, 1 missed its tolerance")


def test_report_writes_and_links_witness_files(tmp_path: Path) -> None:
    v = Verdict("Lemma 2, p. 2", "false", "3 > 2 at the witness", witness=_witness())
    rec = ClaimRecord.bound("C02", "Three is at most two.", "r", [3.0, 1.0], [3.0, 2.0], verdicts=[v],
                            labels=["the worst case", "a convenient case"],
                            source=Source("COLT 2024", "Lemma 2, p. 2", "3 <= 2"))
    out = write_report(VerifyResult((rec,), "quick", 1.0), tmp_path / "r")
    assert (out / "witness-C02-fake.toml").read_text().startswith("# gsmtheory witness: Lemma 2")
    md = (out / "report.md").read_text()
    assert "**1 check ran; of the 1 statements tested: 0 hold, 1 false, 0 loose, 0 ambiguous" in md
    assert "[witness-C02-fake.toml](witness-C02-fake.toml)" in md
    assert "`gsmtheory verify --witness witness-C02-fake.toml` gives value = 3 > 2 (printed)" in md
    assert "| the worst case | 3 | 3 |" in md and "| a convenient case | 1 | 2 |" in md  # labelled entries
    assert "…" not in md  # nothing is cut off
    page = (out / "index.html").read_text()
    assert "<a href='witness-C02-fake.toml'>" in page and "class='verdict false'" in page
    data = json.loads((out / "results.json").read_text())
    assert data["statements"][0]["witness"]["file"] == "witness-C02-fake.toml"


def test_witness_files_parse_as_specs_for_a_fake_result(tmp_path: Path) -> None:
    from gsmtheory.symbolic import parse_spec

    parse_spec(_witness().spec)
    v = Verdict("Lemma 2", "false", "3 > 2", witness=_witness())
    rec = ClaimRecord.equality("C02", "s", "r", 1.0, 1.0, 0.0, "x", verdicts=[v])
    out = write_report(VerifyResult((rec,), "quick", 1.0), tmp_path / "rep")
    assert parse_spec((out / "witness-C02-fake.toml").read_text()).diffusion.dim == 1


def test_fake_package_without_verdicts_is_counted(make_package: Callable[..., str]) -> None:
    res = verify(package=make_package())
    assert "no verdict from C01, C02, C14" in res.headline
