r"""Families of 1D GSM problems for the worst-case searches of COLT 2024 §3 (Theorem 6, Remark 8,
Lemma 10, Lemma 11): a target p ∝ e^ℓ, a diffusion coefficient D(x), and a one-parameter tilt
model p_θ ∝ p·e^{θh} with h = Σ_k c_k φ_k from a basis.

For the tilt, ∇_θ log p_θ = h − E h, J = ∇_θ∇_x log p_θ = h', and the θ-gradient of the per-sample
loss ℓ_θ = ½D(ℓ_θ')² + (Dℓ_θ')' splits as ψ = a + b_div + b_tr with

    a = D ℓ' h'   (∇_θ∇_x log p_θ · D ∇_x log p_θ),
    b_div = D' h' (∇_θ∇_x log p_θᵀ div D),
    b_tr = D h''  (∇_θ Tr[D ∇²_x log p_θ]),

so ψ = L h (the generator applied to h), H = E[D h'²] = E(h) and I = Var(h). Every quantity of
the §3 statements is then a ratio of quadratic forms in c: with the basis matrices
P = Cov(ψ_k, ψ_l), I, H, S_a, S_div, S_tr, S_b = Cov(b_div + b_tr) (computed once per target and
D by adaptive quadrature, :func:`gsmtheory.numeric.expect_1d`) and C_P (once, by
:func:`gsmtheory.numeric.poincare_1d`; it does not depend on the tilt):

- Theorem 6, three terms as printed: needed(c) = (cᵀPc)(cᵀIc)² / ((cᵀHc)² C_P² cᵀ(S_a + S_div + S_tr)c);
- the package's two-term form: the same with cᵀ(S_a + S_b)c;
- Remark 8 (C_res = I/H for one parameter): cᵀPc / cᵀ(S_a + S_div + S_tr)c (three terms), with
  S_a + S_b (two terms); their maxima over c are generalized eigenvalues;
- Lemma 10: ‖Cov ψ‖ against the sum of the three covariances: the same ratio as Remark 8's;
- Lemma 11: C_P·cᵀHc/cᵀIc ≥ 1, least over c a generalized eigenvalue.

The tilt coefficients c are optimised inside (exactly, or by restarts on the sphere), the target
and D outside by :func:`gsmtheory.verify.maximize`. :meth:`TiltFamily.spec` writes any point
as a gsmtheory spec (the witness file), so ``gsmtheory efficiency`` recomputes the same numbers
through the package's own route (symbolic loss, compiled, its own quadrature and C_P solver).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.optimize import minimize

from gsmtheory.numeric import expect_1d, poincare_1d
from gsmtheory.verify._tilt_families import TiltCase, TiltFamily

__all__ = ["GSM_OBJECTIVES", "TiltMatrices", "tilt_matrices", "tilt_point_value", "tilt_terms", "worst_tilt"]


# ----------------------------------------------------------------------------- the matrices
def tilt_terms(case: TiltCase, x: np.ndarray) -> dict[str, np.ndarray]:
    """Per-sample pieces at nodes ``x`` (shape (n,)), one column per basis function:
    ``g`` = φ_k, ``a`` = Dℓ'φ_k', ``b_div`` = D'φ_k', ``b_tr`` = Dφ_k'', ``dg`` = φ_k'.

    Parameters
    ----------
    case : TiltCase
        One point of a family.
    x : ndarray
        Nodes inside the domain.

    Returns
    -------
    dict of ndarray
        ``g``, ``dg``, ``a``, ``b_div``, ``b_tr`` of shape (n, k) and ``D`` of shape (n,).

    Examples
    --------
    >>> import numpy as np
    >>> from gsmtheory.verify import GSM_FAMILIES, tilt_matrices
    >>> family = GSM_FAMILIES["jacobi"]                      # Beta(a, b) target on (0, 1) at a = b = 2
    >>> case = family.case(family.defaults[0])
    >>> from gsmtheory.verify import tilt_terms
    >>> {k: v.shape for k, v in tilt_terms(case, np.array([0.25, 0.5])).items()}["a"]
    (2, 4)
    """
    g = np.stack([np.broadcast_to(f(x), x.shape) for f, _, _ in case.basis], axis=-1)
    dg = np.stack([np.broadcast_to(f(x), x.shape) for _, f, _ in case.basis], axis=-1)
    ddg = np.stack([np.broadcast_to(f(x), x.shape) for _, _, f in case.basis], axis=-1)
    D, dD, dl = case.D(x)[:, None], case.dD(x)[:, None], case.dlogp(x)[:, None]
    return {"g": g, "dg": dg, "a": D * dl * dg, "b_div": dD * dg, "b_tr": D * ddg, "D": D[:, 0]}


@dataclass(frozen=True)
class TiltMatrices:
    """The basis matrices of one (target, D) (module docstring) and its C_P.

    Attributes
    ----------
    fisher, hessian, psi : ndarray
        I = Cov(φ), H = E[D φ'φ'ᵀ] and P = Cov(ψ) in the basis.
    a, b_div, b_tr, b : ndarray
        S_a, S_div, S_tr and S_b = Cov(b_div + b_tr).
    poincare_constant, poincare_error : float
        C_P and its error estimate (1D solver).
    quadrature_error : float
        The largest relative error estimate of the moments.
    poincare_status : str
        The solver's status.

    Examples
    --------
    >>> from gsmtheory.verify import GSM_FAMILIES, tilt_matrices
    >>> family = GSM_FAMILIES["jacobi"]                      # Beta(a, b) target on (0, 1) at a = b = 2
    >>> case = family.case(family.defaults[0])
    >>> m = tilt_matrices(case)
    >>> round(m.poincare_constant, 6), m.fisher.shape
    (0.25, (4, 4))
    """

    fisher: np.ndarray
    hessian: np.ndarray
    psi: np.ndarray
    a: np.ndarray
    b_div: np.ndarray
    b_tr: np.ndarray
    b: np.ndarray
    poincare_constant: float
    poincare_error: float
    quadrature_error: float
    poincare_status: str = "ok"

    @property
    def three(self) -> np.ndarray:
        return self.a + self.b_div + self.b_tr

    @property
    def two(self) -> np.ndarray:
        return self.a + self.b

    def constants(self, c: np.ndarray) -> dict[str, float]:
        """Every §3 quantity for the tilt h = Σ c_k φ_k (module docstring)."""
        c = np.asarray(c, dtype=float)

        def q(m: np.ndarray) -> float:
            return float(c @ m @ c)

        P, info, H, cp = q(self.psi), q(self.fisher), q(self.hessian), self.poincare_constant
        s3, s2 = q(self.three), q(self.two)
        lhs = P / H**2
        base = cp**2 / info**2
        return {"gsm_variance": lhs, "mle_variance": 1 / info, "needed_three_terms": lhs / (base * s3),
                "needed_two_terms": lhs / (base * s2), "restricted_poincare_constant": info / H,
                "needed_restricted_three_terms": P / s3, "needed_restricted_two_terms": P / s2,
                "lemma10_ratio": P / s3, "key_lemma_ratio": cp * H / info, "poincare_constant": cp,
                "cov_a": q(self.a), "cov_b_div": q(self.b_div), "cov_b_tr": q(self.b_tr), "cov_b": q(self.b)}


def tilt_matrices(case: TiltCase, *, rtol: float = 1e-7) -> TiltMatrices:
    """Basis matrices by adaptive quadrature and C_P by the 1D solver (module docstring).

    Parameters
    ----------
    case : TiltCase
        One point of a family (``TiltFamily.case``).
    rtol : float
        Relative tolerance of the C_P solver.

    Returns
    -------
    TiltMatrices
        The matrices and C_P.

    Raises
    ------
    ValueError
        A moment of the family diverges at this point.

    Examples
    --------
    >>> from gsmtheory.verify import GSM_FAMILIES, tilt_matrices
    >>> family = GSM_FAMILIES["jacobi"]                      # Beta(a, b) target on (0, 1) at a = b = 2
    >>> case = family.case(family.defaults[0])
    >>> m = tilt_matrices(case)
    >>> round(m.constants([1.0, 0.0, 0.0, 0.0])["key_lemma_ratio"], 6)        # Lemma 11: ≥ 1
    1.0
    """
    k = len(case.basis)
    iu = np.triu_indices(k)

    def funcs(x: np.ndarray) -> list[np.ndarray]:
        with np.errstate(all="ignore"):
            t = tilt_terms(case, x)
        psi = t["a"] + t["b_div"] + t["b_tr"]
        b = t["b_div"] + t["b_tr"]
        cols = []
        for _name, v in (("g", t["g"]), ("psi", psi), ("a", t["a"]), ("b_div", t["b_div"]), ("b_tr", t["b_tr"]),
                        ("b", b)):
            cols += [v[:, j] for j in range(k)]
            prod = v[:, :, None] * v[:, None, :]
            cols += [prod[:, i, j] for i, j in zip(*iu, strict=True)]
        h = t["D"][:, None, None] * t["dg"][:, :, None] * t["dg"][:, None, :]
        cols += [h[:, i, j] for i, j in zip(*iu, strict=True)]
        return cols

    e = expect_1d(case.logp, funcs, case.lo, case.hi, points=case.points)
    vals = np.asarray(e.values, dtype=float)
    if not np.all(np.isfinite(vals)):
        raise ValueError("a moment of the tilt family diverges at this point")
    nu = len(iu[0])
    out: dict[str, np.ndarray] = {}
    pos = 0
    for name in ("g", "psi", "a", "b_div", "b_tr", "b"):
        mean = vals[pos:pos + k]
        pos += k
        second = np.zeros((k, k))
        second[iu] = vals[pos:pos + nu]
        pos += nu
        second = second + np.triu(second, 1).T
        out[name] = second - np.outer(mean, mean)
    hess = np.zeros((k, k))
    hess[iu] = vals[pos:pos + nu]
    hess = hess + np.triu(hess, 1).T
    with warnings.catch_warnings():  # a point whose C_P does not converge is reported by its status, not a warning
        warnings.simplefilter("ignore")
        cp = poincare_1d(case.logp, case.D, case.lo, case.hi, rtol=rtol,
                         points=np.asarray(case.points, dtype=float) if case.points else None)
    qerr = float(np.max(np.asarray(e.errors) / np.maximum(np.abs(vals), 1e-300)))
    return TiltMatrices(out["g"], hess, out["psi"], out["a"], out["b_div"], out["b_tr"], out["b"],
                        cp.poincare_constant, cp.error_estimate, qerr, cp.status)


#: objective name → (quantity of :meth:`TiltMatrices.constants`, maximise?, printed bound, in words)
GSM_OBJECTIVES: dict[str, tuple[str, bool, float, str]] = {
    "theorem6_three_terms": ("needed_three_terms", True, 2.0,
                             "constant needed by Theorem 6 in its printed three-term form"),
    "theorem6_two_terms": ("needed_two_terms", True, 2.0,
                           "constant needed by Theorem 6 with b = b_tr + b_div kept whole (the package's form)"),
    "remark8_three_terms": ("needed_restricted_three_terms", True, 2.0,
                            "constant needed by Theorem 6 with Remark 8's restricted C_P, three terms"),
    "remark8_two_terms": ("needed_restricted_two_terms", True, 2.0,
                          "constant needed by Theorem 6 with Remark 8's restricted C_P, two terms"),
    "lemma10": ("lemma10_ratio", True, 3.0,
                "‖Cov ∇_θℓ‖ over the sum of Lemma 10's three covariances"),
    "lemma11": ("key_lemma_ratio", False, 1.0, "C_P·λ_min(I^(-1/2) H I^(-1/2)) (Lemma 11: ≥ 1)"),
}


def worst_tilt(m: TiltMatrices, objective: str, *, seed: int = 0) -> tuple[float, np.ndarray]:
    """(worst value, unit c) of ``objective`` over the tilt direction c (module docstring): exact
    generalized eigenvalues where the quantity is one ratio of quadratic forms, else restarts on
    the sphere. 'Worst' is the largest value, or the smallest for Lemma 11.

    Parameters
    ----------
    m : TiltMatrices
        The matrices of one point.
    objective : str
        A key of :data:`GSM_OBJECTIVES`.
    seed : int
        Seeds the restarts on the sphere.

    Returns
    -------
    value : float
        The worst value over c.
    c : ndarray
        The unit tilt direction reaching it.

    Examples
    --------
    >>> from gsmtheory.verify import GSM_FAMILIES, tilt_matrices
    >>> family = GSM_FAMILIES["jacobi"]                      # Beta(a, b) target on (0, 1) at a = b = 2
    >>> case = family.case(family.defaults[0])
    >>> from gsmtheory.verify import worst_tilt
    >>> value, c = worst_tilt(tilt_matrices(case), "lemma11")
    >>> round(value, 6), c.shape
    (1.0, (4,))
    """
    key, _, _, _ = GSM_OBJECTIVES[objective]
    k = m.fisher.shape[0]

    def gen(num: np.ndarray, den: np.ndarray, top: bool) -> tuple[float, np.ndarray]:
        w, v = scipy.linalg.eigh((num + num.T) / 2, (den + den.T) / 2)
        j = -1 if top else 0
        vec = v[:, j] / np.linalg.norm(v[:, j])
        return float(w[j]), vec

    if key == "needed_restricted_three_terms" or key == "lemma10_ratio":
        return gen(m.psi, m.three, True)
    if key == "needed_restricted_two_terms":
        return gen(m.psi, m.two, True)
    if key == "key_lemma_ratio":
        w, vec = gen(m.hessian, m.fisher, False)
        return m.poincare_constant * w, vec

    den = m.three if key == "needed_three_terms" else m.two
    mats = ((m.psi, 1.0), (m.fisher, 2.0), (m.hessian, -2.0), (den, -1.0))

    def neg_log(c: np.ndarray) -> tuple[float, np.ndarray]:
        """−log of the needed constant (up to C_P) and its gradient: Σ_j e_j log(cᵀM_jc)."""
        val, grad = 0.0, np.zeros_like(c)
        for mat, expo in mats:
            q = float(c @ mat @ c)
            if q <= 0:
                return 1e300, np.zeros_like(c)
            val += expo * math.log(q)
            grad += expo * 2 * (mat @ c) / q
        return -val, -grad

    rng = np.random.default_rng(seed)
    starts = [gen(m.psi, m.three, True)[1], gen(m.hessian, m.fisher, False)[1], *rng.standard_normal((4, k))]
    best, best_c = -math.inf, np.asarray(starts[0], dtype=float)
    for c0 in starts:
        r = minimize(neg_log, np.asarray(c0, dtype=float), jac=True, method="BFGS",
                     options={"gtol": 1e-12, "maxiter": 400})
        c = r.x / np.linalg.norm(r.x)
        v = m.constants(c)[key]
        if math.isfinite(v) and v > best:
            best, best_c = v, c
    return best, best_c


def tilt_point_value(family: TiltFamily, objective: str, point: Mapping[str, float]) -> tuple[float, np.ndarray,
                                                                                             TiltMatrices]:
    """Worst value over the tilt at one (target, D) point of ``family``."""
    m = tilt_matrices(family.case(point))
    v, c = worst_tilt(m, objective)
    return v, c, m
