r"""Shared pieces for the checks of the CTLD lemmas (not a check: discovery skips it).

- :func:`rule`: composite Gauss–Legendre nodes and weights on [a, b].
- :func:`lifted_grid`: a tensor rule for E_{r(β)p^β(x)}[f] of a 1D mixture: Gauss–Legendre in
  β with weights r(β)/Z_r, and per β a Gauss–Legendre rule in x over the means ± 12 standard
  deviations of p^β (Σ + βλ); error ~1e-12 on the smooth integrands used here.
- :func:`projected_chain`: the K-state chain of Theorem 5 / Lemma 16 (COLT 2024, p. 5, p. 11)
  with rates T(i, j) = w_j / max{χ²(p_i‖p_j), χ²(p_j‖p_i), 1}, and its Poincaré constant
  C̄ = 1/gap of the generator in L²(w) (the chain is reversible: w_i T(i, j) is symmetric).

Only the public API (``gsmtheory.numeric``, ``gsmtheory.symbolic``) is used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gsmtheory.numeric import lifted_chi_square, mixture_logpdf
from gsmtheory.solve import ctld_schedule
from gsmtheory.symbolic import CTLDParameters, GaussianMixture


def rule(a: float, b: float, panels: int, order: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss–Legendre nodes and weights on [a, b] (``panels`` × ``order`` points)."""
    t, w = np.polynomial.legendre.leggauss(order)
    e = np.linspace(a, b, panels + 1)
    lo, hi = e[:-1, None], e[1:, None]
    return (0.5 * (hi - lo) * t + 0.5 * (hi + lo)).ravel(), (0.5 * (hi - lo) * w).ravel()


@dataclass(frozen=True)
class LiftedGrid:
    """Nodes X, B (shape (nx, nb)) and weights W with Σ W f(X, B) ≈ E_{r p^β}[f]."""

    X: np.ndarray
    B: np.ndarray
    W: np.ndarray
    lam: float


def lifted_grid(mix: GaussianMixture, params: CTLDParameters, *, beta_panels: int = 16,
                x_panels: int = 24) -> LiftedGrid:
    """Tensor rule for the CTLD stationary law r(β) p^β(x) of a 1D mixture (see module docstring).

    β: composite Gauss–Legendre on [0, β_max] with panel ends graded towards β = 0 (where r and
    p^β change fastest), weighted by r/Z_r (``schedule.law.logpdf``); x: per β, composite
    Gauss–Legendre on [min μ − 12 s_β, max μ + 12 s_β], s_β = √(Σ + βλ); the mixture density
    p^β(x) is folded into the weights.
    """
    lam = params.lambda_min
    edges = params.beta_max * np.linspace(0.0, 1.0, beta_panels + 1) ** 2
    t, w = np.polynomial.legendre.leggauss(16)
    lo, hi = edges[:-1, None], edges[1:, None]
    b = (0.5 * (hi - lo) * t + 0.5 * (hi + lo)).ravel()
    wb = (0.5 * (hi - lo) * w).ravel() * np.exp(ctld_schedule(params).law.logpdf(b))
    means = np.array([mu[0] for mu in mix.means])
    sd = np.sqrt(mix.covariance[0][0] + b * lam)
    u, wu = rule(-1.0, 1.0, x_panels)
    centre, half = 0.5 * (means.min() + means.max()), 0.5 * (means.max() - means.min()) + 12 * sd
    X = centre + half[None, :] * u[:, None]
    B = np.broadcast_to(b[None, :], X.shape).copy()
    dens = np.exp(mixture_logpdf(mix, X[..., None], B * lam))
    W = wu[:, None] * half[None, :] * wb[None, :] * dens
    return LiftedGrid(X, B, W, lam)


@dataclass(frozen=True)
class ProjectedChain:
    """The K-state chain: χ² matrix (max of both orders), rates T, and C̄ = 1/gap."""

    chi_square: np.ndarray
    rates: np.ndarray
    poincare_constant: float


def projected_chain(mix: GaussianMixture, params: CTLDParameters) -> ProjectedChain:
    """Rates T(i, j) = w_j / max{χ²(p_i‖p_j), χ²(p_j‖p_i), 1} between lifted components (standard
    χ², ``lifted_chi_square``) and the chain's Poincaré constant: with Q the generator
    (Q_ij = T(i, j), Q_ii = −Σ_j T(i, j)), the symmetrized −W^{1/2} Q W^{-1/2} has eigenvalues
    0 < gap ≤ …; C̄ = 1/gap."""
    k = len(mix.weights)
    w = np.asarray(mix.weights, dtype=float)
    chi = np.zeros((k, k))
    schedule = ctld_schedule(params)
    for i in range(k):
        for j in range(i + 1, k):
            chi[i, j] = chi[j, i] = max(lifted_chi_square(mix, schedule, i, j),
                                        lifted_chi_square(mix, schedule, j, i))
    rates = w[None, :] / np.maximum(chi, 1.0)
    np.fill_diagonal(rates, 0.0)
    q = rates - np.diag(rates.sum(axis=1))
    s = np.sqrt(w)
    sym = -(s[:, None] * q / s[None, :])
    ev = np.linalg.eigvalsh(0.5 * (sym + sym.T))
    return ProjectedChain(chi, rates, float(1.0 / ev[1]))
