"""GET /api/feed/{channel} in-process against the unit moto server: the feed table round
trip (rtcc.store.feed), and who may read which channel (the declaration says, per channel)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rtcc.api.app import build_app
from rtcc.capability import FeedSpec
from rtcc.feed import LiveFeed, cursor_at
from rtcc.store.feed import FeedRecord

from tests.unit.test_api import call


@pytest.fixture(scope="module")
def app(moto_endpoint: str):
    return build_app()


@pytest.fixture
def supervisors_channel(monkeypatch: pytest.MonkeyPatch) -> str:
    """A channel a capability declared for supervisors only (tips' is for officers)."""
    from rtcc.api.routes import feed as routes

    monkeypatch.setitem(routes.CHANNELS, "watch", FeedSpec("watch", role="supervisor"))
    return "watch"


def test_a_published_item_is_read_back_through_the_route(app) -> None:
    start = LiveFeed().start()
    item = LiveFeed().publish("tips", "tip", "T-ROUT", {"channel": "web"})
    status, body = call(app, "GET", "/api/feed/tips", role="officer", query={"after": start})
    assert status == 200, body
    mine = [i for i in body["items"] if i["ref"] == "T-ROUT"]
    assert mine == [
        {"cursor": item.cursor, "at": item.at, "kind": "tip", "ref": "T-ROUT", "summary": {"channel": "web"}}
    ]
    assert body["reset"] is False and body["more"] is False and body["cursor"] >= start
    record = FeedRecord.get(f"tips#{item.at[:10]}", item.cursor)
    assert record.expires > datetime.now(UTC) + timedelta(days=2)  # TTL: a few days


def test_an_item_past_its_ttl_is_not_returned(app) -> None:
    start = LiveFeed().start()
    item = LiveFeed().publish("tips", "tip", "T-GONE")
    FeedRecord(f"tips#{item.at[:10]}", item.cursor).update(
        actions=[FeedRecord.expires.set(datetime.now(UTC) - timedelta(seconds=1))]
    )
    _, body = call(app, "GET", "/api/feed/tips", role="officer", query={"after": start})
    assert "T-GONE" not in [i["ref"] for i in body["items"]]


def test_without_a_cursor_the_answer_is_where_to_start(app) -> None:
    status, body = call(app, "GET", "/api/feed/tips", role="officer")
    assert status == 200 and body["items"] == []
    assert body["cursor"] <= cursor_at(datetime.now(UTC))


def test_channels_are_read_by_their_declared_role(app, supervisors_channel: str) -> None:
    path = f"/api/feed/{supervisors_channel}"
    assert call(app, "GET", "/api/feed/tips")[0] == 401
    assert call(app, "GET", "/api/feed/tips", role="auditor")[0] == 403
    assert call(app, "GET", path, role="officer")[0] == 403
    assert call(app, "GET", path, role="supervisor")[0] == 200
    assert call(app, "GET", path, role="admin")[0] == 200  # admins are supervisors too


def test_undeclared_channels_and_bad_cursors_are_refused_by_name(app) -> None:
    status, body = call(app, "GET", "/api/feed/nowhere", role="officer")
    assert (status, body["message"]) == (404, "channel: no feed named nowhere")
    status, body = call(app, "GET", "/api/feed/tips", role="officer", query={"after": "garbage-cursor"})
    assert (status, body["message"]) == (422, "after: not a feed cursor")
    assert call(app, "GET", "/api/feed/TIPS", role="officer")[0] == 422
