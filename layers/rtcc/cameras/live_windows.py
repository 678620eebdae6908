"""Live-view windows: while an incident is open, the cameras near it whose owners chose the
"incident" sharing policy may be watched live; when it closes (or moves away from them),
their windows end.

Pure rules here (`open_windows`, `allowed`); the windows are stored with the incident's own
write (rtcc.cameras.incidents_dynamodb, one transaction), and `is_live_allowed` reads them
for the video player: a camera of policy "always" may be watched whenever it is not paused,
one of policy "incident" only inside an open window, one of policy "request" never.

These rules are the owner's permission, not the video's availability: a camera "offline" in
the registry (its stream made, no video seen yet: an integrated camera turns "live" only once
watched or once its agent posts motion) is judged like a live one, and whether video flows is
the session's to find out (409 when KVS has none). Otherwise an incident could never open a
camera whose agent sends no motion events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from rtcc.cameras.incidents import Incident, iso
from rtcc.cameras.model import CameraSpot, NearbyCamera

#: Cameras that cannot be watched whatever their policy says: the owner paused sharing.
_NOT_WATCHABLE = ("paused",)


@dataclass(frozen=True)
class LiveWindow:
    camera_id: str
    incident_id: str
    opened_at: str
    ends_at: str
    ended: bool = False

    def open_at(self, now: datetime) -> bool:
        return not self.ended and self.opened_at <= iso(now) < self.ends_at


def eligible(cameras: Iterable[NearbyCamera]) -> list[str]:
    """The cameras an open incident gives a window: policy "incident", not paused (an
    "offline" one too: a window is permission; the session tells whether video flows)."""
    return [
        n.camera.camera_id
        for n in cameras
        if n.camera.policy == "incident" and n.camera.status not in _NOT_WATCHABLE
    ]


def open_windows(
    incident: Incident, cameras: Iterable[NearbyCamera], now: datetime, longest: timedelta
) -> list[LiveWindow]:
    """The windows `incident` opens for `cameras` (its nearest): none once it is closed."""
    if not incident.active:
        return []
    return [
        LiveWindow(camera_id, incident.incident_id, iso(now), iso(now + longest))
        for camera_id in eligible(cameras)
    ]


def ended(incident: Incident, camera_ids: Iterable[str], now: datetime) -> list[LiveWindow]:
    """The windows of `camera_ids` for `incident`, ended now."""
    return [LiveWindow(c, incident.incident_id, iso(now), iso(now), ended=True) for c in camera_ids]


def allowed(camera: CameraSpot | None, windows: Iterable[LiveWindow], now: datetime) -> bool:
    """Whether `camera` may be watched live at `now`."""
    if camera is None or camera.status in _NOT_WATCHABLE:
        return False
    if camera.policy == "always":
        return True
    if camera.policy == "incident":
        return any(w.open_at(now) for w in windows if w.camera_id == camera.camera_id)
    return False


def is_live_allowed(camera_id: str, now: datetime) -> bool:
    """For the video player: the camera from the registry, its windows from their table (a
    Query of one camera's partition). The calling function needs GetItem on `cameras` and
    Query on `camera-live-windows`."""
    from rtcc.cameras.incidents_dynamodb import windows_of
    from rtcc.cameras.registry_dynamodb import get_camera  # the registry's (contract)

    camera = get_camera(camera_id)
    if camera is None or camera.policy != "incident":
        return allowed(camera, (), now)
    return allowed(camera, windows_of(camera_id), now)
