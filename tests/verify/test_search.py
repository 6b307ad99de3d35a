"""The worst-case search (gsmtheory/verify/_search.py): maximize finds the maximum within its budget."""

from __future__ import annotations

import math

from gsmtheory.verify import (
    Box,
    maximize,
)


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
