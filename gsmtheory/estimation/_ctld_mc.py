r"""CTLD efficiency by Monte Carlo from exact samples, with batch standard errors (issue #14).

Where no symmetry reduction applies (:mod:`gsmtheory.estimation._ctld_reduce`) and tensor
quadrature costs nodes^d, the expectations of :func:`gsmtheory.estimation.ctld_efficiency` are
sample means. One draw per data point: x ∼ p, β ∼ r, z, z' ∼ N(0, I), x̃ = x + √(βλ)z;

- ψ = ∇_θφ(x̃, β) − Σ_f c_f ∇_θ flux_f(x_f) with x_0 = x, x_{β_max} = x + √(β_max λ)z'
  (faces from the same data point, what :func:`fit_ctld` does), ψ_exact = ∇_θφ(x̃, β);
  H = E[∇²_θφ(x̃, β)] − Σ_f c_f E[∇²_θ flux_f(x_f)]; Γ = H⁻¹ Cov(ψ) H⁻¹;
- vanilla score matching: H₀ = E_p[∇²_θφ₀], Γ₀ = H₀⁻¹ Cov_p(∇_θφ₀) H₀⁻¹;
- MLE: I_p = E_p[s sᵀ] and E_r I_{p^β} = E[s_β(x̃) s_β(x̃)ᵀ].

Standard errors: the samples are split into ``batches`` equal batches, every covariance is
recomputed per batch, and SE = sd over batches / √batches (a batch-means estimate of the
full-sample covariance's sampling error; its own relative error is ~1/√(2·batches)). The
record's ``error`` is the largest SE relative to the largest entry of its matrix.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import SpecError
from gsmtheory.estimation._ctld import CTLDEfficiency
from gsmtheory.numeric import sample_beta, sample_mixture
from gsmtheory.solve import ctld_schedule

__all__ = ["ctld_efficiency_monte_carlo"]

Array = NDArray[np.float64]
_KEYS = ("gsm", "gsm_exact", "vanilla", "mle0", "mle1", "H")


def _flat(x: Array, d: int) -> Array:
    return x[:, 0] if d == 1 else x


def _draws(problem: Any, n: int, rng: np.random.Generator) -> dict[str, Array]:

    th = [float(t) for t in problem.truth]
    P, d = problem.n_params, problem.dim
    lam = float(problem.params.lambda_min)
    x = sample_mixture(problem.target, n, rng)
    beta = sample_beta(ctld_schedule(problem.params), n, rng)
    xt = x + np.sqrt(beta * lam)[:, None] * rng.standard_normal((n, d))
    out = problem.bulk(_flat(xt, d), beta, th)
    g = np.stack(out[1:1 + P], axis=-1)
    h = np.stack(out[1 + P:1 + P + P * P], axis=-1)
    psi = g.copy()
    fh = np.zeros_like(h)
    for face in problem.faces:
        xf = x if face.at == 0.0 else x + math.sqrt(face.at * lam) * rng.standard_normal((n, d))
        vals = problem.face_values(face, _flat(xf, d), th)
        psi -= face.weight * np.stack(vals[1:1 + P], axis=-1)
        fh += face.weight * np.stack(vals[1 + P:], axis=-1)
    v = problem.vanilla_pieces(_flat(x, d), th)
    s0 = problem.model_score(_flat(x, d), None, th)
    s1 = problem.model_score(_flat(xt, d), beta, th)
    return {"g": g, "psi": psi, "h": h - fh, "gv": np.stack(v[1:1 + P], axis=-1),
            "hv": np.stack(v[1 + P:], axis=-1), "s0": s0, "s1": s1}


def _cov(a: Array) -> Array:
    c = a - a.mean(axis=0)
    return np.asarray(c.T @ c / (len(a) - 1))


def _gammas(s: dict[str, Array], P: int) -> dict[str, Array]:
    H = s["h"].mean(axis=0).reshape(P, P)
    Hi = np.linalg.inv(0.5 * (H + H.T))
    Hv = s["hv"].mean(axis=0).reshape(P, P)
    Hvi = np.linalg.inv(0.5 * (Hv + Hv.T))
    out = {"gsm": Hi @ _cov(s["psi"]) @ Hi, "gsm_exact": Hi @ _cov(s["g"]) @ Hi,
           "vanilla": Hvi @ _cov(s["gv"]) @ Hvi,
           "mle0": np.linalg.inv(s["s0"].T @ s["s0"] / len(s["s0"])),
           "mle1": np.linalg.inv(s["s1"].T @ s["s1"] / len(s["s1"])), "H": H}
    return {k: 0.5 * (v + v.T) for k, v in out.items()}


def ctld_efficiency_monte_carlo(problem: Any, *, samples: int = 200_000, batches: int = 20,
                                seed: int | np.random.Generator = 0) -> Any:
    r"""Γ_CTLD (both face treatments), Γ_vanilla, Γ_MLE (both baselines) from ``samples`` exact draws.

    Returns a :class:`gsmtheory.estimation.CTLDEfficiency` whose ``resolution`` holds the
    standard error of every matrix (``standard_errors``) and the sample sizes.
    """

    if batches < 4 or samples < 100 * batches:
        raise SpecError(f"{samples} samples in {batches} batches is too few",
                        "use at least 4 batches of 100 samples")
    rng = np.random.default_rng(seed)
    P = problem.n_params
    per = samples // batches
    parts = [_draws(problem, per, rng) for _ in range(batches)]
    allv = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    full = _gammas(allv, P)
    per_batch = [_gammas(p, P) for p in parts]
    se = {k: np.std([b[k] for b in per_batch], axis=0, ddof=1) / math.sqrt(batches) for k in _KEYS}
    err = max(float(np.max(se[k]) / max(float(np.max(np.abs(full[k]))), 1e-300))
              for k in ("gsm", "gsm_exact", "vanilla", "mle0", "mle1"))
    eff = CTLDEfficiency(problem.param_names, full["gsm"], full["gsm_exact"], full["vanilla"], full["mle0"],
                         full["mle1"], full["H"], err,
                         f"Monte Carlo from {per * batches} exact draws (standard errors from {batches} batches)",
                         {"samples": per * batches, "batches": batches, "dim": problem.dim,
                          "standard_errors": {k: v.tolist() for k, v in se.items()}})
    return eff
