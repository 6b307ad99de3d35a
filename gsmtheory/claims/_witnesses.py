r"""Witnesses: the worst cases the full searches found (cached points), and running a witness
through the command line (not a check: discovery skips it).

``CACHE`` holds, per search, the family and the parameters of the worst case a ``verify --full``
search found, with that search's budget; ``verify --quick`` re-evaluates the cached point (it
never reads a stored value: the value comes from running the computation again). Refresh an
entry from a full run's ``results.json`` (the verdict's ``search.best_point``).

:func:`run_command` writes a witness spec to a temporary file and runs the command a reader
would type (``gsmtheory efficiency witness.toml --json``) in this process through
:func:`gsmtheory.cli.main`, so the number the report quotes is the number the command prints.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import shlex
import tempfile
from pathlib import Path
from typing import Any

from gsmtheory.cli import main as cli_main
from gsmtheory.verify import witness_header

#: search name -> {"family", "point", "search": {budget, evaluations, starts, ...}}: the worst point a
#: ``verify --full`` search found (parameters only; quick mode recomputes every value from them)
CACHE: dict[str, dict[str, Any]] = {
    'theorem6_three_terms': {"family": 'jacobi', "point": {'a': 2.0, 'b': 2.0, 'c': 0.0, 'e': 0.0},
        "search": {'budget': 240, 'evaluations': 240, 'starts': 12, 'families': ['jacobi', 'line', 'mixture'], 'seconds': 141.6, 'found_by': "verify --full search (this entry's budget); re-evaluated in quick mode"}},
    'theorem6_two_terms': {"family": 'jacobi', "point": {'a': 2.0, 'b': 2.0, 'c': 0.0, 'e': 0.0},
        "search": {'budget': 240, 'evaluations': 240, 'starts': 12, 'families': ['jacobi', 'line', 'mixture'], 'seconds': 90.6, 'found_by': "verify --full search (this entry's budget); re-evaluated in quick mode"}},
    'remark8_three_terms': {"family": 'jacobi', "point": {'a': 2.0, 'b': 2.0, 'c': 0.0, 'e': 0.0},
        "search": {'budget': 120, 'evaluations': 120, 'starts': 12, 'families': ['jacobi', 'line', 'mixture'], 'seconds': 41.9, 'found_by': "verify --full search (this entry's budget); re-evaluated in quick mode"}},
    'remark8_two_terms': {"family": 'jacobi', "point": {'a': 2.0, 'b': 2.0, 'c': 0.0, 'e': 0.0},
        "search": {'budget': 120, 'evaluations': 120, 'starts': 12, 'families': ['jacobi', 'line', 'mixture'], 'seconds': 41.8, 'found_by': "verify --full search (this entry's budget); re-evaluated in quick mode"}},
    'lemma10': {"family": 'jacobi', "point": {'a': 2.0, 'b': 2.0, 'c': 0.0, 'e': 0.0},
        "search": {'budget': 120, 'evaluations': 120, 'starts': 12, 'families': ['jacobi', 'line', 'mixture'], 'seconds': 36.8, 'found_by': "verify --full search (this entry's budget); re-evaluated in quick mode"}},
    'lemma11': {"family": 'jacobi', "point": {'a': 7.635933549, 'b': 6.424747179, 'c': -1.692108415, 'e': 0.03551917847},
        "search": {'budget': 120, 'evaluations': 120, 'starts': 12, 'families': ['jacobi', 'line', 'mixture'], 'seconds': 36.8, 'found_by': "verify --full search (this entry's budget); re-evaluated in quick mode"}},
    'lemma29': {"family": 'r', "point": {'t': 9952.137811},
        "search": {'budget': 40, 'evaluations': 39, 'starts': 3, 'found_by': "verify --full search (this entry's budget); re-evaluated in quick mode"}},
    'theorem5': {"family": 'theorem5', "point": {'m': 0.425795744, 'w': 0.51781136, 'beta_max': 0.09179718333, 'c': 0.9288048, 'third': 0.2049264},
        "search": {'budget': 150, 'evaluations': 150, 'starts': 5, 'found_by': "verify --full search (this entry's budget); re-evaluated in quick mode"}},
}


def header(claim: str, statement: str, quantity: str, printed: str, command: str) -> str:
    """The comment block a witness file starts with (:func:`gsmtheory.verify.witness_header`)."""
    return witness_header(claim, statement, quantity, printed, command)


def lookup(result: dict[str, Any], path: str) -> float:
    """``result["a"]["b"]`` for ``path = "a.b"``, as a float (inf/nan written as strings too)."""
    value: Any = result
    for part in path.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
            continue
        if not isinstance(value, dict) or part not in value:
            raise KeyError(f"the command's output has no {path!r} (missing {part!r})")
        value = value[part]
    return float(value) if value is not None else math.nan


def run_command(template: str, spec_text: str) -> dict[str, Any]:
    """Run ``template`` (``"gsmtheory efficiency {file}"``) on ``spec_text`` with ``--json``, in this
    process; returns the parsed JSON. A non-zero exit status other than 1 (a not-converged
    answer) raises :class:`RuntimeError` with what the command wrote on stderr."""
    argv = shlex.split(template)
    if argv and argv[0] == "gsmtheory":
        argv = argv[1:]
    with tempfile.TemporaryDirectory(prefix="gsm-witness-") as tmp:
        path = Path(tmp) / "witness.toml"
        path.write_text(spec_text, encoding="utf-8")
        args = [a.replace("{file}", str(path)) for a in argv] + ["--json"]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli_main(args)
    if code not in (0, 1):
        raise RuntimeError(f"`gsmtheory {' '.join(argv)}` exited {code}: {err.getvalue().strip()}")
    return json.loads(out.getvalue())
