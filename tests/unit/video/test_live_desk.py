"""The live viewing decision (rtcc.video.live.LiveDesk) with fakes for its ports: role, the
owner's choice, video or not, what is audited and who gets a receipt; and an incident's grid."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from rtcc.auth import Principal, Role
from rtcc.cameras.incidents import Incident
from rtcc.cameras.model import CameraSpot, NearbyCamera, NearbyResult
from rtcc.errors import Conflict, Forbidden, NotFound
from rtcc.video.live import IncidentGrid, LiveDesk, NoVideo, StreamMissing
from rtcc.video.motion import MotionEvent

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
OFFICER = Principal("s1", "ofc", frozenset({Role.OFFICER}))
AUDITOR = Principal("s2", "aud", frozenset({Role.AUDITOR}))


def spot(camera_id: str = "cam-0123456789ab", **over: object) -> CameraSpot:
    base = CameraSpot(camera_id, "own-0123456789abcdef", "Porch", 47.6, -122.3, 90, "integrate", "always",
                      "live", f"rtcc-cam-{camera_id}")  # fmt: skip
    return replace(base, **over)  # type: ignore[arg-type]


@dataclass
class Sessions:
    error: Exception | None = None
    asked: list = field(default_factory=list)

    def live_url(self, stream_name: str, expires_s: int) -> str:
        self.asked.append((stream_name, expires_s))
        if self.error:
            raise self.error
        return f"https://kvs.example/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=t-{stream_name}"


@dataclass
class World:
    camera: CameraSpot | None
    allows: bool = True
    sessions: Sessions = field(default_factory=Sessions)
    audits: list = field(default_factory=list)
    receipts: list = field(default_factory=list)
    marks: list = field(default_factory=list)

    def desk(self) -> LiveDesk:
        return LiveDesk(
            cameras=lambda cid: self.camera if self.camera and self.camera.camera_id == cid else None,
            policy_allows=lambda camera, now: self.allows,
            sessions=self.sessions,
            mark=lambda camera, status: self.marks.append((camera.camera_id, status)),
            receipts=type("R", (), {"record": lambda _, r: self.receipts.append(r)})(),
            audit=lambda action, target, detail: self.audits.append((action, target, detail)),
            agency="Testville PD",
            expiry_s=600,
            clock=lambda: NOW,
        )


def test_an_allowed_view_is_audited_and_receipted_then_answered() -> None:
    world = World(spot())
    out = world.desk().open_session(OFFICER, "cam-0123456789ab")
    assert out["mode"] == "LIVE" and out["url"].endswith("t-rtcc-cam-cam-0123456789ab")
    # An owner's camera: KVS's shortest session, not the desk's 600 s (test_video_attacks.py).
    assert out["expires_at"] == "2026-05-01T12:05:00Z" and out["camera"]["camera_id"] == "cam-0123456789ab"
    assert "owner_id" not in out["camera"]
    assert world.sessions.asked == [("rtcc-cam-cam-0123456789ab", 300)]
    ((action, target, detail),) = world.audits
    assert (action, target) == ("video.viewed", "cam-0123456789ab") and "url" not in detail
    assert "SessionToken" not in str(detail)
    (receipt,) = world.receipts
    assert (receipt.action, receipt.agency) == ("viewed", "Testville PD")
    assert receipt.owner_id == "own-0123456789abcdef" and receipt.camera_id == "cam-0123456789ab"
    assert world.marks == []


def test_a_city_camera_has_no_owner_to_receipt_and_offline_turns_live() -> None:
    world = World(spot("city-main", owner_id="city", level="city", status="offline"))
    world.desk().open_session(OFFICER, "city-main")
    assert world.receipts == [] and world.marks == [("city-main", "live")]


def test_role_refusal_is_audited_before_anything_is_read() -> None:
    world = World(None)
    with pytest.raises(Forbidden) as refused:
        world.desk().open_session(AUDITOR, "cam-0123456789ab")
    assert refused.value.field == "camera_id"
    assert world.audits == [("video.refused", "cam-0123456789ab", {"reason": "role"})]


@pytest.mark.parametrize(
    ("over", "reason"),
    [({"policy": "request"}, "policy-request"), ({"policy": "incident"}, "policy-incident"),
     ({"status": "paused"}, "paused")],
)  # fmt: skip
def test_the_owners_choice_refuses_with_its_reason(over: dict, reason: str) -> None:
    world = World(spot(**over), allows=over.get("status") == "paused")
    with pytest.raises(Forbidden):
        world.desk().open_session(OFFICER, "cam-0123456789ab")
    ((action, _, detail),) = world.audits
    assert action == "video.refused" and detail["reason"] == reason
    assert world.sessions.asked == [] and world.receipts == []


def test_unknown_camera_is_404_unaudited() -> None:
    world = World(spot())
    with pytest.raises(NotFound):
        world.desk().open_session(OFFICER, "cam-ffffffffffff")
    assert world.audits == []


@pytest.mark.parametrize(
    ("camera", "error", "marks"),
    [
        (spot(level="register", stream_name=None), None, []),
        (spot(stream_name=None), None, []),
        (spot(), StreamMissing("s"), []),
        (spot(), NoVideo("s"), [("cam-0123456789ab", "offline")]),
        (spot(status="offline"), NoVideo("s"), []),
    ],
)
def test_no_video_is_409_unaudited(camera: CameraSpot, error: Exception | None, marks: list) -> None:
    world = World(camera, sessions=Sessions(error))
    with pytest.raises(Conflict) as conflict:
        world.desk().open_session(OFFICER, camera.camera_id)
    assert conflict.value.field == "camera_id"
    assert world.audits == [] and world.receipts == [] and world.marks == marks


def test_a_session_error_of_another_kind_passes() -> None:
    world = World(spot(), sessions=Sessions(RuntimeError("throttled")))
    with pytest.raises(RuntimeError):
        world.desk().open_session(OFFICER, "cam-0123456789ab")
    assert world.audits == []


# --- an incident's grid ---------------------------------------------------------------------
INCIDENT = Incident("inc-0123456789ab", "officer", "Robbery", 47.6, -122.3, "open", "t", "t", "t", "ofc")


@dataclass
class Incidents:
    cameras: list[CameraSpot]
    windows: set[str]
    counts: list = field(default_factory=list)

    def get(self, incident_id: str) -> Incident | None:
        return INCIDENT if incident_id == INCIDENT.incident_id else None

    def nearest(self, incident: Incident, count: int) -> NearbyResult:
        self.counts.append(count)
        near = [NearbyCamera(c, 10.0 * (i + 1), True) for i, c in enumerate(self.cameras)]
        return NearbyResult(near[:count], len(near))

    def live_now(self, incident: Incident, camera_ids: list[str]) -> set[str]:
        return self.windows & set(camera_ids)


def test_the_grid_holds_the_nearest_watchable_cameras_with_their_motion() -> None:
    cams = [
        spot("cam-000000000001", policy="request"),
        spot("cam-000000000002", policy="incident"),  # this incident's window is open
        spot("cam-000000000003", policy="incident"),  # no window
        spot("cam-000000000004", level="register", stream_name=None),
        spot("cam-000000000005", status="paused"),
        spot("city-a", owner_id="city", level="city", status="offline"),
        spot("cam-000000000006"),
        spot("cam-000000000007"),
    ]
    audits: list = []
    seen = MotionEvent("cam-000000000002", NOW - timedelta(seconds=30), 0.25)
    grid = IncidentGrid(
        Incidents(cams, {"cam-000000000002"}),
        lambda ids: {seen.camera_id: seen} if seen.camera_id in ids else {},
        lambda *a: audits.append(a),
        size=3,
    )
    out = grid.cameras(INCIDENT.incident_id)
    assert [c["camera_id"] for c in out["cameras"]] == ["cam-000000000002", "city-a", "cam-000000000006"]
    first = out["cameras"][0]
    assert first["motion_at"] == "2026-05-01T11:59:30Z" and first["motion_score"] == 0.25
    assert first["distance_m"] == 20.0 and out["cameras"][1]["motion_at"] is None
    listed = [c["camera_id"] for c in out["cameras"]]
    assert audits == [("video.grid", INCIDENT.incident_id, {"cameras": listed})]
    with pytest.raises(NotFound):
        grid.cameras("inc-ffffffffffff")
