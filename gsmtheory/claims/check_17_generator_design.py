r"""Claim 17 (beyond the paper): a designed temperature law beats the reported CTLD defaults.

Statement: the reported r(β) (log r = −7·diam²/(λ(1+β))) and β_max = 14·diam²/λ − 1 are one point
of the power family log r = −c·diam²/(λ(1+β)) + κ·log(1+β) on [0, β_max] (c = 7, κ = 0; checked
symbolically); optimizing within that family gives a C_P of the lifted chain — and an asymptotic
variance of the annealed estimator — never worse than at the defaults, and here much better. The
flat law r = 1 on [0, β_max] does *not* contain the defaults; full mode reports it beside.

Why this tests it: for p = ½N(−m, 1) + ½N(m, 1), ``design_ctld`` runs Nelder–Mead from the
defaults on (c, κ, log β_max) (C_P by ``ctld_poincare``, points whose relative error exceeds 1%
are rejected), then re-evaluates the optimum and the defaults (finer grid in full mode). The
improvement factor C_P(defaults)/C_P(optimum) is reported per separation, with the
optimizer's status, beside Langevin's C_P (no lift). Full mode adds the power family and the
variance objective ‖Γ_CTLD‖ for the mixture weight.

Pass (upper bound): C_P at the optimum ≤ C_P at the defaults·(1 + 1e-3), at every separation.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sympy as sp

from gsmtheory.estimation import design_ctld, design_log_r
from gsmtheory.symbolic import GaussianMixture, ctld_parameters
from gsmtheory.verify import ClaimRecord, Source, Verdict, plot, series

CLAIM_ID = "C17"

SOURCE = Source('beyond', 'docs/design.md §2 (generator design); the defaults of Definition 6, p. 9',
                'optimizing log r = −c D²/(λ(1+β)) + κ log(1+β) and β_max never makes C_P(CTLD) worse than the defaults')


def _mix(m: float) -> GaussianMixture:
    return GaussianMixture(((-m,), (m,)), (0.5, 0.5), ((1.0,),))


def check(quick: bool = True) -> ClaimRecord:
    """Optimized r(β), β_max vs the reported defaults: C_P of CTLD (and ‖Γ_CTLD‖ in full mode)."""
    ms = [2.0, 5.0] if quick else [0.5, 1.0, 2.0, 3.0, 4.0, 5.5, 7.0]
    families = ["power"] if quick else ["power", "flat"]
    opts: dict[str, Any] = ({"max_evaluations": 10, "cells": 8, "fine": False} if quick
                            else {"max_evaluations": 120, "cells": 16, "fine": True})
    rows: dict[str, dict[str, list[Any]]] = {}
    for fam in families:
        r: dict[str, list[Any]] = {"cp": [], "cp_default": [], "improvement": [], "optimum": [], "status": [],
                                   "evaluations": [], "error": [], "langevin": []}
        for m in ms:
            d = design_ctld(_mix(m), "poincare", family=fam, **opts)
            r["cp"].append(d.value)
            r["cp_default"].append(d.value_default)
            r["improvement"].append(d.improvement)
            r["optimum"].append(d.optimum)
            r["status"].append(d.status)
            r["evaluations"].append(d.evaluations)
            r["error"].append(max(d.error, d.error_default))
            r["langevin"].append(d.langevin_value)
        rows[fam] = r
    lang = [float(v) for v in rows["power"]["langevin"]]  # design_ctld's own C_P of Langevin on p
    # the power family contains the reported defaults: at c = 7, κ = 0, β_max = 14D²/λ − 1 its log r is the
    # reported one (checked symbolically), so its optimum is never worse; the flat family does not contain them
    contains = []
    for m in ms:
        base = ctld_parameters(_mix(m))
        law = design_log_r("power", {"c": 7.0, "kappa": 0.0}, base.lambda_min, base.diameter)
        contains.append(bool(sp.simplify(law - sp.sympify(base.log_r)) == 0))
    best = rows["power"]["cp"]
    default = rows["power"]["cp_default"]
    stretch = [(14 * (2 * m) ** 2 - 1) / o["beta_max"] for m, o in zip(ms, rows["power"]["optimum"], strict=True)]
    findings = [
        "C_P improvement over the reported defaults within the power family log r = −cD²/(λ(1+β)) + κ log(1+β), "
        "β_max free (which contains the defaults at c = 7, κ = 0): "
        + ", ".join(f"m = {m:g}: x{v:.3g} (c {o['c']:.3g}, κ {o['kappa']:.3g}, β_max {o['beta_max']:.3g}, {s})"
                    for m, v, o, s in zip(ms, rows["power"]["improvement"], rows["power"]["optimum"],
                                          rows["power"]["status"], strict=True)) + ".",
        f"The optimized lift's C_P is {best[-1]:.3g} at m = {ms[-1]:g} against {default[-1]:.3g} with the defaults "
        f"and {lang[-1]:.3g} for Langevin: the reported beta_max = 14 diam^2/lambda - 1 makes the temperature "
        f"interval {min(stretch):.0f}..{max(stretch):.0f}x longer than the optimum's, and the lifted chain's C_P is "
        f"then dominated by diffusing across it.",
    ]
    details: dict[str, Any] = {"separation": ms, "families": rows, "cp_langevin": lang, "cp_best": best,
                               "options": opts}
    if "flat" in rows:
        p = rows["flat"]
        findings.append("Flat r on [0, β_max] (a family that does NOT contain the defaults, so not guaranteed to do "
                        "better): " + ", ".join(
            f"m = {m:g}: x{v:.3g} (beta_max {o['beta_max']:.3g}, {s})"
            for m, v, o, s in zip(ms, p["improvement"], p["optimum"], p["status"], strict=True)) + ".")
        var = []
        for m in (2.0, 4.0):
            d = design_ctld(_mix(m), "variance", family="flat", parameter="weight", max_evaluations=20)
            var.append(d.to_dict())
        details["variance_design"] = var
        findings.append("Estimator variance ||Gamma_CTLD|| for the weight (flat r): " + ", ".join(
            f"m = {m:g}: {v['value_default']:.3g} -> {v['value']:.3g} (x{v['improvement']:.3g}, beta_max "
            f"{v['optimum']['beta_max']:.3g}, {v['status']})" for m, v in zip((2.0, 4.0), var, strict=True)) + ".")
    ds = [2 * m for m in ms]
    curves = [series("CTLD, reported r and beta_max", ds, default),
              *[series(f"CTLD, optimized ({f} family)", ds, rows[f]["cp"], style="points" if f == "flat" else "line")
                for f in families],
              series("Langevin (no lift)", ds, lang, style="dashed")]
    details["plots"] = [plot("designed_ctld_cp", "CTLD C_P: reported defaults vs optimized temperature law",
                             "distance between the means d = 2m", "C_P", curves, yscale="log")]
    tol = 1e-3
    details["power_family_contains_defaults"] = contains
    rec = ClaimRecord.bound(
        CLAIM_ID, "Optimizing r(beta) and beta_max within a family containing the reported defaults (the power "
                  "family) never makes CTLD's C_P worse, and improves it by orders of magnitude at large separation.",
        "beyond Qin & Risteski 2023 (their defaults: log r = -7 diam^2/(lambda(1+beta)), beta_max = 14 diam^2/lambda - 1)",
        best, default, upper=True, tolerance=tol,
        tolerance_reason="relative error of the lifted C_P solver (Richardson spread, <= 1e-3 at these grids)",
        details=details, findings=findings, source=SOURCE, labels=[f"C_P at the power family's optimum, m = {m:g}"
                                                                    for m in ms],
        verdicts=[Verdict(f"{SOURCE.locator}: {SOURCE.printed}", "holds",
                          "Holds: the power family contains the defaults (its log r at c = 7, κ = 0 is the reported one, "
                          "checked symbolically) and its optimum improves C_P by "
                          + ", ".join(f"x{v:.3g} at m = {m:g}" for m, v in zip(ms, rows["power"]["improvement"], strict=True))
                          + ".")])
    return rec if all(contains) else replace(rec, passed=False)
