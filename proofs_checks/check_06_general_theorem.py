r"""Claim 6 (Theorem 6, COLT 2024 pp. 6–7): ‖Γ_SM‖ ≤ 2·C_P²·‖Γ_MLE‖²·(three covariance terms).

Printed (Qin & Risteski, COLT 2024, Theorem 6; Koehler et al. 2023 for D = I): with the
per-sample loss ℓ_θ = ½[‖√D ∇ log p_θ‖² + 2 div(D ∇ log p_θ)], its θ-gradient is
ψ = a + b_tr + b_div with a = J D ∇ℓ_θ (J = ∇_θ∇_x log p_θ), b_tr = ∇_θ Tr[D ∇²_x log p_θ] and
b_div = Jᵀ div D, and

    ‖Γ_SM‖ ≤ 2·C_P²·‖Γ_MLE‖²·(‖Cov(a)‖ + ‖Cov(b_div)‖ + ‖Cov(b_tr)‖)   (all at θ*).

The printed constant is 2 with three terms; Cov(X + Y + Z) ⪯ 3(Cov X + Cov Y + Cov Z) is what
Cauchy–Schwarz gives in general (2 with two terms, b = b_tr + b_div kept together).

Why this tests it: every ingredient is computed by quadrature (C_P by the spectral module or
the estimation fallback); the record reports, per case, the smallest c that makes the printed
three-term inequality hold (it must be ≤ 2) and the slack RHS/LHS; the two-term form's
constant is in ``details``.

Monte Carlo cross-check of Γ_GSM (the quantity the theorem bounds): for two mixture models
(``bimodal-weight`` m = 1.5, ``bimodal`` m = 2) the GSM estimator is fitted on R independent
data sets of size n (``monte_carlo``, fixed seed; R = 400 quick, 2000 full) and n·MSE with its
95% interval is compared with the sandwich value. It must lie within two half-widths (≈ 4
standard errors) of the sandwich at the largest n; a wrong sandwich (a missing factor, a
dropped term) moves it by far more. This supplies the report's ``mc_vs_sandwich`` plot.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from gsmtheory.estimation import efficiency, monte_carlo
from gsmtheory.symbolic import load_spec
from gsmtheory.verify import ClaimRecord, Source, plot, series

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
    ns = [200, 500, 1000] if quick else [100, 300, 1000, 3000]
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


def check(quick: bool = True) -> ClaimRecord:
    """Smallest constant each case needs, against the reported 2 (upper bound)."""
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
    findings = [f"The largest constant any case needs is c = {max(needed3):.3g} in the printed three-term form "
                f"({max(needed):.3g} with b kept whole), against the printed 2; the bound's slack "
                f"RHS/LHS ranges from {min(slack):.3g} to {max(slack):.3g}."]
    mc, mc_series, mc_ok = _monte_carlo(quick, sandwich)
    findings.append("Monte Carlo n·MSE of the GSM estimator at n = " + f"{mc[MC_CASES[0][0]]['n'][-1]}" + " ("
                    + f"{mc[MC_CASES[0][0]]['replications']} replications): "
                    + "; ".join(f"{k}: {v['n_mse'][-1]:.3g} ± {v['half_width_95'][-1]:.2g} against the sandwich "
                                f"{v['sandwich']:.4g}" for k, v in mc.items()) + ".")
    rec = ClaimRecord.bound(
        CLAIM_ID, "‖Γ_GSM‖ ≤ 2·C_P²·‖Γ_MLE‖²·(‖Cov(J D ∇ℓ)‖ + ‖Cov(Jᵀ div D)‖ + ‖Cov(∇_θ Tr[D∇²ℓ_θ])‖) "
                  "(Theorem 6 as printed; the smallest constant each case needs).",
        "Qin & Risteski, COLT 2024, Theorem 6; Koehler et al. 2023",
        needed3, 2.0, upper=True, tolerance=1e-6,
        tolerance_reason="quadrature at 1e-10 and C_P to its error estimate",
        details={"cases": list(per), "per_case": per, "needed_constant_two_terms": needed,
                 "monte_carlo": mc, "monte_carlo_agrees": mc_ok,
                 "plots": [plot("mc_vs_sandwich", "Monte Carlo n·MSE of the GSM estimator against the sandwich Γ_GSM",
                                "sample size n", "n·MSE (weight w, or mean a)", mc_series, xscale="log")]},
        findings=findings, source=SOURCE)
    return replace(rec, passed=bool(rec.passed and mc_ok))
