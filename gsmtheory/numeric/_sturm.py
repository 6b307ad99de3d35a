r"""Eigenvalues at the edge of the continuous spectrum: the ends matched to their decaying solutions.

Setting (docs/design.md §1; :mod:`gsmtheory.symbolic` derives the ends): in the Liouville variable
y = ∫ dx/√D the generator is −L ≅ H = −d²/dy² + W on L²(dy), W = φ_y²/4 − φ_yy/2, φ = −log(p√D).
At an end at infinite distance W → σ_e, and σ = min_e σ_e is the bottom of the continuous
spectrum; C_P = max(1/λ₁, 1/σ). An eigenvalue just below σ has an eigenfunction that decays like
e^{−κ|y|}, κ = √(σ_e − λ), far slower than any cut-off of the domain reaches: a chain on the
truncated interval with reflecting ends then pushes it above σ and "C_P = 1/σ" is wrong (p ∝
sech^a x with a slightly above 2 has λ₁ = a − 1 < σ = a²/4).

Exact treatment of the ends beyond the cut-off b. For μ < σ_e let G be the solution of the
eigen-equation (pD g')' + μ p g = 0 on (b, ∞) that decays; where W = σ_e beyond b it is
G = ψ e^{φ/2} with ψ = e^{−κ y}, κ = √(σ_e − μ), so G'/G = −κ/√D + φ_x/2 (x-derivatives). The
quadratic form Q_μ(g) = E(g) − μ ∫ g² p minimised over the exterior with g(b) given is
(integrating by parts against G)

    min_ext ∫_b^∞ (pD g'² − μ p g²) = β_b(μ) g(b)²,   β_b(μ) = (pD)(b) (κ/√D(b) − φ_x(b)/2),

and at a left end a, β_a(μ) = (pD)(a) (κ/√D(a) + φ_x(a)/2). By Glazman's lemma (the exterior
form is positive on functions vanishing at b when W ≥ μ there) the number of eigenvalues of −L
below μ, N(μ), is the number of negative eigenvalues of the interior form plus these end
terms — on the chain of :func:`gsmtheory.numeric._chain1d.chain_1d`, of the tridiagonal matrix
A + B(μ) − μΠ (Sylvester's law of inertia), the exterior taken from the centre of the end cell
(whose outer half-cell goes with it) so that the scheme stays second order.
N counts the ground state 0, so:

- N(μ) = 1 certifies that no eigenvalue lies in (0, μ) (:func:`no_eigenvalue_below`: the
  Sturm oscillation count on the whole line, the exterior exact);
- λ₁ is the root of f(μ) = λ₂(S(μ)) − μ, S(μ) = Π^{-1/2}(A + B(μ))Π^{-1/2}, which decreases
  strictly in μ (B does): :func:`first_eigenvalue`, however slowly its eigenfunction decays.

The exterior is exact only where W = σ_e beyond the cut-off; :func:`open_ends` measures W(b)
numerically (central differences of ℓ and log D) and the caller moves the cut-off out and
compares.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import eigh_tridiagonal
from scipy.optimize import brentq

from gsmtheory.numeric._chain1d import GL6_T, GL6_W, log_sum_exp
from gsmtheory.numeric._fv_grid import AxisMap

__all__ = ["OpenEnd", "first_eigenvalue", "open_ends", "sturm_gap"]

Array = NDArray[np.float64]
Fn = Callable[[Array], Array]


@dataclass(frozen=True)
class OpenEnd:
    """One truncated end at infinite Liouville distance, with its exterior in closed form.

    Attributes
    ----------
    side : int
        0 for the left end a, 1 for the right end b.
    sigma : float
        σ_e = lim W at this end (the bottom of its continuous spectrum).
    log_pd : float
        log((pD)(cut)/Z), with the normalisation Z of the chain's masses.
    slope : float
        φ_x(cut)/2 with the sign of the end: −φ_x/2 at the right end, +φ_x/2 at the left,
        so that β(μ) = e^{log_pd} (κ/√D + slope).
    sqrt_d : float
        √D at the cut.
    w_cut : float
        W at the cut (central differences): how far the exterior is from its limit equation.
    log_half : float
        log of the normalised mass of the end cell's outer half (it belongs to the exterior).
    """

    side: int
    sigma: float
    log_pd: float
    slope: float
    sqrt_d: float
    w_cut: float
    log_half: float

    def beta(self, mu: float) -> float:
        """β(μ) = (pD)(κ/√D ± φ_x/2), κ = √(σ_e − μ) (module docstring)."""
        kappa = math.sqrt(max(self.sigma - mu, 0.0))
        return math.exp(self.log_pd) * (kappa / self.sqrt_d + self.slope)


def _derivatives(fn: Fn, x: float, eta: float) -> tuple[float, float, float]:
    """(f, f', f'') at x by central differences with step eta."""
    pts = np.array([x - eta, x, x + eta])
    with np.errstate(all="ignore"):
        v = np.asarray(fn(pts), dtype=np.float64) * np.ones(3)
    return float(v[1]), float(v[2] - v[0]) / (2 * eta), float(v[2] - 2 * v[1] + v[0]) / eta**2


def _half_cell(logp: Fn, mp: AxisMap, n: int, side: int, log_z: float) -> float:
    """log of the normalised mass of the outer half of the end cell (6-point Gauss in u)."""
    h = 1.0 / n
    u = (1.0 - 0.5 * h + 0.5 * h * GL6_T) if side else 0.5 * h * GL6_T
    x, dx = mp(u)
    with np.errstate(all="ignore"):
        ell = np.asarray(logp(x), dtype=np.float64) * np.ones_like(x)
    return float(log_sum_exp(ell + np.log(dx) + np.log(0.5 * h * GL6_W))) - log_z


def open_ends(logp: Fn, diff: Fn, mp: AxisMap, n: int, domain: tuple[float, float],
              sigmas: Sequence[float | None], log_z: float) -> list[OpenEnd]:
    """The truncated ends with a finite σ_e, matched at the outer cell centres (module docstring).

    The exterior starts at the centre x_c of the end cell (its outer half-cell goes with it, so
    the interior form stops where the chain's last conductance does); ``sigmas`` holds each
    end's σ_e (None or inf: discrete there, or at finite distance, so the reflecting cut loses
    nothing worth matching); ``log_z`` is the chain's log normaliser.
    """
    out = []
    cut = (mp.a, mp.b)
    for side in (0, 1):
        s = sigmas[side]
        if s is None or not math.isfinite(s) or not s > 0 or cut[side] == domain[side]:
            continue
        x = float(mp(np.array([1.0 - 0.5 / n if side else 0.5 / n]))[0][0])
        eta = 1e-2 * max(1.0, abs(x))
        ell, dl, ddl = _derivatives(logp, x, eta)
        d0 = float(np.asarray(diff(np.array([x])), dtype=np.float64).ravel()[0])
        _, dld, ddld = _derivatives(lambda t: np.log(np.asarray(diff(t), dtype=np.float64)), x, eta)
        phi_x = -dl - 0.5 * dld  # φ = −ℓ − ½ log D
        phi_xx = -ddl - 0.5 * ddld
        w = d0 * phi_x**2 / 4 - (d0 * phi_xx + 0.5 * d0 * dld * phi_x) / 2
        slope = -0.5 * phi_x if side == 1 else 0.5 * phi_x
        out.append(OpenEnd(side, float(s), ell + math.log(d0) - log_z, slope, math.sqrt(d0), w,
                           _half_cell(logp, mp, n, side, log_z)))
    return out


def _operator(lp: Array, lc: Array, ends: Sequence[OpenEnd], mu: float) -> tuple[Array, Array]:
    """Diagonal and off-diagonal of S(μ) = Π^{-1/2}(A + B(μ))Π^{-1/2} (module docstring); the end
    cells keep only their inner halves, the exterior (from their centres) is β(μ) f_end²."""
    pi = np.exp(lp)
    c = np.exp(lc)
    diag = np.zeros(lp.size)
    diag[:-1] += c
    diag[1:] += c
    for e in ends:
        i = 0 if e.side == 0 else lp.size - 1
        pi[i] -= math.exp(e.log_half)
        diag[i] += e.beta(mu)
    s = np.sqrt(pi)
    return diag / pi, -c / (s[:-1] * s[1:])


def _f(lp: Array, lc: Array, ends: Sequence[OpenEnd], mu: float) -> float:
    """λ₂(S(μ)) − μ: positive iff no eigenvalue of −L lies in (0, μ)."""
    d, e = _operator(lp, lc, ends, mu)
    lam = eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(1, 1))[0]
    return float(lam) - mu


def sturm_gap(lp: Array, lc: Array, ends: Sequence[OpenEnd], mu: float) -> float:
    """f(μ) = λ₂(S(μ)) − μ on this chain: ≥ 0 certifies no eigenvalue in (0, μ) (N(μ) = 1)."""
    return _f(lp, lc, ends, mu)


def first_eigenvalue(lp: Array, lc: Array, ends: Sequence[OpenEnd], below: float) -> float | None:
    """λ₁ of −L with the ends matched (the root of f), or None when f(below) ≥ 0 (none below)."""
    hi = below
    if _f(lp, lc, ends, hi) >= 0:
        return None
    lo = 0.0
    if _f(lp, lc, ends, lo) <= 0:  # cannot happen for a positive form; the chain is too coarse
        return None
    return float(brentq(lambda m: _f(lp, lc, ends, m), lo, hi, xtol=1e-15 * max(hi, 1e-300),
                        rtol=1e-15, maxiter=200))
