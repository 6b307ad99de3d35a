"""`gsmtheory efficiency SPEC`: asymptotic covariance of GSM against MLE, per direction, with the theory.

A spec with a ``[ctld]`` table gives the annealed (CTLD) estimator: gsm_covariance is Γ_CTLD,
mle_covariance the original MLE's, lifted_mle_covariance E_r[I_{p^β}]⁻¹, vanilla_gsm_covariance
vanilla score matching's, with their ratios, C_P of the lift and the theorem applied to the
lift; ``--no-lift`` gives the unlifted GSM efficiency.
"""

from __future__ import annotations

import argparse
from typing import Any

from gsmtheory import api
from gsmtheory._cli._common import (
    MAX_SAMPLES,
    add_lift_argument,
    add_spec_argument,
    bounded_int,
    lift_option,
    positive_float,
    spec_from_args,
)
from gsmtheory.estimation import covariance_methods
from gsmtheory.symbolic import misspecification

NAME = "efficiency"
HELP = ("asymptotic covariances of the GSM estimator (sandwich) and the MLE (inverse Fisher), "
        "their ratio per parameter direction, C_P, the key lemma and the general theorem's bound")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """SPEC, --method, --rtol, --samples, --no-poincare."""
    add_spec_argument(parser)
    parser.add_argument("--method", choices=["auto", *covariance_methods().names()], default="auto",
                        help="covariance method (default: the first registered one that applies: quadrature "
                             "for d <= 2, then ctld_reduction on a lift, Monte Carlo from exact samples beyond)")
    parser.add_argument("--rtol", type=positive_float, default=None,
                        help="quadrature: stop when Gamma changes by less than rtol*||Gamma|| (default 1e-10; on a "
                             "lift: the change between its two resolutions that counts as converged, default 1e-3); "
                             "Monte Carlo on a lift: the relative standard error to reach (default 1e-2)")
    parser.add_argument("--samples", type=bounded_int(1000, MAX_SAMPLES), default=400_000,
                        help=f"Monte Carlo samples (default 400000, at most {MAX_SAMPLES:_})")
    parser.add_argument("--no-poincare", action="store_true",
                        help="skip C_P and the theory quantities (key lemma, theorem bound)")
    add_lift_argument(parser)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Efficiency record as a dict (keys of docs/design.md §4 plus per-direction information)."""
    spec = spec_from_args(args)
    problem = api.problem(spec, lift=lift_option(args))
    record = api.efficiency(problem, method=args.method, rtol=args.rtol, samples=args.samples,
                            poincare=not args.no_poincare)
    out = {"spec": spec.name, **api.as_dict(problem, record)}
    out["misspecified"] = misspecification(spec)  # None: the model at truth reproduces the target
    p = out.get("poincare") or {}
    out["poincare_side"] = p.get("side")  # what poincare_constant certifies (a bound is no value)
    return out


def _fmt(v: Any) -> str:
    return "n/a" if v is None else f"{v:.6g}"


def _cp(result: dict[str, Any]) -> str:
    """C_P with what it certifies (a Rayleigh–Ritz lower bound must not read as a value)."""
    p = result.get("poincare") or {}
    side = p.get("side", "estimate")
    c = result["poincare_constant"]
    if c is None:
        return _fmt(c)
    tail = f" ({side}, status {p['status']})" if p.get("status") else f" ({side})"
    if side == "lower_bound":
        lo = p.get("lower")
        return f">= {_fmt(c if lo is None else lo)}{tail}: a lower bound only, not a value"
    if side == "upper_bound":
        up = p.get("upper")
        return f"<= {_fmt(c if up is None else up)}{tail}: an upper bound only, not a value"
    if side == "bracket" and p.get("lower") is not None and p.get("upper") is not None:
        return f"in [{_fmt(p['lower'])}, {_fmt(p['upper'])}]{tail}: a two-sided bound, not a value"
    return _fmt(c) + tail


def _format_lifted(result: dict[str, Any]) -> str:
    r = result["ratios"]
    c = result["ctld"]
    lines = [f"spec: {result['spec']} (CTLD lift; lambda {c['lambda_min']:g}, beta_max {c['beta_max']:g}, "
             f"log r = {c['log_r']})  params: {', '.join(result['params'])}",
             f"Gamma_CTLD: {result['gsm_covariance']}",
             f"Gamma_vanilla_SM: {result['vanilla_gsm_covariance']}",
             f"Gamma_MLE (original): {result['mle_covariance']}",
             f"Gamma_MLE (lifted): {result['lifted_mle_covariance']}",
             f"ratio CTLD/MLE {_fmt(r['ctld_vs_mle'])}, CTLD/lifted MLE {_fmt(r['ctld_vs_lifted_mle'])}, "
             f"vanilla/MLE {_fmt(r['vanilla_vs_mle'])}",
             f"poincare_constant (lift): {_cp(result)}",
             f"theorem_bound (c = 2, lifted MLE): {_fmt(result['theorem_bound'])}",
             f"status: {result['status']}  error {_fmt(result['error_estimate'])} (relative, every block)  "
             f"method: {result['method']}"]
    if result["status"] != "ok":
        more = ("raise --samples" if "Monte Carlo" in str(result["method"]) else
                "refine the lift's quadrature with gsmtheory.estimation.efficiency(..., panels=, nh=)")
        lines.insert(1, f"NOT CONVERGED: the numbers below are uncertain by up to {_fmt(result['error_estimate'])} "
                        f"(relative); {more}")
    if result.get("misspecified"):
        lines.insert(1, f"MISSPECIFIED: {result['misspecified']}")
    return "\n".join(lines)


def format_text(result: dict[str, Any]) -> str:
    """A readable summary."""
    if result.get("lifted"):
        return _format_lifted(result)
    lines = [f"spec: {result['spec']}  params: {', '.join(result['params'])}",
             f"Gamma_GSM: {result['gsm_covariance']}",
             f"Gamma_MLE: {result['mle_covariance']}",
             f"ratio ||Gamma_GSM||/||Gamma_MLE||: {_fmt(result['ratio'])}",
             "per parameter: " + ", ".join(f"{k}: {_fmt(v)}" for k, v in result["per_parameter"].items()),
             f"worst direction: {result['worst_direction']['combination']} "
             f"(ratio {_fmt(result['worst_direction']['ratio'])})",
             f"best direction: {result['best_direction']['combination']} "
             f"(ratio {_fmt(result['best_direction']['ratio'])})",
             f"poincare_constant: {_cp(result)}",
             f"theorem_bound (c = 2): {_fmt(result['theorem_bound'])}"
             + (" (computed from a bound on C_P, not its value: not a certified bound)"
                if (result.get("poincare") or {}).get("side") in ("lower_bound", "upper_bound",
                                                                  "bracket") else "")]
    if result.get("key_lemma"):
        kl = result["key_lemma"]
        lines.append(f"key lemma C_P*lambda_min(I^-1/2 H I^-1/2) = {_fmt(kl['ratio'])} (>= 1: {kl['holds']})")
    if result.get("theorem"):
        th = result["theorem"]
        lines.append(f"theorem: slack {_fmt(th['slack'])}, smallest constant needed {_fmt(th['needed_constant'])}")
        if th.get("needed_constant_three_terms") is not None:
            lines.append("theorem, three terms as printed (COLT 2024 Theorem 6, constant 2): smallest constant "
                         f"needed {_fmt(th['needed_constant_three_terms'])}")
        if th.get("restricted_poincare_constant") is not None:
            lines.append(f"restricted C_P (Remark 8) {_fmt(th['restricted_poincare_constant'])}: smallest constant "
                         f"needed {_fmt(th.get('needed_constant_restricted'))} (two terms), "
                         f"{_fmt(th.get('needed_constant_restricted_three_terms'))} (three terms)")
        if th.get("gradient_covariance_ratio") is not None:
            lines.append("Lemma 10: ||Cov grad_theta l|| / (sum of the three covariances) = "
                         f"{_fmt(th['gradient_covariance_ratio'])}")
    lines.append(f"status: {result['status']}  method: {result['method']}")
    if result["status"] == "not_converged":
        lines.insert(1, "NOT CONVERGED: the covariances below did not reach --rtol (see the JSON error estimate)")
    if result.get("misspecified"):
        lines.insert(1, f"MISSPECIFIED: {result['misspecified']}")
    if result.get("theorem") and (result.get("poincare") or {}).get("side") != "estimate":
        lines.append("note: slack and constant are computed from a bound on C_P, not its value")
    lines.extend(f"note: {n}" for n in result.get("notes", []))
    return "\n".join(lines)


def exit_code(result: dict[str, Any]) -> int:
    """1 when the covariances did not converge (as for poincare), else 0."""
    return 1 if result.get("status") == "not_converged" else 0
