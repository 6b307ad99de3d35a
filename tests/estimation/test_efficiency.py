"""Tests of gsmtheory/estimation/_efficiency.py.

Claim 9: vanilla score matching loses efficiency exponentially in separation² on bimodal targets,
in the directions that move mass between the modes; directions that do not (x² tilt, the means)
keep ratio near 1. Efficiency is a property of a parameter direction, not of the distribution.

Claims 5 and 6 on random two-component mixtures: H ⪰ I/C_P, and the general theorem's constant.
"""

from __future__ import annotations

import math
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import gsmtheory.solve as solve_pkg
from gsmtheory import SpecError, api
from gsmtheory.estimation import (
    classify_growth,
    efficiency,
    tilt_efficiency,
)
from gsmtheory.numeric import expect_1d, mixture_logpdf
from gsmtheory.solve import (
    evaluate_gsm_loss,
    poincare_constant,
    poincare_methods,
)
from gsmtheory.symbolic import gsm_loss, load_spec, parse_spec
from tests.estimation.test_fit import (  # shared with tests/estimation/test_fit.py
    STUDENT_T,
    _one_file,
)

GAMMA_SHAPE = """
coords = ["x"]
log_density = "{km1}*log(x) - x"
[domain]
x = [0, "inf"]
[model]
params = ["k"]
truth = {{k = {k}}}
log_density = "(k - 1)*log(x) - x"
"""


def _t3_density(x: mpmath.mpf) -> mpmath.mpf:
    """p(x) = 2/(π√3) (1 + x²/3)^{-2}, the Student-t with ν = 3."""
    return 2 / (mpmath.pi * mpmath.sqrt(3)) * (1 + x**2 / 3) ** -2

SEPARATIONS = [1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0]


@pytest.fixture(scope="module")
def series():
    weight, tanh, square = [], [], []
    for m in SEPARATIONS:
        spec = load_spec("bimodal-weight", {"m": m})
        x = spec.diffusion.coords[0]
        weight.append(efficiency(spec, poincare=False).ratio)
        tanh.append(tilt_efficiency(spec.diffusion, sp.tanh(x), compare_sandwich=False).ratio)
        square.append(tilt_efficiency(spec.diffusion, x**2, compare_sandwich=False).ratio)
    return weight, tanh, square


TWO_PARAMS = '''
coords = ["x"]
[constants]
m = 4.0
[mixture]
means = [["-m"], ["m"]]
weights = [0.5, 0.5]
covariance = [[1.0]]
[model]
params = ["a", "w"]
truth = {a = "m", w = 0.5}
[model.mixture]
means = [["-a"], ["a"]]
weights = ["1 - w", "w"]
covariance = [[1.0]]
'''

MIXTURE = '''
coords = ["x"]
[constants]
m1 = -1.0
m2 = 1.0
w = 0.5
s = 1.0
[mixture]
means = [["m1"], ["m2"]]
weights = ["1 - w", "w"]
covariance = [["s"]]
[model]
params = ["a", "b"]
truth = {a = "m1", b = "m2"}
[model.mixture]
means = [["a"], ["b"]]
weights = ["1 - w", "w"]
covariance = [["s"]]
'''

TOY_CTLD = '''
"""Poincaré method ``toy_ctld_variance`` of lifted problems: g(x, β) = x gives Var(x) ≤ C_P (E[g_x²] = 1)."""
import numpy as np
from gsmtheory import Method, Theory
from gsmtheory.numeric import PoincareResult

def _applies(problem):
    return None if problem.d == 1 and problem.mixture is not None else "the toy needs a 1D mixture target"

def _run(problem, rtol, quick):
    mix, lift = problem.mixture, problem.lift
    means, weights = np.array([m[0] for m in mix.means]), np.array(mix.weights)
    var_p = float(weights @ (means ** 2) - (weights @ means) ** 2 + mix.covariance[0][0])
    b, w = lift.beta_rule(64)
    value = var_p + lift.lambda_min * float(w @ b)
    return PoincareResult(value, 0.0, "toy-variance", {}, "bound", "Var of the joint's x", "lower_bound",
                          lower=value)

METHOD = Method("toy_ctld_variance", _applies, _run, "toy: C_P >= Var(x) on the lift", Theory("lower_bound"),
                priority=0, auto=False, lifted=True)
'''


