"""The public signup API (/api/public/alerts) through the API app, over in-memory ports:
one answer to every signup whatever the number's state, texts only to the phone, 422 with a
code the page translates for what the request got wrong, the manage link in a header."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from rtcc.alerts.signup import PublicSignup, SignupTicket
from rtcc.alerts.signup_confirm import SignupConfirmer
from rtcc.alerts.signup_limits import MemoryWindowCounters, SignupLimits
from rtcc.alerts.subscriber_memory import HmacSubscriberMac, MemorySubscriberStore
from rtcc.alerts.subscriber_ports import Status
from rtcc.alerts.subscriptions import SubscriptionPolicy, Subscriptions
from rtcc.alerts.zones import ZoneMap
from rtcc.api.app import build_app
from rtcc.api.routes import alerts_public
from rtcc.sms.optout import OptedOut

from tests.unit.alerts.test_subscriptions import FakeSealer
from tests.unit.test_api import _Ctx

NUMBER = "+14135550123"
T0 = 1_800_000_000.0
ANSWER = {"status": "check your phone"}
# Inside the demo city's Downtown, Ward 2 and ZIP 98101 (off the 98104 border).
PIN = {"lat": 47.608, "lon": -122.33}


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


class Phone:
    """The alerts line as seen by its sender port: what was texted, to whom."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.refuse: Exception | None = None

    def __call__(self, number: str, sender_key: str, body: str) -> None:
        if self.refuse:
            raise self.refuse
        self.sent.append((number, sender_key, body))


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch):
    policy = SubscriptionPolicy(program_name="Demo Alerts", categories=("traffic", "weather"))
    subs = Subscriptions(MemorySubscriberStore(), FakeSealer(), HmacSubscriberMac(), ZoneMap.demo(), policy)
    phone, clock = Phone(), Clock()
    # The confirmations queue delivered at once: what alert-confirm does with each signup.
    limits = SignupLimits(MemoryWindowCounters(), per_hour=1000)
    confirmer = SignupConfirmer(
        subs, phone, lambda token: f"https://city.example/prod/alerts/manage#t={token}", limits, clock
    )
    service = PublicSignup(
        subs, lambda ticket: confirmer.handle(SignupTicket.from_message(ticket.to_message())), clock
    )
    monkeypatch.setattr(alerts_public, "_service", lambda: service)
    app = build_app()
    app._include(alerts_public.__name__)  # as a request under /api/public/alerts does
    return app, service, phone, clock


def call(app, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None):
    headers = {"Content-Type": "application/json", **(headers or {})}
    event = {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "stage": "test",
            "path": path,
            "httpMethod": method,
        },
    }
    response = app.resolve(event, _Ctx())
    text = response["body"]
    return response["statusCode"], (json.loads(text) if text else None)


def signup(app, **fields):
    body = {"phone": "(413) 555-0123", "zones": ["downtown"], "language": "en", **fields}
    return call(app, "POST", "/api/public/alerts/signup", body)


def test_zones_lists_every_zone_with_its_outline(world) -> None:
    app, *_ = world
    status, body = call(app, "GET", "/api/public/alerts/zones")
    assert status == 200
    assert body["program"] == "Demo Alerts" and body["categories"] == ["traffic", "weather"]
    assert body["tiers"] == ["emergency", "advisory", "community"]
    by_id = {z["id"]: z for z in body["zones"]}
    assert by_id["downtown"]["kind"] == "neighborhood" and by_id["downtown"]["outline"]["type"] == "Polygon"
    assert by_id["zip:98104"]["kind"] == "zip"


def test_every_signup_gets_the_same_answer_and_only_the_phone_learns_more(world) -> None:
    app, service, phone, clock = world
    first = signup(app)
    assert first == (202, ANSWER)
    assert [(n, "reply YES" in b) for n, _, b in phone.sent] == [(NUMBER, True)]
    assert "Msg frequency varies. Msg&data rates may apply." in phone.sent[0][2]

    # A repeat while pending: same answer, nothing texted (no texting a number over and over).
    assert signup(app) == first and len(phone.sent) == 1
    # Once active: same answer; the phone gets a manage link, once per window.
    service.subscriptions.confirm(NUMBER, clock.now)
    clock.now += 3600
    assert signup(app) == first
    assert "alerts/manage#t=" in phone.sent[-1][2] and len(phone.sent) == 2
    assert signup(app) == first and len(phone.sent) == 2
    # An opted-out number (or a refused send): still the same answer.
    phone.refuse = OptedOut("alerts")
    assert signup(app, phone="+1 413 555 0199") == first


