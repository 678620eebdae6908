"""Incidents' rules (rtcc.cameras.incidents, rtcc.cameras.cad, rtcc.cameras.live_windows) and
the desk on fakes (rtcc.cameras.incident_desk): validation naming the field, CAD's ordering
(a duplicate or an older update changes nothing), closed is final, the feed summary carries
no notes or address, the signature's checks, and the live windows an incident opens and ends."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from rtcc.cameras import cad
from rtcc.cameras.incident_desk import DeskRules, IncidentDesk
from rtcc.cameras.incidents import (
    IncidentClosed,
    IncidentInputError,
    apply_cad,
    close,
    feed_summary,
    officer_incident,
    parse_cad,
)
from rtcc.cameras.live_windows import LiveWindow, allowed, eligible, open_windows
from rtcc.cameras.model import CameraSpot, NearbyCamera, NearbyResult

NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


def cad_body(**over: object) -> bytes:
    body = {
        "incident_id": "2026-000123",
        "type": "Law:Burglary",
        "location": {"lat": 44.05, "lon": -123.09, "address": "100 Main St"},
        "time": "2026-12-02T05:59:00Z",
        "status": "open",
        "notes": "caller Jane Doe 555-0100",
    }
    body.update(over)
    return json.dumps(body).encode()


def spot(camera_id: str, policy: str = "incident", status: str = "registered") -> CameraSpot:
    return CameraSpot(camera_id, "own-1", camera_id, 44.05, -123.09, 90, "register", policy, status)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "body"),
        (b"[1]", "body"),
        (cad_body(incident_id=""), "incident_id"),
        (cad_body(incident_id="a/b"), "incident_id"),
        (cad_body(incident_id=7), "incident_id"),
        (cad_body(location="here"), "location"),
        (cad_body(location={"lat": "44", "lon": 1}), "location.lat"),
        (cad_body(location={"lat": 44, "lon": 181}), "location.lon"),
        (cad_body(location={"lat": True, "lon": 1}), "location.lat"),
        (cad_body(status="reopened"), "status"),
        (cad_body(type=""), "type"),
        (cad_body(time="yesterday"), "time"),
        (cad_body(time="2026-12-02T05:59:00"), "time"),
        (cad_body(notes=["x"]), "notes"),
        (cad_body(notes="x" * 2001), "notes"),
    ],
)
def test_a_malformed_cad_message_names_its_field(body: bytes, field: str) -> None:
    with pytest.raises(IncidentInputError) as refused:
        parse_cad(body)
    assert refused.value.status == 400 and refused.value.field == field


def test_cad_updates_are_ordered_by_cads_time_and_closed_is_final() -> None:
    first = parse_cad(cad_body())
    opened = apply_cad(None, first, NOW)
    assert opened is not None and opened.incident_id == "cad-2026-000123" and opened.status == "open"
    assert apply_cad(opened, first, NOW) is None  # the same message again: unchanged
    older = parse_cad(cad_body(time="2026-12-02T05:58:00Z", status="updated", type="Older"))
    assert apply_cad(opened, older, NOW) is None  # overtaken by a later one: unchanged
    newer = parse_cad(cad_body(time="2026-12-02T06:01:00+00:00", status="updated", type="Law:Robbery"))
    updated = apply_cad(opened, newer, NOW)
    assert updated is not None and (updated.status, updated.type, updated.revision) == (
        "updated",
        "Law:Robbery",
        1,
    )
    closing = parse_cad(cad_body(time="2026-12-02T06:05:00Z", status="closed"))
    closed = apply_cad(updated, closing, NOW)
    assert closed is not None and not closed.active and closed.closed_by == "cad" and closed.revision == 2
    with pytest.raises(IncidentClosed):
        apply_cad(closed, parse_cad(cad_body(time="2026-12-02T07:00:00Z", status="updated")), NOW)
    with pytest.raises(IncidentClosed):
        close(closed, "officer1", NOW)


def test_officer_incident_validation_and_a_feed_summary_without_personal_data() -> None:
    incident = officer_incident(44.05, -123.09, "Suspicious vehicle", "owner Jane Doe", "officer1", NOW)
    assert incident.incident_id.startswith("inc-") and incident.created_by == "officer1"
    summary = json.dumps(feed_summary(incident))
    assert "Jane" not in summary and "notes" not in summary and "address" not in summary
    for lat, lon, field in ((91, 0, "lat"), (0, float("nan"), "lon"), ("1", 0, "lat")):
        with pytest.raises(IncidentInputError) as refused:
            officer_incident(lat, lon, "x", None, "o", NOW)
        assert refused.value.field == field
    with pytest.raises(IncidentInputError) as refused:
        officer_incident(1, 1, "<script>", None, "o", NOW)
    assert refused.value.field == "type"


def test_signature_checks() -> None:
    body = cad_body()
    stamp = int(NOW.timestamp())
    header = cad.sign("s3cret", stamp, body)
    cad.verify(header, body, "s3cret", NOW)  # no error
    cad.verify(header.upper().replace("T=", "t=").replace("V1=", "v1="), body, "s3cret", NOW)
    refused = [
        (header, body + b" ", "s3cret", NOW),  # the body changed
        (header, body, "other", NOW),  # another secret
        (header, body, "s3cret", NOW + timedelta(seconds=301)),  # stale: a replay
        (header, body, "s3cret", NOW - timedelta(seconds=301)),  # from the future
        (None, body, "s3cret", NOW),
        ("v1=" + "0" * 64, body, "s3cret", NOW),
        (f"t={stamp},v1=xyz", body, "s3cret", NOW),
        (f"t=²,v1={'0' * 64}", body, "s3cret", NOW),
    ]
    for args in refused:
        with pytest.raises(cad.CadUnauthenticated) as error:
            cad.verify(*args)
        assert error.value.status == 401
    # Signed as sent: a zero-padded time is signed with its zeros.
    padded = f"0{stamp}"
    mac = cad.sign("s3cret", stamp, body).split("v1=")[1]
    with pytest.raises(cad.CadUnauthenticated):
        cad.verify(f"t={padded},v1={mac}", body, "s3cret", NOW)


def test_windows_open_for_incident_policy_cameras_only() -> None:
    incident = officer_incident(44.05, -123.09, "Fire", None, "o", NOW)
    near = [NearbyCamera(spot(c, p, s), 10.0, True) for c, p, s in (
        ("cam-000000000001", "incident", "registered"),
        ("cam-000000000002", "request", "registered"),
        ("cam-000000000003", "always", "live"),
        ("cam-000000000004", "incident", "paused"),
    )]  # fmt: skip
    windows = open_windows(incident, near, NOW, timedelta(hours=2))
    assert [w.camera_id for w in windows] == ["cam-000000000001"]
    assert open_windows(close(incident, "o", NOW), near, NOW, timedelta(hours=2)) == []
    cam = spot("cam-000000000001")
    assert allowed(cam, windows, NOW) and not allowed(cam, windows, NOW + timedelta(hours=3))
    assert not allowed(cam, [replace(windows[0], ended=True)], NOW)
    assert not allowed(spot("cam-000000000002", "request"), windows, NOW)
    assert allowed(spot("cam-000000000003", "always"), [], NOW)
    assert not allowed(spot("cam-000000000003", "always", "paused"), [], NOW)
    assert not allowed(None, windows, NOW)


class FakeBook:
    def __init__(self) -> None:
        self.items: dict = {}
        self.windows: dict = {}
        self.feed: list = []

    def get(self, incident_id: str):  # noqa: ANN201
        return self.items.get(incident_id)

    def board(self, now: datetime) -> list:
        return list(self.items.values())

    def save(self, before, after, windows: list[LiveWindow], item) -> bool:  # noqa: ANN001
        stored = self.items.get(after.incident_id)
        if (stored is None) != (before is None) or (stored and stored.revision != before.revision):
            return False
        self.items[after.incident_id] = after
        for w in windows:
            self.windows[(w.camera_id, w.incident_id)] = w
        self.feed.append(item)
        return True


class FakeLocator:
    def __init__(self, cameras: list[NearbyCamera]) -> None:
        self.cameras = cameras

    def nearest(self, lat: float, lon: float, *, count: int, radius_m: float) -> NearbyResult:
        return NearbyResult(self.cameras[:count], len(self.cameras))


def test_the_desk_opens_windows_audits_and_closing_ends_them() -> None:
    book = FakeBook()
    near = [
        NearbyCamera(spot("cam-00000000000a"), 20.0, True),
        NearbyCamera(spot("cam-00000000000b", "request"), 30.0, False),
    ]
    desk = IncidentDesk(book, FakeLocator(near), DeskRules(4, 400, timedelta(hours=12)), clock=lambda: NOW)
    audited: list = []
    made = desk.create(44.05, -123.09, "Robbery", "notes", "officer1", audited.append)
    assert made.live_cameras == ("cam-00000000000a",) and audited == [book.items[made.incident_id]]
    window = book.windows[("cam-00000000000a", made.incident_id)]
    assert not window.ended and window.open_at(NOW)
    closed = desk.close(made.incident_id, "officer1", audited.append)  # its reporter may
    assert not closed.active and len(audited) == 2
    assert book.windows[("cam-00000000000a", made.incident_id)].ended
    assert [i.kind for i in book.feed] == ["new", "closed"]
    assert all("notes" not in json.dumps(dict(i.summary)) for i in book.feed)


def test_cad_through_the_desk_is_stored_once() -> None:
    book = FakeBook()
    desk = IncidentDesk(book, FakeLocator([]), DeskRules(), clock=lambda: NOW)
    audited: list = []
    message = parse_cad(cad_body())
    assert desk.receive_cad(message, audited.append).outcome == "stored"
    assert desk.receive_cad(message, audited.append).outcome == "unchanged"
    assert len(book.items) == 1 and len(book.feed) == 1 and len(audited) == 1
    update = parse_cad(cad_body(time="2026-12-02T06:00:30Z", status="updated"))
    assert desk.receive_cad(update, audited.append).outcome == "stored"
    assert len(audited) == 1  # updates are not audited: creation and closing are


def test_an_offline_camera_is_given_its_window_and_only_a_paused_one_is_not() -> None:
    """An incident window is the owner's permission, not the video's availability: integrated
    cameras stay "offline" until watched or until their agent posts motion, so an agent that
    sends no motion would otherwise never be opened by an incident (the session answers 409
    when KVS has no video)."""
    incident = officer_incident(44.05, -123.09, "Fire", None, "o", NOW)
    near = [NearbyCamera(spot(c, "incident", s), 10.0, True) for c, s in (
        ("cam-000000000011", "offline"),
        ("cam-000000000012", "live"),
        ("cam-000000000013", "paused"),
    )]  # fmt: skip
    assert eligible(near) == ["cam-000000000011", "cam-000000000012"]
    windows = open_windows(incident, near, NOW, timedelta(hours=2))
    assert [w.camera_id for w in windows] == ["cam-000000000011", "cam-000000000012"]
    assert allowed(spot("cam-000000000011", "incident", "offline"), windows, NOW)
    assert not allowed(spot("cam-000000000013", "incident", "paused"), windows, NOW)
    assert allowed(spot("cam-000000000014", "always", "offline"), [], NOW)
    assert not allowed(spot("cam-000000000014", "always", "paused"), [], NOW)
    assert not allowed(spot("cam-000000000015", "request", "offline"), windows, NOW)
