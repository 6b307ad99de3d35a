"""Witness files of the claims (gsmtheory/claims/_witnesses.py): cached points are re-evaluated, not read."""

from __future__ import annotations


def test_cached_points_are_reevaluated_not_read() -> None:
    """The cache holds parameters and search budgets only, never a value the quick mode would report."""
    from gsmtheory.claims._witnesses import CACHE

    for name, entry in CACHE.items():
        assert set(entry) == {"family", "point", "search"}, name
        assert all(isinstance(v, float | int) for v in entry["point"].values()), name
