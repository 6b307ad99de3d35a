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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg
from scipy.optimize import minimize

from gsmtheory.numeric import expect_1d, poincare_1d
from gsmtheory.verify._search import Box

__all__ = ["GSM_FAMILIES", "GSM_OBJECTIVES", "TiltFamily", "TiltMatrices", "decimal", "tilt_matrices",
           "tilt_terms", "worst_tilt"]

Fn = Callable[[np.ndarray], np.ndarray]


def decimal(v: float, digits: int = 10) -> str:
    """A float as a plain decimal literal with ``digits`` significant digits (no exponent): the
    spec parser reads decimals exactly, so the spec means this number and nothing else.

    Parameters
    ----------
    v : float
        The number.
    digits : int
        Significant digits.

    Returns
    -------
    str
        The literal (``"0"`` for zero; ``inf``/``nan`` as ``str`` gives them).

    Examples
    --------
    >>> from gsmtheory.verify import decimal
    >>> decimal(1 / 3), decimal(2.5e-7), decimal(2.5e12)
    ('0.3333333333', '0.00000025', '2500000000000')
    """
    if v == 0 or not math.isfinite(v):
        return "0" if v == 0 else str(v)
    r = float(f"{v:.{digits}g}")
    return np.format_float_positional(r, precision=digits, unique=True, fractional=False, trim="-")


@dataclass(frozen=True)
class TiltCase:
    """Numpy callables of one point of a family: ℓ, ℓ', D, D' and the domain, plus the basis."""

    logp: Fn
    dlogp: Fn
    D: Fn
    dD: Fn
    lo: float
    hi: float
    basis: tuple[tuple[Fn, Fn, Fn], ...]
    points: tuple[float, ...] = ()


@dataclass(frozen=True)
class TiltFamily:
    """A family of (target, D) with a tilt basis; parameters in ``box``.

    ``expressions(point)`` gives the spec's strings (log density, D, domain, basis) and
    ``case(point)`` the numpy callables of the same functions.

    Attributes
    ----------
    name, description : str
        The family, in words.
    box : Box
        Its parameters and their ranges.
    expressions : callable
        point → the spec's strings (``log_density``, ``D``, ``domain``, ``basis``).
    case : callable
        point → the numpy callables of the same functions (a ``TiltCase``).
    defaults : tuple of dict
        Points the searches start from.

    Examples
    --------
    >>> from gsmtheory.verify import GSM_FAMILIES
    >>> family = GSM_FAMILIES["jacobi"]
    >>> family.box.names, family.defaults[0]
    (('a', 'b', 'c', 'e'), {'a': 2.0, 'b': 2.0, 'c': 0.0, 'e': 0.0})
    """

    name: str
    description: str
    box: Box
    expressions: Callable[[Mapping[str, float]], dict[str, Any]]
    case: Callable[[Mapping[str, float]], TiltCase]
    defaults: tuple[dict[str, float], ...] = ()

    def round(self, point: Mapping[str, float], digits: int = 10) -> dict[str, float]:
        """The point rounded to the decimals the spec will carry."""
        return {k: float(decimal(float(point[k]), digits)) for k in self.box.names}

    def spec(self, point: Mapping[str, float], coefficients: np.ndarray, *, description: str = "",
             header: str = "") -> str:
        """TOML text of the spec at ``point`` with the tilt h = Σ c_k φ_k (a one-parameter model ``t``)."""
        e = self.expressions(point)
        c = [decimal(float(v)) for v in coefficients]
        h = " + ".join(f"({ck})*({phi})" for ck, phi in zip(c, e["basis"], strict=True))
        lines = [header.rstrip("\n")] if header else []
        lines += [f"description = {_toml_str(description or self.description)}", 'coords = ["x"]',
                  f"log_density = {_toml_str(e['log_density'])}", "[constants]"]
        lines += [f"{k} = {decimal(float(point[k]))}" for k in self.box.names]
        if e.get("domain"):
            lines += ["[domain]", f"x = [{e['domain'][0]}, {e['domain'][1]}]"]
        lines += ["[diffusion]", f"D = [[{_toml_str(e['D'])}]]", "[model]", 'params = ["t"]', "truth = {t = 0.0}",
                  f"log_density = {_toml_str(e['log_density'] + ' + t*(' + h + ')')}"]
        return "\n".join(lines) + "\n"


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ----------------------------------------------------------------------------- families
def _poly_basis(degree: int) -> tuple[tuple[tuple[Fn, Fn, Fn], ...], list[str]]:
    basis = []
    for k in range(1, degree + 1):
        basis.append(((lambda x, k=k: x**k), (lambda x, k=k: k * x ** (k - 1)),
                      (lambda x, k=k: k * (k - 1) * x ** (k - 2) if k >= 2 else 0 * x)))
    return tuple(basis), [f"x**{k}" if k > 1 else "x" for k in range(1, degree + 1)]


def _jacobi_expr(p: Mapping[str, float]) -> dict[str, Any]:
    return {"log_density": "(a - 1)*log(x) + (b - 1)*log(1 - x) + c*x", "D": "x*(1 - x)*(1 + e*x)",
            "domain": (0, 1), "basis": _poly_basis(4)[1]}


