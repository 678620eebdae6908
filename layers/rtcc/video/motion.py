"""Camera agents' motion events: an integrated camera's agent says "motion at <time>, this
much of the frame" (never who or what: motion detection only, no recognition of anyone).

Pure rules and ports (the table is rtcc.video.motion_dynamodb). Only a camera's LAST event is
kept, `keep` long: the operations map and an incident's grid show "motion 20 s ago", nothing
builds a history of a household's comings and goings.

POST /api/public/video/motion, in order: the token (rtcc.video.agent_tokens, scope
`agent:<camera id>`: 401 field token), the camera (unknown 404; not its token's owner's or not
integrated 403), the time (more than `FUTURE_S` ahead, or older than `keep`: 422 field at),
then stored unless an event as new is there already (a retry: 202 "duplicate"). A paused
camera's events are not kept (202 "ignored"): its owner stopped sharing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from rtcc.cameras.model import CameraSpot
from rtcc.errors import Forbidden, Invalid, NotFound

#: How far ahead of our clock an agent's clock may run (its time is the camera's).
FUTURE_S = 300


@dataclass(frozen=True)
class MotionEvent:
    camera_id: str
    at: datetime  # aware, UTC
    score: float  # 0..1

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("at: a time with its UTC offset")
        if not (isinstance(self.score, int | float) and math.isfinite(self.score) and 0 <= self.score <= 1):
            raise ValueError("score: a number 0..1")


class MotionBook(Protocol):
    def record(self, event: MotionEvent, expires: datetime) -> bool:
        """Stores `event` as its camera's last unless one as new is stored; False then."""
        ...

    def last_of(self, camera_ids: list[str]) -> dict[str, MotionEvent]:
        """The cameras' last events kept (by key), camera id -> event."""
        ...


def check_time(at: datetime, now: datetime, keep: timedelta) -> datetime:
    if at.tzinfo is None:
        raise Invalid("a time with its UTC offset, e.g. 2026-01-02T03:04:05Z", field="at")
    try:
        at = at.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 with an offset: past datetime's range in UTC
        raise Invalid("not a time the camera could have seen", field="at") from None
    if at > now + timedelta(seconds=FUTURE_S):
        raise Invalid("in the future: is the camera's clock right?", field="at")
    if at < now - keep:
        raise Invalid(
            f"older than the {int(keep.total_seconds() // 3600)} h motion events are kept", field="at"
        )
    return at


@dataclass
class MotionDesk:
    verify: Callable[[str | None, str], str]  # (token, camera id) -> owner id (agent_tokens.verify)
    cameras: Callable[[str], CameraSpot | None]
    book: MotionBook
    mark_live: Callable[[CameraSpot], None]  # an "offline" camera whose agent speaks is live
    keep: timedelta
    clock: Callable[[], datetime]

    def receive(self, token: str | None, camera_id: str, at: datetime, score: float) -> dict[str, Any]:
        owner_id = self.verify(token, camera_id)
        camera = self.cameras(camera_id)
        if camera is None:
            raise NotFound("no such camera", field="camera_id")
        if camera.owner_id != owner_id:
            raise Forbidden("the token is not this camera's owner's", field="token")
        if camera.level != "integrate":
            raise Forbidden(
                "the camera is not integrated (its owner registered it without video)", field="camera_id"
            )
        now = self.clock()
        event = MotionEvent(camera_id, check_time(at, now, self.keep), float(score))
        if camera.status == "paused":
            return {"status": "ignored", "reason": "paused"}
        if not self.book.record(event, event.at + self.keep):
            return {"status": "duplicate"}
        if camera.status == "offline":
            self.mark_live(camera)
        return {"status": "recorded"}


def is_recent(event: MotionEvent | None, now: datetime, recent: timedelta) -> bool:
    return event is not None and now - event.at <= recent
