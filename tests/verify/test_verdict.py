"""Tests of gsmtheory/verify/_verdict.py.

Verdicts per printed statement, witnesses, the worst-case search and the report that shows them."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from gsmtheory.cli import main
from gsmtheory.verify import (
    GSM_FAMILIES,
    Box,
    ClaimRecord,
    Source,
    Verdict,
    VerifyResult,
    Witness,
    discover,
    maximize,
    read_witness_header,
    tilt_matrices,
    verify,
    witness_header,
    worst_tilt,
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


WITNESS_CHECK = '''
from gsmtheory.symbolic import parse_spec
from gsmtheory.verify import ClaimRecord
CLAIM_ID = "C05"
def check(quick=True):
    return ClaimRecord.equality(CLAIM_ID, "s", "r", 1.0, 1.0, 0.0, "x")
def evaluate_witness(spec_text, quantity):
    s = parse_spec(spec_text)
    return {"value": 2.5 + len(s.diffusion.coords), "bound": 3.0, "relation": "<="}
'''


def test_verify_witness_recomputes_with_the_claims_evaluator(make_package: Callable[..., str], tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    pkg = make_package({"check_05_witness": WITNESS_CHECK})
    path = tmp_path / "w.toml"
    path.write_text(witness_header("C05", "Lemma 5", "value", "value <= 3", "gsmtheory verify --witness w.toml") + SPEC)
    assert read_witness_header(path.read_text()) == {"claim": "C05", "quantity": "value"}
    assert main(["verify", "--package", pkg, "--witness", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["value"] == 3.5 and out["violated"] is True and out["claim"] == "C05"
    assert main(["verify", "--package", pkg, "--witness", str(path)]) == 0
    assert "VIOLATED" in capsys.readouterr().out
    path.write_text(SPEC)
    assert main(["verify", "--package", pkg, "--witness", str(path)]) == 2
    assert "header" in capsys.readouterr().err


def test_maximize_finds_the_maximum_within_its_budget() -> None:
    box = Box.of({"x": (-2.0, 2.0), "y": (0.1, 10.0, "log")})
    calls = []

    def f(p: dict[str, float]) -> float:
        calls.append(p)
        if p["x"] > 1.9:
            raise RuntimeError("a failed evaluation")
        return -(p["x"] - 0.5) ** 2 - math.log(p["y"] / 2.0) ** 2

    r = maximize(f, box, budget=120, starts=3, seed=1, initial=[{"x": 0.0, "y": 1.0}])
    assert r.evaluations == len(calls) <= 120 and r.starts == 3
    assert abs(r.best_point["x"] - 0.5) < 1e-2 and abs(r.best_point["y"] - 2.0) < 2e-2 and r.best_value > -1e-3
    assert r.to_dict()["box"]["y"] == [0.1, 10.0, "log"] and "evaluations" in r.summary


def test_tilt_family_closed_cases() -> None:
    """Gaussian, D = 1, h = x: every constant 1 (h is an eigenfunction). Beta(2, 2) under the Jacobi diffusion:
    the two-term constant is exactly 2 (h = x), Remark 8's three-term constant exactly 3 (h' = D, p ∝ D)."""
    line = tilt_matrices(GSM_FAMILIES["line"].case({"s": 1.0, "q": 0.0, "k": 0.0, "d": 0.0, "f": 0.0}))
    c = line.constants(np.array([1.0, 0.0, 0.0]))
    assert abs(c["needed_three_terms"] - 1) < 1e-8 and abs(c["key_lemma_ratio"] - 1) < 1e-8
    jac = tilt_matrices(GSM_FAMILIES["jacobi"].case({"a": 2.0, "b": 2.0, "c": 0.0, "e": 0.0}))
    assert abs(jac.constants(np.array([1.0, 0, 0, 0]))["needed_two_terms"] - 2) < 1e-7
    v, coef = worst_tilt(jac, "remark8_three_terms")
    assert abs(v - 3) < 1e-9 and abs(coef[1] / coef[2] + 1.5) < 1e-6  # h ∝ x²/2 − x³/3
    v3, _ = worst_tilt(jac, "theorem6_three_terms")
    assert 2.8 < v3 < 3.0  # Theorem 6 as printed (constant 2) fails here


def test_every_claim_has_a_mutation() -> None:
    from tests.claims.test_claims import MUTATIONS

    covered = {c for m in MUTATIONS for c in m.claims}
    missing = sorted({c.id for c in discover("gsmtheory.claims")} - covered)
    assert not missing, f"claims without a mutation test: {missing}"


def test_cached_points_are_reevaluated_not_read() -> None:
    """The cache holds parameters and search budgets only, never a value the quick mode would report."""
    from gsmtheory.claims._witnesses import CACHE

    for name, entry in CACHE.items():
        assert set(entry) == {"family", "point", "search"}, name
        assert all(isinstance(v, float | int) for v in entry["point"].values()), name


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
