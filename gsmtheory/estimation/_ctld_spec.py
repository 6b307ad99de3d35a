r"""CTLD efficiency of a spec: the d ≤ 2 quadrature, the reduction along U for d ≥ 3, or Monte Carlo.

The spec-facing entry of the annealed estimator's covariances, kept apart from the problem
and its quadrature in :mod:`._ctld` so that the reduction (:mod:`._ctld_reduce`) and the Monte
Carlo fallback (:mod:`._ctld_mc`), which build on :mod:`._ctld`, are chosen here.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg

from gsmtheory._errors import ModelError
from gsmtheory.estimation._ctld import (
    ctld_efficiency,
    ctld_problem,
    lift_of,
    lifted_smoothness,
)
from gsmtheory.estimation._ctld_mc import ctld_efficiency_monte_carlo
from gsmtheory.estimation._ctld_reduce import ctld_efficiency_reduced
from gsmtheory.estimation._efficiency import Efficiency, replace_lifted
from gsmtheory.numeric import ctld_poincare, ctld_poincare_3d
from gsmtheory.symbolic import Spec

__all__ = ["ctld_efficiency_spec"]


def ctld_efficiency_spec(spec: Spec, *, panels: int = 6, nh: int = 8, poincare: bool = True,
                         samples: int = 1_600_000, rtol: float = 1e-2, seed: int = 0, device: str = "auto",
                         **overrides: object) -> Efficiency:
    r"""CTLD efficiency of a spec with a ``[ctld]`` table (or the defaults), with C_P and the theorem.

    Γ_CTLD (faces from the same data points), Γ_vanilla, Γ_MLE (original) and the lifted
    Γ_MLE = E_r[I_{p^β}]⁻¹ as in :func:`ctld_efficiency`; with ``poincare`` also C_P of the
    lifted chain (:func:`gsmtheory.numeric.ctld_poincare` for d = 1, the 3D finite-volume
    :func:`gsmtheory.numeric.ctld_poincare_3d` for d = 2) and the general theorem applied to
    the lift (Qin & Risteski 2023, Thm. 2 with the CTLD generator):
    ‖Γ‖ ≤ 2·C_P²·‖Γ_MLE,lifted‖²·(‖Cov(J∇ℓ)‖ + ‖Cov(∇_θΔℓ_θ)‖) on (x, β), J = ∇_θ∇_(x,β)ℓ_θ,
    where Γ is the estimator from joint samples (faces known; the bulk-only theorem ignores
    the β-faces, so the check reports lhs with and without the shared-data face terms).
    Mixtures in d ≥ 3 go to :func:`gsmtheory.estimation.ctld_efficiency_reduced` (the 1D problem
    along the means' span plus a closed-form term; C_P by angular sectors; no theorem), and where
    no reduction applies to :func:`gsmtheory.estimation.ctld_efficiency_monte_carlo` in torch on
    ``device`` (a standard error per block; at most ``samples`` draws, fewer once every block's
    relative standard error is below ``rtol``; no C_P).
    """
    if spec.diffusion.dim >= 3 and spec.diffusion.mixture is not None:  # issue #14: reduce to 1D along U
        try:
            return ctld_efficiency_reduced(spec, panels=panels, nh=nh, poincare=poincare, **overrides)
        except ModelError as exc:  # no reduction: Monte Carlo with standard errors, no C_P
            mc_problem = ctld_problem(spec, **overrides)
            mc = ctld_efficiency_monte_carlo(mc_problem, samples=min(100_000, samples), max_samples=samples,
                                             rtol=rtol, seed=seed, device=device)
            return replace_lifted(mc, ctld=lift_of(mc_problem).params,
                                  resolution={**mc.resolution, "why_not_reduced": str(exc)})
    problem = ctld_problem(spec, **overrides)
    eff = ctld_efficiency(problem, panels=panels, nh=nh)
    pr = None
    theorem = None
    lift = lift_of(problem)
    if poincare and lift.dim <= 2:
        if lift.dim == 1:
            pr = ctld_poincare(lift.target, lift.schedule, cells=8)
        else:
            pr = ctld_poincare_3d(lift.target, lift.schedule, resolution=0.8, rtol=1e-2)
        s_a, s_b = lifted_smoothness(problem, 2 * panels, 2 * nh)
        c_p = pr.poincare_constant
        mle_norm = float(np.linalg.norm(eff.mle_lifted, 2))
        base = c_p ** 2 * mle_norm ** 2 * (s_a + s_b)
        lhs = float(np.linalg.norm(eff.gsm_covariance_exact_faces, 2))
        lhs_shared = float(np.linalg.norm(eff.gsm_covariance, 2))
        # Proposition 2 (i), H⁻¹ ⪯ C_P(lift)·Γ_MLE, as C_P/λ_max(H⁻¹, Γ_MLE) (≥ 1 when it holds) for both baselines
        h_inv = np.linalg.inv(np.atleast_2d(eff.hessian))
        key = {name: float(c_p / scipy.linalg.eigh((h_inv + h_inv.T) / 2, np.atleast_2d(g), eigvals_only=True)[-1])
               for name, g in (("lifted", eff.mle_lifted), ("original", eff.mle_original))}
        theorem = {"lhs": lhs, "lhs_shared_data_faces": lhs_shared, "rhs": 2.0 * base, "constant": 2.0,
                   "key_lemma": {**key, "statement": "C_P(lift) / lambda_max(H^-1, Gamma_MLE): >= 1 when "
                                                     "H^-1 <= C_P Gamma_MLE (Proposition 2 (i)), per MLE baseline"},
                   "poincare_constant": c_p, "mle_norm": mle_norm, "baseline": "lifted",
                   "smoothness": {"cov_J_grad_l": s_a, "cov_grad_theta_laplacian": s_b},
                   "needed_constant": lhs / base if base > 0 else math.inf,
                   "slack": 2.0 * base / lhs if lhs > 0 else math.inf, "holds": bool(lhs <= 2.0 * base),
                   "statement": "||Gamma_CTLD|| <= 2 C_P(lift)^2 ||Gamma_MLE,lifted||^2 (||Cov(J grad l)|| + "
                                "||Cov(grad_theta lap l)||) on (x, beta); faces ignored by the bound"}
    return replace_lifted(eff, ctld=lift.params, poincare=pr, theorem=theorem)
