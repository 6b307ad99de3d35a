"""The README's numbers and lists come from the registries: claims, catalogue entries, method names."""

from __future__ import annotations

import re
from pathlib import Path

from gsmtheory.estimation import covariance_methods, estimators
from gsmtheory.solve import loss_methods, poincare_methods
from gsmtheory.symbolic import catalogue_names
from gsmtheory.verify import discover

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _names(line_start: str) -> list[str]:
    line = next(line for line in README.splitlines() if line.startswith(line_start))
    return re.findall(r"`([^`]+)`", line.split(":", 1)[1])


def test_claim_counts_are_the_registered_claims() -> None:
    n = len(discover("gsmtheory.claims"))
    counts = [int(m) for m in re.findall(r"\b(\d+) (?:claims|checks)\b", README)]
    fractions = re.findall(r"\b(\d+)/(\d+) pass", README)
    assert counts and all(c == n for c in counts), (counts, n)
    assert fractions and all(int(a) == int(b) == n for a, b in fractions), (fractions, n)


def test_the_catalogue_sentence_lists_every_entry() -> None:
    sentence = README[README.index("Catalogue:"):README.index("(`gsmtheory catalogue`")]
    assert re.findall(r"`([^`]+)`", sentence) == sorted(catalogue_names(), key=sentence.index)
    assert sorted(re.findall(r"`([^`]+)`", sentence)) == sorted(catalogue_names())


def test_the_method_lists_are_the_registries() -> None:
    assert _names("- Poincaré (`--method`)") == list(poincare_methods().names())
    assert _names("- loss (`--method`)") == list(loss_methods().names())
    assert _names("- covariance (`efficiency --method`)") == list(covariance_methods().names())
    assert _names("- estimator (`fit --loss`)") == list(estimators().names())