def _jacobi_case(p: Mapping[str, float]) -> TiltCase:
    a, b, c, e = (float(p[k]) for k in ("a", "b", "c", "e"))
    with np.errstate(all="ignore"):
        return TiltCase(lambda x: (a - 1) * np.log(x) + (b - 1) * np.log1p(-x) + c * x,
                        lambda x: (a - 1) / x - (b - 1) / (1 - x) + c,
                        lambda x: x * (1 - x) * (1 + e * x),
                        lambda x: (1 - 2 * x) * (1 + e * x) + e * x * (1 - x),
                        0.0, 1.0, _poly_basis(4)[0])


def _line_expr(p: Mapping[str, float]) -> dict[str, Any]:
    return {"log_density": "-x**2/(2*s) - q*x**4 + k*x", "D": "(1 + d*x**2)/(1 + f*x**2)", "domain": None,
            "basis": _poly_basis(3)[1]}


def _line_case(p: Mapping[str, float]) -> TiltCase:
    s, q, k, d, f = (float(p[n]) for n in ("s", "q", "k", "d", "f"))
    return TiltCase(lambda x: -x**2 / (2 * s) - q * x**4 + k * x,
                    lambda x: -x / s - 4 * q * x**3 + k,
                    lambda x: (1 + d * x**2) / (1 + f * x**2),
                    lambda x: 2 * x * (d - f) / (1 + f * x**2) ** 2,
                    -math.inf, math.inf, _poly_basis(3)[0])


def _mixture_expr(p: Mapping[str, float]) -> dict[str, Any]:
    return {"log_density": "-(x**2 + m**2)/2 + log(w*exp(m*x) + (1 - w)*exp(-m*x))",
            "D": "(1 + d*x**2)/(1 + f*x**2)", "domain": None, "basis": ["x", "x**2", "tanh(x)"]}


def _mixture_case(p: Mapping[str, float]) -> TiltCase:
    w, m, d, f = (float(p[n]) for n in ("w", "m", "d", "f"))
    lw, l1w = math.log(w), math.log1p(-w)

    def logp(x: np.ndarray) -> np.ndarray:
        return -(x**2 + m**2) / 2 + np.logaddexp(lw + m * x, l1w - m * x)

    def dlogp(x: np.ndarray) -> np.ndarray:
        r = 1 / (1 + np.exp((l1w - m * x) - (lw + m * x)))  # responsibility of the +m component
        return -x + m * (2 * r - 1)

    def th(x: np.ndarray) -> np.ndarray:
        return np.tanh(x)

    basis = (((lambda x: x), (lambda x: 1 + 0 * x), (lambda x: 0 * x)),
             ((lambda x: x**2), (lambda x: 2 * x), (lambda x: 2 + 0 * x)),
             (th, (lambda x: 1 - np.tanh(x) ** 2), (lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2))))
    return TiltCase(logp, dlogp, lambda x: (1 + d * x**2) / (1 + f * x**2),
                    lambda x: 2 * x * (d - f) / (1 + f * x**2) ** 2, -math.inf, math.inf, basis, (-m, m))


#: the families searched: bounded [0, 1] with D vanishing at both ends (Jacobi-type), the line
#: with a rational D and a quartic target, and a two-component mixture with unequal weights
GSM_FAMILIES: dict[str, TiltFamily] = {
    "jacobi": TiltFamily(
        "jacobi", "target x^(a-1)(1-x)^(b-1)e^(cx) on [0, 1], D = x(1-x)(1+ex) (degenerate at both ends), "
                  "tilt h in span{x, x², x³, x⁴}",
        Box.of({"a": (1.2, 8.0), "b": (1.2, 8.0), "c": (-3.0, 3.0), "e": (-0.8, 3.0)}),
        _jacobi_expr, _jacobi_case, ({"a": 2.0, "b": 2.0, "c": 0.0, "e": 0.0},)),
    "line": TiltFamily(
        "line", "target exp(-x²/(2s) - qx⁴ + kx) on ℝ, D = (1+dx²)/(1+fx²), tilt h in span{x, x², x³}",
        Box.of({"s": (0.3, 3.0, "log"), "q": (0.0, 0.5), "k": (-1.0, 1.0), "d": (0.0, 3.0), "f": (0.0, 3.0)}),
        _line_expr, _line_case, ({"s": 1.0, "q": 0.0, "k": 0.0, "d": 0.0, "f": 0.0},)),
    "mixture": TiltFamily(
        "mixture", "target wN(m, 1) + (1-w)N(-m, 1) on ℝ, D = (1+dx²)/(1+fx²), tilt h in span{x, x², tanh x}",
        Box.of({"w": (0.05, 0.95), "m": (0.0, 2.5), "d": (0.0, 3.0), "f": (0.0, 3.0)}),
        _mixture_expr, _mixture_case, ({"w": 0.5, "m": 1.0, "d": 0.0, "f": 0.0},)),
}


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
