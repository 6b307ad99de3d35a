"""Test-suite settings: Hypothesis is derandomized under CI, so a CI run is reproducible.

Development runs keep Hypothesis's random exploration (that is how counterexamples are found);
a CI run (CI=true) replays a fixed sequence of examples instead.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