def test_student_t_efficiency_closed_forms() -> None:
    r"""Γ_GSM = 450/169, Γ_MLE = 3/2 and H = 13/18 for the Student-t (ν = 3) location model.

    With x = √3 tan θ, p(x)dx = (2/π) cos²θ dθ on (−π/2, π/2), and
    ℓ′ = −4x/(3+x²) = −(4/√3) sin θ cos θ, ℓ″ = −4(3−x²)/(3+x²)² = −(4/3) cos²θ cos 2θ,
    ℓ‴ = 8x(9−x²)/(3+x²)³. The model ℓ(x − a) at a = 0 has J = ∂_a∂_x ℓ_a = −ℓ″, so
    H = E[ℓ″²] = (32/9π) ∫ cos⁶θ cos²2θ dθ = (32/9π)(13π/64) = 13/18 (power reduction:
    cos⁶θ cos²2θ averages 13/64 over a period),
    ψ = ∂_a(½ℓ_a′² + ℓ_a″) = −(ℓ′ℓ″ + ℓ‴), odd, so Var ψ = E[ψ²] = 25/18 (mpmath below), and
    I = E[ℓ′²] = (ν+1)/(ν+3) = 2/3. Hence Γ_GSM = Var ψ / H² = (25/18)(324/169) = 450/169
    = 2.662722 and Γ_MLE = 1/I = 3/2. The package used to report H singular (eigenvalue −0.0211).
    """
    th = sp.Symbol("theta", real=True)
    mean = sp.fourier_series(sp.cos(th) ** 6 * sp.cos(2 * th) ** 2, (th, -sp.pi, sp.pi)).a0
    assert mean == sp.Rational(13, 64)
    with mpmath.workdps(30):
        l1 = lambda x: -4 * x / (3 + x**2)  # noqa: E731
        l2 = lambda x: -4 * (3 - x**2) / (3 + x**2) ** 2  # noqa: E731
        l3 = lambda x: 8 * x * (9 - x**2) / (3 + x**2) ** 3  # noqa: E731
        meat = mpmath.quad(lambda x: _t3_density(x) * (l1(x) * l2(x) + l3(x)) ** 2, [-mpmath.inf, 0, mpmath.inf])
        fisher = mpmath.quad(lambda x: _t3_density(x) * l1(x) ** 2, [-mpmath.inf, 0, mpmath.inf])
        bread = mpmath.quad(lambda x: _t3_density(x) * l2(x) ** 2, [-mpmath.inf, 0, mpmath.inf])
        assert abs(meat - mpmath.mpf(25) / 18) < 1e-25
        assert abs(fisher - mpmath.mpf(2) / 3) < 1e-25
        assert abs(bread - mpmath.mpf(13) / 18) < 1e-25
    eff = efficiency(parse_spec(STUDENT_T), poincare=False)
    gsm, mle = eff.gsm.covariance, eff.mle.covariance
    assert gsm.status == "ok" and mle.status == "ok"
    assert abs(gsm.matrix[0][0] - 450 / 169) <= gsm.error[0][0]
    assert abs(mle.matrix[0][0] - 1.5) <= mle.error[0][0]
    assert gsm.error[0][0] < 1e-9
    assert eff.gsm.bread[0][0] == pytest.approx(13 / 18, rel=1e-12)


