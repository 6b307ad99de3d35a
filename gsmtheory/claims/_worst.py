r"""The worst case of a COLT 2024 §3 inequality over the 1D tilt families (not a check).

:func:`gsm_worst` finds, for one objective of :data:`gsmtheory.verify.GSM_OBJECTIVES` (Theorem 6
in its three-term and two-term forms, Remark 8, Lemma 10, Lemma 11), the worst (target, D,
tilt) over the families of :data:`gsmtheory.verify.GSM_FAMILIES`:

- full mode: :func:`gsmtheory.verify.maximize` over each family (multi-start Nelder–Mead on the
  target and D, the tilt direction optimised exactly inside), budget per family;
- quick mode: the cached worst point of a full search (``_witnesses.CACHE``), re-evaluated — the
  value is recomputed, never read — beside each family's default point.

Either way the worst point is written as a spec and run through the command line
(``gsmtheory efficiency FILE --json``): the package's own route (symbolic loss, compiled, its
quadrature, its C_P solver) must give the same number as the search's route (basis matrices by
:func:`gsmtheory.numeric.expect_1d`, C_P by :func:`gsmtheory.numeric.poincare_1d`). If they
disagree the number is not trusted there and the check says so.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from gsmtheory.claims._witnesses import CACHE, header, lookup, run_command
from gsmtheory.verify import (
    GSM_FAMILIES,
    GSM_OBJECTIVES,
    ClaimRecord,
    Source,
    Witness,
    maximize,
    tilt_matrices,
    worst_tilt,
)

#: objective -> the key of `gsmtheory efficiency --json` that holds the same number
CLI_QUANTITY: dict[str, str] = {
    "theorem6_three_terms": "theorem.needed_constant_three_terms",
    "theorem6_two_terms": "theorem.needed_constant",
    "remark8_three_terms": "theorem.needed_constant_restricted_three_terms",
    "remark8_two_terms": "theorem.needed_constant_restricted",
    "lemma10": "theorem.gradient_covariance_ratio",
    "lemma11": "key_lemma.ratio",
}

#: relative agreement required between the search's route and the command's route
AGREE = 1e-5


@dataclass(frozen=True)
class GsmWorst:
    """The worst case found for one objective, evaluated by both routes."""

    objective: str
    family: str
    point: dict[str, float]
    coefficients: list[float]
    value: float
    cli_value: float
    disagreement: float
    constants: dict[str, float]
    defaults: dict[str, float]
    search: dict[str, Any]
    spec: str
    command: str = "gsmtheory efficiency {file}"
    cli: dict[str, Any] = field(default_factory=dict)

    @property
    def trusted(self) -> bool:
        return math.isfinite(self.disagreement) and self.disagreement <= AGREE

    @property
    def quantity(self) -> str:
        return CLI_QUANTITY[self.objective]

    def witness(self, name: str, bound: float, relation: str = "<=") -> Witness:
        """The :class:`gsmtheory.verify.Witness` of this worst case."""
        return Witness(name, self.spec, self.command, self.quantity, self.cli_value, bound, relation,
                       point={"family": self.family, **self.point, "tilt": self.coefficients})

    def worst(self) -> dict[str, Any]:
        """The worst case, labelled, for the verdict."""
        fam = GSM_FAMILIES[self.family]
        terms = [(c, b) for c, b in zip(self.coefficients, fam.expressions(self.point)["basis"], strict=True)
                 if abs(c) > 1e-8 * max(abs(v) for v in self.coefficients)]
        tilt = " ".join(f"{'-' if c < 0 else '+'} {abs(c):.6g}·{b}" for c, b in terms).lstrip("+ ")
        return {"family": fam.description, "parameters": self.point, "tilt h": tilt,
                "value (search route)": self.value, "value (gsmtheory efficiency)": self.cli_value}


def untrusted_stop(claim: str, statement: str, reference: str, source: Source, two: GsmWorst, three: GsmWorst,
                   labels: list[str]) -> ClaimRecord:
    """The failing record a check returns in a verdict-only run (``gsmtheory.verify.verdict_settled``)
    when its worst cases (two-term, three-term) are not trusted: the two routes disagree."""
    stopped = ClaimRecord.bound(
        claim, statement, reference, [two.cli_value, three.cli_value], [2.0, 3.0], upper=True, tolerance=1e-6,
        source=source, labels=labels,
        details={"stopped_at_first_failure": "the search's route and `gsmtheory efficiency` differ by "
                                             f"{max(three.disagreement, two.disagreement):.2e} at the worst point"})
    return replace(stopped, passed=False)


def _evaluate(objective: str, family: str, point: dict[str, float]) -> tuple[float, np.ndarray, dict[str, float]]:
    m = tilt_matrices(GSM_FAMILIES[family].case(point))
    if m.poincare_status != "ok" and GSM_OBJECTIVES[objective][0] not in ("needed_restricted_three_terms",
                                                                           "needed_restricted_two_terms",
                                                                           "lemma10_ratio"):
        return math.nan, np.zeros(len(m.fisher)), {}  # C_P not converged: a failed evaluation, not a value
    v, c = worst_tilt(m, objective)
    return v, c, m.constants(c)


@functools.lru_cache(maxsize=32)
def _cli(spec: str) -> str:
    return json.dumps(run_command("gsmtheory efficiency {file}", spec))


def gsm_worst(objective: str, quick: bool, *, claim: str, statement: str, printed: str,
              families: tuple[str, ...] = ("jacobi", "line", "mixture"), budget: int = 60,
              starts: int = 4, witness_name: str = "") -> GsmWorst:
    """The worst case of ``objective`` (module docstring); ``witness_name`` is the file stem the
    report will give the spec (its header says how to reproduce it)."""
    witness_name = witness_name or f"{claim}-{objective}"

    key, is_max, bound, words = GSM_OBJECTIVES[objective]
    sign = 1.0 if is_max else -1.0
    defaults: dict[str, float] = {}
    for name in families:
        fam = GSM_FAMILIES[name]
        defaults[name] = _evaluate(objective, name, fam.defaults[0])[0]
    if quick:
        cached = CACHE.get(objective)
        if cached is not None and cached["family"] in families:
            family, point = cached["family"], {k: float(v) for k, v in cached["point"].items()}
            search = {"mode": "cached point of a full search, re-evaluated now", "objective": words,
                      **{k: v for k, v in cached.get("search", {}).items() if k != "best_value"}}
        else:
            family = max(defaults, key=lambda n: sign * defaults[n])
            point = dict(GSM_FAMILIES[family].defaults[0])
            search = {"mode": "no cached search: the families' default points", "objective": words}
    else:
        runs = []
        for i, name in enumerate(families):
            fam = GSM_FAMILIES[name]
            init = list(fam.defaults)
            cached = CACHE.get(objective)
            if cached is not None and cached["family"] == name:
                init.append({k: float(v) for k, v in cached["point"].items()})
            def signed(p: dict[str, float], name: str = name) -> float:
                return sign * _evaluate(objective, name, p)[0]

            r = maximize(signed, fam.box,
                         budget=budget, starts=starts, seed=17 + i, initial=init, name=words,
                         family=fam.description)
            runs.append((name, r))
        family, best = max(runs, key=lambda t: t[1].best_value)
        point = best.best_point
        search = {"mode": "search", "objective": words,
                  "per_family": {n: r.to_dict() for n, r in runs},
                  "budget": sum(r.budget for _, r in runs), "evaluations": sum(r.evaluations for _, r in runs),
                  "starts": sum(r.starts for _, r in runs), "failures": sum(r.failures for _, r in runs),
                  "seconds": sum(r.seconds for _, r in runs), "best_point": point, "family": family}
    fam = GSM_FAMILIES[family]
    point = fam.round(point)
    m = tilt_matrices(fam.case(point))
    _, c = worst_tilt(m, objective)
    c = np.where(np.abs(c) < 1e-9 * np.max(np.abs(c)), 0.0, c)
    c = np.array([float(f"{v:.10g}") for v in c])  # the coefficients the spec carries
    constants = m.constants(c)
    value = float(constants[key])
    spec = fam.spec(point, c, description=f"Worst case found for {statement}: {words} = {value:.6g} "
                    f"(printed {bound:g})",
                    header=header(claim, statement, CLI_QUANTITY[objective], printed,
                                  f"gsmtheory efficiency witness-{witness_name}.toml"))
    cli = json.loads(_cli(spec))
    cli_value = lookup(cli, CLI_QUANTITY[objective])
    dis = abs(cli_value - value) / max(abs(value), 1e-300)
    search["best_value"] = value
    return GsmWorst(objective, family, point, [float(v) for v in c], value, cli_value, dis, constants, defaults,
                    search, spec, cli={k: cli.get(k) for k in ("theorem", "key_lemma", "poincare_constant")})

