r"""How C_P and the annealed estimator's cost depend on the ambient dimension d (issue #14, claim on d).

Theorem 12 of the COLT text (docs/paper.md) prints C_P(CTLD) ≲ D²² d² λ_max⁹ λ_min⁻², Theorem 14
‖Γ_SM‖ ≤ poly(D, d, λ_max, λ_min⁻¹)‖Γ_MLE‖². At a fixed diameter, for the two-component
mixture ½N(−m e, I) + ½N(m e, I) in R^d (|e| = 1), :func:`dimension_scaling` computes, for each d:

- C_P(Langevin) by the exact reduction (:func:`gsmtheory.numeric.reduced_poincare`): the 1D
  value for every d;
- C_P(CTLD) by angular sectors (:func:`gsmtheory.numeric.ctld_poincare_nd`, 3D for every d; the
  ridge coordinate t = ρ/s(β) beyond d = 65, up to d = 1000 and more);
- ‖Γ_CTLD‖/‖Γ_MLE‖² for the means model (a₁, a₂) along e
  (:func:`gsmtheory.estimation.ctld_efficiency_along_u`; Γ_MLE the original model's, which does
  not depend on d).

The exponent of a quantity q(d) is reported three ways: the log–log slope between the two
largest d (``local``), the range of the slopes between consecutive d (``interval``), and the
least-squares slope over all d with its standard error (``fit``). An affine fit q ≈ a + b·d is
reported too, since that is what the computed curves follow (the local exponent of a + b·d is
b·d/(a + b·d), which tends to 1, not 2).

:func:`anisotropy_scaling` does the same over κ = λ_max/λ_min at fixed d and diameter
(Theorem 12's λ_max⁹ λ_min⁻²), along three families of Σ = diag(Σ_U, σ²I) that the sectors solve
exactly.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.estimation._ctld_estimator import ctld_efficiency_along_u
from gsmtheory.numeric import ctld_poincare, ctld_poincare_nd, reduce_mixture, reduced_poincare
from gsmtheory.solve import ctld_schedule
from gsmtheory.symbolic import GaussianMixture, ctld_parameters

__all__ = ["AnisotropyScaling", "DimensionScaling", "anisotropy_scaling", "dimension_scaling", "exponent_in_d"]


def exponent_in_d(dims: Sequence[float], values: Sequence[float]) -> dict[str, Any]:
    """Exponents k of q(d) ∝ d^k (module docstring): local, interval, least-squares fit, affine fit.

    Parameters
    ----------
    dims : sequence of float
        The dimensions d (or any positive abscissa, e.g. κ).
    values : sequence of float
        q(d).

    Returns
    -------
    dict
        ``local`` (the log–log slope between the two largest d), ``interval`` (the range of the
        slopes between consecutive d), ``fit`` and ``fit_standard_error`` (log–log least squares) and ``affine``
        (q ≈ a + b·d with its largest relative residual).

    Examples
    --------
    >>> k = exponent_in_d([1, 2, 4, 8], [1, 4, 16, 64])
    >>> k["local"], round(k["fit"], 10)                  # q = d²
    (2.0, 2.0)
    """
    d = np.asarray(dims, dtype=float)
    q = np.asarray(values, dtype=float)
    ld, lq = np.log(d), np.log(q)
    slopes = np.diff(lq) / np.diff(ld)
    X = np.stack([np.ones_like(ld), ld], axis=1)
    coef, *_ = np.linalg.lstsq(X, lq, rcond=None)
    resid = lq - X @ coef
    dof = max(len(d) - 2, 1)
    cov = float(resid @ resid) / dof * np.linalg.inv(X.T @ X)
    A = np.stack([np.ones_like(d), d], axis=1)
    ab, *_ = np.linalg.lstsq(A, q, rcond=None)
    rel = float(np.max(np.abs(A @ ab - q) / q))
    return {"local": float(slopes[-1]), "interval": [float(slopes.min()), float(slopes.max())],
            "fit": float(coef[1]), "fit_standard_error": math.sqrt(max(cov[1, 1], 0.0)),
            "affine": {"a": float(ab[0]), "b": float(ab[1]), "max_relative_residual": rel}}


@dataclass(frozen=True)
class DimensionScaling:
    """C_P(Langevin), C_P(CTLD) and ‖Γ_CTLD‖/‖Γ_MLE‖² of ½N(∓m e₁, I) per d, with exponents in d.

    Attributes
    ----------
    dims : tuple of int
        The dimensions d.
    separation : float
        m.
    cp_langevin, cp_langevin_error : tuple of float
        C_P of Langevin per d (the exact reduction) and its error.
    cp_ctld, cp_ctld_error : tuple of float
        C_P of the CTLD lift per d (empty with ``ctld=False``).
    gamma_ratio : tuple of float
        ‖Γ_CTLD‖/‖Γ_MLE‖² per d.
    exponents : dict
        :func:`exponent_in_d` of each quantity.

    Examples
    --------
    >>> s = dimension_scaling((1, 2), ctld=False, panels=2, nh=4)
    >>> round(s.cp_langevin[0], 6) == round(s.cp_langevin[1], 6)   # Langevin's C_P: the 1D value in every d
    True
    """

    dims: tuple[int, ...]
    separation: float
    cp_langevin: tuple[float, ...]
    cp_langevin_error: tuple[float, ...]
    cp_ctld: tuple[float, ...]
    cp_ctld_error: tuple[float, ...]
    gamma_ratio: tuple[float, ...]
    exponents: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"dims": list(self.dims), "separation": self.separation,
                "cp_langevin": list(self.cp_langevin), "cp_langevin_error": list(self.cp_langevin_error),
                "cp_ctld": list(self.cp_ctld), "cp_ctld_error": list(self.cp_ctld_error),
                "gamma_ctld_over_mle_squared": list(self.gamma_ratio), "exponents": self.exponents,
                "theorem_12_exponent_in_d": 2}


def dimension_scaling(dims: Sequence[int] = (1, 2, 3, 10, 30, 100), separation: float = 3.0, *,
                      resolution: float = 0.8, rtol: float = 1e-2, ctld: bool = True,
                      panels: int = 6, nh: int = 8) -> DimensionScaling:
    """C_P(Langevin), C_P(CTLD) and ‖Γ_CTLD‖/‖Γ_MLE‖² over d for ½N(∓m e₁, I), m = ``separation``.

    Theorem 12 and 14's dependence on d at fixed diameter (module docstring, docs/paper.md). CTLD
    uses the reported defaults for the 1D mixture (λ = 1, diam = 2m, the same for every d).

    Parameters
    ----------
    dims : sequence of int
        The dimensions.
    separation : float
        m.
    resolution, rtol : float
        The sectors solver's resolution and tolerance for C_P(CTLD).
    ctld : bool
        False skips C_P(CTLD) (the slow part: a 3D solve per d, seconds to minutes).
    panels, nh : int
        The lifted quadrature of Γ_CTLD (:func:`ctld_efficiency_along_u`).

    Returns
    -------
    DimensionScaling
        The values per d and their exponents.

    Examples
    --------
    >>> s = dimension_scaling((1, 2), ctld=False, panels=2, nh=4)
    >>> abs(s.exponents["cp_langevin"]["fit"]) < 1e-9, s.gamma_ratio[1] / s.gamma_ratio[0] < 1.01
    (True, True)
    """
    m = float(separation)
    mix1 = GaussianMixture(((-m,), (m,)), (0.5, 0.5), ((1.0,),))
    params = ctld_parameters(mix1)
    lang, lang_e, cps, cps_e, ratios = [], [], [], [], []
    for d in dims:
        mu = np.zeros((2, d))
        mu[0, 0], mu[1, 0] = -m, m
        mix = (mu, np.array([0.5, 0.5]), np.eye(d))
        lp = reduced_poincare(mix)
        lang.append(lp.poincare_constant)
        lang_e.append(lp.error_estimate)
        if ctld:
            c = (ctld_poincare(mix1, ctld_schedule(params), tolerance=rtol) if d == 1
                 else ctld_poincare_nd(mix, ctld_schedule(params), resolution=resolution, rtol=rtol))
            cps.append(c.poincare_constant)
            cps_e.append(c.error_estimate)
        a = reduce_mixture(mix).reduced.means[:, 0]
        eff = ctld_efficiency_along_u(mix, params, ["a1", "a2"], ["1/2", "1/2"], ["a1", "a2"], a,
                                      panels=panels, nh=nh, poincare=False)
        ratios.append(float(np.linalg.norm(eff.gsm_covariance, 2) / np.linalg.norm(eff.mle_original, 2) ** 2))
    exps: dict[str, Any] = {"gamma_ctld_over_mle_squared": exponent_in_d(dims, ratios),
                            "cp_langevin": exponent_in_d(dims, lang)}
    if ctld:
        exps["cp_ctld"] = exponent_in_d(dims, cps)
    return DimensionScaling(tuple(int(v) for v in dims), m, tuple(lang), tuple(lang_e), tuple(cps), tuple(cps_e),
                            tuple(ratios), exps)


#: the three families of :func:`anisotropy_scaling`: name → (Σ_U, Σ on U^⊥) as functions of κ ≥ 1
_FAMILIES: dict[str, tuple[str, str]] = {
    "lambda_max_along_U": ("kappa", "1"),        # Σ = diag(κ, I): λ_min = 1, λ_max = κ
    "lambda_max_across_U": ("1", "kappa"),       # Σ = diag(1, κI): λ_min = 1, λ_max = κ
    "lambda_min_along_U": ("1/kappa", "1"),      # Σ = diag(1/κ, I): λ_max = 1, λ_min = 1/κ
}


@dataclass(frozen=True)
class AnisotropyScaling:
    """C_P(CTLD) of ½N(∓m e₁, Σ) over κ = λ_max/λ_min for the families of :func:`anisotropy_scaling`.

    Attributes
    ----------
    kappas : tuple of float
        κ.
    dim : int
        d.
    separation : float
        m.
    cp, error : dict
        Per family: C_P(CTLD) and its error per κ.
    lambda_used : dict
        Per family: the λ of the reported defaults per κ.
    exponents : dict
        Per family: :func:`exponent_in_d` over κ with ``slope_uncertainty``.

    Examples
    --------
    >>> a = anisotropy_scaling((1.0, 2.0), dim=2, resolution=0.5, rtol=0.05)
    >>> sorted(a.cp)
    ['lambda_max_across_U', 'lambda_max_along_U', 'lambda_min_along_U']
    """

    kappas: tuple[float, ...]
    dim: int
    separation: float
    cp: dict[str, tuple[float, ...]]
    error: dict[str, tuple[float, ...]]
    lambda_used: dict[str, tuple[float, ...]]
    exponents: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"kappas": list(self.kappas), "dim": self.dim, "separation": self.separation,
                "families": {k: {"covariance": f"diag({a}, {b}·I_{self.dim - 1})"} for k, (a, b) in _FAMILIES.items()},
                "cp_ctld": {k: list(v) for k, v in self.cp.items()},
                "cp_ctld_error": {k: list(v) for k, v in self.error.items()},
                "lambda_used": {k: list(v) for k, v in self.lambda_used.items()},
                "exponents": self.exponents, "theorem_12_exponents": {"lambda_max": 9, "lambda_min": -2}}


def _slope_error(kappas: Sequence[float], cp: Sequence[float], err: Sequence[float]) -> float:
    """Largest uncertainty of a consecutive log–log slope from the C_P error estimates."""
    out = 0.0
    for i in range(len(kappas) - 1):
        out = max(out, (err[i] / cp[i] + err[i + 1] / cp[i + 1]) / math.log(kappas[i + 1] / kappas[i]))
    return out


def anisotropy_scaling(kappas: Sequence[float] = (1.0, 2.0, 4.0, 8.0, 16.0), dim: int = 10,
                       separation: float = 3.0, *, resolution: float = 0.8,
                       rtol: float = 1e-2) -> AnisotropyScaling:
    """C_P(CTLD) of ½N(∓m e₁, Σ) in R^dim over κ = λ_max/λ_min (Theorem 12's λ_max⁹ λ_min⁻²).

    Three families at fixed diameter 2m (``separation`` = m), each with the reported defaults
    (λ = λ_min(Σ), β_max = 14·diam²/λ − 1, log r = −7·diam²/(λ(1+β))):

    - ``lambda_max_along_U``: Σ = diag(κ, I) — λ_min = 1, λ_max = κ along the means;
    - ``lambda_max_across_U``: Σ = diag(1, κI) — λ_min = 1, λ_max = κ on U^⊥;
    - ``lambda_min_along_U``: Σ = diag(1/κ, I) — λ_max = 1, λ_min = 1/κ.

    Each C_P is one 3D sectors solve (:func:`gsmtheory.numeric.ctld_poincare_nd`: Σ is a multiple
    of I on U^⊥, so the reduction is exact). Exponents: log–log slopes in κ
    (:func:`exponent_in_d`, applied to κ), with ``slope_uncertainty`` from the error estimates;
    the printed bound predicts 9 for the first two families and 2 for the third.

    Parameters
    ----------
    kappas : sequence of float
        Increasing values ≥ 1, at least two.
    dim : int
        d.
    separation : float
        m.
    resolution, rtol : float
        The sectors solver's resolution and tolerance.

    Returns
    -------
    AnisotropyScaling
        C_P per family and κ, and the exponents.

    Raises
    ------
    SpecError
        ``kappas`` not increasing, below 1, or fewer than two.
    NumericalError
        A C_P that did not converge (raise ``resolution``).

    Examples
    --------
    >>> a = anisotropy_scaling((1.0, 2.0), dim=2, resolution=0.5, rtol=0.05)
    >>> round(a.exponents["lambda_min_along_U"]["local"], 1)     # C_P ∝ λ_min⁻²: the printed 2
    2.0
    """
    ks = [float(k) for k in kappas]
    if len(ks) < 2 or any(not (k >= 1 and math.isfinite(k)) for k in ks) or any(b <= a for a, b in itertools.pairwise(ks)):
        raise SpecError(f"kappas {kappas} must be increasing values >= 1, at least two", "use e.g. (1, 4, 16)")
    m = float(separation)
    cache: dict[tuple[float, float], tuple[float, float, float]] = {}
    cp: dict[str, tuple[float, ...]] = {}
    er: dict[str, tuple[float, ...]] = {}
    lam: dict[str, tuple[float, ...]] = {}
    exps: dict[str, Any] = {}
    for name, (a_u, a_p) in _FAMILIES.items():
        vals, errs, lams = [], [], []
        for k in ks:
            su = {"kappa": k, "1": 1.0, "1/kappa": 1.0 / k}[a_u]
            sp_ = {"kappa": k, "1": 1.0, "1/kappa": 1.0 / k}[a_p]
            if (su, sp_) not in cache:
                mu = np.zeros((2, dim))
                mu[0, 0], mu[1, 0] = -m, m
                cov = np.diag([su] + [sp_] * (dim - 1))
                mix = GaussianMixture(tuple(map(tuple, mu)), (0.5, 0.5), tuple(map(tuple, cov)))
                params = ctld_parameters(mix)
                r = ctld_poincare_nd(mix, ctld_schedule(params), resolution=resolution, rtol=rtol)
                if r.status != "ok":
                    raise NumericalError(f"C_P(CTLD) for Σ = diag({su:g}, {sp_:g}·I) did not converge: {r.message}",
                                         "raise resolution")
                cache[(su, sp_)] = (r.poincare_constant, r.error_estimate, float(params.lambda_min))
            c, e, lm = cache[(su, sp_)]
            vals.append(c)
            errs.append(e)
            lams.append(lm)
        cp[name], er[name], lam[name] = tuple(vals), tuple(errs), tuple(lams)
        ex = exponent_in_d(ks, vals)
        ex["slope_uncertainty"] = _slope_error(ks, vals, errs)
        exps[name] = ex
    return AnisotropyScaling(tuple(ks), int(dim), m, cp, er, lam, exps)
