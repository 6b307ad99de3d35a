"""Verification: every claim of docs/design.md §2 as an executable check, a registry, a report.

How to add a check (the contract)
---------------------------------
Write ``gsmtheory/claims/check_NN_<slug>.py`` (``NN`` the claim number of docs/design.md §2)::

    from gsmtheory.verify import ClaimRecord, Source

    CLAIM_ID = "C07"

    def check(quick: bool = True) -> ClaimRecord:
        \"\"\"Claim, assumptions, why this computation tests it, and the tolerance.\"\"\"
        computed = ...            # via the public API only (names exported by subpackages)
        return ClaimRecord.equality(
            CLAIM_ID, "Score matching equals MLE for a Gaussian location model.",
            "Koehler et al. 2023, Prop. 2", computed, theoretical=1.0,
            tolerance=1e-8, tolerance_reason="closed forms; quadrature to 1e-12",
            source=Source("KHR 2023", "Proposition 2, p. 5", "Γ_SM = Γ_MLE for N(θ, Σ)"))

Rules:

- one function ``check(quick=True)`` per module; no printing; deterministic (fixed seeds);
  ``quick=True`` takes seconds, ``quick=False`` (``gsmtheory verify --full``) uses fine
  resolutions and larger Monte Carlo.
- give the record its ``source``: :class:`Source` (paper, locator as in docs/paper.md, the printed
  statement as a formula). Where the printed statement is false or loose, add an
  :class:`Erratum` (severity, printed, numbers, corrected, question): the report's errata
  section is built from these records alone.
- give every printed statement the check tests a :class:`Verdict` (``verdicts=[...]``):
  ``holds`` (slack at the worst case found), ``false`` (with a :class:`Witness`: the spec file,
  the command whose output shows the violated quantity, the value re-evaluated in this run),
  ``loose`` (fitted against printed exponent or constant) or ``ambiguous`` (the outcome under each
  reading). Every verdict other than ``holds`` has an erratum of the same severity. A verdict is
  not ``passed``: a statement found false is a result of a check that ran; ``passed`` says the
  check met its tolerance (the headline counts both, separately).
- statements with a constant or an exponent are judged at the worst case a search finds:
  :func:`maximize` (multi-start Nelder–Mead in a :class:`Box`, budgeted, failures counted);
  the 1D GSM families of :data:`GSM_FAMILIES` give Theorem 6, Remark 8, Lemmas 10 and 11 exactly
  in the tilt direction (:func:`tilt_matrices`, :func:`worst_tilt`). Quick mode re-evaluates a
  cached worst point; a check whose witness disagrees between the search's route and the
  command's route marks the verdict not trusted and fails.
- ``labels=[...]`` names each number of ``computed``: the report shows every entry labelled.
- a check whose witness no command computes defines ``evaluate_witness(spec_text, quantity)``;
  ``gsmtheory verify --witness FILE`` calls it (the file's header names the claim).
- build the record with a constructor that decides ``passed`` from the kind:
  :meth:`ClaimRecord.equality` (named tolerance, relative or absolute),
  :meth:`ClaimRecord.bound` (``upper=True``/``False``; one-sided),
  :meth:`ClaimRecord.rate` (fitted rate inside a band),
  :meth:`ClaimRecord.finding` (a reported result, with at least one finding sentence).
- ``findings``: plain sentences with numbers where a computed case contradicts the statement
  *as reported* (a constant that must be larger, a dropped boundary term, a loose bound).
  A finding is a result, not a failure: the check still passes if the claim, correctly stated,
  holds.
- ``details``: JSON-able extras. Plots for the report go in ``details["plots"]``, a list built
  with :func:`plot` and :func:`series`; standard plot names (merged across claims):
  ``cp_vs_separation`` (C02 Langevin, C14 CTLD; log y), ``efficiency_vs_separation``
  (C09 vanilla, C15 annealed, against MLE), ``spectral_convergence`` (solvers under
  refinement), ``mc_vs_sandwich`` (Monte Carlo covariance against the sandwich formula).
- the registry discovers ``gsmtheory.claims.check_*`` modules by import, sorted by ``CLAIM_ID``;
  a check that raises is reported as failed with the exception message (``kind="error"``).
- an expensive check may return early where a comparison has already failed and only the verdict
  is wanted: ``if verdict_settled(worst > TOLERANCE): return ClaimRecord.equality(...,
  details={"stopped_at_first_failure": "what failed"})`` (``run_check(..., verdict_only=True)``,
  which the mutation tests use; ``gsmtheory verify`` always runs everything).
- ``seconds`` is measured by the registry; warnings a check emits land in
  ``details["warnings"]``.
- tests: ``tests/claims/test_claims.py`` runs every discovered check in quick mode and asserts it
  passes (and has a docstring); add a deliberate bug for your check to ``MUTATIONS`` in
  ``tests/claims/test_claims.py`` (``Mutation(name, "module:attr", wrap, ("CNN",))``: the
  wrapper turns the original function into a wrong one; it is patched wherever it was imported).

Command line: ``gsmtheory verify [--quick | --full] [-k PATTERN] [--json] [--report DIR]
[--jobs N] [--list] [--witness FILE]``; ``--quick`` is the default (``make verify``), ``--full`` the long run;
8 or more checks run in one spawned worker per core (at most 2, each with its share of the cores as
BLAS/torch threads; ``--jobs 1``: in-process), the report in discovery order;
exit status 1 when a check fails, 2 on a user error. ``--report DIR`` writes ``report.md``,
a self-contained ``index.html`` (plots inlined), the PNG plots, one ``witness-*.toml`` per statement
found false, and ``results.json``, into a new
or empty directory or one gsmtheory wrote (it carries the marker ``.gsmtheory-output``; any
other directory is refused before a check runs). Finished checks go to the directory's
journal as they finish: Ctrl-C writes the report of what finished, and ``--resume`` runs the
rest.

Python: ``verify(pattern, quick=True) -> VerifyResult``; ``write_report(result, directory)``.
"""

