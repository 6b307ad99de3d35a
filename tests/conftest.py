"""Test-suite settings: Hypothesis is derandomized under CI, so a CI run is reproducible.

Development runs keep Hypothesis's random exploration (that is how counterexamples are found);
a CI run (CI=true) replays a fixed sequence of examples instead. Under xdist each worker gets one
BLAS/OpenMP/torch thread (``make test`` sets the same variables before numpy loads).
"""

from __future__ import annotations

import os

if os.environ.get("PYTEST_XDIST_WORKER"):  # one thread per worker: the workers already fill the cores
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
