"""The platform's live feed through the local stack: an item published to a channel is
read back by an officer with GET /api/feed/{channel} (under the api function's deployed
IAM), never by an anonymous caller or a role the channel is not declared for; a web tip
publishes to channel "tips", and the summaries route turns its items into list rows."""

from __future__ import annotations

import pytest
from rtcc.feed import LiveFeed

from tests.integration.tips.conftest import wait_for

pytestmark = pytest.mark.integration


def refs(page: dict) -> list[str]:
    return [item["ref"] for item in page["items"]]


def test_a_published_item_reaches_officers_and_no_one_else(api) -> None:
    officer = api.as_role("officer")
    start = officer.get("/api/feed/tips").json()["cursor"]
    item = LiveFeed().publish("tips", "update", "T-ZZZZ", {"status": "triaged"})

    page = officer.get("/api/feed/tips", params={"after": start})
    assert page.status_code == 200, page.text
    (mine,) = [i for i in page.json()["items"] if i["ref"] == "T-ZZZZ"]
    assert mine == {
        "cursor": item.cursor,
        "at": item.at,
        "kind": "update",
        "ref": "T-ZZZZ",
        "summary": {"status": "triaged"},
    }

    anonymous = api.get("/api/feed/tips", params={"after": start})
    assert anonymous.status_code == 401 and "T-ZZZZ" not in anonymous.text
    auditor = api.as_role("auditor").get("/api/feed/tips", params={"after": start})
    assert auditor.status_code == 403 and "T-ZZZZ" not in auditor.text
    assert officer.get("/api/feed/nowhere").status_code == 404


def test_a_web_tip_is_published_to_the_tips_channel(api) -> None:
    officer = api.as_role("officer")
    start = officer.get("/api/tips", params={"limit": 1}).json()["feed_cursor"]
    created = api.post("/api/public/tips", json={"text": "Loud party with fireworks on 5th"})
    assert created.status_code == 200, created.text
    code = created.json()["code"]

    def published() -> dict | None:
        page = officer.get("/api/feed/tips", params={"after": start}).json()
        return page if code in refs(page) else None

    page = wait_for(published, 10)
    (item,) = [i for i in page["items"] if i["ref"] == code]
    assert item["kind"] == "tip" and item["summary"] == {}  # nothing a tipster wrote

    rows = officer.get("/api/tips/summaries", params={"codes": f"{code},T-ZZZZ"})
    assert rows.status_code == 200, rows.text
    assert [(t["code"], t["preview"]) for t in rows.json()["tips"]] == [
        (code, "Loud party with fireworks on 5th")
    ]
    assert api.get("/api/tips/summaries", params={"codes": code}).status_code == 401
    assert officer.get("/api/tips/summaries", params={"codes": "not-a-code"}).status_code == 422
    # A full chunk of the longest codes the pattern allows fits (review: it was a 422, and
    # the console retried the same feed items for ever).
    longest = ",".join(f"T-{n:0>8}".replace("0", "Z").replace("1", "Y") for n in range(100))
    assert officer.get("/api/tips/summaries", params={"codes": longest}).status_code == 200
    # Named tips, old ones included, are a targeted read: audited (a count, never the codes).
    entries = api.as_role("auditor").get("/api/audit", params={"action": "tip.summaries"}).json()["entries"]
    assert entries and all(code not in str(e["detail"]) for e in entries)
