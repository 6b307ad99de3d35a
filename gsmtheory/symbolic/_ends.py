r"""The ends of a 1D reversible diffusion: Liouville normal form and the essential spectrum.

Derivation (checked term by term below). Let p ∝ e^ℓ on (a, b), D(x) > 0 inside, and
L g = (1/p)(p D g')', so that −L is self-adjoint and ≥ 0 on L²(p) with Dirichlet form
E(g) = ∫ D g'² p dx. Put

    y(x) = ∫^x dz / √D(z)          (the Liouville, or intrinsic-distance, variable).

Then d/dx = D^{-1/2} d/dy and dx = √D dy, so D g_x² p dx = g_y² (p√D) dy: in y the process is
a Langevin diffusion (D = 1) for the measure m(y) dy = p √D dy = e^{−φ(y)} dy,

    φ = −log(p √D) = −ℓ − ½ log D     (as a function of y).

The ground-state transform ψ = g e^{−φ/2} is unitary from L²(m dy) to L²(dy), and with
E(g) = ∫ g_y² e^{−φ} dy one gets, after one integration by parts (boundary terms vanish for
the core of compactly supported functions),

    E(g) = ∫ (ψ_y² + W ψ²) dy,      W = φ_y²/4 − φ_yy/2,

i.e. −L ≅ H = −d²/dy² + W on L²(dy). (Expand g = ψ e^{φ/2}: g_y e^{−φ/2} = ψ_y + ½φ_y ψ,
so g_y² e^{−φ} = ψ_y² + φ_y ψ ψ_y + ¼ φ_y² ψ²; the middle term is ½ φ_y (ψ²)_y, which
integrates by parts to −½ φ_yy ψ².) In the variable x, with φ_x = −ℓ' − D'/(2D),
φ_y = √D φ_x and φ_yy = √D (√D φ_x)_x, so

    W = D φ_x²/4 − (D φ_x' + ½ D' φ_x)/2.

Ends. An end e of (a, b) is at *finite distance* when |y(e)| < ∞ (a finite x where D > 0,
or where D ~ |x − e|^β with β < 2, e.g. Jacobi D = x(1 − x); an infinite x where D ~ |x|^β
with β > 2) and at *infinite distance* otherwise (an infinite x with bounded D; a finite x
with D ~ |x − e|^β, β ≥ 2, e.g. D = x² at 0 where y = log x). With the reflecting (natural)
boundary condition, a finite-distance end with integrable mass adds nothing to the essential
spectrum (Muckenhoupt's compactness criterion: μ(0, r) ∫_r 1/m → 0 as r → 0). At an
infinite-distance end where W → W_e, Weyl sequences supported far out give [W_e, ∞) ⊆
σ_ess(H), and Persson's theorem gives inf σ_ess = W_e from that end. Hence

    σ = inf σ_ess(−L) = min over infinite-distance ends of lim W    (+∞ if there is none),

and, since 1/C_P = inf(σ(−L) \ {0}),

    C_P = max(1/λ₁, 1/σ),  λ₁ = the lowest nonzero eigenvalue below σ (if any).

σ = 0 means no Poincaré inequality (a heavy tail: W → 0 at an infinite-distance end). For a
separable product the essential spectrum of each axis enters the sum, and tensorization
gives C_P = max over axes. Examples: logistic p ∝ sech² x, D = 1: W = 1 − 2 sech² x → 1,
σ = 1; Student-t: W → 0, σ = 0; Gamma(k, 1) with D = x²: W → k²/4 at x = 0 (infinite
distance, y = log x) and W → ∞ at +∞, so σ = k²/4.

Every symbolic limit runs under a time guard; what SymPy cannot decide is reported as
``"unknown"`` (σ = NaN) and the numerics proceed with that said in the status.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import sympy as sp

__all__ = ["EndInfo", "EndsAnalysis", "analyze_ends", "diffusion_ends", "guarded", "liouville_potential"]

T = TypeVar("T")
Distance = Literal["finite", "infinite", "unknown"]


class _Timeout(Exception):
    pass


def guarded(fn: Callable[[], T], seconds: float) -> T | None:
    """fn() with a wall-clock limit (SIGALRM in the main thread); None when it times out/fails."""
    main = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if not main:
        try:
            return fn()
        except Exception:
            return None

    def _raise(signum: int, frame: Any) -> None:
        raise _Timeout

    pending = signal.getitimer(signal.ITIMER_REAL)[0]  # another alarm (e.g. a test timeout)
    if pending and pending <= seconds:
        seconds = max(pending - 1e-3, 1e-3)
    t0 = time.monotonic()
    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    except Exception:  # SymPy raises many kinds, and _Timeout: 'unknown' is the answer
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if pending:  # give the outer alarm back what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(pending - (time.monotonic() - t0), 1e-3))


@dataclass(frozen=True)
class EndInfo:
    """One end of the interval.

    Attributes
    ----------
    side : {"left", "right"}
    position : float
        The end in x (±inf allowed).
    distance : {"finite", "infinite", "unknown"}
        Liouville distance ∫ dx/√D to the end.
    D_vanishes : bool or None
        Whether D → 0 at the end (None: undecided).
    D_exponent : float or None
        β with D ~ |x − e|^β (finite e) or D ~ |x|^β (infinite e), when SymPy finds it.
    W_limit : float or None
        lim W at the end (+inf allowed; None when unknown or not needed).
    sigma : float
        This end's contribution to σ = inf σ_ess: +inf for a finite-distance end or W → ∞,
        lim W at an infinite-distance end, NaN when unknown.
    reason : str
        One line in words.
    """

    side: str
    position: float
    distance: Distance
    D_vanishes: bool | None
    D_exponent: float | None
    W_limit: float | None
    sigma: float
    reason: str


@dataclass(frozen=True)
class EndsAnalysis:
    """Liouville normal form of a 1D reversible diffusion and the bottom σ of σ_ess(−L).

    Attributes
    ----------
    coord : Symbol
    W : Expr
        The Liouville potential in x (module docstring).
    ends : (EndInfo, EndInfo)
    sigma : float
        min over the ends (NaN when some end is unknown and the others do not force 0).
    """

    coord: sp.Symbol
    W: sp.Expr
    ends: tuple[EndInfo, EndInfo]

    @property
    def sigma(self) -> float:
        vals = [e.sigma for e in self.ends]
        if any(v == 0 for v in vals):
            return 0.0
        if any(math.isnan(v) for v in vals):
            return math.nan
        return float(min(vals))

    @property
    def known(self) -> bool:
        """True when σ was decided."""
        return not math.isnan(self.sigma)

    @property
    def no_poincare(self) -> bool:
        """σ = 0: no Poincaré inequality."""
        return self.sigma == 0.0

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(e.reason for e in self.ends)

    @property
    def message(self) -> str:
        return "; ".join(self.reasons)

    @property
    def log_map_ends(self) -> tuple[bool, bool]:
        """Ends at finite x where D vanishes at infinite distance (solve in y ~ log|x − e|)."""
        return tuple(bool(e.D_vanishes and e.distance == "infinite"  # type: ignore[return-value]
                          and math.isfinite(e.position)) for e in self.ends)


def _as_float(v: Any) -> float | None:
    if v is None:
        return None
    v = sp.sympify(v)
    if v in (sp.oo,):
        return math.inf
    if v in (-sp.oo,):
        return -math.inf
    if v.has(sp.zoo, sp.nan, sp.AccumBounds) or not v.is_number:
        return None
    try:
        c = complex(v)
    except (TypeError, ValueError):
        return None
    if abs(c.imag) > 1e-12 * max(1.0, abs(c.real)):
        return None
    return float(c.real)


_HYPERBOLIC = (sp.exp, sp.sinh, sp.cosh, sp.tanh, sp.coth, sp.sech, sp.csch)


def _rational_limit(expr: sp.Expr, u: sp.Symbol) -> float | None:
    """lim expr as u → 0+ for a rational function of u, exactly from the lowest-order terms of its
    numerator and denominator (no Gruntz): None when expr is not one."""
    e = sp.cancel(sp.together(expr))
    if not e.is_rational_function(u):
        return None
    num, den = sp.fraction(e)
    pn, pd = sp.Poly(num, u), sp.Poly(den, u)
    if pn.is_zero:
        return 0.0
    (kn,), cn = min(pn.terms())
    (kd,), cd = min(pd.terms())
    if kn > kd:
        return 0.0
    ratio = _as_float(cn / cd)
    if ratio is None:
        return None
    if kn == kd:
        return ratio
    return math.inf if ratio > 0 else -math.inf  # u^{kn−kd} → +∞ as u → 0+


def _fast_limit(expr: sp.Expr, x: sp.Symbol, point: sp.Expr, seconds: float) -> float | None:
    """The limit at ±∞ of an expression that becomes rational in u = e^{∓x} (hyperbolic and
    exponential potentials: Pöschl–Teller, Scarf, Rosen–Morse, Morse) or is rational in x, decided
    by :func:`_rational_limit` in a fraction of Gruntz's time (the guard of 4 s made Scarf
    'unknown' on a loaded machine)."""
    if point not in (sp.oo, -sp.oo):
        return None
    if expr.is_rational_function(x):
        v = sp.Symbol("v_end", positive=True)
        return guarded(lambda: _rational_limit(expr.subs(x, (1 if point == sp.oo else -1) / v), v), seconds)
    if not expr.has(*_HYPERBOLIC):
        return None
    u = sp.Symbol("u_end", positive=True)
    sub = -sp.log(u) if point == sp.oo else sp.log(u)
    return guarded(lambda: _rational_limit(sp.powsimp(sp.expand(expr.rewrite(sp.exp).subs(x, sub))), u), seconds)


def _limit(expr: sp.Expr, x: sp.Symbol, point: Any, direction: str,
           seconds: float) -> float | None:
    """lim expr as x → point, under the time guard; None when undecided.

    First exactly when it is a rational function of x or of u = e^{∓x} (:func:`_fast_limit`);
    otherwise at ±∞ an expression in exponentials / hyperbolic functions is rewritten in u
    (u → 0+), where SymPy's Gruntz algorithm is several times faster.
    """
    point = sp.sympify(point)
    fast = _fast_limit(sp.sympify(expr), x, point, seconds)
    if fast is not None:
        return fast
    if point in (sp.oo, -sp.oo) and expr.has(*_HYPERBOLIC):
        u = sp.Symbol("u_end", positive=True)
        sub = -sp.log(u) if point == sp.oo else sp.log(u)

        def via_u() -> Any:
            e = sp.simplify(expr.rewrite(sp.exp).subs(x, sub))
            return sp.limit(e, u, 0, "+")

        got = _as_float(guarded(via_u, seconds))
        if got is not None:
            return got
    return _as_float(guarded(lambda: sp.limit(expr, x, point, direction), seconds))


def _end(W: sp.Expr, D: sp.Expr, x: sp.Symbol, pos: sp.Expr, side: str,
         seconds: float) -> EndInfo:
    finite_x = bool(pos.is_finite)
    direction = "+" if side == "left" else "-"
    posf = float(pos) if finite_x else (math.inf if pos == sp.oo else -math.inf)
    where = f"{'+' if posf > 0 else ''}{posf:g}" if math.isfinite(posf) else (
        "+inf" if posf > 0 else "-inf")
    # D at the end and its exponent β
    d_end = _limit(D, x, pos, direction, seconds)
    if finite_x:
        vanishes = None if d_end is None else (d_end == 0)
        beta = (_limit(sp.together((x - pos) * sp.diff(D, x) / D), x, pos, direction, seconds)
                if vanishes else 0.0)
    else:
        vanishes = None if d_end is None else (d_end == 0)
        beta = _limit(sp.together(x * sp.diff(D, x) / D), x, pos, direction, seconds)
    # distance
    dist: Distance
    if finite_x:
        if vanishes is False:
            dist = "finite"
        elif beta is None:
            dist = "unknown"
        else:
            dist = "finite" if beta < 2 else "infinite"
    else:
        if beta is None:
            dist = "unknown"
        else:
            dist = "finite" if beta > 2 else "infinite"
    dtxt = "" if not vanishes else f", D vanishes there (D ~ |x - e|^{beta:g})" \
        if beta is not None and finite_x else ", D vanishes there"
    if dist == "finite":
        kind = "regular reflecting end" if finite_x and not vanishes else \
            "end at finite Liouville distance (entrance/regular type)"
        return EndInfo(side, posf, dist, vanishes, beta, None, math.inf,
                       f"x = {where}: {kind}{dtxt}: no continuous spectrum from it")
    if dist == "unknown":
        return EndInfo(side, posf, dist, vanishes, beta, None, math.nan,
                       f"x = {where}: could not decide the Liouville distance (behaviour of D "
                       "undecided by SymPy)")
    wl = _limit(W, x, pos, direction, seconds)
    if wl is None:
        return EndInfo(side, posf, dist, vanishes, beta, None, math.nan,
                       f"x = {where}: infinite distance{dtxt}, lim W undecided: bottom of the "
                       "continuous spectrum unknown")
    if wl < 0:  # cannot happen for a nonnegative operator; SymPy got it wrong or W oscillates
        return EndInfo(side, posf, dist, vanishes, beta, wl, math.nan,
                       f"x = {where}: lim W = {wl:g} < 0 is impossible for -L >= 0: undecided")
    if math.isinf(wl):
        return EndInfo(side, posf, dist, vanishes, beta, wl, math.inf,
                       f"W -> +inf at {where}{dtxt}: no continuous spectrum from it")
    if wl == 0:
        return EndInfo(side, posf, dist, vanishes, beta, 0.0, 0.0,
                       f"W -> 0 at {where}: heavy tail{dtxt}")
    return EndInfo(side, posf, dist, vanishes, beta, wl, wl,
                   f"W -> {wl:.10g} at {where}{dtxt}: continuous spectrum from {wl:.10g}")


def liouville_potential(log_density: sp.Expr, D: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """W(x) = D φ_x²/4 − (D φ_x' + ½ D' φ_x)/2 with φ_x = −ℓ' − D'/(2D) (module docstring)."""
    ell, D = sp.sympify(log_density), sp.sympify(D)
    dD = sp.diff(D, x)
    phi = -sp.diff(ell, x) - dD / (2 * D)
    return D * phi**2 / 4 - (D * sp.diff(phi, x) + dD * phi / 2) / 2


def analyze_ends(log_density: Any, D: Any, x: sp.Symbol, domain: tuple[Any, Any] = (-sp.oo, sp.oo),
                 *, seconds: float = 4.0, max_ops: int = 4000) -> EndsAnalysis:
    r"""Liouville normal form of p ∝ e^ℓ with coefficient D on (lo, hi): W and each end's class.

    Parameters
    ----------
    log_density, D : Expr
        ℓ and D as SymPy expressions of ``x`` only.
    x : Symbol
    domain : (lo, hi)
        ``sympy.oo`` for infinite ends.
    seconds : float
        Time guard per symbolic limit (an undecided limit gives an ``"unknown"`` end).
    max_ops : int
        Above this operation count of W, each limit gets at most one second.

    Returns
    -------
    EndsAnalysis
        ``sigma`` = inf σ_ess(−L) (module docstring), the reasons in words.
    """
    lo, hi = (sp.sympify(v) for v in domain)
    ell, Dx = sp.sympify(log_density), sp.sympify(D)
    W = liouville_potential(ell, Dx, x)
    if sp.count_ops(W) > max_ops:  # too large to take limits of in reasonable time
        seconds = min(seconds, 1.0)
    ends = (_end(W, Dx, x, lo, "left", seconds), _end(W, Dx, x, hi, "right", seconds))
    return EndsAnalysis(x, W, ends)


def _inside(lo: Any, hi: Any) -> sp.Expr:
    lo, hi = sp.sympify(lo), sp.sympify(hi)
    if lo.is_finite and hi.is_finite:
        return (lo + hi) / 2
    if lo.is_finite:
        return lo + 1
    if hi.is_finite:
        return hi - 1
    return sp.Integer(0)


def diffusion_ends(diffusion: Any, *, seconds: float = 4.0) -> tuple[EndsAnalysis, ...] | None:
    """Ends of each axis of a 1D or separable diffusion (ℓ additive, D diagonal, D_ii(x_i)).

    Returns None when the diffusion is not of that form (the analysis applies per axis only).
    """
    coords = tuple(diffusion.coords)
    d = len(coords)
    D = sp.ImmutableMatrix(diffusion.D)
    ell = sp.sympify(diffusion.log_density)
    if getattr(diffusion, "mixture", None) is not None and d > 1:
        return None
    for i in range(d):
        for j in range(d):
            if i != j and (sp.simplify(D[i, j]) != 0 or D[i, i].has(coords[j])):
                return None
    if d > 1:
        grads = [sp.diff(ell, c) for c in coords]
        if any(sp.simplify(grads[i]).has(coords[j]) for i in range(d) for j in range(d)
               if i != j):
            return None
    out = []
    for i, c in enumerate(coords):
        ref = {coords[j]: _inside(*diffusion.domain[j]) for j in range(d) if j != i}
        li = ell.subs(ref) if ref else ell
        out.append(analyze_ends(li, D[i, i], c, diffusion.domain[i], seconds=seconds))
    return tuple(out)