def test_gamma_shape_langevin_variance_is_infinite_at_k_3() -> None:
    r"""Langevin score matching of a Gamma shape k: Γ_GSM = ∞ at k = 3, a status, not a number.

    ℓ_k = (k−1) log x − x on (0, ∞), φ = ½((k−1)/x − 1)² − (k−1)/x², so
    ψ = ∂_kφ = (k−2)/x² − 1/x and E[ψ²] needs E[x⁻⁴] = ∫ x^{k−5} e^{−x}/Γ(k) dx, infinite for
    k ≤ 4 (at k = 3 the integrand is ~x⁻² at 0). The MLE is fine: Γ_MLE = 1/ψ₁(k) with the
    trigamma ψ₁(3) = π²/6 − 1 − 1/4.
    """
    eff = efficiency(parse_spec(GAMMA_SHAPE.format(km1=2, k=3.0)), poincare=False)
    assert eff.gsm.covariance.status == "infinite_variance"
    assert math.isinf(eff.gsm_covariance[0, 0]) and math.isinf(eff.ratio)
    assert "psi psi^T" in eff.gsm.covariance.message
    out = eff.to_dict()
    assert out["status"] == "infinite_variance"
    trigamma3 = math.pi**2 / 6 - 1.25
    assert abs(eff.mle_covariance[0, 0] - 1 / trigamma3) <= eff.mle.covariance.error[0][0]


def test_gamma_shape_langevin_variance_is_finite_at_k_6() -> None:
    r"""At k = 6 every moment is finite: E[x^{−m}] = Γ(k−m)/Γ(k) gives H = E[x⁻²] = 1/20 and
    E[ψ²] = 16·E[x⁻⁴] − 8·E[x⁻³] + E[x⁻²] = 16/120 − 8/60 + 1/20 = 1/20, so
    Γ_GSM = (1/20)/(1/20)² = 20 (the same moments that diverge at k = 3)."""
    eff = efficiency(parse_spec(GAMMA_SHAPE.format(km1=5, k=6.0)), poincare=False)
    gsm = eff.gsm.covariance
    assert gsm.status == "ok"
    assert abs(gsm.matrix[0][0] - 20.0) <= gsm.error[0][0]
    assert gsm.error[0][0] < 1e-8


def test_min_weighting_makes_the_gamma_shape_variance_finite() -> None:
    r"""Hyvärinen / genscore's non-negative weighting D = min(x, 2) for the Gamma shape at k = 3.

    With D ℓ_k′ in the implicit loss, ψ = ∂_k[½Dℓ_k′² + (Dℓ_k′)′] = D(2/x − 1)/x + D′/x − D/x²
    at k = 3, i.e. 2/x − 1 for x < 2 (D = x) and 2/x² − 2/x for x > 2 (D = 2), and
    H = E[D/x²]: both finite under x² e^{−x}/2. The sandwich is computed here by mpmath.quad
    on the two pieces; the package must agree within its error.
    """
    spec = parse_spec(GAMMA_SHAPE.format(km1=2, k=3.0) + '[diffusion]\nD = [["min(x, 2)"]]\n')
    with mpmath.workdps(30):
        p = lambda x: x**2 * mpmath.exp(-x) / 2  # noqa: E731
        psi = lambda x: 2 / x - 1 if x < 2 else 2 / x**2 - 2 / x  # noqa: E731
        Dx = lambda x: min(x, mpmath.mpf(2))  # noqa: E731
        m2 = mpmath.quad(lambda x: p(x) * psi(x) ** 2, [0, 2, mpmath.inf])
        m1 = mpmath.quad(lambda x: p(x) * psi(x), [0, 2, mpmath.inf])
        H = mpmath.quad(lambda x: p(x) * Dx(x) / x**2, [0, 2, mpmath.inf])
        truth = float((m2 - m1**2) / H**2)
    eff = efficiency(spec, poincare=False)
    gsm = eff.gsm.covariance
    assert gsm.status == "ok"
    assert abs(gsm.matrix[0][0] - truth) <= gsm.error[0][0]
    assert gsm.error[0][0] < 1e-8


