"""The CTLD estimator's module (gsmtheory/estimation/_ctld_estimator.py): its efficiency in any d by
reduction to the 1D problem along U (issue #14), against the full quadrature where both apply."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gsmtheory._errors import SpecError
from gsmtheory.estimation import (
    build_problem,
    efficiency,
)
from gsmtheory.estimation._lifted_quadrature import lifted_quadrature
from gsmtheory.symbolic import parse_spec


def _spec(d: int, direction: list[float], m: float = 1.5, free_off_axis: bool = False) -> str:
    coords = ", ".join(f'"x{i}"' for i in range(d))
    e = np.array(direction, dtype=float)
    e /= np.linalg.norm(e)
    lo = [repr(float(-m * v)) for v in e]
    hi = [repr(float(m * v)) for v in e]
    mlo = [f"\"-a*{float(v)!r}\"" for v in e]
    mhi = [f"\"a*{float(v)!r}\"" for v in e]
    if free_off_axis:
        mlo[-1] = '"-b"'
        mhi[-1] = '"b"'
    params = '["a", "b"]' if free_off_axis else '["a"]'
    truth = f"{{a = {m!r}, b = 0.0}}" if free_off_axis else f"{{a = {m!r}}}"
    return (f"coords = [{coords}]\n[mixture]\nmeans = [[{', '.join(lo)}], [{', '.join(hi)}]]\n"
            f"weights = [0.5, 0.5]\ncovariance = 1.0\n[model]\nparams = {params}\ntruth = {truth}\n"
            f"[model.mixture]\nmeans = [[{', '.join(mlo)}], [{', '.join(mhi)}]]\nweights = [0.5, 0.5]\n"
            "covariance = 1.0\n[ctld]\nlambda_min = 1.0\n")


@pytest.mark.slow
def test_d2_reduction_equals_the_2d_quadrature() -> None:
    """The 1D problem plus m·H⁻¹E[AAᵀλ²/(2s⁴)]H⁻¹ against the 2D tensor quadrature (rotated means)."""
    spec = parse_spec(_spec(2, [1.0, 1.0]))
    red = efficiency(spec, lift=True, method="ctld_reduction", poincare=False)
    full = lifted_quadrature(build_problem(spec, lift=True))
    for a, b in ((red.gsm_covariance, full.gsm_covariance), (red.vanilla_covariance, full.vanilla_covariance),
                 (red.mle_original, full.mle_original), (red.mle_lifted, full.mle_lifted)):
        assert np.allclose(a, b, rtol=max(1e-5, 10 * (red.error + full.error)))
    # the β-score of the Gaussian direction adds a positive amount to Γ_CTLD only
    assert red.resolution["reduction"]["ctld_term"][0][0] > 0


@pytest.mark.slow
def test_d10_vanilla_and_mle_blocks_are_the_1d_ones_and_ctld_grows_with_m() -> None:
    one = efficiency(parse_spec(_spec(1, [1.0])), lift=True, poincare=False)
    ten = efficiency(parse_spec(_spec(10, [1.0] * 10)), lift=True, poincare=False)
    three = efficiency(parse_spec(_spec(3, [1.0, 0.0, 0.0])), lift=True, poincare=False)
    for key in ("vanilla_covariance", "mle_original", "mle_lifted"):
        assert np.allclose(getattr(ten, key), getattr(one, key), rtol=1e-9), key
    t3 = three.gsm_covariance - one.gsm_covariance
    t10 = ten.gsm_covariance - one.gsm_covariance
    assert t3[0, 0] > 0
    assert t10[0, 0] == pytest.approx(4.5 * t3[0, 0], rel=1e-9)  # m = 9 against m = 2


def test_models_off_the_span_are_refused() -> None:
    spec = parse_spec(_spec(3, [1.0, 0.0, 0.0], free_off_axis=True))
    with pytest.raises(SpecError, match="off the span"):
        efficiency(spec, lift=True, method="ctld_reduction", poincare=False)


def _free(d: int, direction: list[float], m: float = 1.5) -> str:
    coords = ", ".join(f'"x{i}"' for i in range(d))
    e = np.array(direction, dtype=float)
    e /= np.linalg.norm(e)
    names = [f"m{k}_{i}" for k in range(2) for i in range(d)]
    truth = ", ".join(f"{n} = {float(s * m * e[i])!r}" for n, (s, i) in
                      zip(names, [(s, i) for s in (-1, 1) for i in range(d)], strict=True))
    rows = [[f'"m{k}_{i}"' for i in range(d)] for k in range(2)]
    lo = [repr(float(-m * v)) for v in e]
    hi = [repr(float(m * v)) for v in e]
    return (f"coords = [{coords}]\n[mixture]\nmeans = [[{', '.join(lo)}], [{', '.join(hi)}]]\n"
            f"weights = [0.5, 0.5]\ncovariance = 1.0\n[model]\nparams = {names}\ntruth = {{{truth}}}\n"
            f"[model.mixture]\nmeans = [[{', '.join(rows[0])}], [{', '.join(rows[1])}]]\n"
            "weights = [0.5, 0.5]\ncovariance = 1.0\n[ctld]\nlambda_min = 1.0\n").replace("'", '"')


@pytest.mark.slow
def test_means_parametrization_in_d2_equals_the_2d_quadrature() -> None:
    """θ = (μ_1, μ_2) ∈ R⁴, means along a rotated direction: blocks along U and across it."""
    spec = parse_spec(_free(2, [1.0, 2.0]))
    red = efficiency(spec, lift=True, method="ctld_reduction", poincare=False)
    full = lifted_quadrature(build_problem(spec, lift=True), panels=4, nh=6)  # the quick rule: 3.4e-6 apart
    for key in ("gsm_covariance", "vanilla_covariance", "mle_original", "mle_lifted", "hessian"):
        a, b = getattr(red, key), getattr(full, key)
        assert np.allclose(a, b, rtol=1e-5, atol=1e-7 * np.max(np.abs(b))), key


@pytest.mark.slow
def test_means_parametrization_in_d4_has_the_block_structure() -> None:
    """d = 4, θ ∈ R⁸: U-block ⊗ bbᵀ + ⊥-block ⊗ (I − bbᵀ); vanilla and MLE across U^⊥ do not
    depend on d, the CTLD ⊥-block grows by the β-score term of each further direction."""
    e = np.array([1.0, 1.0, 0.0, 1.0]) / math.sqrt(3)
    spec = parse_spec(_free(4, list(e)))
    eff = efficiency(spec, lift=True, method="ctld_reduction", poincare=False, panels=4, nh=6)
    assert eff.params == tuple(f"m{k}_{i}" for k in range(2) for i in range(4))
    g = eff.gsm_covariance
    assert np.allclose(g, g.T)
    # a unit vector w ⊥ e: Γ restricted to (w on μ_1, w on μ_2) is the ⊥ block, the same for every w
    w1 = np.array([1.0, -1.0, 0.0, 0.0]) / math.sqrt(2)
    w2 = np.array([0.0, 0.0, 1.0, 0.0])
    blocks = []
    for w in (w1, w2):
        W = np.zeros((8, 2))
        W[:4, 0], W[4:, 1] = w, w
        blocks.append(W.T @ g @ W)
        assert np.allclose(W.T @ g @ np.kron(np.eye(2), e[:, None]), 0, atol=1e-9 * np.max(np.abs(g)))
    assert np.allclose(blocks[0], blocks[1], rtol=1e-10)
    perp = np.array(eff.resolution["perpendicular_block"])
    assert np.allclose(blocks[0], perp, rtol=1e-10)
