r"""Certified curvature of a target, for upper bounds on C_P (Bakry–Émery, Holley–Stroock).

With constant D and a convex domain (every box Ω = ∏[a_i, b_i] is one, finite ends reflecting):

- **Bakry–Émery** (Bakry & Émery 1985; Bakry, Gentil & Ledoux 2014, Cor. 4.8.2): if
  −∇²ℓ ⪰ κ D⁻¹ on Ω with κ > 0, then C_P ≤ 1/κ (in y = D^{-1/2}x the Dirichlet form is |∇_y g|²
  and the condition reads −∇²_y ℓ ⪰ κ I; a linear image of a box is convex).
- **Holley–Stroock** (Holley & Stroock 1987): if ℓ = ℓ₀ + W with ℓ₀ as above and W bounded,
  then C_P ≤ e^{osc W}/κ, osc W = sup_Ω W − inf_Ω W (the same D on both sides).

:func:`curvature_certificate` proves the hypotheses with SymPy, never by sampling:

1. ℓ is split into its additive terms: polynomial terms form ℓ₀, the others W.
2. −∇²ℓ₀ = A + P(x) with A constant and P ⪰ 0 proved term by term: a term of degree ≤ 2 has a
   constant Hessian (into A); c·L(x)^{2k} with c < 0, L affine, k ≥ 2 has −Hessian
   −c·2k(2k−1)L^{2k−2} a aᵀ ⪰ 0; the remaining terms' −Hessian, expanded, must have its
   non-constant part diagonal with monomials of even exponents and positive coefficients
   (e.g. −Σ x_i⁴ gives diag(12 x_i²)); its constant part joins A.
3. κ = λ_min(D^{1/2} A D^{1/2}) is certified exactly: with rational A and D (d ≤ 40) the
   matrix D A D − κ' D, κ' a rational just below the floating-point λ_min, is shown positive
   definite by exact Gaussian elimination (all pivots > 0; congruent to D^{1/2}(D^{1/2}AD^{1/2} −
   κ'I)D^{1/2}); otherwise κ' = λ_min − 64 d ε ‖·‖ (the backward error of the symmetric
   eigensolver), stated in the reason.
4. osc W by outward-rounded interval arithmetic (:mod:`mpmath.iv`) over the domain box:
   sin, cos ∈ [−1, 1], tanh, erf, atan bounded, exp/log/sqrt monotone. On a bounded box a
   polynomial term that step 2 cannot certify may move into W when it is bounded there.

No certificate (``kappa`` None) says why; it never guesses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy as sp

__all__ = ["CurvatureCertificate", "certified_kappa", "curvature_certificate"]

_EXACT_MAX_DIM = 40


@dataclass(frozen=True)
class CurvatureCertificate:
    """−∇²ℓ₀ ⪰ κ D⁻¹ on Ω and ℓ − ℓ₀ = W with osc W ≤ ``oscillation``, both proved symbolically.

    Attributes
    ----------
    kappa : float or None
        Certified curvature κ > 0, or None when no certificate was found.
    oscillation : float
        Certified upper bound on osc W (0 when ℓ₀ = ℓ: Bakry–Émery alone).
    reason : str
        How it was proved, or why not.
    perturbation : str
        W as text ("" when there is none).

    Examples
    --------
    >>> from gsmtheory.symbolic import curvature_certificate, load_spec
    >>> cert = curvature_certificate(load_spec("gaussian").diffusion)   # ℓ = −x²/(2σ²), σ = 1.5
    >>> round(cert.kappa, 9), cert.oscillation                         # κ = 1/σ²: C_P ≤ e^0/κ = σ²
    (0.444444444, 0.0)
    """

    kappa: float | None
    oscillation: float
    reason: str
    perturbation: str = ""

    @property
    def certified(self) -> bool:
        """True when κ > 0 was proved."""
        return self.kappa is not None and self.kappa > 0

    @property
    def method(self) -> str:
        """``"bakry_emery"`` (no perturbation) or ``"holley_stroock"``."""
        return "holley_stroock" if self.perturbation else "bakry_emery"

    @property
    def upper_bound(self) -> float:
        """e^{osc W}/κ, the certified upper bound on C_P (inf without a certificate)."""
        if not self.certified:
            return math.inf
        assert self.kappa is not None
        return math.exp(self.oscillation) / self.kappa


def _none(why: str) -> CurvatureCertificate:
    return CurvatureCertificate(None, 0.0, why)


# ----------------------------------------------------------------------------- intervals
_IV = mpmath.iv


def _iv_number(v: sp.Expr) -> Any:
    if v.is_Rational:
        return _IV.mpf(int(v.p)) / _IV.mpf(int(v.q))
    f = float(v)
    return _IV.mpf([float(np.nextafter(f, -np.inf)), float(np.nextafter(f, np.inf))])


def _interval(e: sp.Expr, ranges: dict[sp.Symbol, Any]) -> Any:
    """An outward-rounded interval containing e(x) for every x in the box, or None (unbounded
    or not understood)."""
    if e.is_Symbol:
        return ranges.get(e)
    if e.is_number:
        if e.is_real is not True or not e.is_finite:
            return None
        return _iv_number(e)
    args = [_interval(a, ranges) for a in e.args]
    if isinstance(e, sp.sin | sp.cos):
        return _IV.mpf([-1, 1]) if e.args[0].is_extended_real else None
    if isinstance(e, sp.tanh):
        return _IV.mpf([-1, 1]) if e.args[0].is_extended_real else None
    if isinstance(e, sp.atan):
        return _IV.mpf([-_IV.pi.b, _IV.pi.b]) / 2 if e.args[0].is_extended_real else None
    if isinstance(e, sp.erf):
        return _IV.mpf([-1, 1]) if e.args[0].is_extended_real else None
    if any(a is None for a in args):
        return None
    try:
        if isinstance(e, sp.Add):
            out = args[0]
            for a in args[1:]:
                out = out + a
        elif isinstance(e, sp.Mul):
            out = args[0]
            for a in args[1:]:
                out = out * a
        elif isinstance(e, sp.Pow):
            base = args[0]
            n = e.args[1]
            if n.is_Integer and int(n) >= 0:
                out = base ** int(n)
            elif n.is_Integer and not (base.a <= 0 <= base.b):
                out = 1 / (base ** (-int(n)))
            else:
                return None
        elif isinstance(e, sp.exp):
            out = _IV.exp(args[0])
        elif isinstance(e, sp.log) and args[0].a > 0:
            out = _IV.log(args[0])
        elif isinstance(e, sp.Abs):
            a = args[0]
            lo = 0 if a.a <= 0 <= a.b else min(abs(a.a), abs(a.b))
            out = _IV.mpf([lo, max(abs(a.a), abs(a.b))])
        else:
            return None
    except (ZeroDivisionError, ValueError, TypeError):
        return None
    if not (mpmath.isfinite(out.a) and mpmath.isfinite(out.b)):
        return None
    return out


# ----------------------------------------------------------------------------- Hessians
def _even_affine_power(t: sp.Expr, coords: tuple[sp.Symbol, ...]) -> bool:
    """t = c·L^{2k}, c < 0 a number, L affine in coords, k ≥ 2 (so −∇²t ⪰ 0)."""
    c, rest = t.as_coeff_Mul()
    if not (c.is_number and c.is_negative) or not isinstance(rest, sp.Pow):
        return False
    base, n = rest.args
    if not (n.is_Integer and int(n) >= 4 and int(n) % 2 == 0):
        return False
    return bool(base.free_symbols) and base.is_polynomial(*coords) and \
        sp.Poly(base, *coords).total_degree() == 1


def _psd_diagonal_entry(e: sp.Expr, coords: tuple[sp.Symbol, ...]) -> bool:
    """A polynomial whose monomials all have even exponents and positive coefficients (≥ 0)."""
    if e == 0:
        return True
    p = sp.Poly(e, *coords)
    return all(all(k % 2 == 0 for k in mon) and bool(coef > 0) for mon, coef in p.terms())


def _constant_part(e: sp.Expr, coords: tuple[sp.Symbol, ...]) -> tuple[sp.Expr, sp.Expr]:
    e = sp.expand(e)
    const = sp.Add(*[t for t in sp.Add.make_args(e) if not t.free_symbols & set(coords)])
    return const, sp.expand(e - const)


def _hessian_split(terms: list[sp.Expr], coords: tuple[sp.Symbol, ...]
                   ) -> tuple[sp.Matrix | None, str, list[sp.Expr]]:
    """(A, how, failed terms): −∇²(Σ terms) = A + P(x) with P ⪰ 0 proved, or the terms that
    could not be certified."""
    d = len(coords)
    A = sp.zeros(d, d)
    rest: list[sp.Expr] = []
    psd = 0
    for t in terms:
        if sp.Poly(t, *coords).total_degree() <= 2:
            A -= sp.hessian(t, coords)
        elif _even_affine_power(t, coords):
            psd += 1
        else:
            rest.append(t)
    failed: list[sp.Expr] = []
    for t in rest:
        H = -sp.hessian(t, coords)
        ok = True
        Ac = sp.zeros(d, d)
        for i in range(d):
            for j in range(d):
                const, var = _constant_part(H[i, j], coords)
                Ac[i, j] = const
                if (i != j and var != 0) or (i == j and not _psd_diagonal_entry(var, coords)):
                    ok = False
        if ok:
            A += Ac
            psd += 1
        else:
            failed.append(t)
    how = "constant Hessian" if psd == 0 else f"constant part plus {psd} PSD term(s)"
    return A, how, failed


# ----------------------------------------------------------------------------- κ
def _fraction(v: sp.Expr) -> Fraction | None:
    v = sp.nsimplify(v) if not v.is_Rational else v
    return Fraction(int(v.p), int(v.q)) if v.is_Rational else None


def _positive_definite(M: list[list[Fraction]]) -> bool:
    """Exact Gaussian elimination without pivoting: M ≻ 0 iff every pivot is > 0."""
    a = [row[:] for row in M]
    n = len(a)
    for k in range(n):
        if a[k][k] <= 0:
            return False
        for i in range(k + 1, n):
            f = a[i][k] / a[k][k]
            if f:
                for j in range(k, n):
                    a[i][j] -= f * a[k][j]
    return True


def certified_kappa(A: sp.Matrix, D: sp.Matrix) -> tuple[float, str]:
    """κ ≤ λ_min(D^{1/2} A D^{1/2}), certified (exact rationals or the eigensolver's error)."""
    Af = np.array(A.tolist(), dtype=float)
    Df = np.array(D.tolist(), dtype=float)
    ev, U = np.linalg.eigh(Df)
    Dh = U @ np.diag(np.sqrt(np.maximum(ev, 0.0))) @ U.T
    M = Dh @ Af @ Dh
    lam = float(np.linalg.eigvalsh(0.5 * (M + M.T)).min())
    d = A.rows
    norm = float(np.linalg.norm(M, 2))
    if lam <= 0:
        return lam, f"λ_min(D^1/2 A D^1/2) = {lam:.6g} <= 0"
    fa = [[_fraction(v) for v in row] for row in A.tolist()]
    fd = [[_fraction(v) for v in row] for row in D.tolist()]
    exact = d <= _EXACT_MAX_DIM and all(v is not None for row in fa + fd for v in row)
    if exact:
        kq = Fraction(lam * (1 - 1e-12) - 1e-15 * norm).limit_denominator(10**12)
        if kq > 0:
            Fa = [[v for v in row if v is not None] for row in fa]
            Fd = [[v for v in row if v is not None] for row in fd]
            DA = [[sum(Fd[i][k] * Fa[k][j] for k in range(d)) for j in range(d)] for i in range(d)]
            DAD = [[sum(DA[i][k] * Fd[k][j] for k in range(d)) for j in range(d)] for i in range(d)]
            S = [[DAD[i][j] - kq * Fd[i][j] for j in range(d)] for i in range(d)]
            if _positive_definite(S):
                return float(kq), f"κ = {float(kq):.12g} (exact: D A D − κ D positive definite)"
    kap = lam - 64 * d * np.finfo(float).eps * max(norm, 1.0)
    return kap, f"κ = {kap:.12g} (λ_min minus the eigensolver's backward error 64 d ε ‖M‖)"


# ----------------------------------------------------------------------------- entry point
def curvature_certificate(diffusion: Any) -> CurvatureCertificate:
    """Prove −∇²ℓ₀ ⪰ κ D⁻¹ and osc(ℓ − ℓ₀) ≤ osc for a :class:`~gsmtheory.symbolic.Diffusion`.

    Its ``upper_bound`` e^{osc}/κ bounds C_P (Bakry–Émery when osc = 0, Holley–Stroock
    otherwise; module docstring). ``kappa`` is None with the reason when no certificate is
    found (D depends on x, a term is neither a certifiable polynomial nor bounded, or the
    constant curvature is not positive).

    Parameters
    ----------
    diffusion : Diffusion
        A target with a constant D.

    Returns
    -------
    CurvatureCertificate
        κ, the oscillation, and the reason in words.

    Examples
    --------
    >>> from gsmtheory.symbolic import curvature_certificate, load_spec
    >>> curvature_certificate(load_spec("double-well").diffusion).kappa is None   # not log-concave
    True
    """
    coords = tuple(diffusion.coords)
    D = sp.Matrix(diffusion.D)
    if D.free_symbols & set(coords):
        return _none("D depends on the state: no Bakry–Émery certificate is attempted")
    if getattr(diffusion, "mixture", None) is not None:
        return _none("Gaussian-mixture target: its curvature bound is computed from the mixture")
    ranges: dict[sp.Symbol, Any] = {}
    bounded = True
    for c, (lo, hi) in zip(coords, diffusion.domain, strict=True):
        a = -mpmath.inf if lo == -sp.oo else _iv_number(sp.sympify(lo)).a
        b = mpmath.inf if hi == sp.oo else _iv_number(sp.sympify(hi)).b
        ranges[c] = _IV.mpf([a, b])
        bounded = bounded and lo != -sp.oo and hi != sp.oo
    ell = sp.sympify(diffusion.log_density)
    poly: list[sp.Expr] = []
    other: list[sp.Expr] = []
    for t in sp.Add.make_args(ell):
        if not t.free_symbols & set(coords):
            continue
        (poly if t.is_polynomial(*coords) else other).append(t)
    if not poly:
        return _none("ℓ has no polynomial part to give curvature")
    A, how, failed = _hessian_split(poly, coords)
    if failed and bounded:
        moved = [t for t in failed if _interval(t, ranges) is not None]
        if len(moved) == len(failed):
            other += failed
            poly = [t for t in poly if t not in failed]
            A, how, failed = _hessian_split(poly, coords)
    if failed:
        shown = ", ".join(str(t) for t in failed[:3])
        return _none(f"cannot prove −∇²ℓ ⪰ κ D⁻¹: the term(s) {shown} have a Hessian that is not "
                     "a constant plus a provably PSD part")
    W = sp.Add(*other)
    osc = 0.0
    if other:
        box = _interval(W, ranges)
        if box is None:
            shown = ", ".join(str(t) for t in other[:3])
            return _none(f"the non-polynomial part {shown} is not provably bounded on the domain "
                         "(Holley–Stroock needs a bounded perturbation)")
        osc = float(mpmath.mpf(box.b) - mpmath.mpf(box.a)) * (1 + 1e-15)
    assert A is not None
    kappa, why = certified_kappa(A, D)
    if kappa <= 0:
        return _none(f"the curvature of the polynomial part is not positive: {why}")
    text = f"−∇²ℓ₀ ⪰ κ D⁻¹ ({how}); {why}"
    if other:
        text += f"; osc W <= {osc:.6g} by interval arithmetic on the domain"
    return CurvatureCertificate(kappa, osc, text, str(W) if other else "")
