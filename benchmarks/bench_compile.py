"""Compiled GSM loss against a hand-written torch loss; derivation/compilation cold and cached.

Run: ``python -m benchmarks.bench_compile``. Reports
- time(compiled implicit loss + θ-gradient on 10⁶ points) / time(hand-written torch), target ≤ 1.5,
  for a two-component mixture in d = 2 (model: both means free, 4 parameters);
- cold derivation + compilation of the loss for a K = 4, d = 2 mixture (target < 10 s), and the
  same from the cache (target < 0.5 s);
- NumPy: the loss, its θ-gradient and θ-Hessian (15 outputs) on 2²¹ points evaluated in blocks
  (the default) over the same call in one piece, target ≤ 0.8, and the two bitwise equal.
"""

from __future__ import annotations

import time

import numpy as np
import sympy as sp
import torch

from benchmarks._util import best_of, write_result
from gsmtheory.compile import _compile, compile_expr
from gsmtheory.symbolic import (
    Diffusion,
    GaussianMixture,
    GSMLoss,
    MixtureExpressions,
    Model,
    gsm_loss,
)

N = 1_000_000


def _mixture_model(k: int, d: int) -> tuple[Diffusion, Model]:
    coords = sp.symbols(" ".join(f"x{i}" for i in range(d)), real=True)
    coords = tuple(coords) if isinstance(coords, tuple | list) else (coords,)
    params = sp.symbols(" ".join(f"m{j}_{i}" for j in range(k) for i in range(d)), real=True)
    rng = np.random.default_rng(0)
    truth = rng.normal(scale=2.0, size=(k, d))
    target = GaussianMixture(tuple(map(tuple, truth)), tuple([1.0] * k), tuple(map(tuple, np.eye(d))))
    diff = Diffusion(coords, target.log_density_expr(coords), name="mixture", mixture=target)
    means = tuple(tuple(params[j * d + i] for i in range(d)) for j in range(k))
    eye = tuple(tuple(sp.Integer(int(i == j)) for j in range(d)) for i in range(d))
    mix = MixtureExpressions(means, tuple([sp.Rational(1, k)] * k), eye)
    model = Model.gaussian_mixture(coords, params, mix, truth.ravel().tolist())
    return diff, model


def hand_written(x: torch.Tensor, means: torch.Tensor) -> torch.Tensor:
    """½|∇ log q|² + Δ log q for q = ½N(μ₁, I) + ½N(μ₂, I), by log-sum-exp responsibilities."""
    diff = x[:, None, :] - means[None, :, :]                     # (n, K, d)
    logits = -0.5 * (diff * diff).sum(-1)                        # (n, K)
    r = torch.softmax(logits, dim=1)                             # responsibilities
    mean_diff = (r[..., None] * diff).sum(1)                     # Σ r_k (x − μ_k)
    score = -mean_diff
    sq = (diff * diff).sum(-1)
    laplacian = -x.shape[1] + (r * sq).sum(1) - (mean_diff * mean_diff).sum(1)
    return 0.5 * (score * score).sum(1) + laplacian


def main() -> dict[str, float]:
    diff, model = _mixture_model(2, 2)
    loss = gsm_loss(diff, model)
    f = compile_expr((*diff.coords, *model.params), loss.implicit, "torch")
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(N, 2, generator=gen, dtype=torch.float64) * 2
    theta0 = torch.tensor(model.truth, dtype=torch.float64) + 0.1

    def compiled() -> None:
        th = theta0.clone().requires_grad_(True)
        value = f(x[:, 0], x[:, 1], *th.unbind()).mean()
        value.backward()

    def reference() -> None:
        th = theta0.clone().requires_grad_(True)
        value = hand_written(x, th.reshape(2, 2)).mean()
        value.backward()

    # same numbers first
    th = theta0.clone()
    got = f(x[:1000, 0], x[:1000, 1], *th.unbind())
    ref = hand_written(x[:1000], th.reshape(2, 2))
    max_rel = float(((got - ref).abs() / ref.abs().clamp_min(1e-12)).max())
    t_comp = best_of(compiled, repeat=5)
    t_ref = best_of(reference, repeat=5)

    # derivation + compilation: K = 4, d = 2, cold then cached
    gsm_loss.cache_clear()
    t0 = time.perf_counter()
    d4, m4 = _mixture_model(4, 2)
    l4 = gsm_loss(d4, m4)
    compile_expr((*d4.coords, *m4.params), [l4.implicit, *l4.theta_gradient], "torch")
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    d4b, m4b = _mixture_model(4, 2)  # equal, freshly built records (spec parsing, not derivation)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    l4b = gsm_loss(d4b, m4b)
    compile_expr((*d4b.coords, *m4b.params), [l4b.implicit, *l4b.theta_gradient], "torch")
    cached = time.perf_counter() - t0
    blocked, whole, same = _numpy_blocks(loss)
    result = {
        "numpy_blocked_seconds": blocked,
        "numpy_one_piece_seconds": whole,
        "ratio_blocked_over_one_piece": blocked / whole,
        "target_ratio_blocked": 0.8,
        "blocked_bitwise_equal": same,
        "points": N,
        "compiled_seconds": t_comp,
        "hand_written_seconds": t_ref,
        "ratio_compiled_over_hand_written": t_comp / t_ref,
        "target_ratio": 1.5,
        "max_relative_difference": max_rel,
        "derive_compile_k4_d2_cold_seconds": cold,
        "derive_compile_k4_d2_cached_seconds": cached,
        "build_records_k4_d2_seconds": build,
        "torch_threads": torch.get_num_threads(),
    }
    write_result("compile", result)
    for k, v in result.items():
        print(f"{k:>40}: {v:.4g}" if isinstance(v, float) else f"{k:>40}: {v}")
    return result


def _numpy_blocks(loss: GSMLoss) -> tuple[float, float, bool]:
    """Seconds of the NumPy loss, θ-gradient and θ-Hessian on 2²¹ points, in blocks and in one piece."""
    diff, model = loss.diffusion, loss.model
    f = compile_expr((*diff.coords, *model.params), [loss.implicit, *loss.theta_gradient, *loss.theta_hessian],
                     "numpy")
    x = np.random.default_rng(0).normal(scale=2.0, size=(2, 2**21))
    th = [float(t) + 0.1 for t in model.truth]
    last: dict[str, list[np.ndarray]] = {}

    def run(key: str) -> None:
        last[key] = f(x[0], x[1], *th)

    blocked = best_of(lambda: run("blocked"), repeat=3)
    saved = _compile._BLOCK
    _compile._BLOCK = 10**12  # one piece
    try:
        whole = best_of(lambda: run("whole"), repeat=3)
    finally:
        _compile._BLOCK = saved
    return blocked, whole, all(np.array_equal(a, b) for a, b in zip(last["blocked"], last["whole"]))


if __name__ == "__main__":
    main()
