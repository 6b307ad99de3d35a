"""Render the report's index.html in headless Chromium and check that every plot image loads.

The page's script sets ``data-images="loaded/total"`` on <body> after the load event; Chromium's
--dump-dom prints the DOM after scripts ran. Chromium missing: the test fails in CI (CI=true)
with a clear message and is skipped elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from gsmtheory.verify import verify, write_report

pytestmark = pytest.mark.chromium

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--virtual-time-budget=10000"]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    message = ("headless Chromium is not installed; install Debian's package: "
               "apt-get update && apt-get install -y chromium")
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


def test_report_images_load_in_chromium(make_package: Callable[..., str], tmp_path: Path) -> None:
    browser = _chromium()
    out = write_report(verify(package=make_package()), tmp_path / "report")
    result = subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
         out.joinpath("index.html").as_uri()],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    match = re.search(r'<body[^>]*data-images="(\d+)/(\d+)"', dom)
    assert match, f"the page's load script did not run; DOM starts {dom[:300]!r}"
    loaded, total = map(int, match.groups())
    assert total == 3 and loaded == total
    assert "3 of 3 plots loaded" in dom
    assert "gsmtheory verification report" in dom
    # sources and errata render (the DOM after scripts: the sections exist and carry the record's text)
    assert '<h2 id="errata">Errata</h2>' in dom
    assert re.search(r"<section class=\"erratum false\"><h3>KHR 2023, Lemma 2, p\. 2", dom), dom[:3000]
    assert "Should Lemma 2's constant be 3 rather than 2?" in dom
    assert "Source: <b>COLT 2024, Theorem 1, p. 1</b>" in dom
