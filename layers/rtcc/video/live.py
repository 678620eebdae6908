"""Live viewing: whether an officer may watch a camera now, and what they get (a Kinesis
Video Streams HLS session), and an incident's grid of the nearest cameras one may watch.

Pure rules and ports here (no AWS): the wiring (rtcc.video.wiring) brings the registry, the
owners' live windows, the HLS sessions (rtcc.video.sessions_kvs), receipts, motion and audit.

The decision, in order (each refusal names the field `camera_id`):
1. role: the viewer role (`RTCC_VIDEO_VIEWERS`, officer by default) or 403, audited `video.refused`;
2. the camera: unknown 404;
3. the owner's choice: paused, or a policy that forbids it now (rtcc.cameras.live_windows:
   "always" yes, "incident" only inside an open incident's window, "request" never): 403,
   audited `video.refused` with the reason;
4. video: a camera registered for footage requests only, or whose stream is not made yet, or
   that sent nothing in the last 30 s: 409;
5. allowed: the session's URL, audited `video.viewed` before it is answered, and a receipt
   (action "viewed") the owner sees in their portal. The city's own cameras have no owner
   to tell.
A session URL cannot be revoked (KVS: whoever holds it plays the stream until `Expires`), so an
owner's camera, or any camera shared only during incidents, gets KVS's shortest session,
OWNER_SESSION_S, whatever `expiry_s` says: a pause, or an incident window closing, takes effect
within 5 minutes (the console renews, and each renewal is decided again). Only the city's
cameras shared at any time, which nobody withdraws, get `expiry_s`.
A camera "offline" in the registry (its stream made, no video seen yet) is judged by its
policy as if live: the session itself tells whether video flows, and the registry follows
(live once a session opened, offline when KVS has had no video for 30 s).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from rtcc.auth import Principal, Role
from rtcc.cameras.desk import camera_out
from rtcc.cameras.incidents import Incident, iso
from rtcc.cameras.model import CITY_OWNER, CameraSpot, NearbyResult
from rtcc.cameras.receipts import Receipt
from rtcc.errors import Conflict, Forbidden, NotFound

#: Levels whose cameras send video: integrated residents' and businesses', the city's.
STREAMED_LEVELS = ("integrate", "city")
#: HLS's only mode here: the live edge (no replay through this door; clips go to a case).
MODE = "LIVE"
#: The longest session of an owner's camera: KVS's shortest `Expires` (a URL outlives a pause).
OWNER_SESSION_S = 300

#: Why a view was refused: the audit's `reason` -> what the officer is told.
REASONS = {
    "role": "watching live video needs the officer role",
    "paused": "its owner has paused sharing",
    "policy-request": "its owner shares footage on request only, never live",
    "policy-incident": "its owner shares live video only while an incident near it is open; none is now",
    "policy-always": "it cannot be watched now",
}


class StreamMissing(Exception):
    """The camera's stream does not exist (not made yet, or deleted)."""


class NoVideo(Exception):
    """The stream exists but holds no fragment of the last 30 s (KVS's LIVE rule)."""


class LiveSessions(Protocol):
    def live_url(self, stream_name: str, expires_s: int) -> str:
        """The HLS master playlist URL of a LIVE session; StreamMissing or NoVideo."""
        ...


class Receipts(Protocol):
    def record(self, receipt: Receipt) -> None: ...


def refusal(camera: CameraSpot, policy_allows: bool) -> str | None:
    """The reason the owner's choice forbids watching `camera` now, or None."""
    if camera.status == "paused":
        return "paused"
    return None if policy_allows else f"policy-{camera.policy}"


