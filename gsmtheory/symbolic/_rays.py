r"""The ends of a target in d ≥ 2 that is neither radial nor a product: analysis along rays.

Setting (docs/design.md §1): p ∝ e^ℓ on R^d, constant D (all axes infinite). Two findings, each a
proof or nothing:

- **no Poincaré inequality** (σ = 0). If along a direction ω, for almost every transverse offset
  v ⊥ ω, ℓ(tω + v)/t → 0 as t → ∞ (a tail heavier than every exponential along ω; SymPy's limit
  with v symbolic, under the time guard), then for every ε > 0 the integrand of
  E_p[e^{ε ω·x}] = Z⁻¹∫∫ e^{ε t + ℓ(tω + v)} dt dv tends to ∞ in t for every such v, so the inner
  integral diverges on a set of v of positive measure and E_p[e^{ε ω·x}] = ∞ (Tonelli). A
  Poincaré inequality with constant D would make E_p[e^{ε g}] finite for every Lipschitz g and
  small ε (Gromov–Milman; Bobkov & Ledoux 1997: ε < 2/(√C_P |D^{1/2}∇g|_∞)), and ω·x is
  Lipschitz: hence C_P = ∞. This is the d-dimensional form of the 1D rule "W → 0 at an end": a
  heavy tail in one direction only (exp(−x²/2)/(1 + y² + x²y²/10), or exp(−|x|) ⊗ Cauchy) is found
  without a product structure. Candidate directions are ±e_i and ±(e_i ± e_j)/√2, screened
  numerically (|ℓ(tω) − ℓ(0)|/t small and shrinking up to t = 10⁴) and then decided symbolically;
  an undecided limit is reported as such, never taken as heavy.
- **a lower bound on σ = inf σ_ess(−L)** (Persson 1960): in the ground-state representation −L is
  unitarily equivalent to −∇·D∇ + W, W = ¼∇ℓᵀD∇ℓ + ½∇·(D∇ℓ) (the Liouville potential; for D = I
  W = |∇φ|²/4 − Δφ/2 with φ = −ℓ), and inf σ_ess = lim_R inf σ(−L outside the ball of radius R)
  ≥ lim inf_{|x|→∞} W. For a polynomial ℓ, W ≥ σ₋ outside a box is proved by outward-rounded
  interval arithmetic (:func:`gsmtheory.symbolic._intervals.region_minimum`); σ₋ > 0 means the
  spectrum is discrete below σ₋ and a Poincaré inequality holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import sympy as sp

from gsmtheory.symbolic._intervals import region_minimum
from gsmtheory.symbolic._limits import guarded

__all__ = ["RayEnds", "bound_sigma", "ray_ends"]

_SCREEN = (1e2, 1e3, 1e4)
_HEAVY_SLOPE = 0.05  # |ℓ(tω) − ℓ(0)|/t below this at t = 10⁴ (and shrinking) makes ω a candidate


@dataclass(frozen=True)
class RayEnds:
    """The analysis along rays (module docstring).

    Attributes
    ----------
    heavy : str or None
        The direction of a tail heavier than exponential (then C_P = ∞), in words.
    sigma_lower : float
        A certified lower bound on σ = inf σ_ess(−L) (NaN when none was proved).
    undecided : tuple of str
        Candidate directions whose limit SymPy did not decide within the guard.
    reason : str
        What was proved, in words.

    Examples
    --------
    >>> from gsmtheory.symbolic import RayEnds
    >>> RayEnds(None, 2.0, (), "sigma >= 2").heavy is None
    True
    """

    heavy: str | None
    sigma_lower: float
    undecided: tuple[str, ...]
    reason: str

    @property
    def no_poincare(self) -> bool:
        return self.heavy is not None


def _directions(d: int) -> list[tuple[np.ndarray, str]]:
    out = []
    for i in range(d):
        for s in (1, -1):
            e = np.zeros(d, dtype=int)
            e[i] = s
            out.append((e, f"{'+' if s > 0 else '-'}e{i + 1}"))
    for i in range(d):
        for j in range(i + 1, d):
            for si in (1, -1):
                for sj in (1, -1):
                    e = np.zeros(d, dtype=int)
                    e[i], e[j] = si, sj
                    out.append((e, f"({'+' if si > 0 else '-'}e{i + 1} {'+' if sj > 0 else '-'} e{j + 1})/sqrt2"))
    return out


def _slow(f: Any, omega: np.ndarray) -> bool:
    """ℓ(tω) − ℓ(0) grows slower than _HEAVY_SLOPE·t and its slope shrinks (a numerical screen)."""
    with np.errstate(all="ignore"):
        base = float(f(*np.zeros(omega.size)))
        slopes = [abs(float(f(*(t * omega / np.linalg.norm(omega)))) - base) / t for t in _SCREEN]
    return all(math.isfinite(s) for s in slopes) and slopes[-1] < _HEAVY_SLOPE and slopes[-1] <= slopes[0]


def _heavy_along(ell: sp.Expr, coords: tuple[sp.Symbol, ...], omega: np.ndarray, seconds: float) -> bool | None:
    """lim_{t→∞} ℓ(tω + v)/t = 0 for generic v ⊥ ω (True), ≠ 0 (False), undecided (None)."""
    d = len(coords)
    t = sp.Symbol("t_ray", positive=True)
    w = sp.Matrix([int(v) for v in omega])
    basis: list[sp.Matrix] = []
    others = [sp.Matrix([1 if k == j else 0 for k in range(d)]) for j in range(d)]
    for e in others:  # Gram–Schmidt: an orthogonal basis of ω^⊥ from the coordinate axes
        v = e - sum((((b.T * e)[0] / (b.T * b)[0]) * b for b in [w, *basis]), sp.zeros(d, 1))
        if any(c != 0 for c in v) and len(basis) < d - 1:
            basis.append(v)
    s = sp.symbols(f"s_ray0:{d - 1}", real=True)
    point = t * w + sum((si * b for si, b in zip(s, basis)), sp.zeros(d, 1))
    expr = ell.subs(dict(zip(coords, point)), simultaneous=True) / t
    got = guarded(lambda: sp.limit(expr, t, sp.oo), seconds)
    if got is None or got.has(sp.nan, sp.zoo, sp.AccumBounds):
        return None
    return bool(got == 0) or (got.is_zero is True)


def _sigma_lower(ell: sp.Expr, coords: tuple[sp.Symbol, ...], D: sp.Matrix, reach: float) -> float:
    """inf of W outside the box [−R, R]^d, certified (module docstring), for a polynomial ℓ."""
    if not ell.is_polynomial(*coords):
        return math.nan
    grad = sp.Matrix([sp.diff(ell, c) for c in coords])
    lap = sum(D[i, j] * sp.diff(ell, a, b) for i, a in enumerate(coords) for j, b in enumerate(coords))
    W = sp.expand((grad.T * D * grad)[0, 0] / 4 + lap / 2)
    d, R = len(coords), reach
    best = math.inf
    for k in range(d):  # the exterior of the box: the slabs |x_k| >= R (the others free)
        for side in (1, -1):
            region = [(-math.inf, math.inf)] * d
            region[k] = (R, math.inf) if side > 0 else (-math.inf, -R)
            pieces = [[(-R, R), (R, math.inf), (-math.inf, -R)] if j != k else [region[k]] for j in range(d)]
            for combo in _product(pieces):
                best = min(best, region_minimum(W, coords, combo, center=[0.0] * d, rtol=1e-2).lower)
    return best if math.isfinite(best) else math.nan


def _product(pieces: list[list[tuple[float, float]]]) -> list[list[tuple[float, float]]]:
    out: list[list[tuple[float, float]]] = [[]]
    for p in pieces:
        out = [[*o, q] for o in out for q in p]
    return out


def ray_ends(diffusion: Any, *, seconds: float = 4.0, reach: float = 8.0, sigma: bool = True) -> RayEnds | None:
    """The analysis along rays of a constant-D target on R^d, d ≥ 2 (module docstring,
    docs/design.md §6): a tail heavier than exponential along a ray (C_P = ∞), else a certified
    lower bound on σ = inf σ_ess(−L) from the ground-state potential outside a box.

    Parameters
    ----------
    diffusion : Diffusion
        The target.
    seconds : float
        The time limit of each SymPy limit along a candidate ray.
    reach : float
        Half-width of the box [−reach, reach]^d outside which the potential is bounded below.
    sigma : bool
        Whether to bound σ as well (:func:`bound_sigma`: seconds in 2D, minutes for a high-degree ℓ
        in 3D); without it only the heavy tails are looked for and ``sigma_lower`` is NaN.

    Returns
    -------
    RayEnds or None
        None when it does not apply (d = 1, a mixture, D depending on x, a finite side).

    Examples
    --------
    >>> from gsmtheory.symbolic import parse_spec, ray_ends
    >>> spec = parse_spec('coords = ["x", "y"]' + chr(10) + 'log_density = "-x**4/4 - y**2/2"')
    >>> ends = ray_ends(spec.diffusion)
    >>> ends.heavy is None, ends.sigma_lower > 1
    (True, True)
    """
    coords = tuple(diffusion.coords)
    d = len(coords)
    D = sp.Matrix(diffusion.D)
    if d < 2 or getattr(diffusion, "mixture", None) is not None or D.free_symbols & set(coords) or \
            not all(lo == -sp.oo and hi == sp.oo for lo, hi in diffusion.domain):
        return None
    ell = sp.sympify(diffusion.log_density)
    f = sp.lambdify(coords, ell, "numpy", docstring_limit=0)
    undecided = []
    for omega, name in _directions(d):
        if not _slow(f, omega):
            continue
        heavy = _heavy_along(ell, coords, omega, seconds)
        if heavy:
            return RayEnds(name, 0.0, (), f"l(t w + v)/t -> 0 along w = {name} (a tail heavier than "
                           "exponential: E_p exp(e w.x) = inf for every e > 0, so no Poincaré inequality)")
        if heavy is None:
            undecided.append(name)
    text = "sigma not bounded yet (bound_sigma)"
    if undecided:
        text += f"; undecided directions (limit not decided in {seconds:g} s): {', '.join(undecided)}"
    found = RayEnds(None, math.nan, tuple(undecided), text)
    return bound_sigma(found, diffusion, reach=reach) if sigma else found


def bound_sigma(found: RayEnds, diffusion: Any, *, reach: float = 8.0) -> RayEnds:
    """``found`` with the certified lower bound on σ = inf σ_ess(−L) added: inf of the ground-state
    potential W = ¼∇ℓᵀD∇ℓ + ½∇·(D∇ℓ) outside [−reach, reach]^d (Persson; module docstring).

    Branch and bound over the 2d·3^(d−1) unbounded regions of a polynomial of twice the degree of ℓ:
    seconds in 2D, minutes for a high-degree ℓ in 3D, not tried for d > 3 or a non-polynomial ℓ
    (σ stays NaN). A heavy tail (σ = 0) or a σ already bounded is returned as it is.

    Parameters
    ----------
    found : RayEnds
        The heavy-tail analysis, :func:`ray_ends` with ``sigma=False``.
    diffusion : Diffusion
        The same target.
    reach : float
        Half-width of the box.

    Returns
    -------
    RayEnds
        ``found`` with ``sigma_lower`` and the reason's first clause replaced.

    Examples
    --------
    >>> import math
    >>> from gsmtheory.symbolic import bound_sigma, parse_spec, ray_ends
    >>> spec = parse_spec('coords = ["x", "y"]' + chr(10) + 'log_density = "-x**4/4 - y**2/2"')
    >>> heavy_only = ray_ends(spec.diffusion, sigma=False)
    >>> math.isnan(heavy_only.sigma_lower), bound_sigma(heavy_only, spec.diffusion).sigma_lower > 1
    (True, True)
    """
    coords = tuple(diffusion.coords)
    d = len(coords)
    if found.heavy is not None or math.isfinite(found.sigma_lower):
        return found
    sig = math.nan
    if d <= 3:
        try:
            sig = _sigma_lower(sp.sympify(diffusion.log_density), coords, sp.Matrix(diffusion.D), reach)
        except (ValueError, TypeError, sp.PolynomialError):
            sig = math.nan
    text = f"sigma >= {sig:.6g} (inf of W outside [-{reach:g}, {reach:g}]^{d}, Persson)" if math.isfinite(sig) \
        else "no lower bound on sigma proved"
    rest = found.reason.partition("; ")[2]
    return replace(found, sigma_lower=sig, reason=text + (f"; {rest}" if rest else ""))
