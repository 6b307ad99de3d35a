r"""A certified upper bound on C_P from a Lyapunov function and a local Poincaré constant.

Setting (docs/design.md §1): p ∝ e^ℓ on a box Ω (finite ends reflecting, infinite ones open),
constant D, L g = ∇·(D∇g) + ∇ℓᵀD∇g, E(g) = E_p[∇gᵀD∇g].

**The statement used** (Bakry, Barthe, Cattiaux & Guillin 2008, Thm 1.4, in the form below).
Let V = e^w > 0 be C², ψ = −LV/V, U ⊂ Ω a box with C_P(p|_U) ≤ κ_U, and θ > 0 with ψ ≥ θ on
Ω \ U. Put β = sup_U (θ − ψ)_+. Then

    C_P ≤ (1 + β κ_U) / θ.

*Proof.* (i) For g smooth with compact support in Ω̄, ∫ψ g² dp ≤ E(g): integrating by parts,
−∫(LV/V) g² dp = ∫∇(g²/V)ᵀD∇V dp − ∫_{∂Ω}(g²/V)(D∇V·n) p dS, the face term is ≤ 0 when
D∇V·n ≥ 0 on ∂Ω, and ∇(g²/V)ᵀD∇V = ∇gᵀD∇g − |D^{1/2}(∇g − g∇V/V)|² ≤ ∇gᵀD∇g. (ii) Pointwise,
1 ≤ ψ/θ + (θ − ψ)_+ 1_U/θ (outside U the first term is ≥ 1; on U the sum is ≥ 1). (iii) With
c = the mean of g over p|_U: Var g ≤ ∫(g − c)² dp ≤ θ⁻¹∫ψ(g − c)² dp + βθ⁻¹∫_U(g − c)² dp
≤ θ⁻¹E(g) + βθ⁻¹κ_U E(g). Density extends it to the form domain (ψ is bounded below). ∎

Here w = (a/2)(x − c)ᵀD⁻¹(x − c), so that ψ = a·H with

    H = −(x − c)·∇ℓ − a (x − c)ᵀD⁻¹(x − c) − d,

and D∇V·n = aV (x − c)·n ≥ 0 on the faces of a box containing c (step (i)). With U = Ω (a finite
box) the bound is C_P ≤ κ_U.

**Certified pieces**: θ = a·(a lower bound of H on Ω \ U), from outward-rounded interval
arithmetic and branch and bound on each of the 3^d − 1 regions around U
(:func:`gsmtheory.symbolic._intervals.region_minimum`: the tails of a polynomial by the signs of
its coefficients after shifting to the edge); β from a lower bound of H on U; κ_U from
:func:`gsmtheory.symbolic._local_poincare.local_poincare_upper` (Muckenhoupt per axis, Holley–Stroock
for the coupling). A bounded non-polynomial part B of ℓ (osc B by interval arithmetic on Ω) is
removed first and put back by Holley–Stroock: C_P(ℓ₀ + B) ≤ e^{osc B} C_P(ℓ₀).

**Choice of (a, U)**: U = c + s·[−r⁻, r⁺] per axis (r^± where ℓ has dropped by 4 along the axis)
and a = a_max·2^{−k}; the pair is chosen on sampled values of H (not a proof) and then certified;
the first certified candidate in the sampled order is returned. No certificate (``upper`` = inf)
says why; it never guesses.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from scipy.optimize import minimize

from gsmtheory.symbolic._convexity import certified_kappa
from gsmtheory.symbolic._intervals import (
    evaluate,
    interval,
    lambdified,
    minimum,
    region_minimum,
    round_up,
)
from gsmtheory.symbolic._local_poincare import (
    LocalBound,
    local_poincare_estimate,
    local_poincare_upper,
)

__all__ = ["LyapunovCertificate", "lyapunov_certificate"]

_DROP = 4.0  # r^± : where ℓ has dropped by this much along an axis from the centre
_SCALES = (0.4, 0.5, 0.6, 0.75, 0.9, 1.1, 1.35, 1.7, 2.2, 3.0)
_RATES = (2.0, 1.0, 0.5, 0.25, 0.125, 1 / 16)
_TRIES = 3
#: the branch and bound's work budget per region when proving θ > 0 (a candidate it cannot prove
#: within it gets no certificate: a 3D coupled banana took 26 s per candidate at 400 000)
_PROOF_BOXES = 20_000
#: candidates, best-ranked first, whose θ > 0 is not proved before the search gives up (a 3D coupled
#: banana failed six in 160 s; the double wells and their couplings are proved by the first)
_MAX_FAILED = 2


@dataclass(frozen=True)
class LyapunovCertificate:
    r"""C_P ≤ ``upper`` = e^{osc B}(1 + βκ_U)/θ (module docstring), or inf with the reason.

    Attributes
    ----------
    upper : float
    reason : str
        What was proved (or why nothing was).
    theta, beta, kappa_local, rate : float
        θ, β, κ_U and a of the statement.
    center : tuple of float
    box : tuple of (float, float)
        U.
    perturbation : float
        osc B of the bounded non-polynomial part (0 when there is none).

    Examples
    --------
    >>> from gsmtheory.symbolic import LyapunovCertificate
    >>> cert = LyapunovCertificate(float("inf"), "D depends on the state")
    >>> cert.certified, cert.reason
    (False, 'D depends on the state')
    """

    upper: float
    reason: str
    theta: float = math.nan
    beta: float = math.nan
    kappa_local: float = math.nan
    rate: float = math.nan
    center: tuple[float, ...] = ()
    box: tuple[tuple[float, float], ...] = ()
    perturbation: float = 0.0

    @property
    def certified(self) -> bool:
        return math.isfinite(self.upper)


def _none(why: str) -> LyapunovCertificate:
    return LyapunovCertificate(math.inf, why)


def _split(ell: sp.Expr, coords: tuple[sp.Symbol, ...], domain: list[tuple[float, float]]
           ) -> tuple[sp.Expr, float, str]:
    """ℓ = ℓ₀ + B: ℓ₀ the polynomial terms, B the others when osc B is proved finite on Ω."""
    poly: list[sp.Expr] = []
    other: list[sp.Expr] = []
    for t in sp.Add.make_args(sp.expand(ell)):
        (poly if t.is_polynomial(*coords) else other).append(t)
    if not other:
        return sp.Add(*poly), 0.0, ""
    B = sp.Add(*other)
    lo, hi = interval(B, coords, np.array([[a for a, _ in domain]]), np.array([[b for _, b in domain]]))
    if not (math.isfinite(lo[0]) and math.isfinite(hi[0])):
        return ell, math.nan, f"the non-polynomial part {B} is not proved bounded on the domain"
    return sp.Add(*poly), float(round_up(hi - lo, 4)[0]), f"osc({B}) <= {float(hi[0] - lo[0]):.4g}"


def _center(f: object, d: int, domain: list[tuple[float, float]]) -> np.ndarray:
    """A maximiser of ℓ₀ (from the domain's centre), rounded to 1/16 inside the domain."""
    start = np.array([0.0 if math.isinf(a) and math.isinf(b) else
                      (a + b) / 2 if math.isfinite(a) and math.isfinite(b) else
                      (a + 1 if math.isfinite(a) else b - 1) for a, b in domain])

    def neg(x: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            v = float(f(*x))  # type: ignore[operator]
        return -v if math.isfinite(v) else 1e300

    bounds = [(None if math.isinf(a) else a, None if math.isinf(b) else b) for a, b in domain]
    x = minimize(neg, start, method="L-BFGS-B", bounds=bounds).x
    x = np.round(x * 16) / 16
    return np.array([min(max(v, a), b) for v, (a, b) in zip(x, domain)])


def _reach(f: object, c: np.ndarray, i: int, side: int, edge: float) -> float:
    """Distance along axis i (direction ``side``) where ℓ₀ has dropped by _DROP (≤ the edge)."""
    top = float(f(*c))  # type: ignore[operator]
    limit = abs(edge - c[i])
    t = 1e-3
    while t < 1e6 and t < limit:
        x = c.copy()
        x[i] += side * t
        with np.errstate(all="ignore"):
            v = float(f(*x))  # type: ignore[operator]
        if not math.isfinite(v) or v <= top - _DROP:
            break
        t *= 1.25
    return min(t, limit)


def _core(c: np.ndarray, reach: list[tuple[float, float]], scales: tuple[float, ...],
          domain: list[tuple[float, float]]) -> list[tuple[float, float]]:
    box = []
    for ci, s, (rl, rr), (a, b) in zip(c, scales, reach, domain):
        lo, hi = ci - s * rl, ci + s * rr
        lo, hi = np.floor(lo * 16) / 16, np.ceil(hi * 16) / 16
        box.append((max(lo, a), min(hi, b)))
    return box


def _regions(core: list[tuple[float, float]], domain: list[tuple[float, float]]
             ) -> list[list[tuple[float, float]]]:
    pieces = []
    for (lo, hi), (a, b) in zip(core, domain):
        p = [(lo, hi)]
        if a < lo:
            p.append((-math.inf, lo))
        if b > hi:
            p.append((hi, math.inf))
        pieces.append(p)
    return [list(r) for r in itertools.product(*pieces) if list(r) != core]


def _sampled(core: list[tuple[float, float]], domain: list[tuple[float, float]], c: np.ndarray,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Sampled points outside U (on scaled copies of its boundary) and inside U."""
    d = len(core)
    lo, hi = np.array([a for a, _ in core]), np.array([b for _, b in core])
    out = []
    for m in (1.0, 1.05, 1.15, 1.3, 1.6, 2.0, 3.0, 5.0, 10.0):
        u = rng.uniform(-1, 1, (600 * d, d))
        k = rng.integers(0, d, u.shape[0])
        u[np.arange(u.shape[0]), k] = np.sign(u[np.arange(u.shape[0]), k])
        x = np.where(u > 0, c + m * (hi - c) * u, c - m * (lo - c) * u)
        x = np.clip(x, [a for a, _ in domain], [b for _, b in domain])
        out.append(x)
    ext = np.concatenate(out)
    ext = ext[np.any((ext <= lo + 1e-12) | (ext >= hi - 1e-12), axis=1)]  # the faces of U too
    inside = lo + (hi - lo) * rng.uniform(0, 1, (2000 * d, d))
    return ext, inside


@dataclass(frozen=True)
class _Family:
    """ψ = c₁(t)·P + c₂(t)·R for the Lyapunov functions V_t of one family."""

    name: str
    P: sp.Expr
    R: sp.Expr
    params: tuple[float, ...]
    quadratic: bool  # V = exp(a q/2) (c = (a, a²)); else V = exp(−γℓ₀) (c = (γ, γ(1 − γ)))

    def coefficients(self, t: float) -> tuple[sp.Rational, sp.Rational]:
        r = sp.Rational(t).limit_denominator(4096)
        return (r, r**2) if self.quadratic else (r, r * (1 - r))

    def describe(self, t: float, center: np.ndarray) -> str:
        c = ", ".join(f"{v:g}" for v in center)
        return (f"V = exp(a|x - c|²_D⁻¹/2), a = {t:.4g}, c = ({c})" if self.quadratic
                else f"V = exp(-γℓ), γ = {t:.4g}")


@dataclass(frozen=True)
class _Setting:
    coords: tuple[sp.Symbol, ...]
    domain: list[tuple[float, float]]
    ell0: sp.Expr
    D: sp.Matrix
    lam: float
    center: np.ndarray
    reach: list[tuple[float, float]]
    families: tuple[_Family, ...]


def _setting(coords: tuple[sp.Symbol, ...], ell0: sp.Expr, D: sp.Matrix, lam: float,
             domain: list[tuple[float, float]]) -> _Setting:
    f = lambdified(tuple(coords), ell0)
    c = _center(f, len(coords), domain)
    reach = [(_reach(f, c, i, -1, a), _reach(f, c, i, 1, b)) for i, (a, b) in enumerate(domain)]
    xc = sp.Matrix([x - sp.Rational(ci) for x, ci in zip(coords, c)])
    grad = sp.Matrix([sp.diff(ell0, x) for x in coords])
    a_max = min(8.0 * float(D[i, i]) / max(r) ** 2 for i, r in enumerate(reach))
    # P and R keep the structure of ∇ℓ (a square stays a square: interval arithmetic on an unbounded
    # part of the exterior, the last resort of region_minimum, needs it)
    quad = _Family("quadratic", -(xc.T * grad)[0, 0] - len(coords), -(xc.T * D.inv() * xc)[0, 0],
                   tuple(a_max * r for r in _RATES), True)
    families = [quad]
    if all(math.isinf(a) and math.isinf(b) for a, b in domain):  # no faces: V = e^{−γℓ} needs none
        lap = sum(D[i, j] * sp.diff(ell0, x, y) for i, x in enumerate(coords) for j, y in enumerate(coords))
        families.append(_Family("gibbs", lap, (grad.T * D * grad)[0, 0],
                                (0.125, 0.25, 0.5, 0.75), False))
    return _Setting(coords, domain, ell0, D, lam, c, reach, tuple(families))


def _candidates(st: _Setting, scales: tuple[float, ...], rng: np.random.Generator,
                fns: list[tuple[Any, Any]], ell: Any) -> list[tuple[float, int, float, tuple[float, ...]]]:
    """(estimated bound, family, t, scales) for one box U from sampled ψ (a ranking, not a proof)."""
    core = _core(st.center, st.reach, scales, st.domain)
    kappa = local_poincare_estimate(ell, core, [float(st.D[i, i]) for i in range(len(core))])
    if not math.isfinite(kappa):
        return []
    if not _regions(core, st.domain):  # U = Ω: C_P ≤ κ_U
        return [(kappa, -1, math.inf, scales)]
    ext, ins = _sampled(core, st.domain, st.center, rng)
    out = []
    for k, (fam, (P, R)) in enumerate(zip(st.families, fns)):
        with np.errstate(all="ignore"):
            vals = [evaluate(g, z) for z in (ext, ins) for g in (P, R)]  # type: ignore[arg-type]
        for t in fam.params:
            c1, c2 = (float(v) for v in fam.coefficients(t))
            theta = float(np.min(c1 * vals[0] + c2 * vals[1]))
            if theta > 0:
                beta = max(0.0, theta - float(np.min(c1 * vals[2] + c2 * vals[3])))
                out.append(((1 + beta * kappa) / theta, k, t, scales))
    return out


def _search(st: _Setting) -> list[tuple[float, int, float, tuple[float, ...]]]:
    """Coordinate descent over the per-axis scales of U (two sweeps), every candidate kept."""
    rng = np.random.default_rng(0)
    fns = [(lambdified(st.coords, f.P), lambdified(st.coords, f.R)) for f in st.families]
    ell = lambdified(st.coords, st.ell0)
    seen: dict[tuple[float, ...], list[tuple[float, int, float, tuple[float, ...]]]] = {}

    def best(sc: tuple[float, ...]) -> float:
        if sc not in seen:
            seen[sc] = _candidates(st, sc, rng, fns, ell)
        return min((c[0] for c in seen[sc]), default=math.inf)

    d = len(st.coords)
    scales = min(((s,) * d for s in _SCALES), key=best)
    for _ in range(2):
        for i in range(d):
            scales = min(((*scales[:i], s, *scales[i + 1:]) for s in _SCALES), key=best)
    return sorted((c for cs in seen.values() for c in cs), key=lambda c: c[0])


def _certify(st: _Setting, k: int, t: float, core: list[tuple[float, float]], kappa: float
             ) -> tuple[float, float, float]:
    """(bound, θ, β) proved for this family, parameter and U; bound inf when θ is not proved > 0."""
    if k < 0:
        return kappa, math.inf, 0.0
    c1, c2 = st.families[k].coefficients(t)
    psi = c1 * st.families[k].P + c2 * st.families[k].R
    theta = math.inf
    for r in _regions(core, st.domain):  # θ = the least bound; one region not proved > 0 ends the try
        lower = region_minimum(psi, st.coords, r, center=list(st.center), rtol=1e-2, pushes=2,
                               max_boxes=_PROOF_BOXES).lower
        if not lower > 0:  # (a NaN bound fails too)
            return math.inf, lower, math.nan
        theta = min(theta, lower)
    beta = max(0.0, theta - minimum(psi, st.coords, core, rtol=1e-2).lower)
    return float(round_up(np.array([(1 + beta * kappa) / theta]), 8)[0]), theta, beta


def lyapunov_certificate(diffusion: object) -> LyapunovCertificate:
    """Prove C_P ≤ e^{osc B}(1 + βκ_U)/θ for a :class:`~gsmtheory.symbolic.Diffusion` (module
    docstring, docs/design.md §6); ``upper`` = inf with the reason when nothing is proved.

    Parameters
    ----------
    diffusion : Diffusion
        A target on R^d with a constant D (a D depending on x, or a mixture target, gets no
        certificate: the reason says so).

    Returns
    -------
    LyapunovCertificate
        The upper bound on C_P and the constants θ, β, κ_U of the proof.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec, lyapunov_certificate
    >>> cert = lyapunov_certificate(load_spec("double-well").diffusion)   # ℓ = −(x² − 1)²
    >>> cert.certified, round(cert.upper, 3)
    (True, 3.929)
    """
    coords = tuple(diffusion.coords)  # type: ignore[attr-defined]
    D = sp.Matrix(diffusion.D)  # type: ignore[attr-defined]
    if D.free_symbols & set(coords):
        return _none("D depends on the state: no Lyapunov certificate is attempted")
    if getattr(diffusion, "mixture", None) is not None:
        return _none("Gaussian-mixture target: its curvature bound is computed from the mixture")
    domain = [(-math.inf if lo == -sp.oo else float(lo), math.inf if hi == sp.oo else float(hi))
              for lo, hi in diffusion.domain]  # type: ignore[attr-defined]
    lam, _ = certified_kappa(sp.eye(len(coords)), D)
    if not lam > 0:
        return _none("D is not positive definite")
    ell0, osc_b, btxt = _split(sp.sympify(diffusion.log_density), coords, domain)  # type: ignore[attr-defined]
    if math.isnan(osc_b):
        return _none(btxt)
    if not ell0.is_polynomial(*coords):
        return _none("ℓ is not a polynomial plus a bounded part")
    st = _setting(coords, ell0, D, lam, domain)
    ranked = _search(st)
    best: tuple[float, float, float, int, float, list[tuple[float, float]], LocalBound] | None = None
    tried = failed = 0
    for _, k, t, scales in ranked[:2 * _TRIES]:
        if tried >= _TRIES or (best is None and failed >= _MAX_FAILED):
            break
        core = _core(st.center, st.reach, scales, st.domain)
        local = local_poincare_upper(st.ell0, st.coords, core, st.D, st.lam)
        bound, theta, beta = _certify(st, k, t, core, local.upper)
        tried += math.isfinite(bound)
        failed += not math.isfinite(bound)
        if math.isfinite(bound) and (best is None or bound < best[0]):
            best = (bound, theta, beta, k, t, core, local)
    if best is None:
        why = "no (V, U) with ψ = -LV/V > 0 outside U found" if not ranked else \
            "ψ = -LV/V > 0 outside U was not proved for the best candidates"
        return _none(f"no Lyapunov certificate: {why}")
    bound, theta, beta, k, t, core, local = best
    upper = float(round_up(np.array([math.exp(osc_b) * bound]), 8)[0])
    box = " x ".join(f"[{lo:g}, {hi:g}]" for lo, hi in core)
    text = (f"C_P <= {upper:.6g} (Lyapunov, Bakry–Barthe–Cattiaux–Guillin 2008: "
            f"{st.families[k].describe(t, st.center)}, U = {box}, ψ = -LV/V >= θ = {theta:.4g} outside U, "
            f"β = sup_U (θ - ψ) = {beta:.4g}, C_P <= (1 + βκ_U)/θ; {local.how})") if k >= 0 else \
        f"C_P <= {upper:.6g} (the domain is the box U: {local.how})"
    if osc_b:
        text += f"; Holley–Stroock for the bounded part: {btxt}"
    return LyapunovCertificate(upper, text, theta, beta, local.upper, t, tuple(float(v) for v in st.center),
                               tuple(core), osc_b)
