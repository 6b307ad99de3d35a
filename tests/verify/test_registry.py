"""Discovery over a fake check package; -k selection; a raising or broken check is a failed record."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gsmtheory import GSMError
from gsmtheory.verify import Check, ClaimRecord, discover, run_check, run_checks, select, verify


def test_discover_sorted_by_claim_number_and_ignores_non_checks(make_package: Callable[..., str]) -> None:
    pkg = make_package()
    checks = discover(pkg)
    assert [c.id for c in checks] == ["C01", "C02", "C03", "C04", "C14"]
    assert all(c.module.startswith(pkg + ".check_") for c in checks)
    broken = checks[3]
    assert broken.function is None and "ModuleNotFoundError" in (broken.problem or "")


def test_discover_missing_package_is_a_user_error() -> None:
    with pytest.raises(GSMError, match="cannot import"):
        discover("no_such_check_package_anywhere")


def test_module_without_contract_is_reported(make_package: Callable[..., str]) -> None:
    pkg = make_package({"check_07_nothing": "X = 1\n"})
    (c,) = discover(pkg)
    assert c.id == "C07" and "CLAIM_ID" in (c.problem or "")
    r = run_check(c)
    assert r.kind == "error" and not r.passed


def test_select_substring_glob_and_lists(make_package: Callable[..., str]) -> None:
    checks = discover(make_package())
    assert [c.id for c in select(checks, "c02")] == ["C02"]
    assert [c.id for c in select(checks, "raising")] == ["C03"]
    assert [c.id for c in select(checks, "C0[12]")] == ["C01", "C02"]
    assert [c.id for c in select(checks, "C01, C14")] == ["C01", "C14"]
    assert select(checks, None) == checks and select(checks, " ") == checks
    assert select(checks, "nothing-matches") == ()


def test_run_check_outcomes(make_package: Callable[..., str]) -> None:
    by_id = {c.id: c for c in discover(make_package())}
    ok = run_check(by_id["C01"], quick=False)
    assert ok.passed and ok.details["mode"] == "full" and ok.seconds > 0
    failed = run_check(by_id["C02"])
    assert not failed.passed and failed.computed == 3.0 and failed.kind == "upper_bound"
    raised = run_check(by_id["C03"])
    assert raised.kind == "error" and not raised.passed
    assert "RuntimeError: solver exploded" in raised.details["error"]


def test_wrong_return_and_wrong_id_are_errors(make_package: Callable[..., str]) -> None:
    pkg = make_package({
        "check_05_none": "CLAIM_ID = 'C05'\ndef check(quick=True):\n    return 1.0\n",
        "check_06_other": ("from gsmtheory.verify import ClaimRecord\nCLAIM_ID = 'C06'\n"
                           "def check(quick=True):\n"
                           "    return ClaimRecord.equality('C99', 's', 'r', 1.0, 1.0, 0.0, 'x')\n"),
    })
    r5, r6 = (run_check(c) for c in discover(pkg))
    assert r5.kind == "error" and "not a ClaimRecord" in r5.details["error"]
    assert r6.kind == "error" and "'C99'" in r6.details["error"]


def test_warnings_are_kept_in_details(make_package: Callable[..., str]) -> None:
    pkg = make_package({"check_08_warns": (
        "import warnings\nfrom gsmtheory.verify import ClaimRecord\nCLAIM_ID = 'C08'\n"
        "def check(quick=True):\n    warnings.warn('coarse grid')\n"
        "    return ClaimRecord.equality(CLAIM_ID, 's', 'r', 1.0, 1.0, 0.0, 'x')\n")})
    (c,) = discover(pkg)
    r = run_check(c)
    assert r.passed and r.details["warnings"] == ["UserWarning: coarse grid"]


def test_run_checks_counts_and_modes(make_package: Callable[..., str]) -> None:
    checks = discover(make_package())
    res = run_checks(checks, quick=True)
    assert (res.passed, res.failed, res.mode) == (2, 3, "quick")
    d = res.to_dict()
    assert set(d) == {"claims", "passed", "failed", "skipped", "seconds", "mode", "errata", "selected",
                      "interrupted", "headline", "crashed", "missed_tolerance", "verdicts", "statements"}
    assert [(e["claim"], e["severity"]) for e in d["errata"]] == [("C02", "false")]
    assert [c["id"] for c in d["claims"]] == ["C01", "C02", "C03", "C04", "C14"]
    assert res.findings == (("C02", "The computed value 3 exceeds the reported bound 2."),)
    assert verify("C01", quick=False, package=checks[0].module.rsplit(".", 1)[0]).mode == "full"


def test_run_checks_in_worker_processes(make_package: Callable[..., str]) -> None:
    pkg = make_package()
    res = verify("C01,C02,C14", package=pkg, jobs=2)
    assert [c.id for c in res.claims] == ["C01", "C02", "C14"]
    assert [c.passed for c in res.claims] == [True, False, True]


def test_verify_nothing_selected_is_a_user_error(make_package: Callable[..., str]) -> None:
    with pytest.raises(GSMError, match="no check matches"):
        verify("zzz", package=make_package())


def test_check_needs_function_or_problem() -> None:
    with pytest.raises(ValueError):
        Check("C01", "m")
    assert Check("C01", "a.check_01_x", problem="p").slug == "check_01_x"
    assert isinstance(ClaimRecord.error("C01", "boom"), ClaimRecord)


def _two_comparisons(stop_on: float, second: float, lie: bool = False) -> Check:
    """A check with two comparisons, the first ``stop_on`` (tolerance 1e-9 around 0), the second expensive."""
    from gsmtheory.verify import verdict_settled

    calls: list[str] = []

    def check(quick: bool = True) -> ClaimRecord:
        if verdict_settled(abs(stop_on) > 1e-9):
            value = 0.0 if lie else stop_on  # lie: a "stopped" record that passes
            return ClaimRecord.equality("C98", "two", "demo", [value], [0.0], 1e-9, "t", relative=False,
                                        details={"stopped_at_first_failure": "the first comparison"})
        calls.append("second")
        return ClaimRecord.equality("C98", "two", "demo", [stop_on, second], [0.0, 0.0], 1e-9, "t", relative=False,
                                    details={"calls": calls})

    return Check("C98", "demo.check_98_two", function=check)


def test_verdict_only_stops_at_the_first_failed_comparison_and_fails() -> None:
    failing = _two_comparisons(0.5, 0.0)
    full, short = run_check(failing), run_check(failing, verdict_only=True)
    assert not full.passed and full.details["calls"] == ["second"]  # a normal run does all the work
    assert not short.passed and "stopped_at_first_failure" in short.details and "calls" not in short.details
    passing = run_check(_two_comparisons(0.0, 0.0), verdict_only=True)
    assert passing.passed and passing.details["calls"] == ["second"]  # nothing failed: nothing stops
    late = run_check(_two_comparisons(0.0, 0.5), verdict_only=True)  # a failure in the part that runs anyway
    assert not late.passed


def test_a_stopped_record_that_passes_is_an_error() -> None:
    record = run_check(_two_comparisons(0.5, 0.0, lie=True), verdict_only=True)
    assert record.kind == "error" and not record.passed
    assert record.details["error"].endswith("stopped at a first failure (the first comparison) but its record passes")

    def always_stops(quick: bool = True) -> ClaimRecord:  # stopping where nobody asked for it
        return ClaimRecord.equality("C97", "s", "demo", [1.0], [0.0], 1e-9, "t", relative=False,
                                    details={"stopped_at_first_failure": "always"})

    record = run_check(Check("C97", "demo.check_97_stops", function=always_stops))
    assert record.kind == "error" and "was not asked to stop" in record.details["error"]


def test_verdict_only_ends_with_the_check_even_when_it_raises() -> None:
    from gsmtheory.verify import verdict_settled

    seen: list[bool] = []

    def boom(quick: bool = True) -> ClaimRecord:
        seen.append(verdict_settled(True))
        raise RuntimeError("broken")

    record = run_check(Check("C96", "demo.check_96_boom", function=boom), verdict_only=True)
    assert record.kind == "error" and seen == [True]
    assert verdict_settled(True) is False  # the mode was reset on the way out
