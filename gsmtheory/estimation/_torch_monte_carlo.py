r"""Monte Carlo in torch: f(E u) with delta-method standard errors, the sample grown to a tolerance.

The draws come from :class:`gsmtheory.numeric.MixtureDraws`. :func:`delta_method_means` estimates blocks f(m) of the mean m = E[u] of a per-draw statistic u (S
numbers): m̂ is the mean of G groups of ``group`` draws, Cov(m̂) ≈ Σ_g (m_g − m̂)(m_g − m̂)ᵀ / (G(G − 1))
and SE(f_b) = √(J Cov(m̂) Jᵀ)_bb with J = ∂f/∂m by autograd at m̂. The groups grow (by the projected
G·(error/rtol)², at most to the budget) until every block's largest standard error is at most ``rtol``
times its largest entry.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from gsmtheory._progress import progress_bar

if TYPE_CHECKING:  # torch is the [torch] extra, imported where a torch path runs
    import torch

__all__ = ["delta_method_means"]

Array = NDArray[np.float64]


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
