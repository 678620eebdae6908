"""The incident desk: officers' and CAD's incidents stored with the live windows they open and
the feed item announcing them, in one conditional write.

Ports only (`IncidentBook` for the table, `CameraLocator` for the nearest cameras), so unit
tests run it on fakes; rtcc.cameras.incidents_dynamodb holds the DynamoDB adapter. Each change:
read the incident, decide (rtcc.cameras.incidents), find its nearest cameras, call `intend`
(the audit entry goes in before the write), write conditional on the revision read; a lost
race is read and decided again (at most `ATTEMPTS` times).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from rtcc.cameras.incidents import (
    INCIDENTS_CHANNEL,
    CadIncident,
    Incident,
    apply_cad,
    check_closer,
    close,
    feed_kind,
    feed_summary,
    officer_incident,
)
from rtcc.cameras.live_windows import LiveWindow, eligible, ended, open_windows
from rtcc.cameras.model import NearbyResult
from rtcc.errors import Conflict, NotFound
from rtcc.feed import FeedItem, feed_item

ATTEMPTS = 3
#: Called with the incident about to be written, right before the write (the audit entry).
Intend = Callable[[Incident], None]


class IncidentBook(Protocol):
    def get(self, incident_id: str) -> Incident | None: ...

    def board(self, now: datetime) -> list[Incident]:
        """Open incidents and those closed within the recent hours (one key Query)."""

    def windows(self, incident_id: str, camera_ids: list[str]) -> list[LiveWindow]:
        """The windows `incident_id` opened for `camera_ids` (by key)."""

    def save(
        self, before: Incident | None, after: Incident, windows: list[LiveWindow], item: FeedItem
    ) -> bool:
        """Write `after` (conditional on `before`'s revision, or on no incident), its windows
        and the feed item together; False when the condition failed (nothing written)."""


class CameraLocator(Protocol):
    """rtcc.cameras.locator.CameraLocator's part the desk uses."""

    def nearest(self, lat: float, lon: float, *, count: int, radius_m: float) -> NearbyResult: ...


@dataclass(frozen=True)
class DeskRules:
    nearest_count: int = 4
    nearest_radius_m: float = 400
    live_window: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class CadOutcome:
    outcome: str  # "stored" | "unchanged" (not newer than what is stored)
    incident: Incident | None


def _noop(_: Incident) -> None:
    return None


class IncidentDesk:
    def __init__(
        self,
        book: IncidentBook,
        locator: CameraLocator,
        rules: DeskRules,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.book, self.locator, self.rules, self.clock = book, locator, rules, clock

    def nearest(self, incident: Incident) -> NearbyResult:
        r = self.rules
        return self.locator.nearest(
            incident.lat, incident.lon, count=r.nearest_count, radius_m=r.nearest_radius_m
        )

    def board(self) -> list[Incident]:
        return self.book.board(self.clock())

    def one(self, incident_id: str) -> tuple[Incident, NearbyResult]:
        incident = self.book.get(incident_id)
        if incident is None:
            raise NotFound("no such incident", field="incident_id")
        return incident, self.nearest(incident)

    def live_now(self, incident: Incident, camera_ids: list[str]) -> set[str]:
        """Which of `camera_ids` may be watched live now through `incident`'s windows (each
        window's own times: one that ran out or ended is not live, whatever the incident)."""
        if not incident.active:
            return set()
        wanted = [c for c in camera_ids if c in incident.live_cameras]
        now = self.clock()
        return {w.camera_id for w in self.book.windows(incident.incident_id, wanted) if w.open_at(now)}

    def create(
        self, lat: object, lon: object, type_: object, notes: object, by: str, intend: Intend = _noop
    ) -> Incident:
        incident = officer_incident(lat, lon, type_, notes, by, self.clock())
        if not self._write(None, incident, intend):
            raise Conflict("an incident with this id exists: send again", field="incident_id")
        return self.book.get(incident.incident_id) or incident

    def close(
        self, incident_id: str, by: str, intend: Intend = _noop, *, supervisor: bool = False
    ) -> Incident:
        for _ in range(ATTEMPTS):
            current = self.book.get(incident_id)
            if current is None:
                raise NotFound("no such incident", field="incident_id")
            check_closer(current, by, supervisor)
            after = close(current, by, self.clock())
            if self._write(current, after, intend):
                return after
        raise Conflict("the incident changed while closing it: send again", field="incident_id")

    def receive_cad(self, cad: CadIncident, intend: Intend = _noop) -> CadOutcome:
        """CAD's message stored once: a duplicate or an older update changes nothing."""
        for _ in range(ATTEMPTS):
            current = self.book.get(cad.incident_id)
            after = apply_cad(current, cad, self.clock())
            if after is None:
                return CadOutcome("unchanged", current)
            # The audit records CAD's incident being opened or closed, not each update.
            audited = intend if (current is None or not after.active) else _noop
            if self._write(current, after, audited):
                return CadOutcome("stored", after)
        raise Conflict("the incident changed while storing it: send again", field="incident_id")

    def _write(self, before: Incident | None, after: Incident, intend: Intend) -> bool:
        now = self.clock()
        old = set(before.live_cameras) if before else set()
        if after.active:
            nearby = self.nearest(after).cameras
            near = eligible(nearby)
            # A window already open stays as it was; only cameras new to the incident get one.
            fresh = [n for n in nearby if n.camera.camera_id not in old]
            opened = open_windows(after, fresh, now, self.rules.live_window)
            windows = opened + ended(after, sorted(old - set(near)), now)
            after = replace(after, live_cameras=tuple(near))
        else:
            windows = ended(after, sorted(old), now)
        item = feed_item(
            INCIDENTS_CHANNEL,
            feed_kind(before, after),
            after.incident_id,
            feed_summary(after),
            at=now,
            source=f"{after.incident_id}#{after.revision}",
        )
        intend(after)
        return self.book.save(before, after, windows, item)
