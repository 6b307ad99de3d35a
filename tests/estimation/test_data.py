"""Bad input: unidentifiable models, fits that do not converge, malformed data files."""

from __future__ import annotations

import numpy as np
import pytest

from gsmtheory import ModelError, NumericalError
from gsmtheory.cli import main
from gsmtheory.estimation import efficiency, fit, validate_data
from gsmtheory.symbolic import load_spec, parse_spec

FLAT = '''
coords = ["x"]
log_density = "-x**2/2"
[model]
params = ["a", "b"]
truth = {a = 0.0, b = 0.0}
log_density = "-(x - a - b)**2/2"
'''

SCALE = '''
coords = ["x"]
log_density = "-x**2/2"
[model]
params = ["t"]
truth = {t = 0.0}
log_density = "-exp(t)*x**2/2 - x**4/1000000"
'''


def test_singular_bread_names_the_flat_direction():
    with pytest.raises(ModelError, match=r"0\.707·a.*0\.707·b"):
        efficiency(parse_spec(FLAT), poincare=False)
    with pytest.raises(ModelError, match="not identifiable"):
        fit(parse_spec(FLAT), np.random.default_rng(0).normal(size=(50, 1)))


def test_non_converged_fit_reports_status_not_numbers():
    spec = load_spec("bimodal", {"m": 2.0})
    data = np.random.default_rng(1).normal(size=(200, 1)) + 2.0
    res = fit(spec, data, max_iter=1, starts=1)
    assert not res.converged and res.estimate is None and res.standard_errors is None
    d = res.to_dict()
    assert d["estimate"] == {"a": None} and d["converged"] is False and d["status"] == "not_converged"


def test_divergent_fit_is_not_a_number():
    # all samples at 0: the GSM loss −e^t (…) decreases without bound as t grows
    res = fit(parse_spec(SCALE), np.zeros((20, 1)), starts=2, max_iter=30)
    assert not res.converged and res.estimate is None


@pytest.mark.parametrize(("data", "match"), [
    (np.array([[1.0], [np.nan]]), "NaN"),
    (np.zeros((5, 3)), "3 column"),
    (np.zeros((0, 1)), "no rows"),
])
def test_validate_data(data, match):
    with pytest.raises(NumericalError, match=match):
        validate_data(data, 1)


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
    import json

    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"estimate", "standard_errors", "loss", "converged"}
    assert out["converged"] is True and isinstance(out["estimate"]["mu"], float)
    assert main(["fit", "gaussian", "--data", str(path), "--loss", "ctld"]) == 2
    assert "ctld" in capsys.readouterr().err


def test_efficiency_command_keys(capsys):
    import json

    assert main(["efficiency", "bimodal-weight", "--const", "m=2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("gsm_covariance", "mle_covariance", "ratio", "poincare_constant", "theorem_bound",
                "per_parameter", "worst_direction"):
        assert key in out
    assert out["ratio"] == pytest.approx(9.4228, rel=1e-3)
    assert main(["efficiency", "laguerre"]) == 2  # no [model]
