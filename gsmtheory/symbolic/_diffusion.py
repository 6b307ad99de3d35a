"""Diffusions in the complete recipe (Ma, Chen & Fox 2015) and their operators.

dX = [(D + Q)∇ℓ + Γ] dt + sqrt(2D) dB,  Γ_i = Σ_j ∂_j (D_ij + Q_ij),
with D symmetric positive semidefinite and Q skew; p ∝ e^ℓ is stationary for every such pair.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np
import sympy as sp

from gsmtheory._errors import SpecError
from gsmtheory.symbolic._gaussian_mixture import GaussianMixture
from gsmtheory.symbolic._limits import limited
from gsmtheory.symbolic._score_operator import ScoreOperator, factor_score_operator
from gsmtheory.symbolic._stationarity import Stationarity, decide_stationarity

__all__ = ["Diffusion", "ScoreOperator", "Stationarity"]

Bound = tuple[sp.Expr, sp.Expr]


@lru_cache(maxsize=128)
def _interior_zeros(D: sp.ImmutableMatrix, coords: tuple[sp.Symbol, ...],
                    domain: tuple[Bound, ...]) -> tuple[tuple[int, float], ...]:
    out: list[tuple[int, float]] = []
    for i, (c, (lo, hi)) in enumerate(zip(coords, domain, strict=True)):
        entry = D[i, i]
        if not entry.free_symbols or entry.free_symbols != {c}:
            continue
        def solve(e: sp.Expr = entry, c: sp.Symbol = c, lo: sp.Expr = lo, hi: sp.Expr = hi) -> sp.Set:
            return sp.solveset(e, c, sp.Interval.open(lo, hi))

        done, sol = limited(solve, 3.0)
        if not done or not isinstance(sol, sp.FiniteSet):
            continue
        for v in sol:
            if v.is_real:
                out.append((i, float(v)))
    return tuple(out)


def _as_matrix(value: object, d: int, what: str) -> sp.ImmutableMatrix:
    m = sp.ImmutableMatrix(value)
    if m.shape != (d, d):
        raise SpecError(f"{what} is {m.shape[0]}x{m.shape[1]} but there are {d} coordinates",
                        f"give {what} as a {d}x{d} matrix")
    return m


@dataclass(frozen=True)
class Diffusion:
    """A diffusion with stationary density p ∝ exp(ℓ) on a box Ω = ∏[a_i, b_i].

    Generator L g = [(D+Q)∇ℓ + Γ]·∇g + Tr(D∇²g); Dirichlet form E(g) = E_p[∇gᵀD∇g]
    (Q drops out). Finite ends of Ω are reflecting.

    Parameters
    ----------
    coords : tuple of Symbol
        Coordinates x_1..x_d.
    log_density : Expr or None
        ℓ, the unnormalized log density. None with a ``mixture``: ℓ is then built from the
        mixture on first access (a d = 1000 mixture's SymPy log density costs tens of seconds
        and the numeric solvers never ask for it).
    D, Q : ImmutableMatrix
        Symmetric PSD diffusion matrix and skew matrix (functions of the coordinates).
    domain : tuple of (lo, hi)
        Per-coordinate interval; ``sympy.oo`` for infinite ends.
    name : str
        A label (catalogue name or "custom").
    mixture : GaussianMixture or None
        The target as a Gaussian mixture when it is one (enables closed forms).

    Raises
    ------
    SpecError
        No coordinates or repeated ones, no target, a domain or matrix of the wrong size, an
        empty interval, undeclared symbols, a D that is not symmetric, a Q that is not skew.

    Examples
    --------
    >>> import sympy as sp
    >>> from gsmtheory.symbolic import Diffusion
    >>> x = sp.Symbol("x", real=True)
    >>> well = Diffusion((x,), -(x**2 - 1)**2)                   # Langevin: D = 1, Q = 0
    >>> g = sp.Function("g")(x)
    >>> well.generator(g)
    -4*x*(x**2 - 1)*Derivative(g(x), x) + Derivative(g(x), (x, 2))
    >>> well.stationarity().verdict
    True
    """

    coords: tuple[sp.Symbol, ...]
    log_density: sp.Expr
    D: sp.ImmutableMatrix = field(default=None)  # type: ignore[assignment]
    Q: sp.ImmutableMatrix = field(default=None)  # type: ignore[assignment]
    domain: tuple[Bound, ...] = field(default=None)  # type: ignore[assignment,arg-type]
    name: str = "custom"
    mixture: GaussianMixture | None = None

    def __post_init__(self) -> None:
        coords = tuple(self.coords)
        if not coords or not all(isinstance(c, sp.Symbol) for c in coords):
            raise SpecError("coords must be a non-empty list of names", 'write coords = ["x"]')
        if len(set(coords)) != len(coords):
            raise SpecError("coords repeat a name", "give each coordinate a distinct name")
        d = len(coords)
        object.__setattr__(self, "coords", coords)
        lazy = self.log_density is None
        if lazy:
            if self.mixture is None:
                raise SpecError("the target is missing", "give a log density or a Gaussian mixture")
            if self.mixture.dim != d:
                raise SpecError(f"{d} coordinates for a {self.mixture.dim}-dimensional mixture",
                                "declare one coordinate per dimension")
            object.__delattr__(self, "log_density")  # built by __getattr__ when first asked for
        else:
            object.__setattr__(self, "log_density", sp.sympify(self.log_density))
        # ImmutableMatrix.eye/zeros: 5-20x cheaper than converting sp.eye (d = 1000: 10⁶ entries)
        D = sp.ImmutableMatrix.eye(d) if self.D is None else self.D
        Q = sp.ImmutableMatrix.zeros(d, d) if self.Q is None else self.Q
        D, Q = _as_matrix(D, d, "D"), _as_matrix(Q, d, "Q")
        object.__setattr__(self, "D", D)
        object.__setattr__(self, "Q", Q)
        dom = self.domain if self.domain is not None else tuple((-sp.oo, sp.oo) for _ in coords)
        dom = tuple((sp.sympify(lo), sp.sympify(hi)) for lo, hi in dom)
        if len(dom) != d:
            raise SpecError(f"domain has {len(dom)} intervals for {d} coordinates",
                            "give one [lo, hi] per coordinate")
        for c, (lo, hi) in zip(coords, dom, strict=True):
            if not (lo.is_number and hi.is_number) or lo.has(sp.zoo, sp.nan) or hi.has(sp.zoo, sp.nan):
                raise SpecError(f"domain of {c} is not numeric", "use numbers or inf")
            if not bool(lo < hi):
                raise SpecError(f"domain of {c} is empty ([{lo}, {hi}])", "give lo < hi")
        object.__setattr__(self, "domain", dom)
        allowed = set(coords)
        checks = (("D", D), ("Q", Q)) if lazy else (("log_density", self.log_density), ("D", D), ("Q", Q))
        for what, expr in checks:
            extra = expr.free_symbols - allowed
            if extra:
                names = ", ".join(sorted(str(s) for s in extra))
                raise SpecError(f"{what} uses undeclared symbol(s) {names}",
                                "declare them in coords or give their values in [constants]")
        if not sp.simplify(D - D.T).is_zero_matrix:
            raise SpecError("D is not symmetric", "make D[i][j] equal D[j][i]")
        if not sp.simplify(Q + Q.T).is_zero_matrix:
            raise SpecError("Q is not skew-symmetric", "make Q[i][j] equal -Q[j][i] with a zero diagonal")
        self._check_psd()

    def __getattr__(self, name: str) -> sp.Expr:
        # only reached when normal lookup fails: the log density of a mixture target not yet built
        if name == "log_density" and self.__dict__.get("mixture") is not None:
            ell = self.__dict__["mixture"].log_density_expr(self.__dict__["coords"])
            object.__setattr__(self, "log_density", ell)
            return ell
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def log_density_built(self) -> bool:
        """False while a mixture target's ℓ has not been built (nothing asked for it yet)."""
        return "log_density" in self.__dict__

    # ------------------------------------------------------------------ validation
    def sample_points(self, n: int, seed: int = 0) -> list[dict[sp.Symbol, float]]:
        """n random points inside the domain (uniform on finite sides, N(0, 2²) on infinite)."""
        rng = random.Random(seed)
        pts = []
        for _ in range(n):
            pt = {}
            for c, (lo, hi) in zip(self.coords, self.domain, strict=True):
                a, b = float(lo), float(hi)
                if np.isfinite(a) and np.isfinite(b):
                    v = a + (b - a) * (0.02 + 0.96 * rng.random())
                elif np.isfinite(a):
                    v = a + abs(rng.gauss(0, 2)) + 1e-3
                elif np.isfinite(b):
                    v = b - abs(rng.gauss(0, 2)) - 1e-3
                else:
                    v = rng.gauss(0, 2)
                pt[c] = v
            pts.append(pt)
        return pts

    def _check_psd(self) -> None:
        D = self.D
        if D.free_symbols:
            points = self.sample_points(24, seed=1)
        else:
            points = [{}]
        for pt in points:
            try:
                if not pt and D.is_diagonal():  # constant diagonal D: its diagonal (d, not d²)
                    values = np.diag(np.array([D[i, i].evalf() for i in range(D.rows)], dtype=float))
                else:
                    values = np.array((D.subs(pt) if pt else D).evalf().tolist(), dtype=float)
            except (TypeError, ValueError):
                continue  # complex or undefined at this point: no proof either way
            if not np.all(np.isfinite(values)):
                continue
            eig = np.linalg.eigvalsh(values)
            scale = max(1.0, float(np.max(np.abs(values))))
            if eig[0] < -1e-12 * scale:
                where = ", ".join(f"{c}={v:.4g}" for c, v in pt.items()) or "every point"
                raise SpecError(f"D is not positive semidefinite: at {where} it has eigenvalue {eig[0]:.4g}",
                                "choose D with nonnegative eigenvalues on the whole domain")

    # ------------------------------------------------------------------ derived
    @property
    def dim(self) -> int:
        """Dimension d."""
        return len(self.coords)

    @property
    def grad_log_density(self) -> sp.ImmutableMatrix:
        """∇ℓ as a column."""
        return sp.ImmutableMatrix([sp.diff(self.log_density, c) for c in self.coords])

    @property
    def gamma(self) -> sp.ImmutableMatrix:
        """Γ_i = Σ_j ∂_j (D_ij + Q_ij)."""
        M = self.D + self.Q
        return sp.ImmutableMatrix([sum(sp.diff(M[i, j], self.coords[j]) for j in range(self.dim))
                                   for i in range(self.dim)])

    def drift(self, *, reversible_only: bool = False) -> sp.ImmutableMatrix:
        """b = (D + Q)∇ℓ + Γ; with ``reversible_only`` the Q parts are dropped (b_s = D∇ℓ + ∇·D)."""
        M = self.D if reversible_only else self.D + self.Q
        gamma = sp.ImmutableMatrix([sum(sp.diff(M[i, j], self.coords[j]) for j in range(self.dim))
                                    for i in range(self.dim)])
        return sp.ImmutableMatrix(M * self.grad_log_density + gamma)

    def generator(self, g: sp.Expr, *, reversible_only: bool = False) -> sp.Expr:
        """L g = b·∇g + Tr(D ∇²g); ``reversible_only`` gives the symmetric part L_s."""
        b = self.drift(reversible_only=reversible_only)
        x = self.coords
        first = sum(b[i] * sp.diff(g, x[i]) for i in range(self.dim))
        second = sum(self.D[i, j] * sp.diff(g, x[i], x[j]) for i in range(self.dim) for j in range(self.dim))
        return first + second

    def carre_du_champ(self, f: sp.Expr, g: sp.Expr) -> sp.Expr:
        """Γ(f, g) = ½[L(fg) − f Lg − g Lf] = ∇fᵀ D ∇g."""
        x = self.coords
        return sum(sp.diff(f, x[i]) * self.D[i, j] * sp.diff(g, x[j])
                   for i in range(self.dim) for j in range(self.dim))

    def dirichlet_integrand(self, g: sp.Expr) -> sp.Expr:
        """∇gᵀ D ∇g, so that E(g) = E_p[∇gᵀ D ∇g] = −E_p[g L g]."""
        return self.carre_du_champ(g, g)

    def fokker_planck_residual(self) -> sp.Expr:
        r"""R = e^{−ℓ} [−Σ_i ∂_i(b_i e^ℓ) + Σ_ij ∂_i∂_j(D_ij e^ℓ)], zero iff p ∝ e^ℓ is stationary."""
        x, ell, b, D = self.coords, self.log_density, self.drift(), self.D
        g = [sp.diff(ell, c) for c in x]
        r = sp.Integer(0)
        for i in range(self.dim):
            r += -sp.diff(b[i], x[i]) - b[i] * g[i]
            for j in range(self.dim):
                r += (sp.diff(D[i, j], x[i], x[j]) + sp.diff(D[i, j], x[i]) * g[j]
                      + sp.diff(D[i, j], x[j]) * g[i]
                      + D[i, j] * (sp.diff(ell, x[i], x[j]) + g[i] * g[j]))
        return r

    def stationarity(self, *, points: int = 8, seed: int = 0) -> Stationarity:
        """Decide whether p ∝ e^ℓ is stationary: symbolic simplification, then 50-digit mpmath.

        The complete recipe guarantees stationarity; this checks it for the expression at hand
        (a user-supplied drift or a mistyped D would fail here).
        """
        return decide_stationarity(self.fokker_planck_residual(), lambda: self.sample_points(points, seed=seed))

    def score_operator(self, factor: Literal["sqrt", "cholesky"] = "sqrt") -> ScoreOperator:
        """O = Bᵀ∇ with B Bᵀ = D: the symmetric square root (default) or the Cholesky factor."""
        return factor_score_operator(self.D, self.coords, factor)

    @property
    def is_degenerate(self) -> bool:
        """True when det D ≡ 0: the Dirichlet form then controls no variance, so no Poincaré inequality."""
        return bool(sp.simplify(self.D.det()) == 0)

    @property
    def interior_zeros(self) -> tuple[tuple[int, float], ...]:
        r"""(coordinate index, position) where D_ii vanishes strictly inside the domain (1D: D = 0).

        A zero of D at an interior point x₀ of a 1D diffusion cuts the line in two: the chain
        started on one side never crosses (the Dirichlet form ∫ g′² D p vanishes for g a step at
        x₀), so no Poincaré inequality holds (C_P = ∞); the GSM loss, which only weights the score
        difference by D, is still defined. Found symbolically (:func:`sympy.solveset` on the open
        interval, under a time limit) for diagonal entries that depend on their own coordinate
        only; () when there are none or SymPy cannot tell.
        """
        return _interior_zeros(self.D, self.coords, self.domain)

    @property
    def is_reversible(self) -> bool:
        """True when Q ≡ 0 (the generator is self-adjoint in L²(p))."""
        return self.Q.is_zero_matrix

    @property
    def finite_ends(self) -> tuple[tuple[int, str, sp.Expr], ...]:
        """(coordinate index, "lower"/"upper", position) for every finite, reflecting end."""
        ends = []
        for i, (lo, hi) in enumerate(self.domain):
            if lo.is_finite:
                ends.append((i, "lower", lo))
            if hi.is_finite:
                ends.append((i, "upper", hi))
        return tuple(ends)

    def with_skew(self, Q: Sequence[Sequence[object]] | sp.MatrixBase) -> Diffusion:
        """The same target and D with another skew matrix Q (claim 3)."""
        return Diffusion(self.coords, self.__dict__.get("log_density"), self.D, sp.ImmutableMatrix(Q),
                         self.domain, self.name, self.mixture)

    def with_diffusion_matrix(self, D: Sequence[Sequence[object]] | sp.MatrixBase) -> Diffusion:
        """The same target and Q with another diffusion matrix D (preconditioning)."""
        return Diffusion(self.coords, self.__dict__.get("log_density"), sp.ImmutableMatrix(D), self.Q,
                         self.domain, self.name, self.mixture)
