"""ClaimRecord: the kind decides `passed`, failing records keep the observed value, JSON round trip."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmtheory.verify import ClaimRecord, Erratum, Source, plot, series

ARGS = ("C01", "A statement.", "Paper, Thm 1")


def test_equality_relative_pass_and_fail_keep_values() -> None:
    ok = ClaimRecord.equality(*ARGS, 2.0 + 1e-10, 2.0, 1e-9, "quadrature")
    assert ok.passed and ok.kind == "equality" and ok.details["error"] == pytest.approx(5e-11)
    bad = ClaimRecord.equality(*ARGS, 4.0, 2.0, 1e-9, "quadrature")
    assert not bad.passed
    assert bad.computed == 4.0 and bad.theoretical == 2.0 and bad.details["error"] == pytest.approx(1.0)
    assert "1e-09" in bad.relation


def test_equality_absolute_and_elementwise() -> None:
    r = ClaimRecord.equality(*ARGS, [0.0, 1e-13], [1e-14, 0.0], 1e-12, "roundoff", relative=False)
    assert r.passed and r.relation.startswith("max over entries")
    r = ClaimRecord.equality(*ARGS, [0.0, 1e-11], [0.0, 0.0], 1e-12, "roundoff", relative=False)
    assert not r.passed
    with pytest.raises(ValueError, match="must match"):
        ClaimRecord.equality(*ARGS, [1.0, 2.0], [1.0], 1e-3, "x")


def test_nan_never_passes() -> None:
    assert not ClaimRecord.equality(*ARGS, math.nan, 1.0, 1.0, "x").passed
    assert not ClaimRecord.bound(*ARGS, math.nan, 1.0).passed
    assert not ClaimRecord.bound(*ARGS, math.nan, 1.0, upper=False).passed
    assert not ClaimRecord.rate(*ARGS, math.nan, (0.0, 1.0), "x").passed


def test_bounds_one_sided_with_slack() -> None:
    up = ClaimRecord.bound(*ARGS, 1.0, 4.0)
    assert up.passed and up.kind == "upper_bound" and up.details["slack"] == pytest.approx(4.0)
    assert not ClaimRecord.bound(*ARGS, 5.0, 4.0).passed
    assert ClaimRecord.bound(*ARGS, 4.0 * (1 + 1e-12), 4.0, tolerance=1e-10).passed
    lo = ClaimRecord.bound(*ARGS, [3.0, 5.0], 2.0, upper=False)
    assert lo.passed and lo.kind == "lower_bound" and lo.details["slack"] == pytest.approx(1.5)
    assert not ClaimRecord.bound(*ARGS, [3.0, 1.0], 2.0, upper=False).passed


def test_rate_band() -> None:
    r = ClaimRecord.rate(*ARGS, 2.0, (1.5, 2.5), "four points")
    assert r.passed and r.theoretical == [1.5, 2.5] and r.tolerance == pytest.approx(0.5)
    assert not ClaimRecord.rate(*ARGS, 3.0, (1.5, 2.5), "four points").passed
    with pytest.raises(ValueError, match="empty"):
        ClaimRecord.rate(*ARGS, 3.0, (2.5, 1.5), "x")


def test_finding_needs_sentences() -> None:
    f = ClaimRecord.finding(*ARGS, 3.0, 2.0, ["The constant must be 3, not 2."])
    assert f.passed and f.kind == "finding" and f.findings == ("The constant must be 3, not 2.",)
    with pytest.raises(ValueError, match="finding sentence"):
        ClaimRecord.finding(*ARGS, 3.0, 2.0, [])


def test_invariants() -> None:
    with pytest.raises(ValueError, match="kind"):
        ClaimRecord("C01", "s", "r", "almost", "rel", 1.0, 1.0, True)
    with pytest.raises(ValueError, match="id"):
        ClaimRecord("not an id", "s", "r", "equality", "rel", 1.0, 1.0, True)
    with pytest.raises(TypeError, match="bool"):
        ClaimRecord("C01", "s", "r", "equality", "rel", 1.0, 1.0, "yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="sentences"):
        ClaimRecord("C01", "s", "r", "equality", "rel", 1.0, 1.0, True, findings="one string")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="seconds"):
        ClaimRecord("C01", "s", "r", "equality", "rel", 1.0, 1.0, True, seconds=-1.0)
    with pytest.raises(TypeError, match="JSON"):
        ClaimRecord("C01", "s", "r", "equality", "rel", object(), 1.0, True)


def test_numpy_values_become_plain_and_json_round_trip() -> None:
    r = ClaimRecord.equality(*ARGS, np.array([1.0, 2.0]), np.array([1.0, 2.0]), 1e-12, "exact",
                             details={"n": np.int64(3), "flag": np.bool_(True), "inf": math.inf,
                                      "plots": [plot("p", "t", "x", "y", [series("s", [1], [2])])]},
                             findings=["a finding with 1.5"])
    d = r.to_dict()
    assert list(d)[:8] == ["id", "statement", "reference", "relation", "computed", "theoretical",
                           "passed", "seconds"]
    assert d["computed"] == [1.0, 2.0] and type(d["details"]["n"]) is int
    text = json.dumps({k: (str(v) if isinstance(v, float) and math.isinf(v) else v)
                       for k, v in d.items()}, default=str)
    back = ClaimRecord.from_dict(json.loads(text))
    assert back.to_dict()["computed"] == d["computed"] and back.findings == r.findings
    assert ClaimRecord.from_dict(d) == r


def test_with_seconds_and_findings_are_copies() -> None:
    r = ClaimRecord.equality(*ARGS, 1.0, 1.0, 0.0, "exact")
    r2 = r.with_seconds(2.5).with_findings("one", "two")
    assert r.seconds == 0.0 and r.findings == () and r2.seconds == 2.5 and r2.findings == ("one", "two")


def test_plot_spec_validation() -> None:
    with pytest.raises(ValueError, match="points"):
        series("s", [1, 2], [1])
    with pytest.raises(ValueError, match="snake"):
        plot("Bad Name", "t", "x", "y", [])
    with pytest.raises(ValueError, match="scale"):
        plot("ok", "t", "x", "y", [], yscale="loglog")


@settings(max_examples=60, deadline=None)
@given(c=st.floats(-1e6, 1e6, allow_nan=False), t=st.floats(-1e6, 1e6, allow_nan=False),
       tol=st.floats(0.0, 10.0))
def test_constructors_agree_with_their_relation(c: float, t: float, tol: float) -> None:
    eq = ClaimRecord.equality(*ARGS, c, t, tol, "x", relative=False)
    assert eq.passed == (abs(c - t) <= tol)
    up = ClaimRecord.bound(*ARGS, c, t, tolerance=tol)
    assert up.passed == (c <= t + tol * abs(t))
    lo = ClaimRecord.bound(*ARGS, c, t, upper=False, tolerance=tol)
    assert lo.passed == (c >= t - tol * abs(t))
    a, b = sorted((t, t + tol))
    assert ClaimRecord.rate(*ARGS, c, (a, b), "x").passed == (a <= c <= b)


SOURCE = Source("COLT 2024", "Lemma 28, p. 27", "∂_β log p^β = λ_min (Δ log p^β + |∇ log p^β|²)")
ERRATUM = Erratum("false", "∂_β log p^β = λ_min(…)", "measured factor 0.5 λ_min", "factor λ_min/2",
                  "Should the factor be λ_min/2?")


def test_source_and_errata_travel_with_the_record_and_through_json() -> None:
    r = ClaimRecord.equality(*ARGS, 0.5, 0.5, 1e-9, "x", source=SOURCE, errata=[ERRATUM])
    assert r.source == SOURCE and r.errata == (ERRATUM,) and r.citation == "COLT 2024, Lemma 28, p. 27"
    d = json.loads(json.dumps(r.to_dict()))
    assert d["source"] == {"paper": "COLT 2024", "locator": "Lemma 28, p. 27", "printed": SOURCE.printed}
    assert d["errata"][0]["severity"] == "false" and d["errata"][0]["question"] == "Should the factor be λ_min/2?"
    back = ClaimRecord.from_dict(d)
    assert back.source == SOURCE and back.errata == (ERRATUM,)
    for ctor in (lambda **k: ClaimRecord.bound(*ARGS, 1.0, 2.0, **k),
                 lambda **k: ClaimRecord.rate(*ARGS, 1.0, (0.0, 2.0), "x", **k),
                 lambda **k: ClaimRecord.finding(*ARGS, 1.0, 2.0, ["f"], **k)):
        rec = ctor(source=SOURCE, errata=[ERRATUM])
        assert rec.source == SOURCE and rec.errata == (ERRATUM,)
    plain_rec = ClaimRecord.equality(*ARGS, 1.0, 1.0, 0.0, "x")
    assert plain_rec.source is None and plain_rec.errata == () and plain_rec.citation == ARGS[2]
    assert plain_rec.with_source(SOURCE).with_errata(ERRATUM).errata == (ERRATUM,)


def test_source_and_erratum_reject_bad_fields() -> None:
    with pytest.raises(ValueError, match="not one of"):
        Source("arXiv 2023", "Lemma 1", "x")
    with pytest.raises(ValueError, match="locator"):
        Source("COLT 2024", " ", "x")
    with pytest.raises(ValueError, match="severity"):
        Erratum("wrong", "p", "n", "c", "q?")
    with pytest.raises(ValueError, match="question"):
        Erratum("loose", "p", "n", "c", "")
    with pytest.raises(TypeError, match="Erratum"):
        ClaimRecord.equality(*ARGS, 1.0, 1.0, 0.0, "x", errata=["a sentence"])  # type: ignore[list-item]
