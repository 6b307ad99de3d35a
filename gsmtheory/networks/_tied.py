r"""Parametric heads tied across noise levels, fitted exactly by any loss, and their sandwich.

The theorem of the paper (docs/paper.md, Theorems 6 and 14) is about a parametric model whose
noisy versions are tied by the heat flow, p_θ^β = p_θ ∗ N(0, βλI). For a Gaussian mixture this is
a closed form (docs/design.md §6):

    p_θ^β(x) = Σ_k w_k N(x; μ_k, (v + βλ) I),   θ = (w_1, …, w_{K−1}, μ_1, …, μ_K),  w_K = 1 − Σ w_k,

and :class:`TiedMixture` evaluates its score s_θ(x, β) (``kind="score"``) for R parameter rows
at once: the flat batch holds R blocks of n samples, block r scored with θ_r. Any of the losses
(:class:`GSMLoss` at β = 0, :class:`CTLDLoss`, :class:`DSMLoss`) then fits it.

:func:`fit_tied` is the M-estimator θ̂ = argmin (1/n) Σ_i ℓ(θ; x_i, ξ_i) with one fixed draw
ξ_i = (level, z, z′) per data point (``draws_per_point`` = K draws averaged per point, K times the
cost), minimized to convergence by the package's projected Newton
(:func:`gsmtheory.estimation.newton_minimize`, w kept in [0, 1]). :func:`sandwich` is its
asymptotic covariance Γ = H⁻¹ Cov(ψ) H⁻¹ (ψ = ∇_θ of the per-point loss, H = E ∇²_θ) by Monte
Carlo at θ*, for any per-sample loss, with a standard error from independent batches; √(Γ_jj/n)
is the predicted standard deviation of θ̂_j from n samples.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from gsmtheory._errors import SpecError
from gsmtheory.estimation import newton_minimize
from gsmtheory.networks._ctld import CTLDLoss
from gsmtheory.networks._dsm import DSMLoss
from gsmtheory.networks._gsm import GSMLoss

__all__ = ["SandwichEstimate", "TiedFit", "TiedMixture", "fit_tied", "sandwich", "tied_draws"]

Loss = GSMLoss | CTLDLoss | DSMLoss


@dataclass(frozen=True)
class TiedMixture:
    """K Gaussian components N(m_k, (v + βλ)I) in d dimensions tied across β: p_θ^β = p_θ ∗ N(0, βλI).

    θ = (w_1..w_{K−1}, means): a parametric head that any of the losses fits exactly.

    Parameters
    ----------
    components : int
        K.
    dim : int
        d.
    var : float
        v, the components' variance at β = 0.
    lam : float
        λ.

    Raises
    ------
    SpecError
        K < 1, d < 1, v ≤ 0 or λ ≤ 0.

    Examples
    --------
    >>> head = TiedMixture(2, 1)
    >>> head.names, head.theta([0.3, 0.7], [[-1.0], [1.0]]).tolist()
    (('w1', 'mu1', 'mu2'), [0.3, -1.0, 1.0])
    """

    components: int = 2
    dim: int = 1
    var: float = 1.0
    lam: float = 1.0

    def __post_init__(self) -> None:
        if self.components < 1 or self.dim < 1 or not (self.var > 0 and self.lam > 0):
            raise SpecError("a tied mixture needs K >= 1 components, d >= 1, var > 0 and lam > 0",
                            "give e.g. TiedMixture(2, 1, var=1.0, lam=1.0)")

    @property
    def n_params(self) -> int:
        """P = K − 1 weights + K·d means."""
        return self.components - 1 + self.components * self.dim

    @property
    def names(self) -> tuple[str, ...]:
        """w1..w(K−1), then mu{k}_{i}."""
        ws = tuple(f"w{k + 1}" for k in range(self.components - 1))
        return ws + tuple(f"mu{k + 1}_{i + 1}" if self.dim > 1 else f"mu{k + 1}"
                          for k in range(self.components) for i in range(self.dim))

    def theta(self, weights: Sequence[float], means: Sequence[Sequence[float]]) -> torch.Tensor:
        """θ (P,) in float64 from weights (K,) and means (K, d)."""
        m = np.asarray(means, dtype=float).reshape(self.components, self.dim)
        return torch.tensor([*list(weights)[:-1], *m.reshape(-1)], dtype=torch.float64)

    def bounds(self) -> list[tuple[float, float]]:
        """Weights in [0, 1], means free."""
        return [(0.0, 1.0)] * (self.components - 1) + [(-math.inf, math.inf)] * (self.components * self.dim)

    def _split(self, theta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        w = theta[:, : self.components - 1]
        logw = torch.log(torch.cat([w, 1 - w.sum(1, keepdim=True)], 1).clamp_min(0.0))
        return logw, theta[:, self.components - 1:].reshape(-1, self.components, self.dim)

    def log_density(self, x: torch.Tensor, beta: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        """log p_θ^β(x) for a flat batch x (R·n, d) of R blocks, β (R·n,), θ (R, P); shape (R·n,)."""
        R = theta.shape[0]
        logw, mu = self._split(theta)
        xr = x.reshape(R, -1, 1, self.dim)
        v = (self.var + self.lam * beta).reshape(R, -1, 1)
        sq = ((xr - mu[:, None]) ** 2).sum(-1)
        a = logw[:, None] - 0.5 * sq / v - 0.5 * self.dim * torch.log(2 * math.pi * v)
        return torch.logsumexp(a, -1).reshape(-1)

    def score(self, x: torch.Tensor, beta: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        """∇_x log p_θ^β(x), shape (R·n, d), in closed form."""
        R = theta.shape[0]
        logw, mu = self._split(theta)
        xr = x.reshape(R, -1, 1, self.dim)
        v = (self.var + self.lam * beta).reshape(R, -1, 1)
        diff = xr - mu[:, None]
        a = logw[:, None] - 0.5 * (diff * diff).sum(-1) / v
        r = torch.softmax(a, -1)
        return (-(r[..., None] * diff).sum(-2) / v).reshape(-1, self.dim)

    def model(self, theta: torch.Tensor, *, at_zero: bool = False) -> Callable[..., torch.Tensor]:
        """The score model s(x, β) of rows θ (or s(x) at β = 0 for :class:`GSMLoss`)."""
        if at_zero:
            return lambda x: self.score(x, torch.zeros(len(x), dtype=x.dtype, device=x.device), theta)
        return lambda x, beta: self.score(x, beta, theta)


def tied_draws(loss: Loss, x: torch.Tensor, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """One draw (level, z) per sample of a flat batch, as the loss's keyword arguments (none for GSM).

    Fixed draws make the empirical loss a deterministic function of θ (:func:`fit_tied`).

    Parameters
    ----------
    loss : callable
        A :class:`gsmtheory.networks.GSMLoss`, :class:`CTLDLoss` or :class:`DSMLoss`.
    x : torch.Tensor
        The flat batch (n, d).
    generator : torch.Generator
        The random stream.

    Returns
    -------
    dict of torch.Tensor
        ``level`` (n,) and ``noise`` (n, d) for the noised losses; empty for GSM.

    Examples
    --------
    >>> import torch
    >>> x = torch.zeros(3, 1, dtype=torch.float64)
    >>> draws = tied_draws(DSMLoss(log_uniform_schedule(20.0)), x, torch.Generator().manual_seed(0))
    >>> {k: tuple(v.shape) for k, v in draws.items()}, tied_draws(GSMLoss(), x, torch.Generator())
    ({'level': (3,), 'noise': (3, 1)}, {})
    """
    if isinstance(loss, CTLDLoss):
        return {"beta": loss.schedule.sample(len(x), x, generator),
                "noise": torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device),
                "face_noise": torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)}
    if isinstance(loss, DSMLoss):
        return {"level": loss.schedule.sample(len(x), x, generator),
                "noise": torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)}
    return {}


def _values(head: TiedMixture, loss: Loss, theta: torch.Tensor, x: torch.Tensor,
            draws: dict[str, torch.Tensor]) -> torch.Tensor:
    """Per-point loss (R, n_points) for R blocks: the mean over each point's K draws."""
    model = head.model(theta, at_zero=isinstance(loss, GSMLoss))
    v = loss.per_sample(model, x, **draws)  # type: ignore[arg-type]
    return v.reshape(theta.shape[0], -1)