@dataclass
class LiveDesk:
    cameras: Callable[[str], CameraSpot | None]  # the registry, by key
    policy_allows: Callable[[CameraSpot, datetime], bool]  # rtcc.cameras.live_windows
    sessions: LiveSessions
    mark: Callable[[CameraSpot, str], None]  # the camera's status: "live" | "offline"
    receipts: Receipts
    audit: Callable[[str, str, dict], None]  # (action, target, detail)
    agency: str
    expiry_s: int
    clock: Callable[[], datetime]
    viewers: tuple[Role, ...] = (Role.OFFICER,)

    def open_session(self, who: Principal, camera_id: str) -> dict[str, Any]:
        if not who.has_any(self.viewers):
            self.audit("video.refused", camera_id, {"reason": "role"})
            raise Forbidden(REASONS["role"], field="camera_id")
        camera = self.cameras(camera_id)
        if camera is None:
            raise NotFound("no such camera", field="camera_id")
        now = self.clock()
        reason = refusal(camera, self.policy_allows(camera, now))
        if reason:
            detail = {"reason": reason, "owner_id": camera.owner_id, "policy": camera.policy}
            self.audit("video.refused", camera_id, detail)
            raise Forbidden(REASONS[reason], field="camera_id")
        expiry_s = _session_s(camera, self.expiry_s)
        url = self._url(camera, expiry_s)
        expires_at = iso(now + timedelta(seconds=expiry_s))
        detail = {"owner_id": camera.owner_id, "policy": camera.policy, "expires_at": expires_at}
        self.audit("video.viewed", camera_id, detail)  # before the answer: no unrecorded view
        if camera.owner_id != CITY_OWNER:
            receipt = Receipt(camera.owner_id, camera_id, "viewed", self.agency, None, None, iso(now))
            self.receipts.record(receipt)
        return {"camera": camera_out(camera), "url": url, "expires_at": expires_at, "mode": MODE}

    def _url(self, camera: CameraSpot, expiry_s: int) -> str:
        if camera.level not in STREAMED_LEVELS:
            raise Conflict(
                "the camera is registered for footage requests only: it sends no video", field="camera_id"
            )
        if not camera.stream_name:
            raise Conflict(
                "the camera's video stream is not ready yet; try again in a minute", field="camera_id"
            )
        try:
            url = self.sessions.live_url(camera.stream_name, expiry_s)
        except StreamMissing:
            raise Conflict(
                "the camera's video stream is not ready yet; try again in a minute", field="camera_id"
            ) from None
        except NoVideo:
            if camera.status == "live":
                self.mark(camera, "offline")
            raise Conflict("the camera has sent no video in the last 30 seconds", field="camera_id") from None
        if camera.status == "offline":
            self.mark(camera, "live")
        return url


def _session_s(camera: CameraSpot, expiry_s: int) -> int:
    """The session's length: `expiry_s` only where no pause or window can end the view."""
    if camera.owner_id == CITY_OWNER and camera.policy == "always":
        return expiry_s
    return min(expiry_s, OWNER_SESSION_S)


class IncidentCameras(Protocol):
    def get(self, incident_id: str) -> Incident | None: ...

    def nearest(self, incident: Incident, count: int) -> NearbyResult: ...

    def live_now(self, incident: Incident, camera_ids: list[str]) -> set[str]:
        """Which of the cameras this incident's open windows let one watch now."""
        ...


@dataclass
class IncidentGrid:
    incidents: IncidentCameras
    motion: Callable[[list[str]], dict[str, Any]]  # camera id -> rtcc.video.motion.MotionEvent
    audit: Callable[[str, str, dict], None]
    size: int

    def cameras(self, incident_id: str) -> dict[str, Any]:
        """Up to `size` of the incident's nearest cameras that send video and may be watched
        now, nearest first, each with its last motion (if kept)."""
        incident = self.incidents.get(incident_id)
        if incident is None:
            raise NotFound("no such incident", field="incident_id")
        # More than the grid holds: some near ones will not be watchable (policy, level).
        nearby = self.incidents.nearest(incident, min(25, self.size * 4)).cameras
        streamed = [n for n in nearby if n.camera.level in STREAMED_LEVELS and n.camera.stream_name]
        windows = self.incidents.live_now(incident, [n.camera.camera_id for n in streamed])
        chosen = [n for n in streamed if _watchable(n.camera, windows)][: self.size]
        last = self.motion([n.camera.camera_id for n in chosen]) if chosen else {}
        cameras = [
            {
                **camera_out(n.camera),
                "distance_m": round(n.distance_m, 1),
                **_motion_out(last.get(n.camera.camera_id)),
            }
            for n in chosen
        ]
        self.audit("video.grid", incident_id, {"cameras": [c["camera_id"] for c in cameras]})
        return {"incident_id": incident_id, "cameras": cameras}


def _watchable(camera: CameraSpot, windows: Iterable[str]) -> bool:
    """The policy rule of rtcc.cameras.live_windows for one incident's grid: the windows
    are this incident's (read by key), so another incident's window never counts here."""
    if camera.status == "paused":
        return False
    return camera.policy == "always" or (camera.policy == "incident" and camera.camera_id in windows)


def _motion_out(event: Any) -> dict[str, Any]:
    if event is None:
        return {"motion_at": None, "motion_score": None}
    return {"motion_at": iso(event.at), "motion_score": event.score}
