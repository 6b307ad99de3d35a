r"""Claim 6 (Theorem 6, COLT 2024 pp. 6–7): ‖Γ_SM‖ ≤ 2·C_P²·‖Γ_MLE‖²·(three covariance terms).

Printed (Qin & Risteski, COLT 2024, Theorem 6; Koehler et al. 2023 for D = I): with the
per-sample loss ℓ_θ = ½[‖√D ∇ log p_θ‖² + 2 div(D ∇ log p_θ)], its θ-gradient is
ψ = a + b_tr + b_div with a = J D ∇ℓ_θ (J = ∇_θ∇_x log p_θ), b_tr = ∇_θ Tr[D ∇²_x log p_θ] and
b_div = Jᵀ div D, and

    ‖Γ_SM‖ ≤ 2·C_P²·‖Γ_MLE‖²·(‖Cov(a)‖ + ‖Cov(b_div)‖ + ‖Cov(b_tr)‖)   (all at θ*).

The printed constant is 2 with three terms; Cov(X + Y + Z) ⪯ 3(Cov X + Cov Y + Cov Z) is what
Cauchy–Schwarz gives in general (2 with two terms, b = b_tr + b_div kept together).

Why this tests it: every ingredient is computed by quadrature (C_P by the spectral module or
the estimation fallback); the record reports, per case, the smallest c each form needs. The
cases above have constant or mild D and need c ≈ 1, so the check also *searches for the worst
case* (``_worst.gsm_worst``): over three families of 1D problems — Jacobi-type D = x(1−x)(1+ex)
on [0, 1] with Beta-type targets, a rational D on ℝ with quartic targets, two-component
mixtures — and over the tilt direction h (one-parameter models p_θ ∝ p e^{θh}, for which every
term is a ratio of quadratic forms in h's coefficients), it maximises the constant needed.
Full mode runs multi-start Nelder–Mead (``gsmtheory.verify.maximize``, 80 evaluations per
family); quick mode re-evaluates the cached worst point. The worst point is written as a spec
and run through ``gsmtheory efficiency`` (the package's own route), which must agree with the
search's route to 1e-5; the spec is the witness file of the verdict.

Verdicts: the three-term form with 2 is false (the worst case needs ≈ 2.85; Cauchy–Schwarz
gives 3); the two-term form with 2 holds and is tight (Jacobi, a = b = 2, h = x needs exactly 2).
Pass: every case's two-term constant ≤ 2 and three-term constant ≤ 3 (the corrected
statements), the two routes agree at the worst points, and the Monte Carlo agrees.

Monte Carlo cross-check of Γ_GSM (the quantity the theorem bounds): for two mixture models
(``bimodal-weight`` m = 1.5, ``bimodal`` m = 2) the GSM estimator is fitted on R independent
data sets of size n (``monte_carlo``, fixed seed; R = 400 and n = 300, 1000 quick, R = 2000 full) and n·MSE with its
95% interval is compared with the sandwich value. It must lie within two half-widths (≈ 4
standard errors) of the sandwich at the largest n; a wrong sandwich (a missing factor, a
dropped term) moves it by far more. This supplies the report's ``mc_vs_sandwich`` plot.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from gsmtheory.claims._worst import GsmWorst, gsm_worst, untrusted_stop
from gsmtheory.estimation import efficiency, monte_carlo
from gsmtheory.symbolic import load_spec
from gsmtheory.verify import ClaimRecord, Erratum, Source, Verdict, plot, series, verdict_settled

CLAIM_ID = "C06"

SOURCE = Source('COLT 2024', 'Theorem 6, pp. 6-7',
                '‖Γ_SM‖ ≤ 2 C_P² ‖Γ_MLE‖² [‖cov(∇_θ∇_x log p_θ D ∇_x log p_θ)‖ + ‖cov(∇_θ∇_x log p_θᵀ div D)‖ + ‖cov(∇_θ Tr[D ∇²_x log p_θ])‖]')


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


MC_CASES = (("bimodal-weight m=1.5", "bimodal-weight", {"m": 1.5}), ("bimodal m=2", "bimodal", {"m": 2.0}))


def _monte_carlo(quick: bool, sandwich: dict[str, float]) -> tuple[dict[str, Any], list[dict[str, Any]], bool]:
    """n·MSE of the GSM estimator by Monte Carlo against the sandwich value, per MC case."""
    ns = [300, 1000] if quick else [100, 300, 1000, 3000]  # agreement is judged at the largest n
    reps = 400 if quick else 2000
    rows: dict[str, Any] = {}
    data: list[dict[str, Any]] = []
    agree = True
    for label, name, consts in MC_CASES:
        curve = monte_carlo(load_spec(name, consts), ns, replications=reps, seed=6)
        mean = [p.diagonal[0] for p in curve.points]
        half = [(p.upper[0] - p.lower[0]) / 2 for p in curve.points]
        ref = sandwich[label]
        ok = abs(mean[-1] - ref) <= 2 * half[-1]
        agree = agree and ok and all(p.failed == 0 for p in curve.points)
        rows[label] = {"n": ns, "replications": reps, "n_mse": mean, "half_width_95": half, "sandwich": ref,
                       "failed": [p.failed for p in curve.points], "within_two_half_widths": ok}
        data += [series(f"Monte Carlo n·MSE, {label}", ns, mean, yerr=half, style="points"),
                 series(f"sandwich Γ_GSM, {label}", ns, [ref] * len(ns), style="dashed")]
    return rows, data, agree


def worst_cases(quick: bool) -> dict[str, GsmWorst]:
    """The worst cases of the three-term form as printed and of the package's two-term form."""
    return {form: gsm_worst(f"theorem6_{form}", quick, claim=CLAIM_ID, statement=f"{SOURCE.citation} ({form.replace('_', '-')} form)",
                            printed=PRINTED[form], witness_name=f"{CLAIM_ID}-theorem6-{form.replace('_', '-')}",
                            budget=BUDGET[form])
            for form in ("three_terms", "two_terms")}


