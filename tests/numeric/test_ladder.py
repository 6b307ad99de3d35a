"""The refinement ladder: extrapolation at the declared order, the observed order checked, and a
convergence-rate test for every discretisation (observed order = declared order on a closed form)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gsmtheory.numeric import (
    CTLD_FV2D_ORDER,
    FEM3D_ORDER,
    FV1D_ORDER,
    FV2D_ORDER,
    FV3D_ORDER,
    SECTOR_ORDER,
    CTLDSchedule,
    ctld_poincare,
    fv_poincare_3d,
    poincare_1d,
    poincare_2d,
    sector_poincare,
)
from gsmtheory.numeric._fem3d import fem_poincare_3d
from gsmtheory.numeric._ladder import extrapolate_at, observed_order, settle_ladder
from gsmtheory.numeric._ladder_axes import refine_axes
from gsmtheory.numeric._ladder_cutoff import settle
from gsmtheory.numeric._mixture import MixtureArrays
from gsmtheory.solve import poincare_methods

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
H = [1 / 16, 1 / 32, 1 / 64, 1 / 128]


def _close(q: float | None, p: float, tol: float = 0.3) -> bool:
    return q is not None and abs(q - p) <= tol


# ----------------------------------------------------------------------------- the rules
def test_declared_order_extrapolates_and_the_error_covers_the_truth() -> None:
    c = [1 + 3 * h**2 + 5 * h**3 for h in H]
    e = extrapolate_at(c, H, 2.0)
    assert e.order_ok and _close(e.observed_order, 2.0)
    assert abs(e.value - 1) <= e.error < 1e-4


def test_a_slower_observed_order_is_never_a_tight_error() -> None:
    """c = 1 + h: Richardson at the declared order 2 would claim ~1e-4; the check refuses it."""
    c = [1 + h for h in H]
    e = extrapolate_at(c, H, 2.0)
    assert not e.order_ok and "observed order" in e.note
    assert abs(e.value - 1) <= e.error
    assert settle(e.value, e.error, 1.0, e.order_ok) == "not_converged"


def test_superconvergence_is_used_but_not_trusted_blindly() -> None:
    c = [2 + 7 * h**4 for h in H]
    e = extrapolate_at(c, H, 2.0)
    assert e.order_ok and e.info.get("extrapolated_at") == pytest.approx(4.0, abs=1e-6)
    assert abs(e.value - 2) <= e.error + 1e-15
    c = [2 + 7 * h**4 + 3 * h**2.5 for h in H]  # a drifting order: the spread is in the error
    e = extrapolate_at(c, H, 2.0)
    assert abs(e.value - 2) <= e.error


def test_three_grids_give_the_correction_as_the_error() -> None:
    """One difference of two extrapolations cannot show the values are asymptotic."""
    c = [1 + h**2 + 40 * h**2.6 for h in H[:3]]
    e = extrapolate_at(c, H[:3], 2.0)
    assert e.error >= abs(e.value - c[-1]) and abs(e.value - 1) <= e.error


def test_observed_order_with_uneven_ratios() -> None:
    h = [1.0, 1 / 1.5, 1 / 2]
    assert observed_order([1 + x**2 for x in h], h) == pytest.approx(2.0, abs=1e-9)
    assert observed_order([1, 2, 1.5], h) is None  # not monotone


def test_refine_axes_flags_an_axis_slower_than_declared() -> None:
    def solve(n: list[int]) -> float:
        return 1 + (1 / n[0]) ** 2 + (1 / n[1]) ** 1.0

    ref = refine_axes(solve, [8, 8], [1.0, 1.5, 2.0], order=2.0)
    assert "axis 2" in ref.note and ref.axes[1]["order_ok"] is False
    assert abs(ref.value - 1) <= ref.error


# ----------------------------------------------------------------------------- the rates
def test_declared_orders_are_the_methods_theory() -> None:
    m = {x.name: x.theory.order for x in poincare_methods()}
    assert m["1d"] == FV1D_ORDER and m["fv2d"] == FV2D_ORDER and m["fv3d"] == FV3D_ORDER


def test_rate_1d_jacobi() -> None:
    """Beta(2, 3) with D = x(1 − x): C_P = 1/5 (Jacobi polynomials)."""
    r = poincare_1d(lambda x: np.log(x) + 2 * np.log1p(-x), lambda x: x * (1 - x), 0.0, 1.0, rtol=1e-10)
    q = r.resolution["observed_order"]
    print(f"1D chain: observed order {q} (declared {FV1D_ORDER})")
    assert _close(q, FV1D_ORDER) and abs(r.poincare_constant - 0.2) <= r.error_estimate


def test_rate_1d_matched_ends() -> None:
    """sech^2.1: λ₁ = 1.1 just below σ = 1.1025, found with the ends matched (order 2)."""
    r = poincare_1d(lambda x: -2.1 * np.log(np.cosh(x)), 1.0, -math.inf, math.inf, rtol=1e-8,
                    sigma=1.1025, sigma_ends=(1.1025, 1.1025))
    lam = [v for v in r.resolution["edge"]["lambda"] if v is not None][-3:]
    n = r.resolution["edge"]["levels"][-3:]
    q = observed_order(lam, [1 / k for k in n])
    print(f"1D matched ends: observed order {q} (declared {FV1D_ORDER})")
    assert _close(q, FV1D_ORDER) and abs(r.poincare_constant - 1 / 1.1) <= r.error_estimate


def test_rate_2d() -> None:
    """p ∝ sech⁴(x) e^{−2y²}: C_P = max(1/3, 1/4) = 1/3 (Pöschl–Teller s = 2: λ₁ = 2s − 1 = 3) — the
    x-factor is not a Gaussian (whose chain superconverges), so the chain shows its declared order."""
    r = poincare_2d(lambda x, y: -np.log(np.cosh(x)) * 4 - 2 * y**2, 1.0,
                    [(-math.inf, math.inf)] * 2, rtol=1e-6)
    q = r.resolution["observed_order"]
    print(f"2D chain: observed order {q} (declared {FV2D_ORDER})")
    assert _close(q, FV2D_ORDER)
    assert abs(r.poincare_constant - 1 / 3) <= r.error_estimate


def test_rate_sector() -> None:
    """The k = 1 sector of a standard Gaussian in R³: C_1 = 1 (f = r)."""
    r = sector_poincare(lambda t: 2 * np.log(t) - t**2 / 2, 2.0, rtol=1e-9)
    q = r.resolution["observed_order"]
    print(f"sector chain: observed order {q} (declared {SECTOR_ORDER})")
    assert _close(q, SECTOR_ORDER) and abs(r.poincare_constant - 1) <= r.error_estimate


def test_rate_3d_per_axis() -> None:
    """N(0, diag(4, 1, 1/4)) in 3D: C_P = 4; every axis's observed order."""
    r = fv_poincare_3d(lambda x, y, z: -x**2 / 8 - y**2 / 2 - 2 * z**2, 1.0, [(-math.inf, math.inf)] * 3,
                       rtol=1e-3, bounds=False)
    qs = [a["observed_order"] for a in r.resolution["axes"]]
    print(f"3D finite volumes: observed orders {qs} (declared {FV3D_ORDER})")
    assert _close(qs[0], FV3D_ORDER)  # the axis the mode lives on; the others barely move C_P
    assert r.status == "ok" and abs(r.poincare_constant - 4) <= r.error_estimate


