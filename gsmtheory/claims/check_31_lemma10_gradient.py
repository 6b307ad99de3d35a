r"""Claim 31 (Lemma 10, COLT 2024 p. 7): the covariance of the loss gradient is bounded by the three
covariances of Theorem 6.

Printed: cov(∇_θ ℓ_θ) ≲ ‖cov(∇_θ∇_x log p_θ · D∇_x log p_θ)‖ + ‖cov(∇_θ∇_x log p_θᵀ div D)‖ +
‖cov(∇_θ Tr[D∇²_x log p_θ])‖ at θ*, operator norms, with no constant printed. ∇_θ ℓ_θ = a + b_div
+ b_tr term by term, so Cov(a + b + c) ⪯ 3(Cov a + Cov b + Cov c) (Cauchy–Schwarz) gives the
constant 3, attained when the three terms are equal and perfectly correlated.

Why this tests it: ``gsmtheory efficiency`` reports ‖Cov ∇_θℓ‖/(‖Cov a‖ + ‖Cov b_div‖ + ‖Cov b_tr‖)
(``theorem.gradient_covariance_ratio``) for each case; the worst case over the 1D tilt families of
``_worst.gsm_worst`` (for one parameter the ratio is a generalized eigenvalue in the tilt's
coefficients) is searched (full mode) or its cached point re-evaluated (quick mode), and run through
``gsmtheory efficiency``: the two routes must agree to 1e-5. The case p ∝ D with h' = D (Beta(2, 2)
under the Jacobi diffusion D = x(1 − x), h = x²/2 − x³/3) makes a = b_div = b_tr and the ratio 3.

Pass (upper bound): every ratio ≤ 3 (to 1e-6), the two routes agree. Verdict: holds (no constant is
printed; the constant needed reaches 3, the Cauchy–Schwarz one — Theorem 6's 2 does not follow).
"""

from __future__ import annotations

from dataclasses import replace

from gsmtheory.claims._worst import gsm_worst
from gsmtheory.estimation import efficiency
from gsmtheory.symbolic import load_spec
from gsmtheory.verify import ClaimRecord, Source, Verdict

CLAIM_ID = "C31"

SOURCE = Source("COLT 2024", "Lemma 10, p. 7",
                "‖cov(∇_θ ℓ_θ)‖ ≲ ‖cov(∇_θ∇_x log p_θ D∇_x log p_θ)‖ + ‖cov(∇_θ∇_x log p_θᵀ div D)‖ "
                "+ ‖cov(∇_θ Tr[D∇²_x log p_θ])‖ (no constant printed)")

CASES: tuple[tuple[str, str, dict[str, float]], ...] = (("gaussian", "gaussian", {}), ("state-dependent-langevin", "state-dependent-langevin", {}),
         ("double-well beta=1", "double-well", {"beta": 1.0}), ("bimodal m=2", "bimodal", {"m": 2.0}),
         ("bimodal-weight m=1.5", "bimodal-weight", {"m": 1.5}))


def check(quick: bool = True) -> ClaimRecord:
    """‖Cov ∇_θℓ‖ over the sum of the three covariances, fixed cases and the worst case found, against 3."""
    rows = {}
    for label, name, consts in CASES:
        th = efficiency(load_spec(name, consts)).theorem
        if th is None:
            raise RuntimeError(f"{label}: no theorem record (no C_P)")
        rows[label] = th.gradient_covariance_ratio
    w = gsm_worst("lemma10", quick, claim=CLAIM_ID, statement=SOURCE.citation, printed=SOURCE.printed,
                  witness_name=f"{CLAIM_ID}-lemma10-worst", budget=20)
    verdict = Verdict(
        f"{SOURCE.citation}: {SOURCE.printed}", "holds",
        f"Holds with the constant 3 (no constant is printed): the fixed cases need at most {max(rows.values()):.4g}; "
        f"the worst case found needs {w.cli_value:.6g} (gsmtheory efficiency: theorem.gradient_covariance_ratio) at "
        f"{w.worst()['family']}, {', '.join(f'{k} = {v:g}' for k, v in w.point.items())}, tilt {w.worst()['tilt h']}: "
        "the three terms are then equal and perfectly correlated, so 3 is the least constant and Theorem 6's 2 cannot "
        "come from this lemma with three terms.",
        slack=3.0 / w.cli_value, worst=w.worst(), search=w.search, trusted=w.trusted)
    if not w.trusted:
        verdict = verdict.untrusted(f"the search's route and gsmtheory efficiency differ by {w.disagreement:.2e}")
    computed = [*rows.values(), w.cli_value]
    rec = ClaimRecord.bound(
        CLAIM_ID, "‖Cov ∇_θℓ_θ‖ ≤ c·(‖Cov a‖ + ‖Cov b_div‖ + ‖Cov b_tr‖) with c = 3 (Cauchy–Schwarz); Lemma 10 prints "
                  "no constant.",
        "Qin & Risteski, COLT 2024, Lemma 10", computed, 3.0, upper=True, tolerance=1e-6,
        tolerance_reason="quadrature at 1e-10; the worst case agrees between the two routes to "
                         f"{w.disagreement:.1e}",
        details={"cases": rows, "worst_case": {"family": w.family, "point": w.point, "tilt": w.coefficients,
                                               "value_search_route": w.value, "value_cli": w.cli_value,
                                               "disagreement": w.disagreement, "defaults": w.defaults}},
        findings=[f"The constant Lemma 10 hides is 3 at worst (found {w.cli_value:.6g}); on the catalogue cases it is "
                  + ", ".join(f"{k}: {v:.4g}" for k, v in rows.items()) + "."],
        source=SOURCE, verdicts=[verdict],
        labels=[f"‖Cov ∇_θℓ‖/(sum of the three covariances), {k}" for k in rows] + ["the same, worst case found"])
    return rec if w.trusted else replace(rec, passed=False)
