"""The public transparency report through the local stack, with no login: this month's row
counts the reads, hits, verdicts and searches made (counters only), the retention in force is
stated, the JSON passes rtcc.lpr.transparency.check_anonymous, and no plate, reader id, case
number or user that went into the counts appears in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from rtcc.local.iam.identity import acting_as
from rtcc.lpr.counts_dynamodb import DynamoCounts
from rtcc.lpr.settings import lpr_settings
from rtcc.lpr.transparency import check_anonymous, check_purposes, month_of

from tests.integration.lpr.test_lpr_hit_record import hit, make_list, make_reader, record

pytestmark = pytest.mark.integration


def report(base: str) -> tuple[dict, str, requests.Response]:
    answer = requests.get(base + "/api/public/transparency", timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json(), answer.text, answer


def this_month(doc: dict) -> dict:
    (row,) = [r for r in doc["months"] if r["month"] == month_of(datetime.now(UTC))]
    return row


def test_the_report_counts_and_names_no_one(local_stack: Any, api: Any) -> None:
    base = local_stack.base_url
    before, _, _ = report(base)
    before_row = next((r for r in before["months"] if r["month"] == month_of(datetime.now(UTC))), None)
    list_id, reader = make_list(), make_reader()
    made = hit(list_id, reader, datetime.now(UTC) - timedelta(seconds=20), plate="TRN4242")
    (new,) = record([made])
    with acting_as("lpr-ingest"):
        DynamoCounts().reads([made.read])
    officer = api.as_role("officer")
    decided = officer.post(
        f"/api/lpr/hits/{new['hit_id']}/verdict", json={"verdict": "accept", "revision": 0}
    )
    assert decided.status_code == 200, decided.text
    now = datetime.now(UTC)
    search = {"purpose": "missing person", "case_number": "TR-77310", "plate": "TRN4242",
              "start": (now - timedelta(hours=1)).isoformat(), "end": now.isoformat()}  # fmt: skip
    assert officer.post("/api/lpr/search", json=search).status_code == 200
    doc, text, answer = report(base)
    assert answer.headers["Cache-Control"] == "public, max-age=300"
    check_anonymous(doc, check_purposes(lpr_settings().purposes))
    assert doc["retention"] == {"preset": "default", "days": 30, "citation": ""}
    row = this_month(doc)
    old = before_row or {"reads": 0, "hits": 0, "accepted": 0, "readers": 0, "searches": {"by_purpose": {}}}
    assert row["reads"] >= old["reads"] + 1 and row["hits"] >= old["hits"] + 1
    assert row["accepted"] >= old["accepted"] + 1 and row["readers"] >= 1
    assert (
        row["searches"]["by_purpose"]["missing person"]
        >= old["searches"]["by_purpose"].get("missing person", 0) + 1
    )
    for secret in ("TRN4242", reader[1], reader[0], "TR-77310", list_id, "officer"):
        assert secret not in text
