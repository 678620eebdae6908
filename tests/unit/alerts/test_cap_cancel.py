"""A sent alert a supervisor cancelled publishes a CAP 1.2 Cancel: its own document (msgType
Cancel, <references> naming the original's sender, identifier and sent time), listed in
the CAP index feed at the time of the cancel; valid against the OASIS schema."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from rtcc.alerts.cap import ATOM_NS, CAP_NS, CapPublisher, render_cap
from rtcc.alerts.feed import FeedSources, InMemorySentAlerts, SentAlertsFromRecords
from rtcc.alerts.model import Alert
from rtcc.alerts.zones import ZoneMap
from rtcc.api.app import build_app
from rtcc.api.routes import alerts_feed

from tests.reference import reference_path
from tests.unit.alerts.test_alerts_feed_routes import BASE, SENT, _alert, _type, get

A = {"a": ATOM_NS}
C = {"c": CAP_NS}
CANCELLED = SENT + timedelta(minutes=7)
PUBLISHER = CapPublisher("alerts@springfield.example", "Springfield Police", BASE)


@pytest.fixture
def schema():
    return pytest.importorskip("xmlschema").XMLSchema(str(reference_path("cap", "CAP-v1.2.xsd")))


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch):
    store = InMemorySentAlerts([_alert("evt-old", SENT - timedelta(hours=2)), _alert("evt-new")])
    store.cancel("evt-new", CANCELLED)
    sources = FeedSources(store, ZoneMap.demo(), PUBLISHER)
    monkeypatch.setattr(alerts_feed, "feed_sources", lambda: sources)
    return build_app()


def test_a_cancelled_alert_has_a_valid_cap_cancel_referencing_it(app, schema) -> None:
    response = get(app, "/api/public/alerts/sent/evt-new.cancel.cap.xml")
    assert response["statusCode"] == 200, response["body"]
    assert _type(response).startswith("application/cap+xml")
    schema.validate(response["body"].encode())
    cancel = ET.fromstring(response["body"].encode())
    original = ET.fromstring(render_cap(_alert("evt-new"), ZoneMap.demo(), PUBLISHER))
    assert cancel.findtext("c:msgType", namespaces=C) == "Cancel"
    assert cancel.findtext("c:identifier", namespaces=C) == "rtcc-evt-new-cancel"
    assert cancel.findtext("c:sent", namespaces=C) == "2026-12-01T20:22:00+00:00"
    reference = ",".join(original.findtext(f"c:{f}", namespaces=C) for f in ("sender", "identifier", "sent"))
    assert cancel.findtext("c:references", namespaces=C) == reference
    assert "sgt.secret-name" not in response["body"]


def test_an_alert_not_cancelled_has_no_cancel(app) -> None:
    assert get(app, "/api/public/alerts/sent/evt-old.cancel.cap.xml")["statusCode"] == 404
    assert get(app, "/api/public/alerts/sent/nope.cancel.cap.xml")["statusCode"] == 404
    assert get(app, "/api/public/alerts/sent/evt-old.cap.xml")["statusCode"] == 200  # still routed


def test_the_cap_index_lists_the_cancel_at_its_time_and_the_reader_feed_does_not(app) -> None:
    feed = ET.fromstring(get(app, "/api/public/alerts/cap.xml")["body"].encode())
    entries = feed.findall("a:entry", A)
    assert [e.findtext("a:id", namespaces=A) for e in entries] == [
        f"{BASE}/api/public/alerts/sent/evt-new.cancel.cap.xml",
        f"{BASE}/alerts#evt-new",
        f"{BASE}/alerts#evt-old",
    ]
    link = entries[0].find("a:link[@rel='alternate']", A)
    assert link.get("type") == "application/cap+xml" and link.get("href").endswith("evt-new.cancel.cap.xml")
    assert feed.findtext("a:updated", namespaces=A) == "2026-12-01T20:22:00+00:00"
    reader = ET.fromstring(get(app, "/api/public/alerts/feed.atom")["body"].encode())
    assert len(reader.findall("a:entry", A)) == 2


def test_the_sending_sides_cancelled_records_are_the_cancels() -> None:
    @dataclass(frozen=True)
    class Record:  # the fields of rtcc.alerts.sending.SentAlert the feed reads
        alert: Alert
        state: str
        cancelled_at: datetime | None = None

    class Records:
        rows = [
            Record(_alert("waiting", sent_at=None), "cancelled", CANCELLED),  # never published
            Record(_alert("gone"), "cancelled", CANCELLED),
            Record(_alert("live"), "sending"),
        ]

        def recent(self, limit: int) -> list[Record]:
            return self.rows[:limit]

        def get(self, alert_id: str) -> Record | None:
            return next((r for r in self.rows if r.alert.alert_id == alert_id), None)

    sources = FeedSources(SentAlertsFromRecords(Records()), ZoneMap.demo(), PUBLISHER)
    assert sources.cancelled() == {"gone": CANCELLED}
