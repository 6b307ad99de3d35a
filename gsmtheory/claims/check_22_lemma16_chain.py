r"""Claim 22 (Lemma 16, COLT 2024 p. 11): the Poincaré constant C̄ of the projected chain on [K].

Printed: the chain on the component labels with rates T(i, j) = w_j / max{χ²_max, 1} (χ²_max the
larger of χ²(p(x, β | i), p(x, β | j)) and the reverse) has C̄ ≲ D²/λ_min.

Why this tests it: the generator Q (Q_ij = T(i, j), Q_ii = −Σ_j T(i, j)) is reversible with
respect to w; C̄ = 1/gap of −Q in L²(w) is computed exactly from the symmetrized K × K matrix
(``_lifted.projected_chain``), with the χ² between lifted components from ``lifted_chi_square``
(1D β-quadrature of the Gaussian closed form). Cases: K = 2, 3, 4 equally spaced means on a
segment of diameter D (unit variances, unequal weights), D = 1 … 14, the package's diameter
reading of r and β_max. The fitted exponent of max_K C̄ in D must lie within the printed 2; the
smallest constant c with C̄ ≤ c·D²/λ_min is reported.

Worst case: multi-start Nelder–Mead over four unit Gaussians on a segment of diameter D (the two
inner positions free), any weights (softmax logits) and D²/λ_min ∈ (1/14, 400], under both
readings of Assumption 1's D, maximising C̄ and C̄·λ_min/D² (the constant ≲ hides).

Pass (rate): fitted exponent ∈ [−1, 2]. Verdict: loose (C̄ ≤ 1 everywhere searched).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gsmtheory.claims._lifted import projected_chain
from gsmtheory.claims.check_23_lemma31_chi_square import lifted_chi
from gsmtheory.symbolic import GaussianMixture, ctld_parameters
from gsmtheory.verify import Box, ClaimRecord, Erratum, Source, Verdict, maximize

CLAIM_ID = "C22"

SOURCE = Source("COLT 2024", "Lemma 16, p. 11",
                "C̄ ≲ D²/λ_min for the chain on [K] with T(i, j) = w_j / max{χ²_max, 1}")

WEIGHTS = {2: (0.3, 0.7), 3: (0.2, 0.5, 0.3), 4: (0.1, 0.2, 0.3, 0.4)}


def target(k: int, diam: float) -> GaussianMixture:
    """K unit Gaussians with equally spaced means on [−diam/2, diam/2], weights WEIGHTS[k]."""
    return GaussianMixture(tuple((float(v),) for v in np.linspace(-diam / 2, diam / 2, k)), WEIGHTS[k], ((1.0,),))


#: the search: K = 4 means on a segment of diameter D (two inner positions free), weights from
#: softmax logits, t = D²/λ_min (λ = 1), under both readings of Assumption 1's D
SEARCH_BOX = Box.of({"u1": (0.0, 1.0), "u2": (0.0, 1.0), "z1": (-3.0, 3.0), "z2": (-3.0, 3.0), "z3": (-3.0, 3.0),
                     "t": (1 / 14 * 1.02, 400.0, "log")})


def searched_chain(p: dict[str, float], reading: str = "diameter") -> tuple[float, float]:
    """(C̄, C̄·λ_min/D²) of the 4-component target at a search point: means 0, u1·D, u2·D, D."""
    diam = float(np.sqrt(p["t"]))
    means = tuple((float(v),) for v in (0.0, p["u1"] * diam, p["u2"] * diam, diam))
    z = np.array([0.0, p["z1"], p["z2"], p["z3"]])
    w = np.exp(z - z.max())
    w = tuple(float(v) for v in w / w.sum())
    mix = GaussianMixture(means, w, ((1.0,),))
    d = diam if reading == "diameter" else diam / 2
    ch = projected_chain(mix, ctld_parameters(mix, diameter=d))
    return ch.poincare_constant, ch.poincare_constant / d ** 2


def check(quick: bool = True) -> ClaimRecord:
    """C̄ of the projected chain over K and D, against D²/λ_min, and the worst case over K = 4 targets."""
    diams = [1.0, 2.0, 4.0, 8.0, 14.0] if quick else [1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 11.0, 14.0]
    ks = [2, 3, 4]
    rows: dict[str, list[float]] = {}
    chi_max: dict[str, list[float]] = {}
    for k in ks:
        rows[str(k)], chi_max[str(k)] = [], []
        for d in diams:
            mix = target(k, d)
            ch = projected_chain(mix, ctld_parameters(mix))
            rows[str(k)].append(ch.poincare_constant)
            chi_max[str(k)].append(float(ch.chi_square.max()))
    worst = np.max(np.array([rows[str(k)] for k in ks]), axis=0)
    # K = 2: the chain's χ² against an independent graded quadrature of E_r[e^{δ_β²}] − 1 (C23), and the
    # two-state chain's closed form C̄ = max(χ², 1)
    cross = []
    for d, cbar, chi in zip(diams, rows["2"], chi_max["2"], strict=True):
        ref = lifted_chi(d / 2, "diameter", False)[0]
        cross.append(max(abs(chi - ref) / ref, abs(cbar - max(ref, 1.0)) / max(ref, 1.0)))
    dd = np.array(diams)
    slope = float(np.polyfit(np.log(dd[dd >= 2]), np.log(worst[dd >= 2]), 1)[0])
    needed = float(np.max(worst / dd ** 2))
    chi_top = max(max(v) for v in chi_max.values())
    numbers = (f"C̄ = {', '.join(f'{v:.4g}' for v in worst)} (largest over K = 2, 3, 4) at D = "
               f"{', '.join(f'{d:g}' for d in diams)}: fitted exponent {slope:.3f}; the largest χ² between lifted "
               f"components is {chi_top:.4g}, so every rate is w_j and C̄ depends on "
               f"the weights only; the bound D²/λ_min needs the constant {needed:.3g} (at D = 1)")
    search = {}
    for reading in ("diameter", "radius"):
        def c_bar(p: dict[str, float], reading: str = reading) -> float:
            return searched_chain(p, reading)[0]

        def constant(p: dict[str, float], reading: str = reading) -> float:
            return searched_chain(p, reading)[1]

        r_bar = maximize(c_bar, SEARCH_BOX,
                         budget=16 if quick else 120, starts=2 if quick else 4, seed=16,
                         name="C̄", family=f"4 unit Gaussians on a segment of diameter D, any weights, {reading} reading")
        r_need = maximize(constant, SEARCH_BOX,
                          budget=10 if quick else 80, starts=1 if quick else 3, seed=17,
                          name="C̄·λ_min/D² (the constant ≲ hides)", family=r_bar.family)
        search[reading] = {"c_bar": r_bar.to_dict(), "needed_constant": r_need.to_dict()}
    top = max(search[r]["c_bar"]["best_value"] for r in search)
    need = max(search[r]["needed_constant"]["best_value"] for r in search)
    verdict = Verdict(
        f"{SOURCE.citation}: C̄ ≲ D²/λ_min", "loose",
        f"Loose: C̄ does not grow with D (fitted exponent {slope:.3f} against the printed 2); the search over four "
        f"unit Gaussians with any positions and weights, under both readings of D, finds C̄ ≤ {top:.6g} (every χ² "
        f"between lifted components is below 1, so the chain redraws its label from w at rate 1); the constant ≲ "
        f"hides is at most {need:.4g}, reached at the smallest admissible D²/λ_min = 1/14.",
        fitted=slope, printed=2.0, quantity="exponent of D (λ_min = 1)", slack=None,
        worst={"largest C̄ found": top, "largest C̄·λ_min/D² found": need},
        search={"mode": "search", "evaluations": sum(search[r][k]["evaluations"] for r in search for k in search[r]),
                "budget": sum(search[r][k]["budget"] for r in search for k in search[r]), "best_value": top,
                "per_reading": search})
    rec = ClaimRecord.rate(
        CLAIM_ID, "The projected chain on [K] has C̄ ≲ D²/λ_min (printed); computed: bounded in D.",
        "Qin & Risteski, COLT 2024, Lemma 16", slope, (-1.0, 2.0),
        "fitted exponent of max_K C̄ in D over D >= 2 within the printed 2; C̄ from an exact K x K eigenproblem",
        theoretical=2.0,
        details={"diameter": diams, "K": ks, "weights": {str(k): list(WEIGHTS[k]) for k in ks},
                 "c_bar": rows, "chi_square_max": chi_max, "smallest_constant_needed": needed},
        findings=[f"Lemma 16 holds with slack growing like D²: {numbers}"
                  + ("; every χ² ≤ 1, so the chain redraws its label from w at rate 1 and C̄ = 1 exactly." if chi_top <= 1
                     else ".")],
        source=SOURCE, verdicts=[verdict], labels=["fitted exponent of max_K C̄ in D"],
        errata=[Erratum(
            "loose", SOURCE.printed, numbers + ".",
            "C̄ = 1 whenever every χ² ≤ 1 (all rates are then w_j: the chain redraws its label from w at rate 1, "
            f"generator 1wᵀ − I, gap 1); with the default r the χ² between lifted components is at most {chi_top:.3g} "
            "here, an absolute constant (C13, C23), so C̄ = 1 for every D, K and weights tested.",
            "Lemma 16: since Lemma 17/31's χ² is bounded by an absolute constant for the default r "
            f"({chi_top:.3g} at most here, at every separation), is C̄ not O(1) in D, making the D²/λ_min factor in "
            "Theorem 12 unnecessary?")])
    rec = replace(rec, details={**rec.details, "cross_check_two_components": cross})
    return rec if max(cross) <= 1e-6 else replace(rec, passed=False)
