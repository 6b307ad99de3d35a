"""The CTLD covariances (gsmtheory/estimation/_cov_ctld.py): the quadrature's record for lifted and
unlifted specs, and the Monte Carlo in torch where no reduction applies (issue #14): against the
quadrature in d = 2 within its stated standard errors, errors shrinking like 1/sqrt(n), the rtol
stop, the same answer on CUDA (skipped without one), and the d = 3 fallback of the lifted efficiency."""

from __future__ import annotations

import numpy as np
import pytest

from gsmtheory._errors import ModelError, SpecError
from gsmtheory.compile import compile_expr
from gsmtheory.estimation import (
    Efficiency,
    build_problem,
    ctld_efficiency,
    ctld_efficiency_monte_carlo,
    efficiency,
)
from gsmtheory.estimation._cov_ctld import _ctld_cov
from gsmtheory.solve import evaluate_loss
from gsmtheory.symbolic import (
    load_spec,
    parse_spec,
)
from tests.solve.test_loss_question import FREE  # shared with tests/solve/test_loss_question.py

# the model moves only the x-means: the 2D problem is the 1D ctld-bimodal one times an independent y
XONLY = FREE.replace('params = ["a", "b"]', 'params = ["a"]').replace(', b = 0.0', '').replace(
    '[["-a", "-b"], ["a", "b"]]', '[["-a", 0], ["a", 0]]')


