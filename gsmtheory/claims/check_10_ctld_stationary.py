r"""Claim 10: the CTLD joint density p(x, β) ∝ r(β)·(p * N(0, βλ))(x) is stationary.

Statement (Qin & Risteski 2023, CTLD construction): Langevin on (x, β) with β reflected at 0
and β_max leaves r(β)p^β(x) invariant.

Why this tests it: (1) symbolically, the Fokker–Planck residual of the identity diffusion
vanishes for a generic ℓ(x, β), the probability flux through the β-faces vanishes (the
reflecting condition), and the residual of the actual lifted ℓ of ``ctld-bimodal`` evaluates to
~0 in 50 digits; (2) by simulation, chains started at one point (x = −m, β = 0) are run by
Euler–Maruyama with mirror reflection for ~5 relaxation times; the β-marginal is compared with
r/Z_r and x | β with p^β (probability integral transform) by Kolmogorov–Smirnov.

Tolerance: KS p-value > 0.01 at a fixed seed (the acceptance level of issue 5); the symbolic
part must hold exactly.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from gsmtheory.numeric import ctld_drift, mixture_cdf, reflected_langevin
from gsmtheory.solve import ctld_schedule
from gsmtheory.symbolic import ctld_lift_spec, ctld_stationarity, load_spec
from gsmtheory.verify import ClaimRecord, Source, Verdict

CLAIM_ID = "C10"

SOURCE = Source('COLT 2024', 'Definition 6, p. 9',
                'dX = ∇_x log p^β dt + √2 dB, dβ = ∇_β log r dt + ∇_β log p^β dt + √2 dB′ (reflected); stationary law r(β) p^β(x)')


def check(quick: bool = True) -> ClaimRecord:
    """Stationarity of r(β)p^β: symbolic residual and reflected-SDE KS tests."""
    lifted, _, _ = ctld_lift_spec(load_spec("ctld-bimodal"))
    sym = ctld_stationarity(lifted)
    spec = load_spec("ctld-bimodal", constants={"m": 0.5})
    _, _, params = ctld_lift_spec(spec)
    mix = spec.diffusion.mixture
    assert mix is not None
    chains, dt, span = (1500, 0.025, 50.0) if quick else (4000, 0.01, 100.0)
    schedule = ctld_schedule(params)
    sim = reflected_langevin(ctld_drift(mix, schedule), np.full((chains, 1), -0.5), np.zeros(chains), schedule.beta_max,
                             time_span=span, dt=dt, rng=np.random.default_rng(0))
    p_beta = float(stats.kstest(schedule.law.cdf(sim.t), "uniform").pvalue)
    # x | β ∼ p^β: its CDF is the mixture's at s = βλ (probability integral transform)
    p_x = float(stats.kstest(mixture_cdf(mix, sim.x[:, 0], sim.t * schedule.lambda_min), "uniform").pvalue)
    computed = [p_beta, p_x, 1.0 if sym.verdict else 0.0]
    return ClaimRecord.bound(
        CLAIM_ID, "CTLD leaves r(beta) p^beta(x) stationary (Langevin on (x, beta), beta reflected).",
        "Qin & Risteski 2023, CTLD construction", computed, 0.01, upper=False,
        tolerance_reason="KS p-values at a fixed seed must exceed 0.01; the third entry is 1 when the symbolic "
                         "residual, face flux and 50-digit residual all vanish",
        details={"symbolic": sym.to_dict(), "ks_p_beta": p_beta, "ks_p_x_given_beta": p_x,
                 "chains": chains, "dt": dt, "time_span": span, "reflections": sim.reflections,
                 "beta_max": params.beta_max, "start": {"x": -0.5, "beta": 0.0}}, source=SOURCE,
        labels=["KS p-value of the β-marginal", "KS p-value of x given β", "symbolic stationarity (1 = exact)"],
        verdicts=[Verdict(f"{SOURCE.citation}: stationary law r(β)p^β(x)", "holds",
                          f"Holds: the Fokker–Planck residual and the β-face flux vanish symbolically, and "
                          f"{chains} reflected chains reproduce r (KS p = {p_beta:.3g}) and p^β given β (p = {p_x:.3g}).")])
