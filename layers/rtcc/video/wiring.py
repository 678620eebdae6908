"""The video desks wired to their AWS adapters: the registry (rtcc.cameras.registry_dynamodb),
the owners' live windows (rtcc.cameras.live_windows, incidents_dynamodb), KVS's HLS sessions
(rtcc.video.sessions_kvs), receipts, motion (rtcc.video.motion_dynamodb) and agent tokens.
The routes pass in how to audit (the caller's identity is theirs)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from rtcc.auth import Principal, Role
from rtcc.cameras.incidents import Incident
from rtcc.cameras.model import CameraSpot, NearbyResult
from rtcc.errors import Forbidden, NotFound
from rtcc.video.live import IncidentGrid, LiveDesk
from rtcc.video.motion import MotionDesk
from rtcc.video.settings import video_settings

Audit = Callable[[str, str, dict], None]


def _now() -> datetime:
    return datetime.now(UTC)


def policy_allows(camera: CameraSpot, now: datetime) -> bool:
    """The owner's policy now (rtcc.cameras.live_windows.is_live_allowed's rule, on the camera
    already read: no second GetItem). A camera "offline" in the registry is judged as if live:
    whether video flows is the session's to find out (rtcc.video.live)."""
    from rtcc.cameras.incidents_dynamodb import windows_of
    from rtcc.cameras.live_windows import allowed

    windows = windows_of(camera.camera_id) if camera.policy == "incident" else ()
    return allowed(camera, windows, now)


def mark(camera: CameraSpot, status: str) -> None:
    """The camera's status follows its video ("live" | "offline"), by a conditional write of
    the registry (rtcc.cameras.registry_dynamodb.change_camera): only while it still has the
    stream we saw and is live or offline (a pause, or a stream removed meanwhile, wins)."""
    from rtcc.cameras.registry_dynamodb import change_camera

    def follow(spot: CameraSpot) -> CameraSpot:
        if spot.stream_name != camera.stream_name or spot.status not in ("live", "offline"):
            return spot
        return replace(spot, status=status)  # type: ignore[arg-type]

    try:
        change_camera(camera.camera_id, follow)
    except NotFound:
        pass  # deleted meanwhile: nothing to follow


def viewer_roles() -> tuple[Role, ...]:
    """The roles `RTCC_VIDEO_VIEWERS` lets watch cameras (and their grids and clips)."""
    return (Role.OFFICER,) if video_settings().viewers == "officer" else (Role.SUPERVISOR,)


def check_viewer(who: Principal, audit: Audit, action: str, target: str, field: str) -> None:
    """403 (audited `action` with reason "role", as live view's refusal) unless `who` holds
    a viewer role: checked before anything is read, so a refusal reveals nothing."""
    if not who.has_any(viewer_roles()):
        audit(action, target, {"reason": "role"})
        raise Forbidden(f"live video and clips need the {video_settings().viewers} role", field=field)


def live_desk(audit: Audit) -> LiveDesk:
    from rtcc.cameras.footage_service import agency
    from rtcc.cameras.receipts_dynamodb import receipt_book
    from rtcc.cameras.registry_dynamodb import get_camera
    from rtcc.video.sessions_kvs import kvs_live_sessions

    settings = video_settings()
    viewers = viewer_roles()
    return LiveDesk(
        cameras=get_camera,
        policy_allows=policy_allows,
        sessions=kvs_live_sessions(),
        mark=mark,
        receipts=receipt_book(),
        audit=audit,
        agency=agency(),
        expiry_s=settings.session_expiry_s,
        clock=_now,
        viewers=viewers,
    )


class _IncidentCameras:
    """An incident by key, its nearest cameras through the registry's locator (a Query of
    the area index's cells), its windows by key (rtcc.cameras.incident_desk)."""

    def __init__(self) -> None:
        from rtcc.cameras.incidents_dynamodb import default_desk

        self.desk = default_desk()

    def get(self, incident_id: str) -> Incident | None:
        return self.desk.book.get(incident_id)

    def nearest(self, incident: Incident, count: int) -> NearbyResult:
        radius = self.desk.rules.nearest_radius_m
        return self.desk.locator.nearest(incident.lat, incident.lon, count=count, radius_m=radius)

    def live_now(self, incident: Incident, camera_ids: list[str]) -> set[str]:
        return self.desk.live_now(incident, camera_ids)


def incident_grid(audit: Audit) -> IncidentGrid:
    from rtcc.video.motion_dynamodb import motion_book

    return IncidentGrid(_IncidentCameras(), motion_book().last_of, audit, video_settings().grid_size)


def motion_desk() -> MotionDesk:
    from rtcc.cameras.registry_dynamodb import get_camera, stream_since
    from rtcc.video import agent_tokens
    from rtcc.video.motion_dynamodb import motion_book

    return MotionDesk(
        verify=lambda token, camera_id: agent_tokens.verify(token, camera_id, since=stream_since(camera_id)),
        cameras=get_camera,
        book=motion_book(),
        mark_live=lambda camera: mark(camera, "live"),
        keep=timedelta(hours=video_settings().motion_keep_hours),
        clock=_now,
    )
