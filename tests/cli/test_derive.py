"""Tests of gsmtheory/_cli/derive.py.

derive on the command line: the JSON keys of docs/design.md §4 and their meaning."""

from __future__ import annotations

import json

import pytest

from gsmtheory.cli import main


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_derive_json_keys_without_model(capsys: pytest.CaptureFixture[str]) -> None:
    result = _json(capsys, ["derive", "laguerre", "--json"])
    for key in ("drift", "diffusion_matrix", "generator", "stationary", "dirichlet_integrand"):
        assert key in result
    assert result["stationary"] is True
    assert "gsm_implicit" not in result


def test_derive_json_keys_with_model(capsys: pytest.CaptureFixture[str]) -> None:
    result = _json(capsys, ["derive", "reflected-gaussian", "--json"])
    for key in ("gsm_explicit", "gsm_implicit", "boundary_terms"):
        assert key in result
    sides = [t["side"] for t in result["boundary_terms"]]
    assert sides == ["lower", "upper"]
    assert all(t["vanishes"] is False for t in result["boundary_terms"])


def test_derive_underdamped_says_no_poincare(capsys: pytest.CaptureFixture[str]) -> None:
    result = _json(capsys, ["derive", "underdamped-langevin", "--json"])
    assert result["degenerate"] is True
    assert "no Poincare inequality" in result["poincare_note"]


@pytest.mark.parametrize("fmt", ["latex", "python", "text"])
def test_derive_formats(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code = main(["derive", "gaussian", "--format", fmt])
    out = capsys.readouterr().out
    assert code == 0 and "generator" in out
    if fmt == "latex":
        assert "\\frac" in out
