r"""Claim 29 (Theorems 12 and 14, COLT 2024 p. 10): the dependence on the ambient dimension d.

Printed: C_P(CTLD) ≲ D²² d² λ_max⁹ λ_min⁻² (Theorem 12) and ‖Γ_SM‖ ≤ poly(D, d, λ_max, λ_min⁻¹)
‖Γ_MLE‖² (Theorem 14); both are statements about the ambient dimension d at fixed diameter D.

Why this tests it: for ½N(−m e, I) + ½N(m e, I) in R^d (|e| = 1, m = 3, D = 2m = 6, λ = 1, r and
β_max of Definition 6) the package computes, for each d, C_P(Langevin) by the exact symmetry
reduction (the 1D value for every d), C_P(CTLD) by angular sectors (``ctld_poincare_nd``: a 3D
reversible problem in (u, ρ, β) for every d, sectors ℓ = 0 and 1; beyond d = 65 in the ridge
coordinate t = ρ/s(β), which reaches d = 1000 in the full mode) and ‖Γ_CTLD‖/‖Γ_MLE‖² for the
means along e (``dimension_scaling``). The exponents in d are log–log slopes (local, between the
two largest d, and the range over consecutive d).

Pass (rate): the larger of the largest consecutive log–log slopes in d of C_P(CTLD) and of
‖Γ_CTLD‖/‖Γ_MLE‖² lies in [0, 2] (the printed d²), and C_P(Langevin) does not depend on d
(slopes within 1e-6; otherwise the computed rate is inf).
"""

from __future__ import annotations

import math

from gsmtheory.estimation import dimension_scaling
from gsmtheory.verify import ClaimRecord, Erratum, Source, Verdict, plot, series

CLAIM_ID = "C29"

SOURCE = Source("COLT 2024", "Theorem 12 and Theorem 14 (3), p. 10",
                "C_P(CTLD) ≲ D²² d² λ_max⁹ λ_min⁻²;  ‖Γ_SM‖ ≤ poly(D, d, λ_max, λ_min⁻¹) ‖Γ_MLE‖²")


def check(quick: bool = True) -> ClaimRecord:
    """Exponents in d of C_P(CTLD), C_P(Langevin) and ‖Γ_CTLD‖/‖Γ_MLE‖² at diameter 6."""
    dims = (1, 3, 10, 30) if quick else (1, 2, 3, 10, 30, 100, 300, 1000)
    # quick: coarser sector grids (resolution 0.6: C_P within 1e-3 of 0.8's at d = 3, 10, 30; the
    # largest slope in d moves from 0.016 to 0.015, against the bound 2) and the quick efficiency rule
    # (4 beta panels, 6 Hermite nodes: the Gamma ratios agree with 6 and 8 to 3e-10)
    s = (dimension_scaling(dims, separation=3.0, resolution=0.6, panels=4, nh=6) if quick
         else dimension_scaling(dims, separation=3.0))
    ex = s.exponents
    top_ctld = ex["cp_ctld"]["interval"][1]
    top_gamma = ex["gamma_ctld_over_mle_squared"]["interval"][1]
    lang = max(abs(v) for v in ex["cp_langevin"]["interval"])
    ok = 0.0 <= top_ctld <= 2.0 and lang <= 1e-6 and top_gamma <= 2.0
    computed = max(top_ctld, top_gamma) if lang <= 1e-6 else math.inf
    aff = ex["cp_ctld"]["affine"]
    numbers = (f"at diameter 6, C_P(CTLD) = {', '.join(f'{c:.6g}' for c in s.cp_ctld)} for d = "
               f"{', '.join(map(str, dims))}: affine in d, {aff['a']:.6g} + {aff['b']:.4g}·d (largest relative "
               f"residual {aff['max_relative_residual']:.1e}), local exponent {ex['cp_ctld']['local']:.3f} "
               f"(slopes {ex['cp_ctld']['interval'][0]:.3f}..{top_ctld:.3f}); ‖Γ_CTLD‖/‖Γ_MLE‖² = "
               f"{', '.join(f'{g:.6g}' for g in s.gamma_ratio)} (slopes up to {top_gamma:.4f}); C_P(Langevin) = "
               f"{s.cp_langevin[0]:.6g} for every d")
    fig = plot("cp_vs_dimension",
               "Theorems 12, 14: growth in d at diameter 6",
               "ambient dimension d", "relative to d = 1",
               [series("C_P(CTLD)", dims, [c / s.cp_ctld[0] for c in s.cp_ctld]),
                series("‖Γ_CTLD‖/‖Γ_MLE‖²", dims, [g / s.gamma_ratio[0] for g in s.gamma_ratio]),
                series("C_P(Langevin)", dims, [c / s.cp_langevin[0] for c in s.cp_langevin]),
                series("d² (Theorem 12)", dims, [float(d) ** 2 for d in dims], style="dashed")],
               xscale="log", yscale="log")
    return ClaimRecord.rate(
        CLAIM_ID, "At fixed diameter, C_P(CTLD) grows at most like d² (Theorem 12) and ‖Γ_CTLD‖/‖Γ_MLE‖² "
        "polynomially in d (Theorem 14).",
        "Qin & Risteski, COLT 2024, Theorems 12 and 14", computed, (0.0, 2.0),
        "the larger of the largest log-log slopes in d of C_P(CTLD) and ‖Γ_CTLD‖/‖Γ_MLE‖² must lie in "
        "[0, 2]; inf when C_P(Langevin) is not flat in d (1e-6)",
        theoretical=2.0,
        details={**s.to_dict(), "passed_all_parts": ok, "plots": [fig]},
        findings=[f"Theorem 12's d² and Theorem 14's poly(d) hold with slack: {numbers}."],
        source=SOURCE, labels=["largest log-log slope in d (C_P(CTLD) or ‖Γ_CTLD‖/‖Γ_MLE‖²)"],
        verdicts=[Verdict(
            "COLT 2024, Theorem 12, p. 10: C_P(CTLD) ≲ D²² d² λ_max⁹ λ_min⁻², exponent of d (D = 6, λ = 1)", "loose",
            f"Loose in d: C_P(CTLD) is affine in d ({aff['a']:.6g} + {aff['b']:.4g}·d), largest consecutive log-log "
            f"slope {top_ctld:.3f} and local exponent {ex['cp_ctld']['local']:.3f} against the printed 2.",
            fitted=top_ctld, printed=2.0, quantity="exponent of d"),
            Verdict(
            "COLT 2024, Theorem 14 (3), p. 10: ‖Γ_SM‖ ≤ poly(D, d, λ_max, λ_min⁻¹)‖Γ_MLE‖², in d", "holds",
            f"Holds: ‖Γ_CTLD‖/‖Γ_MLE‖² grows at most like d^{top_gamma:.3f} over d = {dims[0]}..{dims[-1]} "
            "(no exponent printed; C_P(Langevin) does not depend on d).")],
        errata=[Erratum(
            "loose", SOURCE.printed, numbers + ".",
            "At fixed D, C_P(CTLD) = a + b·d with b/a ≈ 1e-3 here (local exponent → 1 as d → ∞), and "
            "‖Γ_CTLD‖/‖Γ_MLE‖² is affine in d as well.",
            "Theorem 12's factor d²: along this family C_P(CTLD) is affine in d with a tiny slope (the "
            "β-diffusion dominates and the Gaussian directions only add the radial coupling of β to |v|); "
            "is the d² an artefact of the Lemma 30 bound, and does d¹ suffice?")])
