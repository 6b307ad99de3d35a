"""Every number the command line prints, as a table that a refactor must leave unchanged.

``python -m benchmarks.numbers_table run OUT.json`` runs ``gsmtheory poincare --quick``,
``loss`` and ``efficiency`` (and ``fit`` on seeded data) with ``--json`` on every catalogue entry,
the same on CTLD specs (the catalogue's ``ctld-bimodal``, a 1D formula target, 2D and 3D mixtures,
the ridge coordinate at d = 70 and the Monte Carlo fallback), and ``gsmtheory verify --quick
--json`` (each claim's computed values), all in one process through :func:`gsmtheory.cli.main`,
and writes each command's exit status, its JSON (or its one-line error) and its wall time.

``python -m benchmarks.numbers_table compare BEFORE.json AFTER.json [OUT.json]`` compares two tables entry
by entry: for every number, the change relative to the largest number of its entry, against the
entry's own stated relative error (``error_estimate``, the loss and covariance errors, or, for a
verify claim, 1e-9 — a claim states no error, so it must reproduce). It prints one row per entry
and exits 1 when an entry changed by more than its own error (or changed exit status or keys).

``results/numbers_before.json`` is the table of the code before issue #22 (commit 9c2348d),
``results/numbers_after.json`` after it, ``results/numbers_compare.json`` their comparison
(90/90 entries agree: all bit for bit but the ridge-coordinate C_P at d = 70, 8.5e-12 relative
against its own 1.4e-5). ``results/numbers_865a96f.json`` and ``results/numbers_bda9fdf.json`` bracket
the tests-mirror, generic-CTLD-pieces, symmetric-LU and rays changes (95 entries, now with the 35
claims); ``results/numbers_compare_865a96f_bda9fdf.json``: 95/95 agree, largest change 4.9e-9 relative
(the d = 70 ridge, own error 6.5e-6). ``results/numbers_84582b5.json`` after the speed-ups and the CTLD
12 -> 11 modules merge; ``results/numbers_compare_bda9fdf_84582b5.json``: 94/95 agree, the claims bit for
bit; the one flagged is preconditioned-gaussian's best/worst direction, undetermined (ratio 1 in every
direction) and now labelled so. ``results/numbers_b6d0285.json`` after the blocked NumPy evaluation, the
ring composition of interval tails, the face-flux simplify cap at 75 operations and the solves shared
between the cut-off check and the ladder; ``results/numbers_compare_84582b5_b6d0285.json``: 95/95 agree,
the claims bit for bit, the largest change 2e-9 relative (the d = 70 ridge, own error 6.5e-6); the
table's commands took 179 s against 194 s. ``results/numbers_de54c58.json``, the final code of that
session (the lambdify cache and the two-row block rule added), against b6d0285
(``results/numbers_compare_b6d0285_de54c58.json``): bit for bit but the d = 70 ridge (1e-9, its
run-to-run noise). ``results/numbers_f94e126.json`` after the θ-derivatives by forward mode and the
1D CTLD chain's widened Richardson error, against de54c58 (``results/numbers_compare_de54c58_f94e126.json``):
92/95 agree; the three flagged are that error (0.050 -> 0.121 on C_P = 2702.95 of ctld-bimodal, in
its poincare and efficiency entries, the value bit for bit) and preconditioned-gaussian's direction
vector, undetermined as before; the 35 claims agree to 2e-13. ``results/numbers_5ef90ea.json`` after the
Lyapunov candidates' early end, the one-limit normalizability rule, the 30-digit refusal of inexact
rotations and the one time guard, against f94e126 (``results/numbers_compare_f94e126_5ef90ea.json``):
95/95 agree, every entry bit for bit but the d = 70 ridge (8.8e-9, own error 6.5e-6).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from tests.estimation.test_lifted_monte_carlo import K3
from tests.solve.test_loss_question import FREE

CATALOGUE = ("gaussian", "gaussian-2d", "preconditioned-gaussian", "state-dependent-langevin", "double-well",
             "bimodal", "bimodal-weight", "mixture-2d", "jacobi", "laguerre", "reflected-gaussian",
             "nonreversible-gaussian", "underdamped-langevin", "ctld-bimodal")

# the 2D and the three-component 3D lifted mixtures are the tests' own specs, read from there so the
# table and the tests cannot drift apart
MIXTURE_2D_CTLD = FREE
K3_CTLD = K3

FORMULA_CTLD = 'coords = ["x"]\nlog_density = "-(x**2 - 1)**2"\n[ctld]\nlambda_min = 1.0\ndiameter = 2.0\n'

MIXTURE_3D_CTLD = """
coords = ["x", "y", "z"]
[mixture]
means = [[-0.5, -0.5, -0.5], [0.5, 0.5, 0.5]]
weights = [0.5, 0.5]
covariance = 1.0
[model]
params = ["a"]
truth = {a = 0.5}
[model.mixture]
means = [["-a", "-a", "-a"], ["a", "a", "a"]]
weights = [0.5, 0.5]
covariance = 1.0
[ctld]
lambda_min = 1.0
"""


def _ridge_spec(d: int = 70, m: float = 3.0) -> str:
    """±m along the diagonal of R^d (unit covariance): past d − dim U = 64, the ridge coordinate."""
    e = m / math.sqrt(d)
    coords = ", ".join(f'"x{i}"' for i in range(d))
    lo = ", ".join(repr(-e) for _ in range(d))
    hi = ", ".join(repr(e) for _ in range(d))
    return (f"coords = [{coords}]\n[mixture]\nmeans = [[{lo}], [{hi}]]\nweights = [0.5, 0.5]\n"
            "covariance = 1.0\n[ctld]\nlambda_min = 1.0\n")


def _runs(tmp: Path) -> Iterator[tuple[str, list[str]]]:
    """(entry name, argv) of every command in the table."""
    for name in CATALOGUE:
        yield f"poincare {name}", ["poincare", name, "--quick"]
        yield f"loss {name}", ["loss", name, "--at", _first_param(name)]
        yield f"efficiency {name}", ["efficiency", name]
    yield "poincare ctld-bimodal --no-lift", ["poincare", "ctld-bimodal", "--quick", "--no-lift"]
    files = {"formula-ctld": FORMULA_CTLD, "mixture-2d-ctld": MIXTURE_2D_CTLD,
             "mixture-3d-ctld": MIXTURE_3D_CTLD, "k3-ctld": K3_CTLD, "ridge-70-ctld": _ridge_spec()}
    paths = {}
    for key, text in files.items():
        paths[key] = tmp / f"{key}.toml"
        paths[key].write_text(text)
    for key in ("formula-ctld", "mixture-2d-ctld", "mixture-3d-ctld", "ridge-70-ctld"):
        yield f"poincare {key}", ["poincare", str(paths[key]), "--quick"]
    yield "loss formula-ctld", ["loss", str(paths["formula-ctld"])]
    yield "loss mixture-2d-ctld", ["loss", str(paths["mixture-2d-ctld"]), "--at", "a=1.2,b=0.1"]
    yield "loss mixture-3d-ctld", ["loss", str(paths["mixture-3d-ctld"]), "--at", "a=0.6"]
    yield "efficiency mixture-2d-ctld", ["efficiency", str(paths["mixture-2d-ctld"])]
    yield "efficiency mixture-3d-ctld", ["efficiency", str(paths["mixture-3d-ctld"])]
    yield "efficiency k3-ctld (Monte Carlo)", ["efficiency", str(paths["k3-ctld"]), "--samples", "100000",
                                               "--rtol", "0.05"]
    data = _data(tmp)
    for name, loss in (("bimodal", "gsm"), ("bimodal", "mle"), ("bimodal", "ctld"), ("ctld-bimodal", None),
                       ("double-well", "gsm"), ("double-well", "mle"), ("reflected-gaussian", "gsm")):
        argv = ["fit", name, "--data", str(data[name])] + ([] if loss is None else ["--loss", loss])
        yield f"fit {name} --loss {loss or 'default'}", argv


def _first_param(name: str) -> str:
    from gsmtheory.symbolic import load_spec

    spec = load_spec(name)
    if spec.model is None:
        return "a=1.0"
    return ",".join(f"{p}={float(t) * 1.1 + 0.1!r}" for p, t in zip(spec.model.params, spec.model.truth,
                                                                       strict=True))


def _data(tmp: Path) -> dict[str, Path]:
    """Seeded samples: the bimodal pair from its mixture, the others from a fixed 1D grid inversion."""
    rng = np.random.default_rng(12345)
    out = {}
    comp = rng.random(400) < 0.5
    x = np.where(comp, -2.0, 2.0) + rng.standard_normal(400)
    for name in ("bimodal", "ctld-bimodal"):
        out[name] = tmp / f"{name}.npy"
        np.save(out[name], x[:, None])
    grid = np.linspace(-2.5, 2.5, 20001)
    dens = np.exp(-(grid**2 - 1) ** 2)
    cdf = np.cumsum(dens) / dens.sum()
    out["double-well"] = tmp / "double-well.npy"
    np.save(out["double-well"], np.interp(rng.random(300), cdf, grid)[:, None])
    out["reflected-gaussian"] = tmp / "reflected-gaussian.npy"
    y = 0.3 + rng.standard_normal(2000)
    np.save(out["reflected-gaussian"], y[(y > 0) & (y < 2)][:300, None])
    return out


def _call(argv: list[str]) -> dict[str, Any]:
    from gsmtheory.cli import main

    out, err = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([*argv, "--json"])
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    seconds = time.perf_counter() - t0
    text = out.getvalue().strip()
    result: Any = json.loads(text) if text.startswith("{") else None
    return {"argv": argv, "exit": code, "seconds": round(seconds, 2), "result": result,
            "error": err.getvalue().strip().splitlines()[-1] if err.getvalue().strip() else ""}


def _verify() -> dict[str, Any]:
    entry = _call(["verify", "--quick"])
    claims = {}
    for claim in (entry.pop("result") or {}).get("claims", []):
        claims[claim["id"]] = {"exit": entry["exit"], "seconds": claim.get("seconds"),
                               "result": {"computed": claim.get("computed"), "theoretical": claim.get("theoretical"),
                                          "passed": claim.get("passed")}, "error": ""}
    return claims


def run(path: Path) -> None:
    table: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, argv in _runs(Path(tmp)):
            entry = _call(argv)
            entry["argv"] = [a if not a.startswith(tmp) else Path(a).name for a in argv]
            table[name] = entry
            print(f"{entry['seconds']:8.2f} s  exit {entry['exit']}  {name}", file=sys.stderr, flush=True)
    for cid, entry in _verify().items():
        table[f"verify {cid}"] = entry
    path.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")


# ---------------------------------------------------------------------------- comparison
_SKIP = {"seconds", "argv", "message", "method", "notes", "spec", "lifted_target"}


def _numbers(value: Any, prefix: str = "") -> Iterator[tuple[str, float]]:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        yield prefix, float(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            if k not in _SKIP:
                yield from _numbers(v, f"{prefix}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _numbers(v, f"{prefix}[{i}]")


def _own_error(result: Any, name: str) -> float:
    """The entry's stated relative error (the largest it states), at least 1e-9."""
    if not isinstance(result, dict) or name.startswith("verify"):
        return 1e-9
    rel = [1e-9]
    scale = max((abs(v) for _, v in _numbers(result) if math.isfinite(v)), default=1.0) or 1.0
    for key in ("error_estimate",):
        v = result.get(key)
        c = result.get("poincare_constant")
        if isinstance(v, int | float) and isinstance(c, int | float) and c and math.isfinite(v):
            rel.append(abs(v / c))
        elif isinstance(v, int | float) and math.isfinite(v):
            rel.append(abs(v))
    for key in ("explicit_error", "implicit_error", "gsm_covariance_error", "mle_covariance_error",
                "standard_errors"):
        if key in result:
            errs = [abs(v) for _, v in _numbers(result[key]) if math.isfinite(v)]
            if errs:
                rel.append(max(errs) / scale)
    return max(rel)


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name in sorted(set(before) | set(after)):
        b, a = before.get(name), after.get(name)
        row: dict[str, Any] = {"entry": name}
        if b is None or a is None:
            row.update(agrees=False, why="missing before" if b is None else "missing after")
            rows.append(row)
            continue
        if b["exit"] != a["exit"]:
            row.update(agrees=False, why=f"exit {b['exit']} -> {a['exit']}: {a['error']}")
            rows.append(row)
            continue
        nb, na = dict(_numbers(b["result"])), dict(_numbers(a["result"]))
        scale = max((abs(v) for v in nb.values() if math.isfinite(v)), default=1.0) or 1.0
        change = 0.0
        worst = ""
        for key in set(nb) & set(na):
            x, y = nb[key], na[key]
            if x == y or (math.isnan(x) and math.isnan(y)):
                continue
            d = math.inf if not (math.isfinite(x) and math.isfinite(y)) else abs(x - y) / max(abs(x), scale * 1e-3)
            if d > change:
                change, worst = d, key
        own = _own_error(b["result"], name)
        missing = sorted(set(nb) - set(na))
        row.update(exit=b["exit"], numbers=len(nb), change=change, worst=worst, own_error=own,
                   missing=missing[:5], agrees=change <= own and not missing,
                   value=_headline(b["result"]), value_after=_headline(a["result"]))
        if b["exit"] == 2:
            row["error"] = a["error"]
        rows.append(row)
    return rows


def _headline(result: Any) -> Any:
    if not isinstance(result, dict):
        return None
    for key in ("ratio", "poincare_constant", "implicit", "estimate", "computed"):
        if key in result:
            return result[key]
    return None


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "run":
        run(Path(argv[1]))
        return 0
    if len(argv) >= 3 and argv[0] == "compare":
        rows = compare(json.loads(Path(argv[1]).read_text()), json.loads(Path(argv[2]).read_text()))
        if len(argv) == 4:
            Path(argv[3]).write_text(json.dumps(rows, indent=1) + "\n")
        bad = [r for r in rows if not r["agrees"]]
        for r in rows:
            print(f"{'ok ' if r['agrees'] else 'BAD'} {r['entry']:<48} change {r.get('change', math.nan):.2e} "
                  f"own error {r.get('own_error', math.nan):.2e}  {r.get('why', '')}")
        print(f"{len(rows) - len(bad)}/{len(rows)} entries agree to their own error")
        return 1 if bad else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
