r"""Claim 20 (Lemma 29, COLT 2024 pp. 30–31): the Poincaré constant C_β of r on [0, β_max].

Printed: C_β ≤ β_max/π ("by Bebendorf, convex set of diameter β_max"). The Payne–Weinberger /
Bebendorf inequality for a log-concave density on an interval of length L bounds the variance
by (L/π)² times the Dirichlet form, i.e. C_β ≤ (β_max/π)², not β_max/π. Here
log r = −7D²/(λ(1+β)) is concave (its second derivative −14D²/(λ(1+β)³) < 0), so
(β_max/π)² applies.

Why this tests it: C_β is computed exactly in 1D (``poincare_1d`` on [0, β_max] with D = 1 and
reflecting ends: the β-part of CTLD, a reversible diffusion with density r), for targets
½N(−m, 1) + ½N(m, 1) with the package's defaults (diameter reading: D = 2m, λ = 1). Test
functions of β alone have the same variance and Dirichlet form under CTLD, so
C_P(CTLD) ≥ C_β; C_P(CTLD) is computed by ``ctld_poincare`` and the fraction C_β/C_P(CTLD)
reported.

Pass (upper bound, every entry): C_β ≤ (β_max/π)² and C_β ≤ C_P(CTLD)·(1 + its relative error).
The printed β_max/π is reported against C_β (an erratum where it fails).
"""

from __future__ import annotations

import math

import numpy as np

from gsmtheory.numeric import ctld_poincare, log_r_functions, poincare_1d
from gsmtheory.solve import ctld_schedule
from gsmtheory.symbolic import GaussianMixture, ctld_parameters
from gsmtheory.verify import ClaimRecord, Erratum, Source, plot, series

CLAIM_ID = "C20"

SOURCE = Source("COLT 2024", "Lemma 29, pp. 30-31",
                "C_β ≤ β_max/π for r(β) ∝ exp(−7D²/(λ_min(1+β))) on [0, β_max] (Bebendorf)")


def beta_poincare(m: float) -> tuple[float, float, float]:
    """(C_β, its relative error, β_max) for ½N(−m, 1) + ½N(m, 1) with the default r and β_max."""
    mix = GaussianMixture(((-m,), (m,)), (0.5, 0.5), ((1.0,),))
    params = ctld_parameters(mix)
    log_r, _ = log_r_functions(ctld_schedule(params))
    res = poincare_1d(log_r, 1.0, 0.0, params.beta_max, rtol=1e-9)
    return res.poincare_constant, res.relative_error, params.beta_max


def check(quick: bool = True) -> ClaimRecord:
    """C_β against β_max/π (printed), (β_max/π)² (Payne–Weinberger) and C_P(CTLD)."""
    ms = [0.5, 1.0, 2.0, 4.0, 7.0] if quick else [0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.5, 7.0]
    cb, cb_err, bmax, cp, cp_err = [], [], [], [], []
    for m in ms:
        c, e, b = beta_poincare(m)
        mix = GaussianMixture(((-m,), (m,)), (0.5, 0.5), ((1.0,),))
        r = ctld_poincare(mix, ctld_schedule(ctld_parameters(mix)), cells=6 if quick else 8)
        cb.append(c)
        cb_err.append(e)
        bmax.append(b)
        cp.append(r.poincare_constant)
        cp_err.append(r.relative_error)
    printed = [b / math.pi for b in bmax]
    pw = [(b / math.pi) ** 2 for b in bmax]
    frac = [c / p for c, p in zip(cb, cp, strict=True)]
    over = [c / p for c, p in zip(cb, printed, strict=True)]
    ratio_pw = [c / p for c, p in zip(cb, pw, strict=True)]
    diam = [2 * m for m in ms]
    fails = [d for d, o in zip(diam, over, strict=True) if o > 1]
    numbers = (f"C_β = {', '.join(f'{c:.4g}' for c in cb)} at D = {', '.join(f'{d:g}' for d in diam)} (β_max = "
               f"{', '.join(f'{b:g}' for b in bmax)}), i.e. {min(over):.3g}..{max(over):.3g} times the printed β_max/π "
               f"(exceeded at D = {', '.join(f'{d:g}' for d in fails) or 'none'}) and {min(ratio_pw):.3f}.."
               f"{max(ratio_pw):.3f} times (β_max/π)²")
    findings = [f"Lemma 29 as printed fails: {numbers}.",
                f"C_β explains {100 * min(frac):.2f}%..{100 * max(frac):.2f}% of C_P(CTLD) "
                f"({', '.join(f'{p:.4g}' for p in cp)}): the lifted chain's Poincaré constant is the temperature "
                f"diffusion's, C_P(CTLD) ≈ C_β ≈ {np.mean(ratio_pw):.2f}·(β_max/π)² ∝ D⁴/λ²."]
    tol = max(max(cp_err), max(cb_err))
    errata = [Erratum(
        "false", SOURCE.printed, numbers + ".",
        "C_β ≤ (β_max/π)² (Payne–Weinberger/Bebendorf bound the variance by (diameter/π)² times the Dirichlet "
        f"form; r is log-concave); C_β is in fact {min(ratio_pw):.2f}..{max(ratio_pw):.2f}·(β_max/π)² here, so "
        "the β-part contributes Θ(D⁴/λ_min²), not Θ(D²/λ_min), to the CTLD bound.",
        "In Lemma 29, should the bound read C_β ≤ (β_max/π)² — the Payne–Weinberger/Bebendorf constant is the "
        "squared diameter over π² — and if so, how does the extra factor β_max ≈ 14D²/λ_min propagate into "
        "Lemma 15 and Theorem 12's exponents?")] if fails else []
    return ClaimRecord.bound(
        CLAIM_ID, "C_β of r on [0, β_max] is at most (β_max/π)² (Payne–Weinberger; printed: β_max/π), and at most "
                  "C_P(CTLD).",
        "Qin & Risteski, COLT 2024, Lemma 29", cb + cb, pw + cp, upper=True, tolerance=tol,
        tolerance_reason="relative error estimates of poincare_1d (C_β) and ctld_poincare (C_P(CTLD))",
        details={"separation": ms, "diameter": diam, "beta_max": bmax, "c_beta": cb, "c_beta_rel_error": cb_err,
                 "printed_bound": printed, "payne_weinberger_bound": pw, "c_beta_over_printed": over,
                 "c_beta_over_payne_weinberger": ratio_pw, "cp_ctld": cp, "cp_ctld_rel_error": cp_err,
                 "fraction_of_cp_ctld": frac,
                 "plots": [plot("lemma29_c_beta", "Lemma 29: C_β of r on [0, β_max] against the printed bound",
                                "diameter D", "C",
                                [series("C_β (computed)", diam, cb), series("C_P(CTLD)", diam, cp, style="points"),
                                 series("printed β_max/π", diam, printed, style="dashed"),
                                 series("(β_max/π)²", diam, pw, style="dashed")], xscale="log", yscale="log")]},
        findings=findings, source=SOURCE, errata=errata)