#: the printed statement in each form, for the witness files
PRINTED = {"three_terms": "‖Γ_SM‖ ≤ 2 C_P² ‖Γ_MLE‖² (‖cov a‖ + ‖cov b_div‖ + ‖cov b_tr‖)",
           "two_terms": "‖Γ_SM‖ ≤ 2 C_P² ‖Γ_MLE‖² (‖cov a‖ + ‖cov(b_div + b_tr)‖)"}
#: search budget per family in the full mode (three families): the two-term form's supremum is known
#: (2, attained by Jacobi a = b = 2, h = x), the three-term form's is not
BUDGET = {"three_terms": 60, "two_terms": 30}


def check(quick: bool = True) -> ClaimRecord:
    """Smallest constant each case needs, in both forms, and the worst case over the families."""
    worst = worst_cases(quick)
    w3, w2 = worst["three_terms"], worst["two_terms"]
    trusted = w3.trusted and w2.trusted
    if verdict_settled(not trusted):  # a mutation test: the fixed cases and the Monte Carlo take 60%
        return untrusted_stop(CLAIM_ID, "‖Γ_GSM‖ ≤ c·C_P²·‖Γ_MLE‖²·(smoothness terms)",
                              "Qin & Risteski, COLT 2024, Theorem 6", SOURCE, w2, w3,
                              ["two-term constant needed, worst case found",
                               "three-term constant needed, worst case found"])
    needed, needed3, slack, per = [], [], [], {}
    sandwich: dict[str, float] = {}
    for label, name, consts in _cases(quick):
        eff = efficiency(load_spec(name, consts))
        th = eff.theorem
        if th is None:
            raise RuntimeError(f"no C_P for {label}")
        needed.append(th.needed_constant)
        needed3.append(th.needed_constant_three_terms)
        slack.append(th.slack)
        per[label] = th.to_dict()
        sandwich[label] = float(eff.gsm_covariance[0, 0])
    mc, mc_series, mc_ok = _monte_carlo(quick, sandwich)
    convenient = max(needed3)
    findings = [f"On the check's fixed cases (constant or mild D) the largest constant needed is {convenient:.3g} "
                f"(three terms) and {max(needed):.3g} (b kept whole); the bound's slack RHS/LHS ranges from "
                f"{min(slack):.3g} to {max(slack):.3g}. The worst case over the families needs "
                f"{w3.cli_value:.4g} (three terms) and {w2.cli_value:.4g} (two terms).",
                "Monte Carlo n·MSE of the GSM estimator at n = " + f"{mc[MC_CASES[0][0]]['n'][-1]}" + " ("
                + f"{mc[MC_CASES[0][0]]['replications']} replications): "
                + "; ".join(f"{k}: {v['n_mse'][-1]:.3g} ± {v['half_width_95'][-1]:.2g} against the sandwich "
                            f"{v['sandwich']:.4g}" for k, v in mc.items()) + "."]
    where3 = w3.worst()
    numbers3 = (f"the worst case found — {where3['family']} at {', '.join(f'{k} = {v:g}' for k, v in w3.point.items())}, "
                f"tilt h = {where3['tilt h']} — needs c = {w3.cli_value:.6g} in the three-term form "
                f"(gsmtheory efficiency: theorem.needed_constant_three_terms), against the printed 2; "
                f"the three covariances there are ‖cov a‖ = {w3.constants['cov_a']:.4g}, ‖cov b_div‖ = "
                f"{w3.constants['cov_b_div']:.4g}, ‖cov b_tr‖ = {w3.constants['cov_b_tr']:.4g} and the "
                f"key lemma is nearly tight (C_P·H/I = {w3.constants['key_lemma_ratio']:.4g})")
    verdicts = [
        Verdict(f"{SOURCE.citation} (three-term form as printed, constant 2)", "false",
                f"False as printed: {numbers3}. With three terms Cauchy–Schwarz gives the constant 3; the "
                f"cases this check used before the search needed at most {convenient:.3g}.",
                witness=w3.witness(f"{CLAIM_ID}-theorem6-three-terms", 2.0), worst=where3, search=w3.search,
                trusted=w3.trusted),
        Verdict(f"{SOURCE.citation} (b = b_tr + b_div kept whole, the form the package uses, constant 2)", "holds",
                f"Holds at the worst case found, which needs c = {w2.cli_value:.6g} (slack 2/c = "
                f"{2 / w2.cli_value:.6f}: tight) at {w2.worst()['family']}, "
                f"{', '.join(f'{k} = {v:g}' for k, v in w2.point.items())}, tilt {w2.worst()['tilt h']}; "
                "2 is what Cauchy–Schwarz (Cov(a + b) ⪯ 2Cov a + 2Cov b) and Lemma 11 give.",
                slack=2 / w2.cli_value, worst=w2.worst(), search=w2.search, trusted=w2.trusted),
    ]
    if not trusted:
        verdicts = [v.untrusted(f"the search's route and `gsmtheory efficiency` differ by "
                                f"{max(w3.disagreement, w2.disagreement):.2e} at the worst point") for v in verdicts]
    errata = [Erratum(
        "false", SOURCE.printed, numbers3 + ".",
        "‖Γ_SM‖ ≤ 3·C_P²‖Γ_MLE‖²(‖cov a‖ + ‖cov b_div‖ + ‖cov b_tr‖) (Cauchy–Schwarz over three terms), or "
        "‖Γ_SM‖ ≤ 2·C_P²‖Γ_MLE‖²(‖cov a‖ + ‖cov(b_div + b_tr)‖) with the divergence term kept whole (tight: "
        f"the worst case found needs {w2.cli_value:.6g}).",
        "Theorem 6 prints the constant 2 with three covariance terms; Cov(a + b + c) ⪯ 3(Cov a + Cov b + Cov c) "
        f"is what the proof's Cauchy–Schwarz step gives, and a Jacobi-type case needs {w3.cli_value:.3g}: should "
        "the constant be 3, or the last two terms be one covariance ‖cov(∇_θ div(D∇_x log p_θ))‖?")]
    labels = ([f"two-term constant needed, {k}" for k in per] + [f"three-term constant needed, {k}" for k in per]
              + ["two-term constant needed, worst case found", "three-term constant needed, worst case found"])
    computed = needed + needed3 + [w2.cli_value, w3.cli_value]
    theoretical = [2.0] * len(needed) + [3.0] * len(needed3) + [2.0, 3.0]
    rec = ClaimRecord.bound(
        CLAIM_ID, "‖Γ_GSM‖ ≤ c·C_P²·‖Γ_MLE‖²·(smoothness terms): the smallest c each case needs, against 2 with "
                  "b = b_tr + b_div kept whole (the corrected statement) and 3 with the three printed terms; the "
                  "printed three-term statement with 2 is judged by its verdict.",
        "Qin & Risteski, COLT 2024, Theorem 6; Koehler et al. 2023",
        computed, theoretical, upper=True, tolerance=1e-6,
        tolerance_reason="quadrature at 1e-10 and C_P to its error estimate; the worst case agrees between the "
                         f"search's route and `gsmtheory efficiency` to {max(w3.disagreement, w2.disagreement):.1e}",
        details={"cases": list(per), "per_case": per, "needed_constant_two_terms": needed,
                 "needed_constant_three_terms": needed3,
                 "worst_case": {k: {"family": w.family, "point": w.point, "tilt": w.coefficients,
                                    "value_search_route": w.value, "value_cli": w.cli_value,
                                    "disagreement": w.disagreement, "defaults": w.defaults}
                                for k, w in worst.items()},
                 "monte_carlo": mc, "monte_carlo_agrees": mc_ok,
                 "plots": [plot("mc_vs_sandwich", "Monte Carlo n·MSE of the GSM estimator against the sandwich Γ_GSM",
                                "sample size n", "n·MSE (weight w, or mean a)", mc_series, xscale="log")]},
        findings=findings, source=SOURCE, errata=errata, verdicts=verdicts, labels=labels)
    return replace(rec, passed=bool(rec.passed and mc_ok and trusted))
