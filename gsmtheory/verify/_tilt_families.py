r"""The 1D GSM families the worst-case searches of COLT 2024 §3 range over (docs/paper.md): a
target p ∝ e^ℓ, a diffusion coefficient D(x) and a polynomial tilt basis φ_k, each point written
as numpy callables (:class:`TiltCase`) and as a gsmtheory spec (:meth:`TiltFamily.spec`, the
witness file). The matrices and the objectives over them are in ``_gsm_family``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gsmtheory.verify._search import Box

__all__ = ["GSM_FAMILIES", "Fn", "TiltCase", "TiltFamily", "decimal"]


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
