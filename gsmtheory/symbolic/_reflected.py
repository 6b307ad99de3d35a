r"""Stationarity of p ∝ e^ℓ for reflected Langevin dynamics, decided for every ℓ at once.

Langevin with D = I, Q = 0: ∂_t p = Σ_i ∂_i(∂_i p − p ∂_i ℓ) = Σ_i ∂_i J_i with J_i ≡ 0 for
p = e^ℓ, so the bulk residual vanishes for a generic ℓ, and the reflecting (no-flux) condition
n·J = 0 holds at every finite end (docs/design.md §1). A direct ``Diffusion.stationarity()`` of a
large ℓ (a log-sum-exp, a lifted chain) is slow: it expands the residual; this proves it for an
undefined ℓ and checks the actual one numerically.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

from gsmtheory._errors import SpecError
from gsmtheory.symbolic._diffusion import Diffusion
from gsmtheory.symbolic._stationarity import residual_at_points

__all__ = ["ReflectedStationarity", "reflected_langevin_stationarity"]


@dataclass(frozen=True)
class ReflectedStationarity:
    """Stationarity of e^ℓ for reflected Langevin, decided in three parts.

    ``generic``: the Fokker–Planck residual of the identity diffusion with ℓ an undefined
    function expands to 0 (so it vanishes for every ℓ, the actual one included);
    ``zero_flux``: the flux ∂_i p − p ∂_i ℓ through every finite end is 0; ``max_abs_residual``:
    the residual of the actual ℓ at random points in 50-digit arithmetic (the 1e-40 level).
    """

    generic: bool
    zero_flux: bool
    max_abs_residual: float
    points: int

    @property
    def verdict(self) -> bool:
        """True when all three parts hold."""
        return self.generic and self.zero_flux and self.max_abs_residual < 1e-30

    def to_dict(self) -> dict[str, object]:
        """JSON-able summary."""
        return {"stationary": self.verdict, "generic": self.generic, "zero_flux": self.zero_flux,
                "max_abs_residual": self.max_abs_residual, "points": self.points}


def reflected_langevin_stationarity(diffusion: Diffusion, *, points: int = 8, seed: int = 0) -> ReflectedStationarity:
    r"""Decide ∂_t p = Σ_i ∂_i(∂_i p − p ∂_i ℓ) = 0 with no flux at the finite ends, for p ∝ e^ℓ.

    Parameters
    ----------
    diffusion : Diffusion
        Langevin (D = I, Q = 0) on a product domain, reflected at its finite ends.
    points : int
        Random points at which the actual residual is evaluated in 50-digit arithmetic.
    seed : int
        Seed of those points.

    Returns
    -------
    ReflectedStationarity
        ``generic``, ``zero_flux`` and ``max_abs_residual``.

    Raises
    ------
    SpecError
        A diffusion that is not Langevin (D ≠ I or Q ≠ 0).

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> st = reflected_langevin_stationarity(load_spec("reflected-gaussian").diffusion, points=2)
    >>> st.generic, st.zero_flux, st.verdict
    (True, True, True)
    """
    if not (diffusion.D - sp.eye(diffusion.dim)).is_zero_matrix or not diffusion.Q.is_zero_matrix:
        raise SpecError("reflected Langevin stationarity expects D = I and Q = 0",
                        "use Diffusion.stationarity() for other diffusions")
    f = sp.Function("ell")(*diffusion.coords)
    generic = Diffusion(diffusion.coords, f, diffusion.D, diffusion.Q, name="generic")
    gen_ok = sp.expand(generic.fokker_planck_residual()) == 0
    flux_ok = True
    for i, _, at in diffusion.finite_ends:
        b = diffusion.coords[i]
        p = sp.exp(f)
        flux = (sp.diff(p, b) - p * sp.diff(f, b)).subs(b, at)
        flux_ok = flux_ok and sp.simplify(flux) == 0
    values = residual_at_points(diffusion.fokker_planck_residual(), diffusion.sample_points(points, seed=seed))
    worst = max((abs(v) for v, _ in values), default=math.inf)
    return ReflectedStationarity(bool(gen_ok), bool(flux_ok), worst, len(values))
