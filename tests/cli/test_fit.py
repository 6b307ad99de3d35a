"""``gsmtheory fit`` (gsmtheory/_cli/fit.py): data files, the domain check and the CTLD default."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gsmtheory.cli import main
from gsmtheory.estimation import sample_target
from gsmtheory.symbolic import load_spec
from tests.cli.test_common import _run  # shared with tests/cli/test_common.py

GOOD_HEAD = 'coords = ["x"]\n'


GAMMA3 = GOOD_HEAD + ('log_density = "2*log(x) - x"\n[domain]\nx = [0, "inf"]\n[model]\nparams = ["k"]\n'
                      'truth = {k = 3.0}\nlog_density = "(k - 1)*log(x) - x"\n')


def test_fit_refuses_data_outside_the_domain(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """7 of 300 Gamma samples flipped negative: refused with their count, exit 2, nothing written."""
    import numpy as np

    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "gamma.toml"
    spec.write_text(GAMMA3)
    data = np.random.default_rng(1).gamma(3.0, 1.0, size=(300, 1))
    data[[4, 50, 51, 90, 200, 201, 299]] *= -1
    np.save(tmp_path / "data.npy", data)
    before = sorted(p.name for p in tmp_path.iterdir())
    for loss in ("gsm", "mle"):
        code = main(["fit", str(spec), "--data", str(tmp_path / "data.npy"), "--loss", loss])
        out, err = capsys.readouterr()
        assert code == 2 and out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "7 of 300 rows lie outside the domain x in [0, inf]" in lines[0], err
        assert "first at row 5" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_fit_defaults_to_ctld_for_a_ctld_spec(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    spec = load_spec("ctld-bimodal", constants={"m": 1.5})
    data = sample_target(spec.diffusion, 1500, 4)
    path = tmp_path / "d.npy"
    np.save(path, data)
    code, out, _ = _run(capsys, "fit", "ctld-bimodal", "--const", "m=1.5", "--data", str(path), "--starts", "2")
    assert code == 0 and out is not None and out["loss_name"] == "ctld" and out["converged"] is True
    assert abs(out["estimate"]["a"] - 1.5) < 4 * out["standard_errors"]["a"]
    code, plain, _ = _run(capsys, "fit", "ctld-bimodal", "--const", "m=1.5", "--data", str(path), "--no-lift")
    assert code == 0 and plain is not None and plain["loss_name"] == "gsm"
    assert plain["estimate"]["a"] != out["estimate"]["a"]
    code, _, err = _run(capsys, "fit", "ctld-bimodal", "--data", str(path), "--no-lift", "--loss", "ctld")
    assert code == 2 and err.count("\n") == 1


@pytest.mark.parametrize(("content", "suffix", "match"), [
    ("x\n1.0\nnan\n", ".csv", "NaN"),
    ("x\n", ".csv", "no rows"),
    ("1,2\n3,4\n", ".csv", "2 column"),
    ("1\n2,3\n", ".csv", "different widths"),
])
def test_fit_command_exits_2_on_bad_files(tmp_path, capsys, content, suffix, match):
    path = tmp_path / f"data{suffix}"
    path.write_text(content)
    assert main(["fit", "gaussian", "--data", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and match in err


def test_fit_command_npy_and_ctld_hook(tmp_path, capsys):
    path = tmp_path / "d.npy"
    np.save(path, np.random.default_rng(2).normal(0, 1.5, size=(300, 1)))
    assert main(["fit", "gaussian", "--data", str(path), "--json"]) == 0

    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"estimate", "standard_errors", "loss", "converged"}
    assert out["converged"] is True and isinstance(out["estimate"]["mu"], float)
    assert main(["fit", "gaussian", "--data", str(path), "--loss", "ctld"]) == 2
    assert "ctld" in capsys.readouterr().err
