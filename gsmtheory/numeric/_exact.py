r"""The exact Poincaré constants: the Gaussian closed form and products of factors.

- :func:`gaussian_poincare_constant`: N(μ, Σ), constant D: C_P = λ_max(D^{-1/2} Σ D^{-1/2});
- :func:`tensorization`: a product measure with block-diagonal D: C_P = max_i C_P,i.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.numeric._result import PoincareResult, Side

__all__ = ["gaussian_poincare_constant", "tensorization"]


def gaussian_poincare_constant(covariance: ArrayLike, D: ArrayLike | None = None) -> PoincareResult:
    r"""Exact C_P of N(μ, Σ) with constant D: λ_max(D^{-1/2} Σ D^{-1/2}) (claim 1).

    The generator is the Ornstein–Uhlenbeck operator with drift −DΣ⁻¹x; its spectral gap
    is λ_min(DΣ⁻¹). D = I gives λ_max(Σ); D = Σ (preconditioning) gives 1 (docs/paper.md).

    Parameters
    ----------
    covariance : array_like
        Σ, a d×d symmetric positive definite matrix (a scalar for d = 1).
    D : array_like, optional
        The constant diffusion matrix (default the identity).

    Returns
    -------
    PoincareResult
        Status ``"ok"``, side ``"exact"``, error 0, ``lower`` = ``upper`` = C_P; status
        ``"no_poincare"`` with C_P = ∞ when D is singular.

    Raises
    ------
    NumericalError
        If Σ or D contains NaN or inf.
    SpecError
        If Σ and D are not both d×d.
    ModelError
        If Σ is not positive definite.

    Examples
    --------
    The Ornstein–Uhlenbeck constant is the largest eigenvalue of Σ, (3 + √2)/2 here:

    >>> r = gaussian_poincare_constant([[2.0, 0.5], [0.5, 1.0]])
    >>> round(r.poincare_constant, 6), r.status, r.side
    (2.207107, 'ok', 'exact')
    >>> gaussian_poincare_constant([[2.0, 0.5], [0.5, 1.0]], D=[[2.0, 0.5], [0.5, 1.0]]).poincare_constant
    1.0...
    """
    S = np.atleast_2d(np.asarray(covariance, dtype=np.float64))
    if not np.all(np.isfinite(S)):
        raise NumericalError("covariance contains NaN or inf", "use finite numbers")
    d = S.shape[0]
    Dm = np.eye(d) if D is None else np.atleast_2d(np.asarray(D, dtype=np.float64))
    if Dm.shape != (d, d) or S.shape != (d, d):
        raise SpecError("covariance and D must be d×d", "match the shapes")
    if not np.all(np.isfinite(Dm)):
        raise NumericalError("D contains NaN or inf", "use finite numbers")
    ev, U = np.linalg.eigh(0.5 * (Dm + Dm.T))
    if ev.min() <= 0:
        return PoincareResult(math.inf, 0.0, "degenerate", {}, "no_poincare",
                              "D is singular: the Dirichlet form controls no variance in some "
                              "direction, no Poincaré inequality holds", "exact")
    if np.linalg.eigvalsh(S).min() <= 0:
        raise ModelError("covariance is not positive definite", "use an SPD covariance")
    Dmh = U @ np.diag(ev**-0.5) @ U.T
    c = float(np.linalg.eigvalsh(Dmh @ S @ Dmh).max())
    return PoincareResult(c, 0.0, "gaussian", {"dim": d}, "ok",
                          "closed form λ_max(D^{-1/2} Σ D^{-1/2})", "exact",
                          lower=c, upper=c)


def tensorization(results: Sequence[PoincareResult]) -> PoincareResult:
    r"""C_P of a product measure with block-diagonal D: the max over the factors (exact).

    The eigenfunctions of a sum of commuting generators are products, so the spectral gap is
    the smallest factor gap (e.g. Bakry, Gentil & Ledoux 2014, Prop. 4.3.1). The error is the
    largest error of a factor whose interval reaches the maximum; the side and status combine
    the factors' (a lower-bound factor makes a lower bound, and so on).

    Parameters
    ----------
    results : sequence of PoincareResult
        The factors' constants.

    Returns
    -------
    PoincareResult
        Method ``"tensorization"``, value the largest factor value, ``lower``/``upper`` the
        largest factor bounds.

    Raises
    ------
    SpecError
        If ``results`` is empty.

    Examples
    --------
    N(0, 1) ⊗ N(0, 3) has C_P = 3:

    >>> r = tensorization([gaussian_poincare_constant(1.0), gaussian_poincare_constant(3.0)])
    >>> r.poincare_constant, r.status, r.side
    (3.0, 'ok', 'exact')
    """
    if not results:
        raise SpecError("tensorization of nothing", "give at least one factor")
    best = max(results, key=lambda r: r.poincare_constant)
    statuses = {r.status for r in results}
    sides = {r.side for r in results}
    # max of the factor values: a lower bound as soon as one factor is (C_P,i ≥ its value), an
    # upper bound when one is an upper bound and none a lower bound, neither side with both
    side: Side
    below = bool(sides & {"lower_bound", "bracket"})
    above = bool(sides & {"upper_bound", "bracket"})
    if below and above:
        side = "bracket"
    elif below:
        side = "lower_bound"
    elif above:
        side = "upper_bound"
    else:
        side = "exact" if sides == {"exact"} else "estimate"
    if "not_converged" in statuses:
        status = "not_converged"
    elif best.status in ("no_poincare", "overflow", "failed"):
        status = best.status
    elif below or above or "bound" in statuses:
        status = "bound"
    else:
        status = "ok"
    trunc = tuple(t for r in results for t in r.truncation)
    # C_P = max_i C_P,i: the max of the factors' lower bounds is a lower bound, and the max of
    # their upper bounds an upper bound (only when every factor has one)
    lows = [r.lower for r in results if r.lower is not None]
    ups = [r.upper for r in results]
    lower = max(lows) if lows else None
    upper = max(u for u in ups if u is not None) if all(u is not None for u in ups) else None
    msg = f"max over {len(results)} factors"
    if best.status == "no_poincare" or status != "ok":
        msg += ": " + best.message
    # max(a ± e_a, b ± e_b) is within max(e_a, e_b) of the true max: every factor whose
    # interval reaches the largest value lends its error
    near = [r.error_estimate for r in results
            if r.poincare_constant + r.error_estimate >= best.poincare_constant - best.error_estimate]
    err = max([best.error_estimate, *near])
    return PoincareResult(best.poincare_constant, err, "tensorization",
                          {"factors": [r.to_dict() for r in results]}, status,
                          msg, side, trunc,
                          log_poincare_constant=best.log_poincare_constant,
                          lower=lower, upper=upper)
