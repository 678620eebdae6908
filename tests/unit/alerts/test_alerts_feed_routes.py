"""The public alert feed's routes through the API app: served CAP validates against the OASIS
schema, links carry the stage path, unsent alerts and the sender never appear, no login."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from rtcc.alerts.cap import ATOM_NS, CAP_NS, CapPublisher
from rtcc.alerts.feed import FeedSources, InMemorySentAlerts, feed_sources, use_feed_sources
from rtcc.alerts.model import Alert, Tier
from rtcc.alerts.zones import ZoneMap
from rtcc.api.app import build_app
from rtcc.api.routes import alerts_feed

from tests.reference import reference_path
from tests.unit.test_api import _Ctx

SENT = datetime(2026, 12, 1, 20, 15, tzinfo=UTC)
BASE = "https://abc123.execute-api.us-east-1.amazonaws.com/prod"
A = {"a": ATOM_NS}


def _alert(alert_id: str, sent_at: datetime | None = SENT, **kw) -> Alert:
    values = {
        "tier": Tier.ADVISORY,
        "headline": {"en": "Road closed", "es": "Calle cerrada"},
        "texts": {"en": "Main St closed until 6pm.", "es": "Calle Main cerrada hasta las 6pm."},
        "zones": ("downtown", "zip:01013"),
        "categories": ("traffic",),
        "expires_at": None,
        "sender": "sgt.secret-name",
    }
    return Alert(alert_id=alert_id, sent_at=sent_at, **{**values, **kw})


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch):
    store = InMemorySentAlerts(
        [_alert("evt-old", SENT - timedelta(hours=2)), _alert("evt-new"), _alert("pending", sent_at=None)]
    )
    publisher = CapPublisher("alerts@springfield.example", "Springfield Police", BASE)
    sources = FeedSources(store, ZoneMap.demo(), publisher)
    monkeypatch.setattr(alerts_feed, "feed_sources", lambda: sources)
    return build_app()  # the router is reached through the capability's declared prefixes


def get(app, path: str, query: dict[str, str] | None = None) -> dict:
    """An anonymous GET as API Gateway sends it on the execute-api URL (stage in the path)."""
    event = {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
        "requestContext": {"requestId": "r-1", "stage": "prod", "path": f"/prod{path}", "httpMethod": "GET"},
    }
    return app.resolve(event, _Ctx())


def _type(response: dict) -> str:
    return (response.get("headers") or {}).get("Content-Type") or response["multiValueHeaders"][
        "Content-Type"
    ][0]


def test_each_sent_alert_is_served_as_valid_cap_without_login(app) -> None:
    schema = pytest.importorskip("xmlschema").XMLSchema(str(reference_path("cap", "CAP-v1.2.xsd")))
    response = get(app, "/api/public/alerts/sent/evt-new.cap.xml")
    assert response["statusCode"] == 200, response["body"]
    assert _type(response).startswith("application/cap+xml")
    schema.validate(response["body"].encode())
    root = ET.fromstring(response["body"].encode())
    assert root.findtext(f"{{{CAP_NS}}}identifier") == "rtcc-evt-new"
    assert root.findtext(f"{{{CAP_NS}}}info/{{{CAP_NS}}}web") == f"{BASE}/alerts?lang=en#evt-new"
    assert "sgt.secret-name" not in response["body"]


def test_the_feeds_list_sent_alerts_newest_first_with_stage_path_links(app) -> None:
    for path, self_url in (
        ("/api/public/alerts/feed.atom", "feed.atom"),
        ("/api/public/alerts/cap.xml", "cap.xml"),
    ):
        response = get(app, path)
        assert response["statusCode"] == 200 and _type(response).startswith("application/atom+xml")
        feed = ET.fromstring(response["body"].encode())
        assert [e.findtext("a:id", namespaces=A) for e in feed.findall("a:entry", A)] == [
            f"{BASE}/alerts#evt-new",
            f"{BASE}/alerts#evt-old",
        ]
        hrefs = [link.get("href") for link in feed.iter(f"{{{ATOM_NS}}}link")]
        assert f"{BASE}/api/public/alerts/{self_url}" in hrefs
        assert all(h.startswith(BASE + "/") for h in hrefs), hrefs
        assert "pending" not in response["body"] and "sgt.secret-name" not in response["body"]
    cap_index = ET.fromstring(get(app, "/api/public/alerts/cap.xml")["body"].encode())
    assert f"{BASE}/api/public/alerts/sent/evt-new.cap.xml" in [
        link.get("href") for link in cap_index.iter(f"{{{ATOM_NS}}}link")
    ]


def test_the_page_json_follows_the_language_and_hides_unsent_alerts(app) -> None:
    import json

    one = json.loads(get(app, "/api/public/alerts/sent/evt-new", {"lang": "es"})["body"])
    assert one["headline"] == "Calle cerrada" and one["areas"] == ["Downtown", "ZIP 01013"]
    assert "sender" not in one and "sgt.secret-name" not in json.dumps(one)
    listed = json.loads(get(app, "/api/public/alerts/sent")["body"])["alerts"]
    assert [a["id"] for a in listed] == ["evt-new", "evt-old"]
    for missing in ("pending", "nope", "bad.id"):
        assert get(app, f"/api/public/alerts/sent/{missing}")["statusCode"] == 404
        assert get(app, f"/api/public/alerts/sent/{missing}.cap.xml")["statusCode"] == 404


def test_sources_are_pluggable_and_default_to_an_empty_feed() -> None:
    from rtcc.alerts import feed

    store = InMemorySentAlerts([_alert("x1")])
    publisher = CapPublisher("alerts@springfield.example", "Springfield Police", BASE)
    before = feed._factory
    use_feed_sources(lambda: FeedSources(store, ZoneMap.demo(), publisher))
    try:
        assert [a.alert_id for a in feed_sources().public()] == ["x1"]
    finally:
        use_feed_sources(before)


def test_the_publisher_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from rtcc.alerts.feed import publisher_from_settings
    from rtcc.settings import reload_settings

    monkeypatch.setenv("RTCC_PUBLIC_BASE_URL", BASE)
    monkeypatch.setenv("RTCC_CITY_NAME", "Testville")
    monkeypatch.delenv("RTCC_ALERTS_CAP_SENDER", raising=False)
    reload_settings()
    try:
        unset = publisher_from_settings()
        assert (unset.sender, unset.sender_name, unset.base_url) == (
            "alerts@abc123.execute-api.us-east-1.amazonaws.com",
            "Testville",
            BASE,
        )
        monkeypatch.setenv("RTCC_ALERTS_CAP_SENDER", "alerts@testville.example")
        reload_settings()
        assert publisher_from_settings().sender == "alerts@testville.example"
    finally:
        monkeypatch.undo()
        reload_settings()


def test_the_sending_sides_records_feed_only_sent_alerts() -> None:
    from dataclasses import dataclass

    from rtcc.alerts.feed import SentAlertsFromRecords

    @dataclass(frozen=True)
    class Record:  # the shape of rtcc.alerts.sending.SentAlert the feed reads
        alert: Alert
        state: str

    class Records:
        rows = [
            Record(_alert("waiting", sent_at=None), "awaiting-approval"),
            Record(_alert("gone"), "cancelled"),
        ]

        def recent(self, limit: int) -> list[Record]:
            return self.rows[:limit]

        def get(self, alert_id: str) -> Record | None:
            return next((r for r in self.rows if r.alert.alert_id == alert_id), None)

    publisher = CapPublisher("alerts@springfield.example", "Springfield Police", BASE)
    sources = FeedSources(SentAlertsFromRecords(Records()), ZoneMap.demo(), publisher)
    assert [a.alert_id for a in sources.public()] == ["gone"]
    assert sources.public_alert("waiting") is None and sources.public_alert("nope") is None
    assert sources.public_alert("gone").alert_id == "gone"


def test_the_unwired_feed_names_the_programs_zones_never_the_demo_city_deployed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rtcc.alerts import feed
    from rtcc.settings import reload_settings

    monkeypatch.setenv("RTCC_ALERTS_ZIP_CODES", '["01013"]')
    monkeypatch.delenv("RTCC_ALERTS_ZONES_FILE", raising=False)
    try:
        monkeypatch.setenv("RTCC_ENVIRONMENT", "test")
        reload_settings()
        assert "downtown" in feed._unwired().zones  # rtcc dev and the tests: the demo city
        monkeypatch.setenv("RTCC_ENVIRONMENT", "deployed")
        reload_settings()
        zones = feed._unwired().zones
        assert "downtown" not in zones and "zip:01013" in zones
    finally:
        monkeypatch.undo()
        reload_settings()
