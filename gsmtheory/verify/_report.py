"""The verification report: ``report.md``, a self-contained ``index.html``, PNG plots, the witness
spec files (``witness-*.toml``, one per statement found false) and ``results.json``, staged and moved into place file by file (never half-written), only into a
directory gsmtheory created or that carries its marker (a user's files are never touched).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from gsmtheory._json import plain, provenance
from gsmtheory._outdir import claim_directory, publish, staging
from gsmtheory.verify._plots import render_plots
from gsmtheory.verify._report_html import html_report
from gsmtheory.verify._report_markdown import markdown_report
from gsmtheory.verify._report_text import witnesses
from gsmtheory.verify._runner import VerifyResult

__all__ = ["JOURNAL", "prepare_report", "write_report"]


#: the journal of finished claims inside a report directory (``verify --resume`` reads it)
JOURNAL = "verify-journal.jsonl"


def prepare_report(directory: str | os.PathLike[str]) -> Path:
    """Claim ``directory`` for a report before any check runs (see :func:`claim_directory`):
    a new or empty directory, or one gsmtheory wrote; anything else raises :class:`GSMError`.

    Parameters
    ----------
    directory : str or PathLike
        The report directory.

    Returns
    -------
    Path
        The directory, created if absent and marked as gsmtheory's.

    Raises
    ------
    GSMError
        The directory holds files gsmtheory did not write.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from gsmtheory.verify import prepare_report
    >>> out = prepare_report(pathlib.Path(tempfile.mkdtemp()) / "report")
    >>> sorted(p.name for p in out.iterdir())
    ['.gsmtheory-output']
    """
    return claim_directory(directory, "verify-report")


def write_report(result: VerifyResult, directory: str | os.PathLike[str]) -> Path:
    """Write ``report.md``, ``index.html`` (plots inlined as base64), the PNG plots and
    ``results.json`` to ``directory``.

    The files are rendered into a staging directory first and each moved into place with
    ``os.replace``, so an interrupted run leaves every file either old or new, never
    half-written. Only files gsmtheory wrote there before (listed in its marker file) are
    removed when the new report lacks them; files a user put beside them stay.

    Parameters
    ----------
    result : VerifyResult
        The run (:func:`verify`).
    directory : str or PathLike
        The report directory (:func:`prepare_report`'s rules).

    Returns
    -------
    Path
        The directory written.

    Raises
    ------
    GSMError
        ``directory`` is a file, cannot be written, or holds files gsmtheory did not write.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from gsmtheory.verify import ClaimRecord, VerifyResult, write_report
    >>> one = ClaimRecord.equality("C99", "One equals one.", "demo", 1.0, 1.0, 1e-12, "exact")
    >>> out = write_report(VerifyResult((one,), "quick", 0.1), pathlib.Path(tempfile.mkdtemp()) / "report")
    >>> sorted(p.name for p in out.iterdir() if not p.name.endswith(".png"))
    ['.gsmtheory-output', 'index.html', 'report.md', 'results.json']
    """
    target = prepare_report(directory)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with staging(target) as tmp:
        plots = render_plots(result.claims, tmp)
        for _, v in witnesses(result):
            assert v.witness is not None
            (tmp / v.witness.filename).write_text(v.witness.spec, encoding="utf-8")
        (tmp / "report.md").write_text(markdown_report(result, plots, when), encoding="utf-8")
        (tmp / "index.html").write_text(html_report(result, plots, when, tmp), encoding="utf-8")
        (tmp / "results.json").write_text(
            json.dumps({**provenance(), **plain(result, finite=True)}, indent=1) + "\n", encoding="utf-8")
        keep = [JOURNAL] if (target / JOURNAL).exists() else []
        publish(target, tmp, "verify-report", keep=keep)
    return target
