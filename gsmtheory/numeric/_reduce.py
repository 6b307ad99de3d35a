r"""Exact symmetry reduction of a shared-covariance Gaussian mixture under constant D (issue #14).

Setting: p = Σ_k w_k N(μ_k, Σ) on R^d, a constant SPD diffusion matrix D, Dirichlet form
E(g) = E_p[∇gᵀ D ∇g] (docs/design.md §1).

1. **Whitening by D.** Take any factor D = LLᵀ and W = L⁻¹ (diag(D)^{-1/2} for diagonal D,
   Cholesky otherwise). With z = Wx and g(x) = h(z), ∇_x g = Wᵀ∇_z h, so
   ∇gᵀ D ∇g = ∇hᵀ W D Wᵀ ∇h = |∇_z h|², and z is distributed as the mixture with means
   m_k = W μ_k and covariance S = W Σ Wᵀ (similar to D^{-1/2}ΣD^{-1/2}). Variances are unchanged,
   hence C_P(p, D) = C_P(p̃, I).
2. **Splitting.** Let U be the smallest S-invariant subspace containing the mean differences
   m_k − m_1. S is symmetric, so U^⊥ is S-invariant too and S = S_U ⊕ S_⊥ in a basis adapted
   to U ⊕ U^⊥. U is the sum over the eigenspaces E_j of S of the projections of the
   differences onto E_j (a subspace is S-invariant iff it is a sum of subspaces of
   eigenspaces), so a basis of U made of eigenvectors of S is found from one eigendecomposition
   (none when S is diagonal) and one small SVD per eigenspace; S_U is then diagonal.
3. **Product.** Every mean has the same U^⊥ part c (their differences lie in U), so each
   component factorizes, N(m_k, S) = N(a_k, S_U) ⊗ N(c, S_⊥), and so does the mixture:
   p̃ = (Σ_k w_k N(a_k, S_U)) ⊗ N(c, S_⊥). With D = I both factors' Dirichlet forms add, and
   by tensorization (Bakry, Gentil & Ledoux 2014, Prop. 4.3.1)

       C_P = max( C_P(Σ_k w_k N(a_k, S_U)), λ_max(S_⊥) ),

   the second term the Ornstein–Uhlenbeck closed form (claim 1). dim U ≤ K − 1 for isotropic Σ
   (and for Σ whose eigenspaces contain the differences); in general dim U ≤ (K−1)·(number of
   distinct eigenvalues of S).

Rotations z ↦ Rz with R commuting with S change nothing, so rotated and axis-aligned mixtures
reduce to the same problem (up to a sign or permutation of the reduced axes) and get the same
number to solver precision. Numerical tolerances: eigenvalues of S within ``eig_rtol``·λ_max of
each other are one eigenspace, and directions of an eigenspace where the differences are below
``rank_rtol``·sqrt(λ_max) are dropped; both are recorded on the result.

The reduced problem is solved in :mod:`gsmtheory.numeric._reduce_solve`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import solve_triangular
from scipy.sparse.linalg import LinearOperator, eigsh

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.numeric._mixture import MixtureInput, unpack_mixture

__all__ = ["MixtureReduction", "ReducedMixture", "reduce_mixture"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class ReducedMixture:
    r"""Σ_k w_k N(a_k, S_U) in reduced coordinates u ∈ R^k (arrays; works with ``mixture_logpdf``).

    Attributes
    ----------
    means : array (K, k)
    weights : array (K,)
    covariance : array (k, k), diagonal (the basis of U is made of eigenvectors of S)

    Examples
    --------
    >>> import numpy as np
    >>> r = reduce_mixture(([[-2.0, 0.0, 0.0], [2.0, 0.0, 0.0]], [0.5, 0.5], np.diag([1.0, 3.0, 2.0])))
    >>> r.reduced.means[:, 0], r.reduced.covariance
    (array([-2.,  2.]), array([[1.]]))
    """

    means: Array
    weights: Array
    covariance: Array

    @property
    def dim(self) -> int:
        """k = dim U."""
        return int(self.means.shape[1])

    @property
    def n_components(self) -> int:
        """K."""
        return int(self.means.shape[0])

    @property
    def diameter(self) -> float:
        """max_{j,l} |a_j − a_l| (equal to the whitened diameter of the full mixture)."""
        m = self.means
        if m.shape[1] == 0:
            return 0.0
        return float(np.max(np.linalg.norm(m[:, None, :] - m[None, :, :], axis=-1)))


@dataclass(frozen=True)
class MixtureReduction:
    r"""The split R^d = U ⊕ U^⊥ of a whitened mixture (module docstring).

    Attributes
    ----------
    reduced : ReducedMixture
        The mixture along U (k = dim U coordinates, u = Bᵀ W x).
    basis : array (d, k)
        Orthonormal columns B spanning U in whitened coordinates z = W x.
    whitening : array (d, d)
        W with W D Wᵀ = I: diag(D)^{-1/2} for diagonal D, else L⁻¹ with D = LLᵀ (Cholesky).
    complement_dim : int
        d − k.
    complement_lambda_max : float
        λ_max(S_⊥), the Gaussian factor's C_P (0 when U^⊥ = {0}).
    complement_eigenvalues : tuple of (eigenvalue, multiplicity)
        The spectrum of S on U^⊥, grouped.
    offset : array (d,)
        c, the common U^⊥ part of the whitened means (in z coordinates).
    tolerances : dict
        ``eig_rtol`` and ``rank_rtol`` used.
    method : str
        How U was found: ``"diagonal"`` (S diagonal: no decomposition), ``"eigh"`` or ``"krylov"``.

    Examples
    --------
    Means differing along x only, Σ = diag(1, 3, 2): U is the x axis and the Gaussian factor on
    U^⊥ has C_P = λ_max(diag(3, 2)) = 3:

    >>> import numpy as np
    >>> r = reduce_mixture(([[-2.0, 0.0, 0.0], [2.0, 0.0, 0.0]], [0.5, 0.5], np.diag([1.0, 3.0, 2.0])))
    >>> r.reduced_dim, r.complement_dim, r.complement_lambda_max, r.method
    (1, 2, 3.0, 'diagonal')
    """

    reduced: ReducedMixture
    basis: Array
    whitening: Array
    complement_dim: int
    complement_lambda_max: float
    complement_eigenvalues: tuple[tuple[float, int], ...]
    offset: Array
    tolerances: dict[str, float] = field(default_factory=dict)
    method: str = "eigh"

    @property
    def ambient_dim(self) -> int:
        """d."""
        return int(self.basis.shape[0])

    @property
    def reduced_dim(self) -> int:
        """k = dim U."""
        return int(self.basis.shape[1])

    def to_reduced(self, x: ArrayLike) -> Array:
        """u = Bᵀ W x for points x of shape (..., d)."""
        return np.asarray(x, dtype=np.float64) @ self.whitening.T @ self.basis


def _whiten(D: ArrayLike | None, d: int) -> Array:
    """A whitening W with W D Wᵀ = I: a vector (W diagonal) when D is diagonal, else L⁻¹ (D = LLᵀ).

    Every such W gives the same C_P (module docstring, step 1).
    """
    if D is None:
        return np.ones(d)
    Dm = np.atleast_2d(np.asarray(D, dtype=np.float64))
    if Dm.shape != (d, d):
        raise SpecError(f"D has shape {Dm.shape}, the mixture has d = {d}", "give a d×d constant D")
    if not np.all(np.isfinite(Dm)):
        raise NumericalError("D contains NaN or inf", "use finite numbers")
    if not np.allclose(Dm, Dm.T, rtol=1e-12, atol=1e-14):
        raise SpecError("D is not symmetric", "use a symmetric diffusion matrix")
    diag = np.diag(Dm)
    if not np.any(Dm - np.diag(diag)):
        if np.any(diag <= 0):
            raise SpecError("D is singular or indefinite", "use a positive definite D")
        return diag ** -0.5
    try:
        L = np.linalg.cholesky(0.5 * (Dm + Dm.T))
    except np.linalg.LinAlgError:
        raise SpecError("D is singular or indefinite", "use a positive definite D") from None
    return np.asarray(solve_triangular(L, np.eye(d), lower=True), dtype=np.float64)


def _apply(W: Array, x: Array) -> Array:
    """Rows of x mapped by z = W x (W a vector means diag(W))."""
    return x * W if W.ndim == 1 else x @ W.T


Space = tuple[float, Any]  # (eigenvalue, eigenvectors (d, m) or axis indices)


def _eigenspaces(S: Array, eig_rtol: float, diagonal: bool) -> list[Space]:
    """Groups (eigenvalue, eigenvectors) of symmetric S; for diagonal S the 'vectors' are index arrays."""
    if diagonal:
        e = np.diag(S).copy()
        order = np.argsort(e, kind="stable")
        groups: list[Space] = []
        scale = float(np.max(np.abs(e)))
        start = 0
        for i in range(1, len(e) + 1):
            if i == len(e) or e[order[i]] - e[order[i - 1]] > eig_rtol * scale:
                idx = order[start:i]
                groups.append((float(e[idx[len(idx) // 2]]), idx))
                start = i
        return groups
    e, V = np.linalg.eigh(S)
    scale = float(np.max(np.abs(e)))
    out: list[Space] = []
    start = 0
    for i in range(1, len(e) + 1):
        if i == len(e) or e[i] - e[i - 1] > eig_rtol * scale:
            out.append((float(e[(start + i) // 2]), V[:, start:i]))
            start = i
    return out


def _by_eigenspaces(S: Array, delta: Array, eig_rtol: float, rank_rtol: float, diagonal: bool
                    ) -> tuple[Array, list[float], list[tuple[float, int]]]:
    """U = ⊕_j range(P_j Δᵀ) over the eigenspaces E_j of S (one eigendecomposition, none if diagonal)."""
    d = S.shape[0]
    groups = _eigenspaces(S, eig_rtol, diagonal)
    lam_top = max(abs(g[0]) for g in groups)
    tol = rank_rtol * math.sqrt(lam_top)
    cols: list[Array] = []
    evals: list[float] = []
    comp: list[tuple[float, int]] = []
    for lam, vec in groups:
        axes = vec.dtype.kind in "iu"
        P = delta[:, vec] if axes else delta @ vec
        mult = len(vec) if axes else vec.shape[1]
        r = 0
        if P.size and np.any(P):
            _, sv, vt = np.linalg.svd(P, full_matrices=False)
            r = int(np.sum(sv > tol))
            for j in range(r):
                if axes:
                    b = np.zeros(d)
                    b[vec] = vt[j]
                else:
                    b = vec @ vt[j]
                cols.append(b)
                evals.append(lam)
        if mult - r > 0:
            comp.append((lam, mult - r))
    B = np.stack(cols, axis=1) if cols else np.zeros((d, 0))
    return B, evals, comp


def _by_krylov(S: Array, delta: Array, krylov_rtol: float, rank_rtol: float
               ) -> tuple[Array, list[float], list[tuple[float, int]]]:
    """U = span{Δ, SΔ, S²Δ, …} by block Krylov with full reorthogonalization (dense S, large d).

    A new direction is kept when its component orthogonal to the current basis exceeds
    krylov_rtol·‖S‖₁ (‖S‖₁ ≥ λ_max(S), cheaper than λ_max); then S_U = BᵀSB is diagonalized and λ_max(S_⊥) is the top eigenvalue of
    (I − BBᵀ)S(I − BBᵀ) by Lanczos (only the largest eigenvalue of S_⊥ is known: multiplicity 0).
    """
    d = S.shape[0]
    lam_top = float(np.max(np.sum(np.abs(S), axis=0)))  # ‖S‖₁ ≥ λ_max(S): a scale for the tolerances
    u, sv, _ = np.linalg.svd(delta.T, full_matrices=False)
    B = u[:, sv > rank_rtol * math.sqrt(lam_top)]
    new = B
    while new.shape[1] and B.shape[1] < d:
        Y = S @ new
        for _ in range(2):
            Y -= B @ (B.T @ Y)
        u, sv, _ = np.linalg.svd(Y, full_matrices=False)
        new = u[:, sv > krylov_rtol * lam_top]
        for _ in range(2):
            new = new - B @ (B.T @ new)
            new, _ = np.linalg.qr(new)
        B = np.concatenate([B, new], axis=1)
    e, V = np.linalg.eigh(B.T @ S @ B)
    B = B @ V
    comp: list[tuple[float, int]] = []
    if B.shape[1] < d:
        def mv(x: Array) -> Array:
            y = x - B @ (B.T @ x)
            y = S @ y
            return y - B @ (B.T @ y)

        op = LinearOperator((d, d), matvec=mv, dtype=np.float64)  # type: ignore[arg-type]
        top = float(eigsh(op, k=1, which="LA", tol=1e-10, return_eigenvectors=False)[0])
        comp.append((top, 0))
    return B, [float(v) for v in e], comp


def reduce_mixture(mixture: MixtureInput, D: ArrayLike | None = None, *, eig_rtol: float = 1e-10,
                   rank_rtol: float = 1e-10, dense_limit: int = 256) -> MixtureReduction:
    r"""Split a shared-covariance mixture under constant D into its mixture part and its Gaussian part.

    Parameters
    ----------
    mixture : GaussianMixture or (means, weights, covariance)
        p = Σ_k w_k N(μ_k, Σ) on R^d.
    D : array (d, d), optional
        Constant SPD diffusion matrix (default: the identity, Langevin).
    eig_rtol, rank_rtol : float
        Eigenvalues of S = WΣWᵀ closer than eig_rtol·λ_max are one eigenspace; singular
        values of the projected differences below rank_rtol·sqrt(λ_max) are dropped. In the
        Krylov path (dense S, d > dense_limit) a Krylov direction is kept when its new part
        exceeds eig_rtol·λ_max.
    dense_limit : int
        Dense non-diagonal S up to this d is eigendecomposed; beyond it U is built by block
        Krylov and λ_max(S_⊥) by Lanczos (O(d²) per step instead of O(d³)).

    Returns
    -------
    MixtureReduction
        The reduced mixture along U (dimension k: K − 1 or fewer for isotropic Σ), the
        basis, and the Gaussian factor's C_P = λ_max(S_⊥) (module docstring).

    Raises
    ------
    SpecError, NumericalError
        For a mixture whose shapes do not match or whose parameters are not finite
        (:class:`MixtureArrays`), or a D that is not a d×d SPD matrix.

    Examples
    --------
    Three isotropic components in R⁵ span a plane: dim U = K − 1 = 2.

    >>> import numpy as np
    >>> means = np.zeros((3, 5)); means[1, 0] = 1.0; means[2, 1] = 1.0
    >>> r = reduce_mixture((means, [1 / 3] * 3, np.eye(5)))
    >>> r.reduced_dim, r.complement_dim, r.complement_lambda_max
    (2, 3, 1.0)
    """
    means, weights, cov = unpack_mixture(mixture)
    d = means.shape[1]
    W = _whiten(D, d)
    m = _apply(W, means)
    S = cov * W[:, None] * W[None, :] if W.ndim == 1 else W @ cov @ W.T
    S = 0.5 * (S + S.T)
    delta = m[1:] - m[0]
    diagonal = not np.any(S - np.diag(np.diag(S)))
    if diagonal or d <= dense_limit:
        B, evals, comp = _by_eigenspaces(S, delta, eig_rtol, rank_rtol, diagonal)
        how = "diagonal" if diagonal else "eigh"
    else:
        B, evals, comp = _by_krylov(S, delta, eig_rtol, rank_rtol)
        how = "krylov"
    a = m @ B
    reduced = ReducedMixture(a, weights, np.diag(np.asarray(evals, dtype=np.float64)))
    offset = m[0] - B @ a[0]
    lam_perp = max((lam for lam, _ in comp), default=0.0)
    Wm = np.diag(W) if W.ndim == 1 else W
    return MixtureReduction(reduced, B, Wm, d - B.shape[1], float(lam_perp), tuple(comp), offset,
                            {"eig_rtol": eig_rtol, "rank_rtol": rank_rtol}, how)