def test_rate_lifted_ctld() -> None:
    lam, diam = 1.0, 2.0  # the paper's r(β): log r = −7D²/(λ(1 + β)), β_max = 14D²/λ − 1
    sched = CTLDSchedule(lam, 14 * diam**2 / lam - 1, lambda b: -7 * diam**2 / (lam * (1 + b)),
                         lambda b: 7 * diam**2 / (lam * (1 + b) ** 2))
    r = ctld_poincare(MixtureArrays(((-1.0,), (1.0,)), (0.5, 0.5), ((1.0,),)), sched, cells=16,
                      tolerance=1e-2)
    q = r.resolution["observed_order"]
    print(f"lifted CTLD chain: observed order {q} (declared {CTLD_FV2D_ORDER})")
    assert q is not None and q >= CTLD_FV2D_ORDER - 0.5


def test_rate_ridge_elements() -> None:
    """Trilinear elements on a box with a uniform weight: C_P = (L/π)² for the longest side."""
    def metric(x, y, z):  # type: ignore[no-untyped-def]
        one = np.ones(np.broadcast_shapes(np.shape(x), np.shape(y), np.shape(z)))
        return one, 0 * one, 0 * one, one, 0 * one, one

    r = fem_poincare_3d(lambda x, y, z: 0 * x * y * z, metric, [(0, 2), (0, 1), (0, 1)], shape=(6, 4, 4),
                        rtol=1e-3)
    qs = [a["observed_order"] for a in r.resolution["axes"]]
    print(f"ridge-coordinate elements: observed orders {qs} (declared {FEM3D_ORDER})")
    assert _close(qs[0], FEM3D_ORDER, 0.5)
    assert abs(r.poincare_constant - (2 / math.pi) ** 2) <= r.error_estimate


def test_settle_ladder_trusts_the_declared_order_only_where_it_is_observed() -> None:
    """c = 1 + h² extrapolates to 1 with status ok; c = 1 + h^0.5 (observed order 0.5 < 2 − slack) takes
    the spread of the grids as its error and is not converged."""
    h = [1.0, 0.5, 0.25]
    limit, error, q, status = settle_ladder([1 + x**2 for x in h], h, 2.0, 1e-6)
    assert (limit, status) == (1.0, "ok") and q == pytest.approx(2.0) and error < 1e-11
    values = [1 + x**0.5 for x in h]
    limit, error, q, status = settle_ladder(values, h, 2.0, 1e-2)
    assert status == "not_converged" and q == pytest.approx(0.5) and error >= max(values) - min(values)
