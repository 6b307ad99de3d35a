"""Tests of gsmtheory/estimation/_fit.py.

Fits: a singular bread, non-converged and divergent fits, declared bounds, boundary estimates, the
Student-t MLE normaliser; an estimator is one new file (docs/architecture.md): the toy is written as
a file into the package's directory list, found by the registry, forced by name through the API and
the command line, and its number checked against an independent one."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.stats

import gsmtheory.estimation as estimation_pkg
from gsmtheory import ModelError, SpecError, api
from gsmtheory.cli import main
from gsmtheory.estimation import (
    build_problem,
    efficiency,
    estimators,
    feasible_box,
    fit,
)
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

STUDENT_T = """
coords = ["x"]
log_density = "-2*log(1 + x**2/3)"
[model]
params = ["a"]
truth = {a = 0.0}
log_density = "-2*log(1 + (x - a)**2/3)"
"""

TOY_ESTIMATOR = '''
"""Estimator ``toy_mean``: the location of a 1D model by the sample mean (method of moments)."""
import numpy as np
from gsmtheory import Method, Theory
from gsmtheory.estimation import FitResult

def _applies(problem):
    return None if problem.d == 1 and problem.n_params == 1 else "the toy estimator fits one location in 1D"

def _run(problem, x, options):
    mean, n = float(np.mean(x)), len(x)
    se = float(np.std(x, ddof=1) / np.sqrt(n))
    return FitResult(problem.params, "toy_mean", (mean,), (se,), None, True, "converged", "sample mean", n)

METHOD = Method("toy_mean", _applies, _run, "toy: the sample mean", Theory("estimate"), priority=0, auto=False)
'''


@contextlib.contextmanager
def _one_file(tmp_path: Path, package: Any, name: str, text: str, registries: list[Callable[[], Any]]) -> Iterator[None]:
    """``name``.py written into a directory appended to ``package.__path__``; the registries rediscover."""
    (tmp_path / f"{name}.py").write_text(text)
    saved = list(package.__path__)
    package.__path__.append(str(tmp_path))
    for r in registries:
        r.cache_clear()  # type: ignore[attr-defined]
    try:
        yield
    finally:
        package.__path__[:] = saved
        for r in registries:
            r.cache_clear()  # type: ignore[attr-defined]
        sys.modules.pop(f"{package.__name__}.{name}", None)


def _cli(argv: list[str]) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([*argv, "--json"])
    return code, json.loads(out.getvalue())


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


def test_declared_bounds_override_and_are_checked():
    spec = load_spec("bimodal-weight")
    problem = build_problem(spec, bounds={"w": (0.2, 0.9)})
    assert problem.param_bounds == ((0.2, 0.9),) and problem.bound_reasons == ("declared",)
    lo, hi = feasible_box(problem)[0]
    assert 0.2 < lo < 0.2 + 1e-9 and 0.9 - 1e-9 < hi < 0.9
    assert build_problem(spec).param_bounds == ((0.0, 1.0),)  # the cached problem is untouched
    with pytest.raises(ModelError, match="outside its range"):
        build_problem(spec, bounds={"w": (0.6, 0.9)})
    with pytest.raises(SpecError, match="unknown parameter"):
        build_problem(spec, bounds={"v": (0.0, 1.0)})


def test_boundary_estimate_has_status_and_no_standard_errors():
    problem = build_problem(load_spec("bimodal-weight", {"m": 1.0}))
    data = np.linspace(-3.0, -2.9, 20)[:, None]  # every point deep in the left component
    for loss in ("gsm", "mle"):
        res = fit(problem, data, loss=loss)
        assert res.status == "bound" and res.converged
        assert res.estimate == (0.0,)  # the boundary value itself, not the solver's inner box
        assert res.standard_errors is None and "boundary" in res.message


def test_student_t_location_mle_normalizer_covers_the_tails() -> None:
    r"""The MLE of the t location (normalized numerically) equals the maximizer of scipy's exact
    t(3) log likelihood; with the normalizer cut at ±38,000 and fixed panels it was 0.17."""
    from scipy.optimize import minimize_scalar

    data = scipy.stats.t(3).rvs(size=(2000, 1), random_state=1) + 0.3
    r = fit(parse_spec(STUDENT_T), data, loss="mle")
    ref = minimize_scalar(lambda a: -scipy.stats.t(3, loc=a).logpdf(data[:, 0]).sum(), bounds=(-1, 1),
                          method="bounded", options={"xatol": 1e-10}).x
    assert r.converged
    assert r.estimate[0] == pytest.approx(ref, abs=1e-6)


def test_an_estimator_is_one_file(tmp_path: Path) -> None:
    spec = load_spec("gaussian")
    data = np.random.default_rng(5).normal(0.3, 1.5, size=(4000, 1))
    with _one_file(tmp_path, estimation_pkg, "_estimator_toy_mean", TOY_ESTIMATOR, [estimators]):
        assert "toy_mean" in estimators().names()
        toy = fit(spec, data, loss="toy_mean")
        gsm = fit(spec, data, loss="gsm")  # for a Gaussian location GSM is the sample mean too (claim 7)
        assert toy.estimate == pytest.approx(gsm.estimate, rel=1e-12)
        np.save(tmp_path / "d.npy", data)
        code, out = _cli(["fit", "gaussian", "--data", str(tmp_path / "d.npy"), "--loss", "toy_mean"])
        assert code == 0 and out["estimate"]["mu"] == pytest.approx(float(data.mean()), rel=1e-12)
        assert api.as_dict(api.problem(spec), toy)["lifted"] is False
    assert "toy_mean" not in estimators().names()
