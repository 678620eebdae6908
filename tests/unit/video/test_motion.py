"""Camera agents' motion events (rtcc.video.motion.MotionDesk) with fakes: the token first,
then the camera and its owner, the time's bounds, duplicates, a paused camera's ignored."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from rtcc.cameras.model import CameraSpot
from rtcc.errors import Forbidden, Invalid, NotFound, Unauthorized
from rtcc.video.motion import MotionDesk, MotionEvent

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
OWNER, CAMERA = "own-0123456789abcdef", "cam-0123456789ab"


def spot(**over: object) -> CameraSpot:
    base = CameraSpot(CAMERA, OWNER, "Porch", 47.6, -122.3, 90, "integrate", "always", "live", "rtcc-cam-x")
    return replace(base, **over)  # type: ignore[arg-type]


@dataclass
class Book:
    stored: dict = field(default_factory=dict)

    def record(self, event: MotionEvent, expires: datetime) -> bool:
        old = self.stored.get(event.camera_id)
        if old is not None and old.at >= event.at:
            return False
        self.stored[event.camera_id] = event
        return True

    def last_of(self, camera_ids: list[str]) -> dict:
        return {c: self.stored[c] for c in camera_ids if c in self.stored}


def desk(camera: CameraSpot | None, book: Book, marks: list) -> MotionDesk:
    def verify(token: str | None, camera_id: str) -> str:
        if token != f"good-{camera_id}":
            raise Unauthorized("not a valid camera agent token", field="token")
        return OWNER

    return MotionDesk(verify, lambda cid: camera if camera and cid == camera.camera_id else None, book,
                      lambda c: marks.append(c.camera_id), timedelta(hours=24), lambda: NOW)  # fmt: skip


def test_recorded_then_duplicate_then_newer() -> None:
    book, marks = Book(), []
    d = desk(spot(status="offline"), book, marks)
    assert d.receive(f"good-{CAMERA}", CAMERA, NOW - timedelta(seconds=5), 0.4) == {"status": "recorded"}
    assert marks == [CAMERA]  # an offline camera whose agent speaks is live
    assert d.receive(f"good-{CAMERA}", CAMERA, NOW - timedelta(seconds=5), 0.9) == {"status": "duplicate"}
    assert d.receive(f"good-{CAMERA}", CAMERA, NOW - timedelta(seconds=9), 0.9) == {"status": "duplicate"}
    assert book.stored[CAMERA].score == 0.4
    assert d.receive(f"good-{CAMERA}", CAMERA, NOW, 1) == {"status": "recorded"}


def test_the_token_is_checked_before_the_camera_is_read() -> None:
    with pytest.raises(Unauthorized):
        desk(None, Book(), []).receive("bad", CAMERA, NOW, 0.5)
    with pytest.raises(NotFound):
        desk(None, Book(), []).receive(f"good-{CAMERA}", CAMERA, NOW, 0.5)


@pytest.mark.parametrize(
    ("camera", "field"),
    [
        (spot(owner_id="own-ffffffffffffffff"), "token"),
        (spot(level="register", stream_name=None), "camera_id"),
    ],  # fmt: skip
)
def test_not_the_owners_or_not_integrated_is_403(camera: CameraSpot, field: str) -> None:
    with pytest.raises(Forbidden) as refused:
        desk(camera, Book(), []).receive(f"good-{CAMERA}", CAMERA, NOW, 0.5)
    assert refused.value.field == field


@pytest.mark.parametrize(
    "at",
    [NOW + timedelta(minutes=6), NOW - timedelta(hours=25), datetime(2026, 5, 1, 12, 0)],  # noqa: DTZ001
)
def test_times_out_of_bounds_are_422_at(at: datetime) -> None:
    book = Book()
    with pytest.raises(Invalid) as bad:
        desk(spot(), book, []).receive(f"good-{CAMERA}", CAMERA, at, 0.5)
    assert bad.value.field == "at" and book.stored == {}


def test_a_paused_cameras_events_are_not_kept() -> None:
    book = Book()
    answer = desk(spot(status="paused"), book, []).receive(f"good-{CAMERA}", CAMERA, NOW, 0.5)
    assert answer == {"status": "ignored", "reason": "paused"}
    assert book.stored == {}


@pytest.mark.parametrize("score", [-0.1, 1.5, float("nan")])
def test_event_values(score: float) -> None:
    with pytest.raises(ValueError):
        MotionEvent(CAMERA, NOW, score)