@pytest.mark.slow
def test_a_model_of_the_x_means_reduces_to_the_1d_problem() -> None:
    """p^β(x, y) = p1^β(x) N(y; 0, 1 + βλ), likewise p^β_θ: the y-terms are θ-free, so
    explicit_2D(θ) = explicit_1D(θ), implicit_2D − implicit_1D is θ-free, H, both MLE baselines
    and vanilla SM coincide; the empirical CTLD loss gains the θ-dependent cross term
    ∂_βℓ1_θ(x̃, β)·∂_β g(ỹ, β), g = log N(y; 0, 1+βλ), of conditional mean 0, so
    Γ_CTLD,2D = Γ_CTLD,1D + H⁻¹ E[A Aᵀ λ²/(2(1+βλ)²)] H⁻¹ with A = ∇_θ∂_βℓ1_θ (Var ∂_β g | β)."""
    two = build_problem(parse_spec(XONLY, constants={"m": 1.5}), lift=True)
    one = build_problem(load_spec("ctld-bimodal", constants={"m": 1.5}), lift=True)
    thetas = [[1.0], [1.5], [2.0]]
    points = [{"a": t[0]} for t in thetas]
    v2 = evaluate_loss(two, points)
    v1 = evaluate_loss(one, points)
    assert np.all(np.abs(np.array(v2.explicit) - v1.explicit)
                  <= np.array(v2.explicit_error) + np.array(v1.explicit_error) + 1e-13)
    gap = np.array(v2.implicit) - np.array(v1.implicit)
    assert np.ptp(gap) < 1e-10 and abs(gap[0]) > 1e-3
    c2, c1 = _ctld_cov(two, 12, 16), _ctld_cov(one, 12, 16)
    for key in ("H", "mle0", "mle1", "vanilla"):
        assert np.allclose(c2[key], c1[key], rtol=1e-6), key
    assert one.lift is not None
    lam = one.lift.params.lambda_min
    m = one.joint.loss.model
    import sympy as sp

    beta = one.joint.diffusion.coords[1]
    a_expr = [sp.diff(m.log_density, beta, t) for t in m.params]
    a_fn = compile_expr((*m.coords, *m.params), a_expr, "numpy")

    def extra(x: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
        with np.errstate(all="ignore"):
            a = np.stack([np.broadcast_to(np.asarray(v, dtype=float), x.shape) for v in a_fn(x, b, 1.5)], axis=-1)
        return [np.einsum("...i,...j->...ij", a, a) * (lam ** 2 / (2 * (1 + b * lam) ** 2))[..., None, None]]

    e = one.lift.joint_expect(extra, panels=12, nh=16)[0]
    hinv = np.linalg.inv(c1["H"])
    for key in ("gsm", "gsm_exact"):
        predicted = c1[key] + hinv @ e @ hinv
        assert np.allclose(c2[key], predicted, rtol=1e-5), (key, c2[key], predicted, c1[key])


def test_one_efficiency_record_for_lifted_and_unlifted_specs() -> None:
    spec = load_spec("ctld-bimodal", constants={"m": 1.5})
    eff = ctld_efficiency(build_problem(spec, lift=True), panels=4, nh=6)
    assert isinstance(eff, Efficiency) and eff.lifted is not None
    d = eff.to_dict()
    assert d["lifted"] is True and d["status"] == "ok"
    assert d["ratio"] == pytest.approx(eff.ratio_of()) and d["ratio_lifted"] == pytest.approx(eff.ratio_of("ctld", "lifted"))
    assert np.array_equal(eff.mle_original, eff.mle_covariance)
    # the generic per-direction view works on the lifted record too
    assert eff.per_parameter["a"] == pytest.approx(eff.gsm_covariance[0, 0] / eff.mle_covariance[0, 0])
    plain = efficiency(spec, poincare=False)
    assert plain.lifted is None
    with pytest.raises(ModelError, match="not of a lifted"):
        _ = plain.vanilla_covariance


def test_ctld_quadrature_judges_its_error_by_the_rtol_asked() -> None:
    """The method ignored rtol (always 1e-3): panels=2, nh=3 change by about 5e-2 between resolutions."""
    problem = build_problem(load_spec("ctld-bimodal"), lift=True)
    loose = efficiency(problem, method="ctld_quadrature", rtol=0.5, poincare=False, panels=2, nh=3)
    tight = efficiency(problem, method="ctld_quadrature", rtol=1e-3, poincare=False, panels=2, nh=3)
    assert 1e-3 < loose.error < 0.5 and loose.to_dict()["status"] == "ok"
    assert tight.to_dict()["status"] == "not_converged" and tight.error == loose.error


# ---------------------------------------------------------------------------- by Monte Carlo
def _has_cuda() -> bool:
    """torch is the [torch] extra: the quadrature tests above, and the modules importing SPECS from here, run without it."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


SKEW_2D = """
coords = ["x", "y"]
[mixture]
means = [[-1.0, 0.3], [1.0, -0.3]]
weights = [0.6, 0.4]
covariance = [[1.0, 0.2], [0.2, 0.8]]
[model]
params = ["a"]
truth = {a = 1.0}
[model.mixture]
means = [["-a", 0.3], ["a", -0.3]]
weights = [0.6, 0.4]
covariance = [[1.0, 0.2], [0.2, 0.8]]
[ctld]
lambda_min = 0.5
"""

K3 = """
coords = ["x", "y", "z"]
[mixture]
means = [[0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
weights = [0.4, 0.3, 0.3]
covariance = 1.0
[model]
params = ["a"]
truth = {a = 2.0}
[model.mixture]
means = [[0.0, 0.0, 0.0], ["a", 0.0, 0.0], [0.0, 2.0, 0.0]]
weights = [0.4, 0.3, 0.3]
covariance = 1.0
[ctld]
lambda_min = 1.0
"""


BLOCKS = (("gsm_covariance", "gsm"), ("gsm_covariance_exact_faces", "gsm_exact"),
          ("vanilla_covariance", "vanilla"), ("mle_original", "mle0"), ("mle_lifted", "mle1"), ("hessian", "H"))


@pytest.fixture(scope="module")
def skew():
    problem = build_problem(parse_spec(SKEW_2D), lift=True)
    return problem, ctld_efficiency(problem, panels=4, nh=6)


def _agrees(mc, q) -> None:
    se = mc.resolution["standard_errors"]
    for key, k in BLOCKS:
        a, b, s = np.asarray(getattr(mc, key)), np.asarray(getattr(q, key)), np.asarray(se[k])
        assert np.all(s > 0), key
        assert np.all(np.abs(a - b) <= 5 * s + 10 * q.error * np.abs(b)), (key, a, b, s)


@pytest.mark.slow
def test_monte_carlo_agrees_with_the_quadrature_within_its_standard_errors(skew) -> None:
    problem, q = skew
    mc = ctld_efficiency_monte_carlo(problem, samples=409_600, max_samples=409_600, seed=3, device="cpu")
    assert mc.resolution["samples"] == 409_600 and mc.resolution["device"] == "cpu"
    _agrees(mc, q)
    assert 0 < mc.error < 0.5
    # the stated error is the largest standard error relative to its block
    se = mc.resolution["standard_errors"]
    assert mc.error == pytest.approx(max(np.max(se[k]) / np.max(np.abs(getattr(mc, key)))
                                         for key, k in BLOCKS))


@pytest.mark.slow
def test_standard_errors_shrink_like_one_over_root_n(skew) -> None:
    problem, _ = skew
    small = ctld_efficiency_monte_carlo(problem, samples=102_400, max_samples=102_400, seed=1, device="cpu")
    large = ctld_efficiency_monte_carlo(problem, samples=1_638_400, max_samples=1_638_400, seed=2, device="cpu")
    ratios = np.concatenate([np.ravel(np.asarray(small.resolution["standard_errors"][k])
                                      / np.asarray(large.resolution["standard_errors"][k])) for _, k in BLOCKS])
    # 16x the draws: sqrt(16) = 4 (1/n would give 16, no shrinking 1); each ratio carries the noise of
    # two error estimates from 200 and 3200 groups, the median much less
    assert np.all((ratios > 2.5) & (ratios < 6.4)), ratios
    assert 3.4 < float(np.median(ratios)) < 4.7, ratios


@pytest.mark.slow
def test_rtol_grows_the_sample_until_the_stated_error_meets_it(skew) -> None:
    problem, q = skew
    mc = ctld_efficiency_monte_carlo(problem, samples=8_192, rtol=0.08, max_samples=3_000_000, seed=5, device="cpu")
    assert mc.error <= 0.08 and mc.to_dict()["status"] == "ok"
    assert 8_192 < mc.resolution["samples"] < 3_000_000
    _agrees(mc, q)
    capped = ctld_efficiency_monte_carlo(problem, samples=8_192, rtol=1e-4, max_samples=16_384, device="cpu")
    assert capped.resolution["samples"] == 16_384 and capped.to_dict()["status"] == "not_converged"


def test_too_small_a_budget_is_one_line() -> None:
    problem = build_problem(parse_spec(SKEW_2D), lift=True)
    with pytest.raises(SpecError, match="too few"):
        ctld_efficiency_monte_carlo(problem, samples=1_000)


@pytest.mark.skipif(not _has_cuda(), reason="no CUDA device")
def test_cuda_agrees_with_the_quadrature(skew) -> None:
    problem, q = skew
    mc = ctld_efficiency_monte_carlo(problem, samples=409_600, max_samples=409_600, seed=3, device="cuda")
    assert mc.resolution["device"].startswith("cuda")
    _agrees(mc, q)


@pytest.mark.slow
def test_d3_without_a_reduction_falls_back_to_monte_carlo() -> None:
    eff = efficiency(parse_spec(K3), lift=True, samples=200_000, rtol=0.05)
    assert eff.method.startswith("Monte Carlo")
    assert "dim U = 2" in eff.resolution["why_not_reduced"]
    assert eff.poincare is None and eff.ctld is not None
    assert eff.resolution["samples"] <= 200_000
    assert eff.to_dict()["status"] == ("ok" if eff.error <= 0.05 else "not_converged")
    assert set(eff.resolution["standard_errors"]) == {"gsm", "gsm_exact", "vanilla", "mle0", "mle1", "H"}
