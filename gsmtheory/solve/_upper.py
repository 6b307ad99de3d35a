r"""The certified upper bound on C_P of a problem, where a proof exists, and which proof gave it.

Tried in this order (each a proof, never a sampled guess; docs/design.md §1):

1. a shared-covariance Gaussian mixture under constant D:
   :func:`gsmtheory.numeric.mixture_curvature_bound` (Bakry–Émery on the slopes' spread);
2. **tensorization over blocks** (:func:`gsmtheory.symbolic.coordinate_blocks`): p = ⊗_b p_b with
   block-diagonal D has C_P = max_b C_P(p_b), so the largest of the blocks' bounds (each from 3–4)
   bounds C_P;
3. **Bakry–Émery / Holley–Stroock** (:func:`gsmtheory.symbolic.curvature_certificate`):
   −∇²ℓ₀ ⪰ κ D⁻¹ and ℓ = ℓ₀ + W with W bounded give C_P ≤ e^{osc W}/κ;
4. **Lyapunov** (:func:`gsmtheory.symbolic.lyapunov_certificate`; Bakry, Barthe, Cattiaux &
   Guillin 2008): ψ = −LV/V ≥ θ outside a box U, β = sup_U(θ − ψ)_+ and a local constant κ_U on U
   (Muckenhoupt per axis, Holley–Stroock for the coupling) give C_P ≤ (1 + βκ_U)/θ, for
   non-log-concave targets (double wells and their couplings); a bounded non-polynomial part of ℓ
   is a Holley–Stroock perturbation e^{osc B}.

The record's ``method`` and ``message`` name the certificate that gave the bound.
"""

from __future__ import annotations

import math
from typing import Any

import sympy as sp

from gsmtheory.numeric import PoincareResult, certified_upper_bound, mixture_curvature_bound
from gsmtheory.solve._problem import Problem as PoincareProblem
from gsmtheory.symbolic import (
    block_diffusion,
    coordinate_blocks,
    curvature_certificate,
    lyapunov_certificate,
)

__all__ = ["certified_upper", "curvature_upper", "diffusion_upper"]

_SYMPY_TROUBLE = (ValueError, TypeError, ZeroDivisionError, NotImplementedError, OverflowError,
                  sp.PolynomialError, RecursionError)


def _lyapunov(diffusion: Any) -> tuple[PoincareResult | None, str]:
    try:
        cert = lyapunov_certificate(diffusion)
    except _SYMPY_TROUBLE as exc:  # an expression the prover does not handle: no bound, said so
        return None, f"no Lyapunov certificate ({type(exc).__name__}: {exc})"
    if not cert.certified:
        return None, cert.reason
    return PoincareResult(cert.upper, 0.0, "lyapunov",
                          {"theta": cert.theta, "beta": cert.beta, "kappa_local": cert.kappa_local,
                           "rate": cert.rate, "box": [list(b) for b in cert.box],
                           "perturbation": cert.perturbation}, "bound", cert.reason, "upper_bound",
                          upper=cert.upper), ""


def diffusion_upper(diffusion: Any, *, blocks: bool = True) -> tuple[PoincareResult | None, str]:
    """(the upper-bound record or None, why there is none) for a symbolic diffusion (module docstring
    items 2–4)."""
    parts = coordinate_blocks(diffusion) if blocks else (tuple(range(len(diffusion.coords))),)
    if len(parts) > 1:
        found = [diffusion_upper(block_diffusion(diffusion, b), blocks=False) for b in parts]
        missing = [f"block {b}: {why}" for b, (up, why) in zip(parts, found) if up is None]
        if missing:
            return None, "; ".join(missing)
        ups = [up for up, _ in found if up is not None]
        top = max(ups, key=lambda r: float(r.upper or math.inf))
        text = (f"C_P <= {top.upper:.6g}: the largest of the bounds of {len(parts)} independent blocks "
                f"{', '.join(str(tuple(str(diffusion.coords[i]) for i in b)) for b in parts)} "
                f"(tensorization); the largest: {top.message}")
        return PoincareResult(float(top.upper or math.inf), 0.0, f"blocks+{top.method}",
                              {"blocks": [r.to_dict() for r in ups]}, "bound", text, "upper_bound",
                              upper=top.upper), ""
    cert = curvature_certificate(diffusion)
    be = certified_upper_bound(cert)
    if be is not None:
        return be, ""
    up, why = _lyapunov(diffusion)
    return (up, "") if up is not None else (None, f"{cert.reason}; {why}")


def certified_upper(problem: PoincareProblem) -> tuple[PoincareResult | None, str]:
    """(the upper-bound record or None, why there is none), computed once per problem."""
    def make() -> tuple[PoincareResult | None, str]:
        if problem.mixture is not None:
            D = problem.constant_D
            if D is None:
                return None, "D depends on x"
            up = mixture_curvature_bound(problem.mixture, D)
            return up, "" if up is not None else "the mixture's components are too far apart for Bakry–Émery"
        return diffusion_upper(problem.diffusion)
    return problem.memo("certified_upper", make)  # type: ignore[no-any-return]


def curvature_upper(problem: PoincareProblem) -> PoincareResult | None:
    """The Bakry–Émery / Holley–Stroock bound alone (item 3), or None: cheap and sharp for a
    Gaussian, the bound the 1D and symmetry solvers attach (the Lyapunov search stays with the grids)."""
    return problem.memo("curvature_upper",  # type: ignore[no-any-return]
                        lambda: certified_upper_bound(curvature_certificate(problem.diffusion)))
