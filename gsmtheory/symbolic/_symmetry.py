r"""Symmetry before grids: products after a linear change of variables, and rotation invariance.

Setting (docs/design.md §1): p ∝ e^ℓ on R^d with a constant D. With D = L Lᵀ and x = L y the
Dirichlet form is E_p|∇_y g|², and any rotation y = R z keeps it so. Two structures reduce the
d-dimensional problem to 1D ones before any grid is built:

- **a product in a rotated frame** (:func:`linear_separation`): ℓ(L R z) = Σ_k f_k(z_k). Then p is
  a product of 1D laws under the identity diffusion and C_P = max_k C_P(f_k) (tensorization).
  Detection: the Hessians of ℓ(Ly) at a few points must commute and share eigenvectors; a
  random combination of them gives R (within a repeated eigenvalue, a basis as close to the
  coordinate axes as the eigenspace allows); the entries of R are recognised as exact algebraic
  numbers where they are (√2/2, 1/√3, …) and the rotated expression is then *proved* to separate
  (every mixed partial ∂²ℓ/∂z_i∂z_j simplifies to 0); otherwise the mixed partials are checked to
  vanish at random points and the record says so (``exact=False``).
- **rotation invariance** (:func:`radial_profile`): ℓ(L y) = g(|y − c|). Proved by the angular
  derivatives (y_i − c_i) ∂_j ℓ − (y_j − c_j) ∂_i ℓ simplifying to 0. The generator then splits
  into angular sectors: sector k is the 1D problem in r with weight r^{d−1} e^{g(r)} and potential
  k(k + d − 2)/r², and C_P = max(C_0, C_1) (the potentials grow with k), as the mixture
  reduction already does for its rotations.

Every symbolic step runs under a time guard (an undecided step means "no structure found", never
a wrong one).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from gsmtheory.symbolic._limits import guarded, provably_nonzero

__all__ = ["Radial", "Separation", "linear_separation", "radial_profile", "whitening"]

_POINTS = 5
_SURDS = [sp.sqrt(2), sp.sqrt(3), sp.sqrt(5), sp.sqrt(6), sp.sqrt(7)]


@dataclass(frozen=True)
class Separation:
    """ℓ(M z) = Σ_k f_k(z_k) + const with x = M z, M = L R (D = L Lᵀ, R orthogonal).

    Attributes
    ----------
    coords : tuple of Symbol
        z_1, …, z_d.
    transform : Matrix
        M (exact where ``exact``).
    factors : tuple of Expr
        f_k(z_k), each a function of its own coordinate only.
    exact : bool
        The separation is proved symbolically (else verified at random points).
    how : str
        In words.

    Examples
    --------
    >>> import sympy as sp
    >>> from gsmtheory.symbolic import Separation
    >>> z1, z2 = sp.symbols("z1 z2", real=True)
    >>> sep = Separation((z1, z2), sp.eye(2), (-z1**4, -z2**2 / 2), True, "already a product")
    >>> sep.factors, sep.exact
    ((-z1**4, -z2**2/2), True)
    """

    coords: tuple[sp.Symbol, ...]
    transform: sp.Matrix
    factors: tuple[sp.Expr, ...]
    exact: bool
    how: str


@dataclass(frozen=True)
class Radial:
    """ℓ(c + L y) = g(|y|): a rotation-invariant target in the D-metric, centred at c.

    Attributes
    ----------
    r : Symbol
        The radius |y| (positive).
    profile : Expr
        g(r).
    dim : int
        d.
    center : tuple of Expr
        c in x.
    how : str
        In words.

    Examples
    --------
    >>> import sympy as sp
    >>> from gsmtheory.symbolic import Radial
    >>> r = sp.Symbol("r", positive=True)
    >>> rad = Radial(r, -r**4, 2, (0, 0), "ℓ = −|x|⁴")
    >>> rad.profile, rad.dim
    (-r**4, 2)
    """

    r: sp.Symbol
    profile: sp.Expr
    dim: int
    center: tuple[sp.Expr, ...]
    how: str


def _applies(diffusion: Any) -> bool:
    d = len(diffusion.coords)
    if d < 2 or getattr(diffusion, "mixture", None) is not None:
        return False
    D = sp.ImmutableMatrix(diffusion.D)
    if D.free_symbols & set(diffusion.coords):
        return False
    return all(lo == -sp.oo and hi == sp.oo for lo, hi in diffusion.domain)


def whitening(D: sp.MatrixBase) -> sp.Matrix:
    """L with D = L Lᵀ, exact (diagonal: √D_ii; otherwise SymPy's Cholesky factor)."""
    D = sp.Matrix(D)
    if D.is_diagonal():
        return sp.diag(*[sp.sqrt(D[i, i]) for i in range(D.rows)])
    return D.cholesky(hermitian=False)


def _numeric_hessians(ell: sp.Expr, ys: list[sp.Symbol], seed: int) -> list[np.ndarray]:
    """The Hessian of ℓ at the origin and at a few standard normal points (finite ones only)."""
    H = sp.hessian(ell, ys)
    f = sp.lambdify(ys, H, modules="mpmath", docstring_limit=0)
    rng = np.random.default_rng(seed)
    pts = [np.zeros(len(ys)), *rng.standard_normal((_POINTS - 1, len(ys)))]
    out = []
    for p in pts:
        try:
            m = np.array(f(*[float(v) for v in p]).tolist(), dtype=float)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            continue
        if np.all(np.isfinite(m)):
            out.append(m)
    return out


def _axis_basis(V: np.ndarray) -> np.ndarray:
    """An orthonormal basis of span(V) as close to the coordinate axes as it allows."""
    P = V @ V.T
    basis: list[np.ndarray] = []
    for i in range(P.shape[0]):
        v = P[:, i].copy()
        for b in basis:
            v -= (b @ v) * b
        if np.linalg.norm(v) > 1e-6 and len(basis) < V.shape[1]:
            basis.append(v / np.linalg.norm(v))
    return np.array(basis).T


def _common_rotation(hessians: list[np.ndarray], seed: int) -> np.ndarray | None:
    """R diagonalising every Hessian at once, or None when they share no eigenvectors."""
    rng = np.random.default_rng(seed + 1)
    H = sum(w * h for w, h in zip(rng.uniform(0.5, 1.5, len(hessians)), hessians))
    vals, vecs = np.linalg.eigh(H)
    scale = max(float(np.max(np.abs(vals))), 1e-300)
    cols, i = [], 0
    while i < len(vals):  # repeated eigenvalues: a basis of the eigenspace near the axes
        j = i + 1
        while j < len(vals) and abs(vals[j] - vals[i]) <= 1e-8 * scale:
            j += 1
        cols.append(_axis_basis(vecs[:, i:j]) if j - i > 1 else vecs[:, i:j])
        i = j
    R = np.hstack(cols)
    for h in hessians:
        m = R.T @ h @ R
        off = m - np.diag(np.diag(m))
        if np.max(np.abs(off)) > 1e-8 * max(float(np.max(np.abs(h))), 1e-300):
            return None
    return R


def _exact(R: np.ndarray) -> sp.Matrix | None:
    """R with entries recognised as exact algebraic numbers, when it is then exactly orthogonal."""
    def entry(v: float) -> sp.Expr:
        return sp.Integer(0) if abs(v) < 1e-12 else sp.nsimplify(v, _SURDS, tolerance=1e-9, rational=False)

    M = sp.Matrix(R.shape[0], R.shape[1], lambda i, j: entry(float(R[i, j])))
    gram = M.T * M - sp.eye(M.rows)
    if any(provably_nonzero(e) for e in gram):  # an entry is not 0: not orthogonal
        return None
    check = guarded(lambda: sp.simplify(gram).is_zero_matrix, 4.0)
    return M if check else None


def _zero(expr: sp.Expr, seconds: float) -> bool:
    return bool(guarded(lambda: sp.simplify(expr) == 0, seconds))


def _mixed_vanish(ell: sp.Expr, zs: list[sp.Symbol], exact: bool, seconds: float, seed: int) -> bool:
    """Every ∂²ℓ/∂z_i∂z_j (i ≠ j) is 0: symbolically when exact, else at random points."""
    pairs = list(itertools.combinations(zs, 2))
    if exact:
        return all(_zero(sp.diff(ell, a, b), seconds) for a, b in pairs)
    rng = np.random.default_rng(seed + 2)
    H = sp.lambdify(zs, sp.hessian(ell, zs), modules="mpmath", docstring_limit=0)
    for p in rng.standard_normal((8, len(zs))):
        m = np.array(H(*[float(v) for v in p]).tolist(), dtype=float)
        off = m - np.diag(np.diag(m))
        if not np.max(np.abs(off)) <= 1e-9 * max(float(np.max(np.abs(m))), 1.0):
            return False
    return True


def _vanish_at_points(exprs: list[sp.Expr], ys: list[sp.Symbol], scale: list[sp.Expr]) -> bool:
    """Every expression is ~0 (relative to |y|·|scale|) at a few random points."""
    f = sp.lambdify(ys, [*exprs, *scale], modules="mpmath", docstring_limit=0)
    rng = np.random.default_rng(7)
    for p in rng.standard_normal((4, len(ys))):
        try:
            v = np.array([complex(t).real for t in f(*[float(t) for t in p])], dtype=float)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            return False
        ref = float(np.max(np.abs(v[len(exprs):]))) * float(np.max(np.abs(p))) + 1e-300
        if not np.max(np.abs(v[:len(exprs)])) <= 1e-9 * ref:
            return False
    return True


def linear_separation(diffusion: Any, *, seconds: float = 4.0, seed: int = 0) -> Separation | None:
    """ℓ(L R z) = Σ_k f_k(z_k) + const, D = L Lᵀ, R orthogonal (module docstring), or None: then
    p is a product of 1D factors and C_P = max_k C_P(f_k) (docs/design.md §6).

    Only for d ≥ 2, constant D and R^d (a box is not rotation invariant), and not for targets
    given as Gaussian mixtures (the mixture reduction handles those).

    Parameters
    ----------
    diffusion : Diffusion
        The target.
    seconds : float
        The time limit of each SymPy simplification.
    seed : int
        Seed of the random points a numerical verification uses.

    Returns
    -------
    Separation or None
        The rotation and the 1D factors; None when no rotation separates ℓ (or it does not apply).

    Examples
    --------
    >>> from gsmtheory.symbolic import linear_separation, parse_spec
    >>> spec = parse_spec('coords = ["x", "y"]' + chr(10) + 'log_density = "-(x + y)**4 - (x - y)**2"')
    >>> linear_separation(spec.diffusion).factors
    (-4*z1**4, -2*z2**2)
    >>> linear_separation(parse_spec('coords = ["x", "y"]' + chr(10) + 'log_density = "-x**4 - x*y**3 - y**4"').diffusion)
    """
    if not _applies(diffusion):
        return None
    d = len(diffusion.coords)
    L = whitening(diffusion.D)
    ys = list(sp.symbols(f"y_sep1:{d + 1}", real=True))
    ell_y = sp.sympify(diffusion.log_density).subs(dict(zip(diffusion.coords, L * sp.Matrix(ys))),
                                                   simultaneous=True)
    hess = _numeric_hessians(ell_y, ys, seed)
    if len(hess) < 2:
        return None
    R = _common_rotation(hess, seed)
    if R is None:
        return None
    Rx = _exact(R)
    exact = Rx is not None
    Rm = Rx if Rx is not None else sp.Matrix(R.tolist())
    zs = list(sp.symbols(f"z1:{d + 1}", real=True))
    ell_z = ell_y.subs(dict(zip(ys, Rm * sp.Matrix(zs))), simultaneous=True)
    if exact:
        ell_z = guarded(lambda: sp.expand(ell_z, deep=True, mul=True, multinomial=True,
                                         power_exp=False, log=False), seconds) or ell_z
    if not _mixed_vanish(ell_z, zs, exact, seconds, seed):
        return None
    factors = tuple(ell_z.subs({w: 0 for w in zs if w is not z}) for z in zs)
    how = ("a product after x = L R z (D = L Lᵀ, R the common eigenvectors of the Hessians of ℓ), "
           + ("proved symbolically" if exact else "verified at 8 random points (R not recognised exactly)"))
    return Separation(tuple(zs), L * Rm, factors, exact, how)


def radial_profile(diffusion: Any, *, seconds: float = 4.0) -> Radial | None:
    """ℓ(c + L y) = g(|y|) with c = 0, D = L Lᵀ (module docstring), or None: then C_P follows from
    the radial profile g alone (docs/design.md §6).

    Parameters
    ----------
    diffusion : Diffusion
        The target (constant D on R^d, d ≥ 2, not a mixture).
    seconds : float
        The time limit of each SymPy simplification of an angular derivative.

    Returns
    -------
    Radial or None
        The profile g(r); None when ℓ is not radial (or it does not apply).

    Examples
    --------
    >>> from gsmtheory.symbolic import parse_spec, radial_profile
    >>> spec = parse_spec('coords = ["x", "y"]' + chr(10) + 'log_density = "-(x**2 + y**2)**2"')
    >>> radial_profile(spec.diffusion).profile
    -r**4
    """
    if not _applies(diffusion):
        return None
    d = len(diffusion.coords)
    L = whitening(diffusion.D)
    ys = list(sp.symbols(f"y_rad1:{d + 1}", real=True))
    ell_y = sp.sympify(diffusion.log_density).subs(dict(zip(diffusion.coords, L * sp.Matrix(ys))),
                                                   simultaneous=True)
    grad = [sp.diff(ell_y, y) for y in ys]
    angular = [ys[i] * grad[j] - ys[j] * grad[i] for i, j in itertools.combinations(range(d), 2)]
    if not _vanish_at_points(angular, ys, grad):  # cheap first: most targets are not radial
        return None
    if not all(_zero(a, seconds) for a in angular):
        return None
    r = sp.Symbol("r", positive=True)
    g = guarded(lambda: sp.simplify(ell_y.subs({ys[0]: r, **{y: 0 for y in ys[1:]}})), seconds)
    if g is None or g.free_symbols - {r}:
        return None
    return Radial(r, g, d, tuple(sp.Integer(0) for _ in range(d)),
                  "ℓ(L y) = g(|y|) (D = L Lᵀ): every angular derivative y_i ∂_j ℓ − y_j ∂_i ℓ is 0")
