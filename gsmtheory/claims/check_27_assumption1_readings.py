r"""Claim 27 (Assumption 1 and Definition 6, COLT 2024 pp. 8–9): "diameter" against "radius".

Printed: Assumption 1 puts the means "within a ball with diameter D", the sentence above it says
"a ball of radius D", and the proofs use ‖μ_i‖ ≤ D. Definition 6 sets
r(β) ∝ exp(−7D²/(λ_min(1+β))) and β_max = 14D²/λ_min − 1 from that D, so the two readings differ by
a factor 4 in D² for means ±m: D = 2m (diameter, the package's default, docs/design.md §1) or D = m
(radius).

Why this tests it: for ½N(−m, 1) + ½N(m, 1) both readings are run through the same pipeline —
``ctld_parameters(mix, diameter=D)`` for r and β_max, ``poincare_1d`` for C_β of r,
``ctld_poincare`` for C_P of the lifted chain, ``lifted_chi_square`` for the standard χ², and
``efficiency`` on the lift (bimodal-weight, the mixture weight) for Γ_CTLD against both MLE baselines —
and the ratios between the readings reported. Lemma 17's printed χ² under each reading is C23's.

Pass (equality): the β_max ratio between the readings is the formula's, and every solver's relative
error estimate is below 1% (the ratios between the readings are quoted to three digits; the small
radius-reading lift at m = 0.5, β_max = 2.5, reaches 1.4e-3 rather than ctld_poincare's 1e-3
target). Verdict: ambiguous, with the numbers under both readings.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from gsmtheory.estimation import build_problem, efficiency
from gsmtheory.numeric import ctld_poincare, lifted_chi_square, poincare_1d
from gsmtheory.solve import ctld_schedule
from gsmtheory.symbolic import GaussianMixture, ctld_parameters, load_spec
from gsmtheory.verify import ClaimRecord, Erratum, Source, Verdict

CLAIM_ID = "C27"

SOURCE = Source("COLT 2024", "Assumption 1, p. 8; Definition 6, p. 9",
                "means within a ball with diameter D (text: radius D; proofs: ‖μ_i‖ ≤ D); "
                "r(β) ∝ exp(−7D²/(λ_min(1+β))), β_max = 14D²/λ_min − 1")


def _reading(m: float, d: float, cells: int) -> dict[str, float]:
    mix = GaussianMixture(((-m,), (m,)), (0.5, 0.5), ((1.0,),))
    params = ctld_parameters(mix, diameter=d)
    log_r = ctld_schedule(params).log_r
    cb = poincare_1d(log_r, 1.0, 0.0, params.beta_max, rtol=1e-9)
    cp = ctld_poincare(mix, ctld_schedule(params), cells=cells)
    ends = np.asarray(log_r(np.array([0.0, params.beta_max])), dtype=float)
    return {"D": d, "beta_max": params.beta_max, "log_r_at_0_minus_beta_max": float(ends[0] - ends[1]),
            "c_beta": cb.poincare_constant, "cp_ctld": cp.poincare_constant,
            "rel_error": max(cb.relative_error, cp.relative_error),
            "chi_square": lifted_chi_square(mix, ctld_schedule(params), 0, 1)}


def check(quick: bool = True) -> ClaimRecord:
    """r, β_max, C_β, C_P(CTLD), χ² and Γ_CTLD under the diameter (D = 2m) and radius (D = m) readings."""
    ms = [1.0, 2.0, 4.0] if quick else [0.5, 1.0, 2.0, 3.0, 4.0, 7.0]
    cells = 6 if quick else 8
    rows = {str(m): {"diameter": _reading(m, 2 * m, cells), "radius": _reading(m, m, cells)} for m in ms}
    gammas = {}
    for m in ([2.0] if quick else [1.0, 2.0, 4.0]):
        g = {}
        for name, d in (("diameter", 2 * m), ("radius", m)):
            e = efficiency(build_problem(load_spec("bimodal-weight", {"m": m}), lift=True, diameter=d),
                           method="quadrature", poincare=False, panels=3 if quick else 6, nh=4 if quick else 8)
            g[name] = {"gamma_ctld": float(e.gsm_covariance[0, 0]), "ratio_original": e.ratio_of("ctld", "original"),
                       "ratio_lifted": e.ratio_of("ctld", "lifted"), "error": e.error}
        gammas[str(m)] = g
    tol_ok = all(r[k]["rel_error"] < 1e-2 for r in rows.values() for k in r) and all(
        v[k]["error"] < 1e-2 for v in gammas.values() for k in v)
    cp_ratio = [r["diameter"]["cp_ctld"] / r["radius"]["cp_ctld"] for r in rows.values()]
    bmax_ratio = [r["diameter"]["beta_max"] / r["radius"]["beta_max"] for r in rows.values()]
    gm = next(iter(gammas))
    g = gammas[gm]
    numbers = (f"for means ±m, m = {', '.join(f'{m:g}' for m in ms)}: β_max is {min(bmax_ratio):.3g}..{max(bmax_ratio):.3g} "
               f"times larger and C_P(CTLD) {min(cp_ratio):.3g}..{max(cp_ratio):.3g} times larger under the diameter "
               f"reading; at m = {gm}, Γ_CTLD of the weight is {g['diameter']['gamma_ctld']:.4g} (diameter) vs "
               f"{g['radius']['gamma_ctld']:.4g} (radius), {g['diameter']['ratio_original']:.3g} vs "
               f"{g['radius']['ratio_original']:.3g} times the original MLE's and {g['diameter']['ratio_lifted']:.3g} vs "
               f"{g['radius']['ratio_lifted']:.3g} times the lifted MLE's; the standard χ² is "
               f"{rows[str(ms[-1])]['diameter']['chi_square']:.4f} vs {rows[str(ms[-1])]['radius']['chi_square']:.4f}")
    formula = [(14 * (2 * m) ** 2 - 1) / (14 * m ** 2 - 1) for m in ms]
    readings = {
        "D is the diameter of the means (the display of Assumption 1; the package's default)":
            "β_max = 14(2m)²/λ − 1 for means ±m; C_P(CTLD) = "
            + ", ".join(f"{r['diameter']['cp_ctld']:.5g}" for r in rows.values())
            + f" at m = {', '.join(f'{m:g}' for m in ms)}; Γ_CTLD of the weight {g['diameter']['gamma_ctld']:.4g} at m = {gm}",
        "D is the radius of a ball containing the means (the sentence above it; the proofs' ‖μ_i‖ ≤ D)":
            "β_max = 14m²/λ − 1; C_P(CTLD) = " + ", ".join(f"{r['radius']['cp_ctld']:.5g}" for r in rows.values())
            + f"; Γ_CTLD of the weight {g['radius']['gamma_ctld']:.4g} at m = {gm}; Lemma 17/31 with the printed χ² "
            "fails under this reading (C23)",
    }
    rec = ClaimRecord.equality(
        CLAIM_ID, "Assumption 1's D read as the diameter of the means (package default) or as the radius (the proofs' "
                  "‖μ_i‖ ≤ D): r(β), β_max, C_P and Γ_CTLD under both (the β_max ratio between the readings must be "
                  "the formula's; the other ratios are reported).",
        "Qin & Risteski, COLT 2024, Assumption 1 and Definition 6", bmax_ratio, formula, 1e-12,
        "β_max from ctld_parameters under both readings against (14(2m)² − 1)/(14m² − 1); the solvers' relative "
        "errors must stay below 1e-2",
        findings=[f"The reading matters by about an order of magnitude: {numbers}. Under the radius reading the printed "
                  "(non-standard) χ² of Lemma 31 grows like e^(5D²/λ) (C23)."],
        details={"readings": rows, "gamma_weight": gammas, "cp_ratio_diameter_over_radius": cp_ratio,
                 "solver_errors_below_1e-2": tol_ok},
        source=SOURCE, labels=[f"β_max(diameter)/β_max(radius) at m = {m:g}" for m in ms],
        verdicts=[Verdict(f"{SOURCE.citation}: D as diameter or radius", "ambiguous",
                          f"The two readings differ by a factor 4 in D² and change C_P(CTLD) by "
                          f"{min(cp_ratio):.3g}..{max(cp_ratio):.3g}× and Γ_CTLD of the weight by "
                          f"{g['diameter']['gamma_ctld'] / g['radius']['gamma_ctld']:.3g}× (m = {gm}); which statements "
                          "hold depends on it (C23).", readings=readings)],
        errata=[Erratum(
            "ambiguous", SOURCE.printed, numbers + ".",
            "State one reading: with D the diameter of the means every proof step holds (‖μ_i‖ ≤ D for centred "
            "means, and Lemma 31 holds for either χ²); with D the radius, Lemma 31 needs the standard χ².",
            f"The choice changes β_max and r(β) by a factor 4 in D² and C_P(CTLD) by up to {max(cp_ratio):.3g} here: "
            "in Assumption 1, is D "
            "the diameter of the set of means (as the display says) or the radius of a ball containing them (as the "
            "sentence above it and the proofs' ‖μ_i‖ ≤ D say)?")])
    ok = bool(tol_ok and all(math.isfinite(c) for c in cp_ratio))
    return rec if ok else replace(rec, passed=False)
