"""Exact cases of the symbolic layer: catalogue, stationarity verdicts, degeneracy, score operators."""

from __future__ import annotations

import pytest
import sympy as sp

from gsmtheory import SpecError
from gsmtheory.symbolic import Diffusion, Model, catalogue_names, gsm_loss, load_spec

x, v = sp.symbols("x v", real=True)


@pytest.mark.parametrize("name", catalogue_names())
def test_every_catalogue_entry_is_stationary(name: str) -> None:
    spec = load_spec(name)
    verdict = spec.diffusion.stationarity()
    assert verdict.verdict is True, (name, verdict)


def test_a_wrong_drift_is_found_non_stationary(monkeypatch: pytest.MonkeyPatch) -> None:
    """A drift outside the complete recipe (here: twice too strong) leaves p non-stationary."""
    diff = Diffusion((x,), -x**2 / 2 - x**4 / 4)
    right = diff.drift()
    monkeypatch.setattr(Diffusion, "drift", lambda self, reversible_only=False: 2 * right)
    verdict = diff.stationarity()
    assert verdict.verdict is False
    assert verdict.method == "mpmath-50"
    assert verdict.max_abs_residual is not None and verdict.max_abs_residual > 1e-3


def test_mpmath_verdict_when_symbolic_simplification_is_not_attempted() -> None:
    # log of a sum of exponentials: symbolic simplification succeeds or the 50-digit check says True
    spec = load_spec("bimodal")
    st = spec.diffusion.stationarity()
    assert st.verdict is True and st.method in {"symbolic", "mpmath-50"}


def test_generator_of_langevin_on_gaussian() -> None:
    diff = Diffusion((x,), -x**2 / 2)
    g = sp.Function("g")(x)
    assert sp.simplify(diff.generator(g) - (-x * g.diff(x) + g.diff(x, 2))) == 0
    # Hermite polynomials are eigenfunctions: L He_2 = -2 He_2
    he2 = x**2 - 1
    assert sp.simplify(diff.generator(he2) + 2 * he2) == 0


def test_underdamped_langevin_is_degenerate() -> None:
    spec = load_spec("underdamped-langevin")
    d = spec.diffusion
    assert d.is_degenerate
    assert not d.is_reversible
    # E(g) = 0 for a non-constant g(x): the Dirichlet form controls no variance
    assert sp.simplify(d.dirichlet_integrand(x**2)) == 0
    drift = d.drift()
    assert sp.simplify(drift[0] - v) == 0
    assert sp.simplify(drift[1] - (-x - v)) == 0


def test_score_operator_factors() -> None:
    spec = load_spec("preconditioned-gaussian")
    for factor in ("sqrt", "cholesky"):
        op = spec.diffusion.score_operator(factor)  # type: ignore[arg-type]
        B = sp.Matrix(op.B)
        assert (B * B.T - spec.diffusion.D).applyfunc(lambda e: abs(float(e))).norm() < 1e-12
    jac = load_spec("jacobi").diffusion.score_operator()
    assert sp.simplify(jac.B[0, 0] ** 2 - x * (1 - x)) == 0


def test_exponential_family_detection() -> None:
    a, b = sp.symbols("a b", real=True)
    m = Model.from_log_density((x,), (a, b), a * x - b * x**2 / 2, {a: 0, b: 1})
    assert m.kind == "exponential_family"
    assert m.statistics == (x, -x**2 / 2)
    m2 = Model.from_log_density((x,), (a,), -(x - a)**4, {a: 0})
    assert m2.kind == "formula"


def test_loss_J_and_hessian() -> None:
    a = sp.Symbol("a", real=True)
    spec = load_spec("gaussian")
    loss = gsm_loss(spec.diffusion, spec.model)
    sigma2 = sp.Rational(9, 4)
    assert sp.simplify(loss.J[0, 0] - 1 / sigma2) == 0
    assert sp.simplify(loss.theta_hessian[0, 0] - 1 / sigma2**2) == 0
    del a


@pytest.mark.parametrize(
    ("D", "Q", "message"),
    [
        ([[1, x], [0, 1]], None, "not symmetric"),
        ([[1, 0], [0, -1]], None, "not positive semidefinite"),
        ([[1, 0], [0, 1]], [[1, 0], [0, 0]], "skew"),
        ([[x**2 - 1, 0], [0, 1]], None, "not positive semidefinite"),
    ],
)
def test_invalid_matrices(D: list[list[object]], Q: list[list[object]] | None, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        Diffusion((x, v), -x**2 - v**2, sp.ImmutableMatrix(D), None if Q is None else sp.ImmutableMatrix(Q))


def test_undeclared_symbol() -> None:
    with pytest.raises(SpecError, match="undeclared"):
        Diffusion((x,), -x**2 * sp.Symbol("k"))
