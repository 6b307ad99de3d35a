"""CTLD C_P in any d by angular sectors (issue #14): against the 3D lift at d = 2, the bound
C_P ≥ E_r[s²], rotation invariance, the potential of sector 1, and the spec path."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gsmtheory._errors import ModelError
from gsmtheory.numeric import (
    ctld_poincare_3d,
    ctld_poincare_nd,
    ctld_second_moment_bound,
    poincare_3d,
)
from gsmtheory.solve import ctld_schedule
from gsmtheory.symbolic import GaussianMixture, ctld_parameters


def _mix(half: np.ndarray, cov: np.ndarray | None = None) -> GaussianMixture:
    d = half.size
    c = np.eye(d) if cov is None else cov
    return GaussianMixture((tuple(-half), tuple(half)), (0.5, 0.5), tuple(map(tuple, c)))


def test_potential_gives_the_harmonic_oscillator_ground_state() -> None:
    """N(0, I₃) with V = a x²: −L + V ≅ −∂² + (¼ + a)x² − ½, so C = 1/(√(¼ + a) − ½) = 2 at a = ¾."""
    r = poincare_3d(lambda x, y, z: -(x * x + y * y + z * z) / 2, [(-9, 9)] * 3, shape=(24, 12, 12),
                    potential=lambda x, y, z: 0.75 * x * x, rtol=2e-3)
    assert r.status == "ok"
    assert abs(r.poincare_constant - 2.0) <= r.error_estimate


def test_d2_sectors_equal_the_3d_lift() -> None:
    """d = 2, K = 2: sectors on (u, ρ, β) against the 3D lift on (x, y, β) (independent grids)."""
    mix = _mix(np.array([1.0, 0.0]))
    p = ctld_parameters(mix)
    nd = ctld_poincare_nd(mix, ctld_schedule(p), resolution=0.8)
    ref = ctld_poincare_3d(mix, ctld_schedule(p), resolution=0.8)
    assert nd.status == ref.status == "ok"
    assert abs(nd.poincare_constant - ref.poincare_constant) <= nd.error_estimate + ref.error_estimate
    assert nd.poincare_constant >= nd.resolution["lower_bound_Er_s2"]


def test_d3_rotation_invariant_and_above_the_second_moment_bound() -> None:
    d = 3
    axis = np.array([1.0, 0.0, 0.0])
    diag = np.full(d, 1.0 / math.sqrt(d))
    p = ctld_parameters(_mix(axis))
    a = ctld_poincare_nd(_mix(axis), ctld_schedule(p))
    b = ctld_poincare_nd(_mix(diag), ctld_schedule(p))
    assert a.status == b.status == "ok"
    assert b.poincare_constant == pytest.approx(a.poincare_constant, rel=1e-9)
    bound = ctld_second_moment_bound(ctld_schedule(p), 1.0)
    assert a.resolution["lower_bound_Er_s2"] == pytest.approx(bound, rel=1e-12)
    assert a.poincare_constant >= bound
    # v₁ itself lies in sector 1 (h ≡ 1), so C_1 ≥ E_r[s²] up to the grid error
    c1 = a.resolution["sector1"]
    assert c1["poincare_constant"] + c1["error_estimate"] >= bound


def test_uncovered_cases_say_so() -> None:
    p = ctld_parameters(_mix(np.array([1.0, 0.0, 0.0])))
    three = GaussianMixture(((0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0)), (1, 1, 1),
                            tuple(map(tuple, np.eye(3))))
    with pytest.raises(ModelError, match="dim U = 2"):
        ctld_poincare_nd(three, ctld_schedule(p))
    big = np.zeros(1000)
    big[0] = 1.0
    with pytest.raises(ModelError, match="radial ridge"):
        ctld_poincare_nd((np.stack([-big, big]), np.array([0.5, 0.5]), np.eye(1000)), ctld_schedule(p))
    with pytest.raises(ModelError, match="multiple of the identity"):
        ctld_poincare_nd(_mix(np.array([1.0, 0.0, 0.0]), np.diag([1.0, 1.0, 2.0])), ctld_schedule(p))


def test_cli_poincare_lifts_a_3d_mixture(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from gsmtheory.cli import main

    spec = tmp_path / "m3.toml"
    spec.write_text('coords = ["x", "y", "z"]\n[mixture]\nmeans = [[-0.5, -0.5, -0.5], [0.5, 0.5, 0.5]]\n'
                    "weights = [0.5, 0.5]\ncovariance = 1.0\n[ctld]\nlambda_min = 1.0\n")
    assert main(["poincare", str(spec), "--json", "--quick"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "ctld-sectors" and out["status"] == "ok" and out["side"] == "estimate"
    assert out["poincare_constant"] >= out["resolution"]["lower_bound_Er_s2"]
