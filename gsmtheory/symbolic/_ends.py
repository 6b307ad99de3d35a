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
from dataclasses import dataclass
from typing import Any, Literal

import sympy as sp

from gsmtheory.symbolic._limits import end_limit, guarded

__all__ = ["EndInfo", "EndsAnalysis", "analyze_ends", "diffusion_ends", "guarded", "liouville_potential"]

Distance = Literal["finite", "infinite", "unknown"]


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

    Examples
    --------
    >>> from gsmtheory.symbolic import analyze_ends, load_spec
    >>> d = load_spec("laguerre").diffusion                      # Gamma(k, 1) with D = x on [0, inf)
    >>> left, right = analyze_ends(d.log_density, d.D[0, 0], d.coords[0], d.domain[0]).ends
    >>> (left.side, left.distance), (right.side, right.distance, right.sigma)
    (('left', 'finite'), ('right', 'infinite', inf))
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

    Examples
    --------
    >>> import sympy as sp
    >>> from gsmtheory.symbolic import analyze_ends
    >>> x = sp.Symbol("x", real=True)
    >>> ends = analyze_ends(-x**2 / 2, sp.Integer(1), x)        # Ornstein-Uhlenbeck
    >>> ends.W, ends.sigma                                       # W = x²/4 − 1/2 → ∞: no continuous spectrum
    (x**2/4 - 1/2, inf)
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


def _end(W: sp.Expr, D: sp.Expr, x: sp.Symbol, pos: sp.Expr, side: str,
         seconds: float) -> EndInfo:
    finite_x = bool(pos.is_finite)
    direction = "+" if side == "left" else "-"
    posf = float(pos) if finite_x else (math.inf if pos == sp.oo else -math.inf)
    where = f"{'+' if posf > 0 else ''}{posf:g}" if math.isfinite(posf) else (
        "+inf" if posf > 0 else "-inf")
    # D at the end and its exponent β
    d_end = end_limit(D, x, pos, direction, seconds)
    if finite_x:
        vanishes = None if d_end is None else (d_end == 0)
        beta = (end_limit(sp.together((x - pos) * sp.diff(D, x) / D), x, pos, direction, seconds)
                if vanishes else 0.0)
    else:
        vanishes = None if d_end is None else (d_end == 0)
        beta = end_limit(sp.together(x * sp.diff(D, x) / D), x, pos, direction, seconds)
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
    wl = end_limit(W, x, pos, direction, seconds)
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
    """W(x) = D φ_x²/4 − (D φ_x' + ½ D' φ_x)/2 with φ_x = −ℓ' − D'/(2D) (module docstring).

    In the coordinate y = ∫dx/√D the generator −L is unitarily a Schrödinger operator
    −d²/dy² + W; the limits of W at the ends at infinite distance are the bottom of the
    continuous spectrum.

    Parameters
    ----------
    log_density, D : Expr
        ℓ and the diffusion coefficient, expressions in ``x``.
    x : Symbol
        The coordinate.

    Returns
    -------
    Expr
        W as a function of x.

    Examples
    --------
    >>> import sympy as sp
    >>> from gsmtheory.symbolic import liouville_potential
    >>> x = sp.Symbol("x", real=True)
    >>> liouville_potential(-x**2 / 2, sp.Integer(1), x)          # Ornstein-Uhlenbeck: the harmonic oscillator
    x**2/4 - 1/2
    """
    ell, D = sp.sympify(log_density), sp.sympify(D)
    dD = sp.diff(D, x)
    phi = -sp.diff(ell, x) - dD / (2 * D)
    return D * phi**2 / 4 - (D * sp.diff(phi, x) + dD * phi / 2) / 2


def analyze_ends(log_density: Any, D: Any, x: sp.Symbol, domain: tuple[Any, Any] = (-sp.oo, sp.oo),
                 *, seconds: float = 4.0, max_ops: int = 4000) -> EndsAnalysis:
    """Liouville normal form of p ∝ e^ℓ with coefficient D on (lo, hi): W and each end's class.

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

    Examples
    --------
    >>> import sympy as sp
    >>> from gsmtheory.symbolic import analyze_ends
    >>> x = sp.Symbol("x", real=True)
    >>> cauchy = analyze_ends(-sp.log(1 + x**2), sp.Integer(1), x)   # W → 0: a heavy tail, no gap
    >>> cauchy.sigma, cauchy.ends[1].W_limit
    (0.0, 0.0)
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

    Parameters
    ----------
    diffusion : Diffusion
        The target and its D.
    seconds : float
        Time guard per symbolic limit.

    Returns
    -------
    tuple of EndsAnalysis or None
        One analysis per axis; None when the diffusion is not of that form (the analysis
        applies per axis only).

    Examples
    --------
    >>> from gsmtheory.symbolic import diffusion_ends, load_spec
    >>> [axis.sigma for axis in diffusion_ends(load_spec("gaussian-2d").diffusion)]
    [inf, inf]
    >>> diffusion_ends(load_spec("preconditioned-gaussian").diffusion) is None   # correlated: not separable
    True
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