def test_a_confirmation_is_texted_in_the_chosen_language(world) -> None:
    app, _, phone, _ = world
    assert signup(app, language="es")[0] == 202
    assert phone.sent[0][2].startswith("Demo Alerts: responda YES para recibir alertas de Downtown.")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"phone": "555"}, "phone.invalid"),
        ({"phone": "not a number"}, "phone.invalid"),
        ({"phone": "+44 20 7946 0958"}, "phone.foreign"),
        ({"zones": []}, "zones.none"),
        ({"zones": ["atlantis"]}, "zones.invalid"),
        ({"zones": [], "zip": "1234"}, "zip.invalid"),
        ({"zones": [], "zip": "99999"}, "zip.unknown"),
        ({"zones": [], "lat": 10.0, "lon": 10.0}, "location.outside"),
        ({"categories": ["parades"]}, "categories.invalid"),
        ({"tiers": ["rumours"]}, "tiers.invalid"),
        ({"language": "tlh"}, "language.invalid"),
    ],
)
def test_what_the_request_got_wrong_is_a_422_naming_the_field(world, fields, code) -> None:
    app, _, phone, _ = world
    status, body = signup(app, **fields)
    assert status == 422, body
    assert body["code"] == code and body["field"] == code.split(".")[0]
    assert body["message"].startswith(f"{body['field']}: ")
    assert "555" not in body["message"] and "7946" not in body["message"]  # never echoes the number
    assert phone.sent == []


def test_zones_by_zip_and_by_pin(world) -> None:
    app, service, phone, _ = world
    assert signup(app, zones=[], zip="98104", **PIN)[0] == 202
    sub = service.subscriptions.store.by_number(phone.sent[0][1])
    # The ZIP first, then every zone the pin is in.
    assert sub is not None and sub.prefs.zones == ("zip:98104", "downtown", "ward-2", "zip:98101")


def test_a_malformed_body_is_refused_by_field(world) -> None:
    app, *_ = world
    status, body = call(app, "POST", "/api/public/alerts/signup", {"phone": "+14135550123", "extra": 1})
    assert status == 422 and "extra" in body["message"]


def _manage(world) -> str:
    app, service, phone, clock = world
    signup(app, categories=["traffic"])
    sid = service.subscriptions.confirm(NUMBER, clock.now).subscriber_id
    return service.subscriptions.manage_token(sid, clock.now)


def test_the_manage_link_reads_changes_and_deletes(world) -> None:
    app, service, phone, clock = world
    token = _manage(world)
    auth = {"Authorization": f"Manage {token}"}
    status, body = call(app, "GET", "/api/public/alerts/subscription", headers=auth)
    assert status == 200
    assert body == {
        "status": "active",
        "zones": ["downtown"],
        "categories": ["traffic"],
        "tiers": ["emergency", "advisory", "community"],
        "language": "en",
    }
    change = {"zones": ["harbor"], "categories": [], "tiers": ["advisory"], "language": "es"}
    status, body = call(app, "PUT", "/api/public/alerts/subscription", change, auth)
    assert status == 200 and body["zones"] == ["harbor"] and body["tiers"] == ["emergency", "advisory"]
    assert body["language"] == "es"
    assert call(app, "PUT", "/api/public/alerts/subscription", {**change, "zones": []}, auth)[1]["code"] == (
        "zones.none"
    )

    store = service.subscriptions.store
    assert call(app, "DELETE", "/api/public/alerts/subscription", headers=auth) == (
        200,
        {"status": "deleted"},
    )
    assert store.subscribers == {} and store.numbers == {}
    assert all(not members for members in store.zones.values())
    assert call(app, "GET", "/api/public/alerts/subscription", headers=auth)[0] == 404


@pytest.mark.parametrize(
    "header", [None, "Bearer abc", "Manage ", "Manage not-a-token", "Manage a.1.AAAAAAAAAAAAAAAAAAAAAA"]
)
def test_without_a_genuine_link_nothing_is_read_or_changed(world, header) -> None:
    app, service, _, _ = world
    _manage(world)
    headers = {"Authorization": header} if header else {}
    for method in ("GET", "PUT", "DELETE"):
        body = {"zones": ["harbor"]} if method == "PUT" else None
        status, answer = call(app, method, "/api/public/alerts/subscription", body, headers)
        assert status == 403, (method, answer)
    [sub] = service.subscriptions.store.subscribers.values()
    assert sub.status == Status.ACTIVE and sub.prefs.zones == ("downtown",)


def test_an_expired_link_is_refused(world) -> None:
    app, _, _, clock = world
    token = _manage(world)
    clock.now += 73 * 3600
    status, body = call(
        app, "GET", "/api/public/alerts/subscription", headers={"Authorization": f"Manage {token}"}
    )
    assert status == 403 and "expired" in body["message"]


def test_the_program_offers_the_configured_categories(monkeypatch: pytest.MonkeyPatch) -> None:
    from rtcc.alerts.signup_wiring import policy
    from rtcc.settings import reload_settings

    monkeypatch.setenv("RTCC_ALERTS_CATEGORIES", '["water", "roads"]')
    reload_settings()
    try:
        assert policy().categories == ("water", "roads")
    finally:
        monkeypatch.delenv("RTCC_ALERTS_CATEGORIES")
        reload_settings()
    assert policy().categories == ("safety", "traffic", "weather", "utilities", "events")
