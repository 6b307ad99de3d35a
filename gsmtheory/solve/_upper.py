r"""The certified upper bound on C_P of a compiled problem, where a proof exists.

Bakry–Émery / Holley–Stroock: −∇²ℓ₀ ⪰ κ D⁻¹ with ℓ = ℓ₀ + W, W bounded, gives
C_P ≤ e^{osc W}/κ (:func:`gsmtheory.symbolic.curvature_certificate` proves κ and osc W); for a
shared-covariance Gaussian mixture under constant D, :func:`gsmtheory.numeric.mixture_curvature_bound`.
"""

from __future__ import annotations

from gsmtheory.numeric import PoincareResult, certified_upper_bound, mixture_curvature_bound
from gsmtheory.solve._problem import Problem as PoincareProblem
from gsmtheory.symbolic import curvature_certificate

__all__ = ["certified_upper"]


def certified_upper(problem: PoincareProblem) -> tuple[PoincareResult | None, str]:
    """(the upper-bound record or None, why there is none)."""
    if problem.mixture is not None:
        D = problem.constant_D
        if D is None:
            return None, "D depends on x"
        up = mixture_curvature_bound(problem.mixture, D)
        return up, "" if up is not None else "the mixture's components are too far apart for Bakry–Émery"
    cert = curvature_certificate(problem.diffusion)
    return certified_upper_bound(cert), cert.reason