from gsmtheory.verify._gsm_family import (
    GSM_OBJECTIVES,
    TiltMatrices,
    tilt_matrices,
    tilt_terms,
    worst_tilt,
)
from gsmtheory.verify._plot_spec import plot, series
from gsmtheory.verify._plots import STANDARD_PLOTS, PlotOutcome, collect_plots, render_plots
from gsmtheory.verify._record import KINDS, STATUSES, ClaimRecord, plain
from gsmtheory.verify._registry import Check, discover, run_check, select, verdict_settled
from gsmtheory.verify._report import JOURNAL, prepare_report, write_report
from gsmtheory.verify._report_text import format_value
from gsmtheory.verify._runner import MODES, VerifyInterrupted, VerifyResult, run_checks, verify
from gsmtheory.verify._search import Box, SearchResult, maximize
from gsmtheory.verify._source import PAPERS, Erratum, Source
from gsmtheory.verify._tilt_families import GSM_FAMILIES, TiltFamily, decimal
from gsmtheory.verify._verdict import (
    RELATIONS,
    VERDICTS,
    Verdict,
    Witness,
    read_witness_header,
    witness_header,
    worst_verdict,
)

__all__ = [
    "GSM_FAMILIES",
    "GSM_OBJECTIVES",
    "JOURNAL",
    "KINDS",
    "MODES",
    "PAPERS",
    "RELATIONS",
    "STANDARD_PLOTS",
    "STATUSES",
    "VERDICTS",
    "Box",
    "Check",
    "ClaimRecord",
    "Erratum",
    "PlotOutcome",
    "SearchResult",
    "Source",
    "TiltFamily",
    "TiltMatrices",
    "Verdict",
    "VerifyInterrupted",
    "VerifyResult",
    "Witness",
    "collect_plots",
    "decimal",
    "discover",
    "format_value",
    "maximize",
    "plain",
    "plot",
    "prepare_report",
    "read_witness_header",
    "render_plots",
    "run_check",
    "run_checks",
    "select",
    "series",
    "tilt_matrices",
    "tilt_terms",
    "verdict_settled",
    "verify",
    "witness_header",
    "worst_tilt",
    "worst_verdict",
    "write_report",
]
