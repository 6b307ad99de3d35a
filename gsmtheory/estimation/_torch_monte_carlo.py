r"""Monte Carlo in torch: exact draws of a Gaussian mixture and of a tabulated 1D law; f(E u) with delta-method errors.

:class:`MixtureDraws` draws, on one device from one seeded generator, z ∼ N(0, I_d), x ∼ Σ_k w_k N(μ_k, Σ)
(a component by its weight, then μ_k + L z with L Lᵀ = Σ) and t from a law tabulated as (nodes, CDF)
(:func:`gsmtheory.numeric.inverse_cdf`, the one inverse-CDF sampler of the package).

:func:`delta_method_means` estimates blocks f(m) of the mean m = E[u] of a per-draw statistic u (S
numbers): m̂ is the mean of G groups of ``group`` draws, Cov(m̂) ≈ Σ_g (m_g − m̂)(m_g − m̂)ᵀ / (G(G − 1))
and SE(f_b) = √(J Cov(m̂) Jᵀ)_bb with J = ∂f/∂m by autograd at m̂. The groups grow (by the projected
G·(error/rtol)², at most to the budget) until every block's largest standard error is at most ``rtol``
times its largest entry.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._progress import progress_bar
from gsmtheory.numeric import InverseCDFTable, MixtureLike, inverse_cdf

if TYPE_CHECKING:  # torch is the [torch] extra, imported where a torch path runs
    import torch

__all__ = ["MixtureDraws", "delta_method_means"]

Array = NDArray[np.float64]


class MixtureDraws:
    """Exact draws of a Gaussian mixture, of N(0, I_d) and of a tabulated law on one device (float64).

    Parameters
    ----------
    mixture : MixtureLike
        The mixture Σ_k w_k N(μ_k, Σ).
    table : (nodes, cdf)
        The tabulated law of :meth:`law` (e.g. :func:`gsmtheory.numeric.beta_table`).
    device : str
        A torch device.
    seed : int
        Seed of the one generator all draws come from.

    Examples
    --------
    >>> import numpy as np
    >>> from gsmtheory.numeric import MixtureArrays
    >>> table = (np.array([0.0, 1.0, 2.0]), np.array([0.0, 0.5, 1.0]))
    >>> draws = MixtureDraws(MixtureArrays(means=[[0.0]], weights=[1.0], covariance=[[1.0]]), table, "cpu", 0)
    >>> tuple(draws.target(5).shape), bool(((draws.law(100) >= 0) & (draws.law(100) <= 2)).all())
    ((5, 1), True)
    """

    def __init__(self, mixture: MixtureLike, table: tuple[Array, Array], device: str, seed: int) -> None:
        import torch
        opts: dict[str, Any] = {"dtype": torch.float64, "device": device}
        self.d = mixture.dim
        self.means = torch.tensor(mixture.means, **opts)
        self.weights = torch.tensor(mixture.weights, **opts)
        self.chol = torch.linalg.cholesky(torch.tensor(mixture.covariance, **opts))
        self.table = InverseCDFTable.from_cdf(*table).to_torch(device)
        self.opts = opts
        self.gen = torch.Generator(device=device).manual_seed(int(seed))

    def normal(self, n: int) -> torch.Tensor:
        """n draws of N(0, I_d), shape (n, d)."""
        import torch
        return torch.randn((n, self.d), generator=self.gen, **self.opts)

    def law(self, n: int) -> torch.Tensor:
        """n draws of the tabulated law by inverse CDF, shape (n,)."""
        import torch
        return inverse_cdf(self.table, torch.rand(n, generator=self.gen, **self.opts))

    def target(self, n: int) -> torch.Tensor:
        """n draws of the mixture, shape (n, d)."""
        import torch
        k = torch.multinomial(self.weights, n, replacement=True, generator=self.gen)
        return self.means[k] + self.normal(n) @ self.chol.T


def delta_method_means(statistics: Callable[[int], torch.Tensor], f: Callable[[torch.Tensor], torch.Tensor],
                       blocks: Sequence[str], shape: tuple[int, ...], *, samples: int, rtol: float,
                       max_samples: int, group: int, per_batch: int, label: str
                       ) -> tuple[dict[str, Array], dict[str, Array], float, int]:
    r"""f(E u) and its delta-method standard errors from groups of draws, grown to ``rtol`` (module docstring).

    Parameters
    ----------
    statistics : callable
        n ↦ u for n fresh draws, a tensor (n, S).
    f : callable
        m (S,) ↦ the blocks, concatenated and flattened (len(blocks)·prod(shape),).
    blocks : sequence of str
        The blocks' names, in the order of ``f``'s output.
    shape : tuple of int
        The shape of every block.
    samples, max_samples : int
        Draws to start with, and the budget (both rounded up to whole groups).
    rtol : float
        Target of the largest relative standard error of every block.
    group : int
        Draws per group mean.
    per_batch : int
        Groups drawn per call of ``statistics``.
    label : str
        The progress bar's label.

    Returns
    -------
    values, standard_errors : dict of ndarray
        Per block, at the final sample.
    error : float
        The largest relative standard error of a block (relative to its largest entry).
    groups : int
        G, the number of groups drawn.

    Examples
    --------
    The mean of N(0, 1) draws (f the identity), 64 groups of 16: the standard error is about 1/32:

    >>> import torch
    >>> gen = torch.Generator().manual_seed(0)
    >>> values, ses, error, groups = delta_method_means(
    ...     lambda n: torch.randn((n, 1), generator=gen, dtype=torch.float64), lambda m: m, ["mean"], (1,),
    ...     samples=1024, rtol=0.0, max_samples=1024, group=16, per_batch=8, label="example")
    >>> groups, bool(0.02 < ses["mean"][0] < 0.05)
    (64, True)
    """
    import torch
    size = math.prod(shape)
    means: list[torch.Tensor] = []  # one row per group of `group` draws
    target = -(-samples // group)
    bar = progress_bar(target, label, "group")
    while True:
        bar.total = target
        while len(means) < target:
            k = min(per_batch, target - len(means))
            u = statistics(k * group)
            means.extend(u.reshape(k, group, -1).mean(dim=1).unbind(0))
            bar.update(k)
        groups = torch.stack(means)
        m = groups.mean(dim=0)
        vals = f(m)
        jac = torch.autograd.functional.jacobian(f, m)  # (blocks·size, S)
        infl = (groups - m) @ jac.T  # (G, blocks·size)
        G = groups.shape[0]
        se = torch.sqrt((infl ** 2).sum(dim=0) / (G * (G - 1)))
        full = {k: vals[i * size:(i + 1) * size].reshape(shape).cpu().numpy() for i, k in enumerate(blocks)}
        ses = {k: se[i * size:(i + 1) * size].reshape(shape).cpu().numpy() for i, k in enumerate(blocks)}
        err = max(float(np.max(ses[k]) / max(float(np.max(np.abs(full[k]))), 1e-300)) for k in blocks)
        budget = max_samples // group
        if err <= rtol or G >= budget:
            bar.close()
            return full, ses, err, G
        target = min(budget, max(G + 1, math.ceil(1.1 * G * (err / max(rtol, 1e-300)) ** 2)))
