"""Sweep reports (gsmtheory/sweep/_sweep_report.py): flattening results to scalar columns."""

from __future__ import annotations

from gsmtheory.sweep import scalar_results


def test_scalar_results_flattening():
    result = {"a": 1, "b": [[2.0]], "c": [1.0, 2.0], "d": {"e": 3.0, "f": "text"}, "g": True,
              "h": list(range(9)), "i": "nan", "j": float("inf")}
    assert scalar_results(result) == {"a": 1.0, "b": 2.0, "c[0]": 1.0, "c[1]": 2.0, "d.e": 3.0}
