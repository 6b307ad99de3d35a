r"""Claim 33 (Theorem 13, COLT 2024 p. 10): the smoothness terms of Theorem 6 for the CTLD loss are
polynomial in D, d and λ_min⁻¹.

Printed: for Gaussian mixtures with shared covariance (Assumption 1) and the means as parameters
(Assumption 2), the covariances of Theorem 6 applied to the lifted chain — ‖Cov(J∇ℓ)‖ and
‖Cov(∇_θ Δℓ_θ)‖ on (x, β), J = ∇_θ∇_(x,β) log p_θ — are ≲ poly(D, d, λ_min⁻¹); no exponents are
printed.

Why this tests it: ``lifted_smoothness`` computes both covariances by quadrature on the lifted
stationary law r(β)p^β(x) (the same numbers ``gsmtheory efficiency`` reports as
``theorem.smoothness`` for a spec with a ``[ctld]`` table) for the symmetric means model ±a of
½N(−m, 1) + ½N(m, 1) at several separations, and, in full mode, for the covariance σ²·1 (λ_min = σ²)
at fixed D. ``classify_growth`` must not find exponential growth in D; the fitted power-law
exponents are reported.

Pass (rate): the power-law exponent in D of the larger term lies in [−20, 20] and the growth is
not classified exponential. Verdict: holds (no exponent printed).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from gsmtheory.estimation import classify_growth, lifted_smoothness
from gsmtheory.solve import build_problem
from gsmtheory.symbolic import load_spec, parse_spec
from gsmtheory.verify import ClaimRecord, Source, Verdict

CLAIM_ID = "C33"

SOURCE = Source("COLT 2024", "Theorem 13, p. 10",
                "the smoothness terms of Theorem 6 for the CTLD loss are ≲ poly(D, d, λ_min⁻¹) (no exponents printed)")

SCALED = """coords = ["x"]
[constants]
m = 1.0
s = 1.0
[mixture]
means = [["-m"], ["m"]]
weights = [0.5, 0.5]
covariance = [["s"]]
[model]
params = ["a"]
truth = {a = "m"}
[model.mixture]
means = [["-a"], ["a"]]
weights = [0.5, 0.5]
covariance = [["s"]]
[ctld]
lambda_min = "s"
diameter = "2*m"
"""


def check(quick: bool = True) -> ClaimRecord:
    """The two lifted smoothness terms over D (and λ_min in full mode); growth classified."""
    ms = [0.5, 1.0, 2.0, 4.0] if quick else [0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0]
    panels, nh = (4, 6) if quick else (6, 8)
    terms = [lifted_smoothness(build_problem(load_spec("ctld-bimodal", constants={"m": m}), lift=True), panels, nh) for m in ms]
    diam = [2 * m for m in ms]
    top = [max(t) for t in terms]
    g = classify_growth(diam, top)
    k = float(g.rates["polynomial"][0])
    details: dict[str, Any] = {"separation": ms, "diameter": diam, "cov_J_grad_l": [t[0] for t in terms],
                               "cov_grad_theta_laplacian": [t[1] for t in terms], "growth_in_D": g.to_dict()}
    lam_note = ""
    if not quick:
        sig = [0.25, 0.5, 1.0, 2.0]
        lt = [lifted_smoothness(build_problem(parse_spec(SCALED, constants={"m": 2.0, "s": s}), lift=True), panels, nh)
              for s in sig]
        k_lam = float(np.polyfit(np.log(1 / np.array(sig)), np.log([max(t) for t in lt]), 1)[0])
        details["lambda_min_direction"] = {"lambda_min": sig, "terms": [list(t) for t in lt],
                                           "fitted_exponent_inverse_lambda_min": k_lam}
        lam_note = f"; at D = 4 they grow like λ_min^-{k_lam:.2f} as λ_min = σ² decreases"
    ok = g.label not in ("exponential", "exponential_quadratic")
    rec = ClaimRecord.rate(
        CLAIM_ID, "The smoothness terms of Theorem 6 for the CTLD loss (means model) grow at most polynomially in D "
                  "(Theorem 13: poly(D, d, λ_min⁻¹)).",
        "Qin & Risteski, COLT 2024, Theorem 13", k, (-20.0, 20.0),
        "power-law exponent in D of the larger smoothness term; also required: growth not classified exponential",
        theoretical=[-20.0, 20.0], details=details, source=SOURCE, labels=["power-law exponent in D"],
        findings=[f"The lifted smoothness terms are {', '.join(f'{t[0]:.3g}/{t[1]:.3g}' for t in terms)} at D = "
                  f"{', '.join(f'{d:g}' for d in diam)} (‖Cov(J∇ℓ)‖/‖Cov(∇_θΔℓ)‖): classified {g.label}, power law "
                  f"D^{k:.2f}{lam_note}."],
        verdicts=[Verdict(f"{SOURCE.citation}: {SOURCE.printed}", "holds",
                          f"Holds: the larger smoothness term is classified {g.label} in D (power law D^{k:.2f}, "
                          f"D = {diam[0]:g}..{diam[-1]:g}){lam_note}; no exponents are printed to compare.")])
    return rec if ok else replace(rec, passed=False)
