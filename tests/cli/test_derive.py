"""derive and loss on the command line: the JSON keys of docs/design.md §4 and their meaning."""

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


def test_loss_difference_is_constant(capsys: pytest.CaptureFixture[str]) -> None:
    result = _json(capsys, ["loss", "reflected-gaussian", "--at", "mu=0.3", "--at", "mu=1.0",
                            "--at", "mu=-0.5", "--json"])
    assert len(result["explicit"]) == 3
    diffs = result["difference"]
    assert max(diffs) - min(diffs) < 1e-10
    assert abs(diffs[0] - result["expected_difference"]) < 1e-10
    assert max(abs(b) for b in result["boundary"]) > 0.1  # the boundary terms are not negligible here


def test_loss_torch_monte_carlo_on_a_device_agrees_with_quadrature(capsys: pytest.CaptureFixture[str]) -> None:
    quad = _json(capsys, ["loss", "bimodal", "--at", "a=1.5", "--at", "a=2.5", "--json"])
    mc = _json(capsys, ["loss", "bimodal", "--at", "a=1.5", "--at", "a=2.5", "--method", "torch-mc",
                        "--device", "auto", "--samples", "100000", "--seed", "4", "--json"])
    assert mc["resolution"]["samples"] == 100_000 and mc["resolution"]["device"] in ("cpu", "cuda")
    for key in ("explicit", "implicit"):
        for q, m, e in zip(quad[key], mc[key], mc[f"{key}_error"], strict=True):
            assert abs(q - m) <= 2.5 * e, (key, q, m, e)  # 2.5 × (1.96 standard errors)
    assert main(["loss", "ctld-bimodal", "--method", "torch-mc"]) == 2  # the lifted loss has its own rule
    with pytest.raises(SystemExit) as usage:  # a budget out of range is a usage error
        main(["loss", "bimodal", "--samples", "1", "--method", "torch-mc"])
    assert usage.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "torch-mc answers for the un-lifted target" in err[0]
    assert "--samples: 1 is outside [2, 100_000_000]" in err[1]


def test_loss_with_several_params_and_constants(capsys: pytest.CaptureFixture[str]) -> None:
    result = _json(capsys, ["loss", "gaussian-2d", "--const", "s2=2", "--at", "a=-1,b=1", "--at", "a=0,b=0",
                            "--json"])
    assert result["explicit"][1] == pytest.approx(0.0, abs=1e-14)
    # ∇ℓ − ∇ℓ_q = (−a/s1, −b/s2), so explicit = ½(a²/s1² + b²/s2²) with s1 = 1, s2 = 2
    assert result["explicit"][0] == pytest.approx(0.5 * (1.0 + 1.0 / 4.0), rel=1e-12)
