"""Monte Carlo in torch (gsmtheory/estimation/_torch_monte_carlo.py): the delta-method errors match the known
standard error of a mean and of a ratio."""

from __future__ import annotations

import numpy as np
import pytest

from gsmtheory.estimation._torch_monte_carlo import delta_method_means

torch = pytest.importorskip("torch")


def test_delta_method_errors_of_a_mean_and_a_ratio_and_growth() -> None:
    """u = (a, b) with a ∼ N(1, 1), b ∼ N(2, 1) independent: SE(mean a) = 1/√n and, for f = a/b,
    SE ≈ √(1/4 + 1/16)/√n by the delta method; with rtol the groups grow until it is met."""
    gen = torch.Generator().manual_seed(0)

    def stats(n: int) -> torch.Tensor:
        return torch.randn((n, 2), generator=gen, dtype=torch.float64) + torch.tensor([1.0, 2.0], dtype=torch.float64)

    def f(m: torch.Tensor) -> torch.Tensor:
        return torch.stack([m[0], m[0] / m[1]])

    n = 1 << 16
    vals, ses, err, groups = delta_method_means(stats, f, ["mean", "ratio"], (1,), samples=n, rtol=0.0,
                                                max_samples=n, group=256, per_batch=16, label="test")
    assert groups == n // 256
    assert ses["mean"][0] == pytest.approx(1 / np.sqrt(n), rel=0.15)
    assert ses["ratio"][0] == pytest.approx(np.sqrt(1 / 4 + 1 / 16) / np.sqrt(n), rel=0.15)
    assert vals["ratio"][0] == pytest.approx(0.5, abs=5 * ses["ratio"][0])
    _, _, err, grown = delta_method_means(stats, f, ["mean", "ratio"], (1,), samples=8 * 256, rtol=0.01,
                                          max_samples=n, group=256, per_batch=16, label="test")
    assert err <= 0.01 and 8 < grown <= n // 256