def test_jacobi_catalogue_gsm_variance_is_infinite() -> None:
    r"""Beta(2, 3) with the Jacobi diffusion D = x(1 − x), model (p−1) log x + (q−1) log(1−x).

    Dℓ_θ′ = (p−1)(1−x) − (q−1)x and (Dℓ_θ′)′ = −(p+q−2), so at (p, q) = (2, 3)
    ψ_p = ∂_p[½(Dℓ_θ′)²/D + (Dℓ_θ′)′] = (1 − 3x)/x − 1 = 1/x − 4, and E[ψ_p²] contains
    E[1/x²] = ∫ x⁻¹(1−x)²/B(2,3) dx = ∞ (log divergence at 0): Γ_GSM is infinite. (The fixed
    panels reported 163.6 ± 2.1; a first adaptive version 1056.17 ± 7e-11.) The MLE is finite:
    I = trigamma matrix [[ψ₁(2) − ψ₁(5), −ψ₁(5)], [−ψ₁(5), ψ₁(3) − ψ₁(5)]].
    """
    from gsmtheory.symbolic import load_spec

    eff = efficiency(load_spec("jacobi", {"a": 2.0, "b": 3.0}), poincare=False)
    assert eff.gsm.covariance.status == "infinite_variance"
    t1 = [float(mpmath.psi(1, k)) for k in (2, 3, 5)]
    fisher = np.array([[t1[0] - t1[2], -t1[2]], [-t1[2], t1[1] - t1[2]]])
    assert np.all(np.abs(eff.mle_covariance - np.linalg.inv(fisher)) <= np.array(eff.mle.covariance.error))


def test_two_dimensional_heavy_tail_is_flagged_not_trusted() -> None:
    r"""2D Student-t (ν = 3): p ∝ (1 + r²/3)^{−5/2}. The box where ℓ has dropped 40 nats reaches
    r ~ 5000, where tensor panels cannot resolve the unit-width core: the explicit loss at a = 0.5
    (0.1016 by an independent polar quadrature) cannot be bounded, so the error is inf and the
    status heavy_tail; the efficiency refuses with a one-line error instead of a singular H."""
    text = ('coords = ["x", "y"]\nlog_density = "-2.5*log(1 + (x**2 + y**2)/3)"\n[model]\nparams = ["a"]\n'
            'truth = {a = 0.0}\nlog_density = "-2.5*log(1 + ((x - a)**2 + y**2)/3)"\n')
    spec = parse_spec(text)
    ev = evaluate_gsm_loss(gsm_loss(spec.diffusion, spec.model), [{"a": 0.5}])
    assert ev.status == "heavy_tail"
    assert math.isinf(ev.explicit_error[0])
    from gsmtheory import NumericalError

    with pytest.raises(NumericalError, match="heavy tails"):
        efficiency(spec, poincare=False)


def test_weight_ratio_grows_like_exp_of_separation_squared(series):
    g = classify_growth(SEPARATIONS, series[0])
    assert g.label == "exponential_quadratic", g.message
    lo, hi = g.rate_interval
    assert 0.3 < lo <= hi < 0.8  # ≈ m²/2: the overlap density e^{-m²/2} sets H
    assert series[0][-1] > 1e5


def test_tanh_tilt_grows_like_exp_of_separation_squared(series):
    g = classify_growth(SEPARATIONS, series[1])
    assert g.label == "exponential_quadratic", g.message
    assert g.rate_interval[0] > 0.2


def test_square_tilt_stays_efficient(series):
    g = classify_growth(SEPARATIONS, series[2])
    assert not g.grows_exponentially
    assert g.label == "bounded"
    assert max(series[2]) < 1.1


def test_mle_does_not_degrade():
    mle = [efficiency(load_spec("bimodal-weight", {"m": m}), poincare=False).mle_covariance[0, 0]
           for m in (2.0, 5.0)]
    assert mle[1] == pytest.approx(0.25, rel=0.01)  # → w(1−w) as the modes separate
    assert mle[1] < mle[0]


def test_ratio_is_per_direction_not_per_distribution():
    eff = efficiency(parse_spec(TWO_PARAMS), poincare=False)
    per = eff.per_parameter
    assert per["a"] < 1.5  # the means are estimated almost as well as by MLE
    assert per["w"] > 100  # the weight is not
    worst, v = eff.worst_direction
    best, _u = eff.best_direction
    assert worst >= per["w"] * (1 - 1e-9) and best <= per["a"] * (1 + 1e-9)
    assert abs(v[1]) > 0.99  # the worst direction is (almost) the weight
    assert eff.ratio_along(v) == pytest.approx(worst, rel=1e-8)
    assert eff.to_dict()["per_parameter"] == pytest.approx(per)
    assert np.isfinite(eff.ratio)


