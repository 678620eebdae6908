"""How the suite reports what it could not run: shared reference data missing from the
clone, no Chromium, and RTCC_REQUIRE_ALL=1 (CI) turning any skip into a failed run."""

from __future__ import annotations

import re

import pytest

from tests.harness import REPO_ROOT, run_pytest
from tests.reference import REFERENCE_DATA, reference_path

MISSING_CHROMIUM = "/nonexistent/rtcc-test/chromium"
NO_CHROMIUM = f"no Chromium at {MISSING_CHROMIUM} (Debian: apt-get install chromium; or set RTCC_CHROMIUM)"
# Every browser test: without a browser each skips before its fixtures (no local stack), in seconds.
BROWSER_TESTS = "tests/e2e"


def test_missing_reference_data_skips_naming_the_file_and_where_it_should_be() -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        reference_path("twilio", "no-such-vectors.json")
    assert str(skipped.value) == (
        "no-such-vectors.json is not in this clone: ../shared/reference-data/twilio/no-such-vectors.json "
        "(CI has it)"
    )


def test_present_reference_data_is_found_where_the_message_says() -> None:
    assert REFERENCE_DATA == REPO_ROOT.parent / "shared" / "reference-data"  # "../shared/..."
    path = reference_path("twilio")  # skips (with the reason) on a clone without it
    assert path == REFERENCE_DATA / "twilio" and path.is_dir()


def test_without_chromium_the_run_ends_with_one_line_saying_so() -> None:
    done = run_pytest(
        BROWSER_TESTS, env={"RTCC_CHROMIUM": MISSING_CHROMIUM, "RTCC_REQUIRE_ALL": None}, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    counts = re.fullmatch(r"(\d+) skipped in .*", lines[-1])
    assert counts and int(counts[1]) > 1, done.stdout
    # The line above the final counts, said once (not once per browser test).
    assert lines[-2] == f"{counts[1]} browser tests did not run: {NO_CHROMIUM}", done.stdout
    assert sum("did not run" in line for line in lines) == 1, done.stdout


def test_require_all_fails_the_run_on_a_skip_and_names_it() -> None:
    done = run_pytest(
        BROWSER_TESTS, env={"RTCC_CHROMIUM": MISSING_CHROMIUM, "RTCC_REQUIRE_ALL": "1"}, timeout=120
    )
    assert done.returncode == 1, done.stdout + done.stderr
    listed = done.stdout.split("RTCC_REQUIRE_ALL=1: nothing may skip, and these did", 1)[1]
    named = re.findall(rf"^(tests/e2e/\S+::\S+): {re.escape(NO_CHROMIUM)}$", listed, re.MULTILINE)
    skipped = int(re.search(r"(\d+) skipped in", done.stdout)[1])
    assert len(set(named)) == skipped > 1, done.stdout


def test_require_all_passes_a_run_where_nothing_skipped() -> None:
    done = run_pytest(
        "tests/unit/tips/test_media_and_twiml.py::test_media_verdicts",
        env={"RTCC_REQUIRE_ALL": "1"},
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "nothing may skip" not in done.stdout
