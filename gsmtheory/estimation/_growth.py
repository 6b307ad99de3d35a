r"""Growth classification of a cost series c(x): constant, polynomial, exponential in x or in x².

Four least-squares models of log c:

- constant:               log c = a
- polynomial:             log c = a + k log x          (c ∝ x^k)
- exponential:            log c = a + k x              (c ∝ e^{kx})
- exponential_quadratic:  log c = a + k x²             (c ∝ e^{kx²}; e.g. mixtures, C_P ~ e^{c·sep²})

Each is scored by its leave-one-out RMSE (exact for least squares: e_i/(1 − h_ii)). The best
model is chosen; the verdict is ``"undecided"`` when fewer than ``min_points`` points are given
or the runner-up's LOO error is within a factor ``decisive`` of the best one's, and ``"bounded"``
when the best model is the constant or its growth rate's confidence interval reaches zero
or below. The rate k comes with a t-based confidence interval at ``level``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from gsmtheory._errors import NumericalError
from gsmtheory.estimation._records import plain

__all__ = ["GROWTH_MODELS", "GrowthFit", "classify_growth"]

GROWTH_MODELS = ("constant", "polynomial", "exponential", "exponential_quadratic")


@dataclass(frozen=True)
class GrowthFit:
    """The verdict on how cost(x) grows: log cost = a + rate·g(x) with g among the models, chosen held out.

    Attributes
    ----------
    label : str
        The verdict: the winning model, ``"undecided"`` (too few points, or no decisive winner)
        or ``"bounded"`` (the constant wins, or the rate's interval reaches zero).
    model : str
        The model with the smallest leave-one-out error.
    rate, rate_interval : float, (float, float)
        Its rate and confidence interval at ``level``.
    intercept : float
        Its intercept a.
    loo_rmse : dict
        Leave-one-out RMSE of log cost per model.
    rates : dict
        (rate, lo, hi) per model.
    level : float
        The confidence level of the intervals.
    n_points : int
        Points used.
    message : str
        One line for a human.

    Examples
    --------
    >>> g = classify_growth([1, 2, 3, 4, 5, 6], [2, 4, 8, 16, 32, 64])
    >>> g.model, round(g.rate, 6)                       # cost = 2^x: rate log 2
    ('exponential', 0.693147)
    """

    label: str
    model: str
    rate: float
    rate_interval: tuple[float, float]
    intercept: float
    loo_rmse: dict[str, float]
    rates: dict[str, tuple[float, float, float]]
    level: float
    n_points: int
    message: str

    @property
    def grows_exponentially(self) -> bool:
        """True when the verdict is exponential in x or in x²."""
        return self.label in ("exponential", "exponential_quadratic")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return plain({"label": self.label, "model": self.model, "rate": self.rate,
                      "rate_interval": list(self.rate_interval), "intercept": self.intercept,
                      "loo_rmse": self.loo_rmse,
                      "rates": {k: {"rate": v[0], "lower": v[1], "upper": v[2]} for k, v in self.rates.items()},
                      "level": self.level, "n_points": self.n_points, "message": self.message})


def _design(model: str, x: np.ndarray) -> np.ndarray:
    one = np.ones_like(x)
    if model == "constant":
        return one[:, None]
    if model == "polynomial":
        return np.stack([one, np.log(x)], axis=1)
    if model == "exponential":
        return np.stack([one, x], axis=1)
    return np.stack([one, x**2], axis=1)


def _ols(X: np.ndarray, y: np.ndarray, level: float) -> tuple[np.ndarray, float, tuple[float, float]]:
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    n, k = X.shape
    XtX_inv = np.linalg.pinv(X.T @ X)
    h = np.einsum("ij,jk,ik->i", X, XtX_inv, X)
    loo = resid / np.clip(1 - h, 1e-12, None)
    loo_rmse = float(np.sqrt(np.mean(loo**2)))
    if k == 1 or n <= k:
        return beta, loo_rmse, (math.nan, math.nan)
    s2 = float(resid @ resid) / (n - k)
    se = math.sqrt(max(s2 * XtX_inv[1, 1], 0.0))
    t = float(stats.t.ppf(0.5 + level / 2, n - k))
    return beta, loo_rmse, (float(beta[1] - t * se), float(beta[1] + t * se))


def classify_growth(x: ArrayLike, cost: ArrayLike, *, level: float = 0.95,
                    decisive: float = 1.5, min_points: int = 4,
                    models: Sequence[str] = GROWTH_MODELS) -> GrowthFit:
    """Classify how ``cost`` grows with ``x``: constant, x^k, e^{kx}, e^{kx²} (see the module docstring).

    Each model is fitted to log cost by least squares; the one with the smallest leave-one-out
    error wins when the runner-up's is more than ``decisive`` times larger.

    Parameters
    ----------
    x, cost : array_like
        The series (costs positive).
    level : float
        Confidence level of the rate intervals.
    decisive : float
        Ratio of held-out errors needed to name a single winner.
    min_points : int
        Fewest points to classify.
    models : sequence of str
        Which of :data:`GROWTH_MODELS` compete.

    Returns
    -------
    GrowthFit
        The verdict with every model's fit and held-out error.

    Raises
    ------
    NumericalError
        Non-positive or non-finite costs, non-positive x (for the polynomial model), mismatched lengths.

    Examples
    --------
    >>> g = classify_growth([1, 2, 3, 4, 5, 6], [1, 8, 27, 64, 125, 216])
    >>> g.model, round(g.rates["polynomial"][0], 6)     # cost = x³
    ('polynomial', 3.0)
    """
    xa = np.asarray(x, dtype=float)
    ca = np.asarray(cost, dtype=float)
    if xa.shape != ca.shape or xa.ndim != 1:
        raise NumericalError("x and cost must be 1-D and of equal length", "pass two equal-length lists")
    if not (np.all(np.isfinite(xa)) and np.all(np.isfinite(ca))):
        raise NumericalError("x or cost contains NaN or inf", "drop those points")
    if np.any(ca <= 0):
        raise NumericalError("costs must be positive (they are fitted on a log scale)", "drop zeros")
    unknown = set(models) - set(GROWTH_MODELS)
    if unknown:
        raise NumericalError(f"unknown growth model(s) {sorted(unknown)}", f"use {', '.join(GROWTH_MODELS)}")
    use = [m for m in models if not (m == "polynomial" and np.any(xa <= 0))]
    y = np.log(ca)
    fits = {m: _ols(_design(m, xa), y, level) for m in use}
    loo = {m: f[1] for m, f in fits.items()}
    rates = {m: (float(f[0][1]), f[2][0], f[2][1]) for m, f in fits.items() if m != "constant"}
    order = sorted(loo, key=lambda m: loo[m])
    best = order[0]
    beta, _, ci = fits[best]
    rate = float(beta[1]) if best != "constant" else 0.0
    n = len(xa)
    if n < min_points:
        label, msg = "undecided", f"{n} points; at least {min_points} are needed to tell models apart"
    elif best == "constant" or (math.isfinite(ci[0]) and ci[0] <= 0):
        label, msg = "bounded", "the best model does not grow (constant, or a rate interval reaching 0)"
    else:
        runner = next((m for m in order[1:] if m != "constant"), None)
        if runner is not None and loo[runner] <= decisive * max(loo[best], 1e-15):
            label = "undecided"
            msg = (f"{best} and {runner} fit about equally well held out "
                   f"(LOO RMSE {loo[best]:.3g} vs {loo[runner]:.3g})")
        else:
            label = best
            msg = f"{best} wins held out (LOO RMSE {loo[best]:.3g}; next {order[1]} {loo[order[1]]:.3g})"
    return GrowthFit(label, best, rate, (ci[0], ci[1]) if best != "constant" else (0.0, 0.0),
                     float(beta[0]), loo, rates, level, n, msg)