@settings(max_examples=6, deadline=None)
@given(center=st.floats(-1.0, 1.0), sep=st.floats(0.5, 4.0), w=st.floats(0.2, 0.8),
       s=st.floats(0.5, 1.5))
@pytest.mark.slow
def test_key_lemma_and_theorem_on_random_mixtures(center, sep, w, s):
    spec = parse_spec(MIXTURE, constants={"m1": center - sep / 2, "m2": center + sep / 2, "w": w, "s": s})
    eff = efficiency(spec)  # C_P from the spectral module (1D kernel fallback until it lands)
    lemma = eff.key_lemma
    assert lemma is not None and eff.poincare is not None
    assert lemma.ratio >= 1 - lemma.tolerance, (lemma.ratio, eff.poincare.poincare_constant)
    assert lemma.bread_vs_jdj < 1e-8  # E[∇²_θ φ] = E[J D Jᵀ] at θ*
    th = eff.theorem
    assert th is not None and th.holds and th.needed_constant <= 2.0


def test_key_lemma_is_tight_for_gaussian_location():
    spec = parse_spec(MIXTURE.replace('means = [["m1"], ["m2"]]\nweights = ["1 - w", "w"]', 'means = [["m1"]]\nweights = [1]', 1)
                      .replace('means = [["a"], ["b"]]\nweights = ["1 - w", "w"]', 'means = [["a"]]\nweights = [1]')
                      .replace('params = ["a", "b"]\ntruth = {a = "m1", b = "m2"}', 'params = ["a"]\ntruth = {a = "m1"}'),
                      constants={"s": 2.0})
    eff = efficiency(spec)
    assert abs(eff.key_lemma.ratio - 1) < 1e-3  # H = Σ⁻², I = Σ⁻¹, C_P = Σ: equality


def test_a_ctld_method_is_one_file(tmp_path: Path) -> None:
    """Forced on a lifted 1D mixture its bound Var_p(x) + λE_r[β] holds below ctld1d's C_P, and it
    equals the joint variance of x computed independently by quadrature of r(β)·p^β."""
    spec = load_spec("ctld-bimodal", constants={"m": 1.0})
    problem = api.problem(spec)
    assert problem.lift is not None
    with _one_file(tmp_path, solve_pkg, "_solve_toy_ctld", TOY_CTLD, [poincare_methods]):
        toy = poincare_constant(problem, method="toy_ctld_variance")
        assert poincare_constant(problem, quick=True).method != "toy-variance"  # auto=False
        with pytest.raises(SpecError, match="answers for lifted problems only"):
            poincare_constant(problem.without_lift(), method="toy_ctld_variance")
    value = poincare_constant(problem, quick=True)
    assert toy.side == "lower_bound" and toy.lower <= value.poincare_constant + value.error_estimate
    lift, mix = problem.lift, problem.mixture
    assert mix is not None
    t, w = np.polynomial.legendre.leggauss(16)  # 8 panels of 16 Gauss–Legendre nodes on [0, β_max]
    edges = np.linspace(0.0, lift.beta_max, 9)
    b = ((edges[:-1, None] + edges[1:, None]) / 2 + (edges[1:, None] - edges[:-1, None]) / 2 * t).ravel()
    wb = (np.diff(edges)[:, None] / 2 * w).ravel() * np.exp(lift.schedule.log_r(b))
    var = []
    for s in b * lift.lambda_min:
        ex = expect_1d(lambda x, s=s: mixture_logpdf(mix, x[:, None], s), lambda x: [x, x ** 2], -math.inf, math.inf)
        var.append(ex.values[1] - ex.values[0] ** 2)
    joint = float(wb @ np.array(var) / wb.sum())  # E_r[Var(x | β)] (E[x | β] = 0 by symmetry)
    assert toy.lower == pytest.approx(joint, rel=1e-5)
