"""Parametric models q_θ ∝ exp(ℓ_θ(x)) for estimation questions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import sympy as sp

from gsmtheory._errors import SpecError

__all__ = ["MixtureExpressions", "Model"]

Kind = Literal["formula", "exponential_family", "mixture"]


@dataclass(frozen=True)
class MixtureExpressions:
    """A Gaussian mixture whose means, weights and shared covariance are expressions in θ.

    Attributes
    ----------
    means : tuple of tuple of Expr
        μ_k(θ), one row per component.
    weights : tuple of Expr
        w_k(θ) (normalized by their sum).
    covariance : tuple of tuple of Expr
        The shared Σ(θ).

    Examples
    --------
    >>> import sympy as sp
    >>> from gsmtheory.symbolic import MixtureExpressions
    >>> x, a = sp.Symbol("x", real=True), sp.Symbol("a", real=True)
    >>> mix = MixtureExpressions(((-a,), (a,)), (sp.Rational(1, 2), sp.Rational(1, 2)), ((sp.Integer(1),),))
    >>> ell = mix.log_density((x,))                          # log Σ_k w_k N(x; μ_k, 1), up to log √(2π)
    >>> round(float(ell.subs({a: 1.0, x: 1.0})), 12)          # log(½e^0 + ½e^(−2))
    -0.566219169517
    """

    means: tuple[tuple[sp.Expr, ...], ...]
    weights: tuple[sp.Expr, ...]
    covariance: tuple[tuple[sp.Expr, ...], ...]

    def log_density(self, coords: Sequence[sp.Symbol]) -> sp.Expr:
        r"""log Σ_k w_k |Σ|^{-1/2} exp(−½(x−μ_k)ᵀΣ⁻¹(x−μ_k)): normalized up to (2π)^{d/2}."""
        d = len(coords)
        if len(self.covariance) != d or any(len(m) != d for m in self.means):
            raise SpecError("model mixture dimension does not match coords",
                            "give means and covariance with one entry per coordinate")
        diagonal = all(sp.sympify(self.covariance[i][j]) == 0
                       for i in range(d) for j in range(d) if i != j)
        terms = []
        if diagonal:  # O(d): no symbolic inverse or determinant of a d × d matrix (d = 1000)
            var = [sp.sympify(self.covariance[i][i]) for i in range(d)]
            det_term = sp.Mul(*[sp.sqrt(v) for v in var])  # not sqrt of the product: sqrt((1+β)²) = |1+β|
            for mu, w in zip(self.means, self.weights, strict=True):
                quad = sp.Add(*[(c - m) ** 2 / v for c, m, v in zip(coords, mu, var, strict=True)])
                terms.append(w * sp.exp(-quad / 2) / det_term)
            return sp.log(sp.Add(*terms))
        cov = sp.Matrix(self.covariance)
        prec = cov.inv()
        x = sp.Matrix(coords)
        det_term = sp.sqrt(cov.det())
        for mu, w in zip(self.means, self.weights, strict=True):
            diff = x - sp.Matrix(mu)
            terms.append(w * sp.exp(-(diff.T * prec * diff)[0, 0] / 2) / det_term)
        return sp.log(sp.Add(*terms))


@dataclass(frozen=True)
class Model:
    """A parametric family q_θ(x) ∝ exp(ℓ_θ(x)) with a true parameter θ*.

    Parameters
    ----------
    coords, params : tuple of Symbol
        Coordinates x and parameters θ.
    log_density : Expr
        ℓ_θ(x), unnormalized (score matching never needs the normalizer).
    truth : tuple of float
        θ*, in the order of ``params``.
    kind : {"formula", "exponential_family", "mixture"}
        ``exponential_family``: ℓ_θ = base(x) + Σ_i θ_i T_i(x), so the GSM loss is quadratic in θ.
    statistics : tuple of Expr or None
        T_i(x) for an exponential family.
    base : Expr or None
        base(x) for an exponential family.
    mixture : MixtureExpressions or None
        For ``kind == "mixture"``.
    normalized : bool
        True when ℓ_θ is normalized up to a θ-independent constant (mixtures), so MLE needs no
        numerical normalization.

    Raises
    ------
    SpecError
        No parameters or repeated ones, a parameter named like a coordinate, a truth of the
        wrong length, undeclared symbols, a log density that does not depend on x.

    Examples
    --------
    >>> import sympy as sp
    >>> from gsmtheory.symbolic import Model
    >>> x, mu = sp.Symbol("x", real=True), sp.Symbol("mu", real=True)
    >>> m = Model.from_log_density((x,), (mu,), -(x - mu)**2 / 2, (0.5,))
    >>> m.kind, m.params, m.truth_map
    ('formula', (mu,), {mu: 0.5})
    >>> m.at((1.0,))
    -(x - 1.0)**2/2
    """

    coords: tuple[sp.Symbol, ...]
    params: tuple[sp.Symbol, ...]
    log_density: sp.Expr
    truth: tuple[float, ...]
    kind: Kind = "formula"
    statistics: tuple[sp.Expr, ...] | None = None
    base: sp.Expr | None = None
    mixture: MixtureExpressions | None = None
    normalized: bool = False

    def __post_init__(self) -> None:
        if not self.params:
            raise SpecError("model has no params", 'declare them: [model] params = ["a"]')
        if len(set(self.params)) != len(self.params):
            raise SpecError("model params repeat a name", "give each parameter a distinct name")
        clash = set(self.params) & set(self.coords)
        if clash:
            raise SpecError(f"{', '.join(map(str, clash))} is both a coordinate and a parameter",
                            "rename the parameter")
        if len(self.truth) != len(self.params):
            raise SpecError(f"model truth gives {len(self.truth)} values for {len(self.params)} params",
                            "give truth = {name = value, ...} for every parameter")
        extra = self.log_density.free_symbols - set(self.coords) - set(self.params)
        if extra:
            names = ", ".join(sorted(map(str, extra)))
            raise SpecError(f"model log_density uses undeclared symbol(s) {names}",
                            "declare them in coords, [model].params or [constants]")
        if not any(self.log_density.has(c) for c in self.coords):
            raise SpecError("model log_density does not depend on the coordinates",
                            "write it in terms of coords")

    @classmethod
    def from_log_density(cls, coords: Sequence[sp.Symbol], params: Sequence[sp.Symbol],
                         log_density: sp.Expr, truth: Mapping[sp.Symbol, float] | Sequence[float]) -> Model:
        """A model given by ℓ_θ(x); detected as an exponential family when ℓ is affine in θ."""
        params = tuple(params)
        truth_t = _truth_tuple(params, truth)
        ell = sp.sympify(log_density)
        stats = _affine_statistics(ell, params)
        if stats is not None:
            base, T = stats
            return cls(tuple(coords), params, ell, truth_t, "exponential_family", T, base)
        return cls(tuple(coords), params, ell, truth_t, "formula")

    @classmethod
    def exponential_family(cls, coords: Sequence[sp.Symbol], params: Sequence[sp.Symbol],
                           statistics: Sequence[sp.Expr], truth: Mapping[sp.Symbol, float] | Sequence[float],
                           base: sp.Expr | int = 0) -> Model:
        """ℓ_θ(x) = base(x) + Σ_i θ_i T_i(x)."""
        params = tuple(params)
        if len(statistics) != len(params):
            raise SpecError("one sufficient statistic per parameter is needed", "match their numbers")
        T = tuple(sp.sympify(t) for t in statistics)
        ell = sp.sympify(base) + sum(p * t for p, t in zip(params, T, strict=True))
        return cls(tuple(coords), params, ell, _truth_tuple(params, truth), "exponential_family", T,
                   sp.sympify(base))

    @classmethod
    def gaussian_mixture(cls, coords: Sequence[sp.Symbol], params: Sequence[sp.Symbol],
                         mixture: MixtureExpressions,
                         truth: Mapping[sp.Symbol, float] | Sequence[float]) -> Model:
        """A Gaussian mixture whose entries are expressions in θ (normalized up to a constant)."""
        params = tuple(params)
        ell = mixture.log_density(coords)
        return cls(tuple(coords), params, ell, _truth_tuple(params, truth), "mixture", None, None,
                   mixture, normalized=True)

    @property
    def truth_map(self) -> dict[sp.Symbol, float]:
        """θ* as {symbol: value}."""
        return dict(zip(self.params, self.truth, strict=True))

    @property
    def n_params(self) -> int:
        """Number of parameters."""
        return len(self.params)

    def at(self, values: Mapping[sp.Symbol, float] | Sequence[float]) -> sp.Expr:
        """ℓ_θ with θ substituted."""
        return self.log_density.subs(dict(zip(self.params, _truth_tuple(self.params, values), strict=True)))


def _truth_tuple(params: tuple[sp.Symbol, ...],
                 truth: Mapping[sp.Symbol, float] | Mapping[str, float] | Sequence[float]) -> tuple[float, ...]:
    if isinstance(truth, Mapping):
        by_name = {str(k): v for k, v in truth.items()}
        missing = [str(p) for p in params if str(p) not in by_name]
        if missing:
            raise SpecError(f"model truth lacks {', '.join(missing)}",
                            "give truth = {name = value} for every parameter")
        values = [by_name[str(p)] for p in params]
    else:
        values = list(truth)
    try:
        out = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise SpecError("model truth must be numbers", "write truth = {a = 1.0}") from None
    if any(v != v for v in out):
        raise SpecError("model truth contains NaN", "give finite parameter values")
    return out


def _affine_statistics(ell: sp.Expr, params: tuple[sp.Symbol, ...]) -> tuple[sp.Expr, tuple[sp.Expr, ...]] | None:
    """(base, T) when ℓ = base + Σ θ_i T_i with T_i free of θ; None otherwise."""
    expanded = sp.expand(ell)
    T = []
    for p in params:
        t = sp.diff(expanded, p)
        if t.free_symbols & set(params):
            return None
        T.append(sp.simplify(t))
    base = sp.simplify(expanded - sum(p * t for p, t in zip(params, T, strict=True)))
    if base.free_symbols & set(params):
        return None
    return base, tuple(T)
