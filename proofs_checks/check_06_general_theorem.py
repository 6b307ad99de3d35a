r"""Claim 6 (general theorem): ‖Γ_GSM‖ ≤ c·C_P²·‖Γ_MLE‖²·(smoothness terms), reported c = 2.

Statement (Qin & Risteski 2023, general GSM efficiency theorem; Koehler et al. 2023 Thm for
D = I), in the form reconstructed from its proof: with the per-sample GSM gradient
ψ = a + b, a = J D ∇ℓ_θ (θ-gradient of ½|Oℓ_θ|²) and b = ∇_θ∇·(D∇ℓ_θ),
Cov(ψ) ⪯ 2Cov(a) + 2Cov(b) and H⁻¹ ⪯ C_P·Γ_MLE (key lemma) give

    ‖Γ_GSM‖ ≤ 2·C_P²·‖Γ_MLE‖²·(‖Cov(a)‖ + ‖Cov(b)‖).

Splitting b into its trace and drift parts gives three terms and c = 3 ("derivable").

Why this tests it: every ingredient is computed by quadrature (C_P by the spectral module or
the estimation fallback); the record reports, per case, the smallest c that makes the
inequality hold (it must be ≤ 2) and the slack RHS/LHS, for both splittings.
"""

from __future__ import annotations

from gsmtheory.estimation import efficiency
from gsmtheory.symbolic import load_spec
from gsmtheory.verify import ClaimRecord

CLAIM_ID = "C06"


def _cases(quick: bool) -> list[tuple[str, str, dict[str, float]]]:
    base = [("gaussian", "gaussian", {}),
            ("state-dependent-langevin", "state-dependent-langevin", {}),
            ("double-well beta=1", "double-well", {"beta": 1.0}),
            ("bimodal m=2", "bimodal", {"m": 2.0}),
            ("bimodal-weight m=1.5", "bimodal-weight", {"m": 1.5}),
            ("bimodal-weight m=3", "bimodal-weight", {"m": 3.0})]
    if not quick:
        base += [("double-well beta=4", "double-well", {"beta": 4.0}),
                 ("bimodal-weight m=4", "bimodal-weight", {"m": 4.0}),
                 ("reflected-gaussian", "reflected-gaussian", {})]
    return base


def check(quick: bool = True) -> ClaimRecord:
    """Smallest constant each case needs, against the reported 2 (upper bound)."""
    needed, needed3, slack, per = [], [], [], {}
    for label, name, consts in _cases(quick):
        eff = efficiency(load_spec(name, consts))
        th = eff.theorem
        if th is None:
            raise RuntimeError(f"no C_P for {label}")
        needed.append(th.needed_constant)
        needed3.append(th.needed_constant_three_terms)
        slack.append(th.slack)
        per[label] = th.to_dict()
    worst = max(needed)
    findings = [f"The largest constant any case needs is c = {worst:.3g} (two-term form) and "
                f"{max(needed3):.3g} (three-term form), against the reported 2; the bound's slack "
                f"RHS/LHS ranges from {min(slack):.3g} to {max(slack):.3g}."]
    return ClaimRecord.bound(
        CLAIM_ID, "‖Γ_GSM‖ ≤ 2·C_P²·‖Γ_MLE‖²·(‖Cov(J D ∇ℓ)‖ + ‖Cov(∇_θ∇·(D∇ℓ_θ))‖).",
        "Qin & Risteski 2023 (arXiv 2306.09332), general GSM theorem; Koehler et al. 2023",
        needed, 2.0, upper=True, tolerance=1e-6,
        tolerance_reason="quadrature at 1e-10 and C_P to its error estimate",
        details={"cases": list(per), "per_case": per, "needed_constant_three_terms": needed3},
        findings=findings)