@dataclass(frozen=True)
class TiedFit:
    """θ̂_r = argmin_θ of the empirical loss with fixed draws, for R data sets: θ̂ (R, P) and a status per row.

    Attributes
    ----------
    theta : ndarray
        θ̂ (R, P).
    status : tuple of str
        The Newton status per row (:func:`gsmtheory.estimation.newton_minimize`).
    names : tuple of str
        The parameter names.
    draws_per_point : int
        Noise draws per data point.
    loss : dict
        The loss's description.

    Examples
    --------
    >>> import torch
    >>> head = TiedMixture(1, 1)                       # one Gaussian N(μ, 1), θ = (μ,)
    >>> truth = head.theta([1.0], [[0.5]])
    >>> sampler = lambda m, seed: 0.5 + torch.randn(m, 1, generator=torch.Generator().manual_seed(seed)).double()
    >>> data = torch.stack([sampler(400, r) for r in range(5)])
    >>> fit = fit_tied(head, GSMLoss(reduction="none"), data, theta0=truth)
    >>> fit.theta.shape, bool(fit.solved.all())
    ((5, 1), True)
    """

    theta: np.ndarray
    status: tuple[str, ...]
    names: tuple[str, ...]
    draws_per_point: int
    loss: dict[str, Any]

    @property
    def solved(self) -> np.ndarray:
        """Rows with an estimate (interior minimizer, or on the box: a weight at 0 or 1)."""
        return np.array([s in ("converged", "bound") for s in self.status])


def fit_tied(head: TiedMixture, loss: Loss, data: torch.Tensor, *, theta0: torch.Tensor, seed: int = 0,
             draws_per_point: int = 1, max_iter: int = 100) -> TiedFit:
    """θ̂_r = argmin_θ (1/n)Σ_i loss_i(θ; draws) for each of R data sets (R, n, d), by projected Newton.

    ``theta0`` (R, P) or (P,) is the start (the truth, to study the local estimator). Data set r
    gets its draws from its own generator (seed·1000003 + r), so its estimate does not depend on R.

    Parameters
    ----------
    head : TiedMixture
        The model.
    loss : callable
        A per-sample loss (``reduction="none"``).
    data : torch.Tensor
        (R, n, d).
    theta0 : torch.Tensor
        The start.
    seed : int
        Seed of the draws.
    draws_per_point : int
        Noise draws per data point.
    max_iter : int
        Newton iterations.

    Returns
    -------
    TiedFit
        θ̂ (R, P) and a status per row.

    Raises
    ------
    SpecError
        Data that are not (R, n, d).

    Examples
    --------
    >>> import torch
    >>> head = TiedMixture(1, 1)                       # one Gaussian N(μ, 1), θ = (μ,)
    >>> truth = head.theta([1.0], [[0.5]])
    >>> sampler = lambda m, seed: 0.5 + torch.randn(m, 1, generator=torch.Generator().manual_seed(seed)).double()
    >>> data = torch.stack([sampler(400, r) for r in range(5)])
    >>> fit = fit_tied(head, GSMLoss(reduction="none"), data, theta0=truth)
    >>> bool(abs(fit.theta - 0.5).max() < 0.2)            # sd 1/√400 = 0.05
    True
    """
    if data.ndim != 3 or data.shape[2] != head.dim:
        raise SpecError(f"data of shape {tuple(data.shape)}", f"give R data sets of shape (R, n, {head.dim})")
    R, d = data.shape[0], data.shape[2]
    k = int(draws_per_point)
    xs = data.repeat_interleave(k, dim=1)
    per = [tied_draws(loss, xs[r], torch.Generator().manual_seed(int(seed) * 1_000_003 + r)) for r in range(R)]
    draws = {key: torch.stack([p[key] for p in per]) for key in per[0]}

    def objective(theta: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        sub = {key: v[rows].reshape(-1, *v.shape[2:]) for key, v in draws.items()}
        return _values(head, loss, theta, xs[rows].reshape(-1, d), sub).mean(1)

    start = theta0.expand(R, -1) if theta0.ndim == 1 else theta0
    res = newton_minimize(objective, start.to(data.dtype), bounds=head.bounds(), subset=True, max_iter=max_iter)
    return TiedFit(res.theta.detach().numpy(), res.status, head.names, k, loss.describe())


@dataclass(frozen=True)
class SandwichEstimate:
    """Γ = H⁻¹ Cov(ψ) H⁻¹ by Monte Carlo at θ*, with its entrywise standard error, H and the sample size.

    Attributes
    ----------
    covariance : ndarray
        Γ (P, P).
    standard_error : ndarray
        The entrywise standard error, from ``batches`` independent batches.
    hessian : ndarray
        H.
    points, batches : int
        Data points used and the number of batches.

    Examples
    --------
    >>> import torch
    >>> head = TiedMixture(1, 1)                       # one Gaussian N(μ, 1), θ = (μ,)
    >>> truth = head.theta([1.0], [[0.5]])
    >>> sampler = lambda m, seed: 0.5 + torch.randn(m, 1, generator=torch.Generator().manual_seed(seed)).double()
    >>> s = sandwich(head, GSMLoss(reduction="none"), truth, sampler, points=20000)
    >>> round(float(s.sd(100)[0]), 2)                  # Γ = 1: sd of μ̂ from 100 samples 0.1
    0.1
    """

    covariance: np.ndarray
    standard_error: np.ndarray
    hessian: np.ndarray
    points: int
    batches: int

    def sd(self, n: int) -> np.ndarray:
        """√(Γ_jj/n): the predicted standard deviation of each θ̂_j from n samples."""
        return np.sqrt(np.diag(self.covariance) / n)


def _batch(head: TiedMixture, loss: Loss, theta: torch.Tensor, x: torch.Tensor, k: int,
           gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-point gradients ψ (m, P) and the summed Hessian (P, P) over one batch of m points."""
    m = x.shape[0]
    xk = x.repeat_interleave(k, dim=0)
    draws = tied_draws(loss, xk, gen)
    th = theta.detach().expand(m, -1).clone().requires_grad_(True)
    f = _values(head, loss, th, xk, draws).mean(1)
    (psi,) = torch.autograd.grad(f.sum(), th, create_graph=True)
    rows = []
    for p in range(th.shape[1]):
        (g,) = torch.autograd.grad(psi[:, p].sum(), th, retain_graph=True)
        rows.append(g.sum(0))
    return psi.detach(), torch.stack(rows)


def sandwich(head: TiedMixture, loss: Loss, theta: torch.Tensor, sampler: Callable[[int, int], torch.Tensor], *,
             points: int = 20_000, batches: int = 10, draws_per_point: int = 1, seed: int = 0) -> SandwichEstimate:
    """Γ = H⁻¹ Cov(ψ) H⁻¹ of :func:`fit_tied`'s estimator at θ* by Monte Carlo over ``points`` data points.

    ψ is the per-data-point θ-gradient of the loss and H its mean θ-Jacobian (docs/design.md §6).
    ``sampler(m, seed)`` returns m data points (m, d) of the target. The points are split into
    ``batches`` independent batches; the standard error of each entry is the spread of the
    batch estimates over √batches (their O(1/m) bias is below it for the sizes used here).

    Parameters
    ----------
    head : TiedMixture
        The model.
    loss : callable
        A per-sample loss (``reduction="none"``).
    theta : torch.Tensor
        θ*.
    sampler : callable
        (m, seed) ↦ m data points.
    points, batches, draws_per_point, seed : int
        Data points, batches (≥ 2), noise draws per point, seed.

    Returns
    -------
    SandwichEstimate
        Γ with its standard error and H.

    Raises
    ------
    SpecError
        ``batches`` < 2 or fewer than 2 points per batch.

    Examples
    --------
    >>> import torch
    >>> head = TiedMixture(1, 1)                       # one Gaussian N(μ, 1), θ = (μ,)
    >>> truth = head.theta([1.0], [[0.5]])
    >>> sampler = lambda m, seed: 0.5 + torch.randn(m, 1, generator=torch.Generator().manual_seed(seed)).double()
    >>> s = sandwich(head, GSMLoss(reduction="none"), truth, sampler, points=20000)
    >>> bool(abs(s.covariance[0, 0] - 1.0) < 3 * s.standard_error[0, 0])   # GSM = MLE for a location: Γ = 1
    True
    """
    if batches < 2 or points < 2 * batches:
        raise SpecError("the sandwich needs batches >= 2 and at least 2 points per batch",
                        "give e.g. points=20000, batches=10")
    gen = torch.Generator().manual_seed(int(seed))
    m = points // batches
    psis, hs = [], []
    for b in range(batches):
        x = sampler(m, int(seed) * 1000 + b).to(torch.float64).reshape(m, head.dim)
        psi, h = _batch(head, loss, theta.reshape(1, -1).to(torch.float64), x, int(draws_per_point), gen)
        psis.append(psi)
        hs.append(h / m)

    def gamma(psi: torch.Tensor, H: torch.Tensor) -> np.ndarray:
        Hi = torch.linalg.inv(H)
        C = torch.cov(psi.T).reshape(H.shape)
        return (Hi @ C @ Hi.T).numpy()

    each = np.stack([gamma(p, h) for p, h in zip(psis, hs, strict=True)])
    H_all = torch.stack(hs).mean(0)
    full = gamma(torch.cat(psis), H_all)
    se = each.std(0, ddof=1) / math.sqrt(batches)
    return SandwichEstimate(full, se, H_all.numpy(), m * batches, batches)
