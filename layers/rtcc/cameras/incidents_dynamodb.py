"""DynamoDB adapter of the incident desk (tables `incidents`, `camera-live-windows`, `feed`;
see rtcc.store.incidents for the keys).

A change is ONE TransactWriteItems: the incident's record (conditional on the revision read,
or on there being none), its board item, its live windows and the feed item. A duplicate or
a lost race writes nothing. Calls: GetItem (one incident), Query (the board; one camera's
windows), BatchGetItem (an incident's windows), TransactWriteItems of PutItem on the three
tables and UpdateItem of an ended window (its end only).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from rtcc.cameras.incident_desk import DeskRules, IncidentDesk
from rtcc.cameras.incidents import Incident
from rtcc.cameras.live_windows import LiveWindow
from rtcc.feed import FeedItem
from rtcc.store.base import is_expired
from rtcc.store.feed import FeedRecord
from rtcc.store.incidents import (
    BOARD,
    BOARD_LIMIT,
    RECORD,
    IncidentRecord,
    LiveWindowRecord,
    record_key,
)

#: Ended windows are kept a day (what was live, and when), then dropped by TTL.
WINDOW_KEEP = timedelta(days=1)


def _connection() -> Connection:
    return Connection(region=IncidentRecord.Meta.region, host=IncidentRecord.Meta.host)


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


class DynamoIncidentBook:
    def __init__(self, recent: timedelta, keep: timedelta = timedelta(days=365)) -> None:
        self.recent = recent
        # A closed incident's own record (notes, address) goes by TTL `keep` after it closed
        # (settings `incident_days`): no incident is kept forever.
        self.keep = keep

    def get(self, incident_id: str) -> Incident | None:
        try:
            record = IncidentRecord.get(record_key(incident_id), RECORD, consistent_read=True)
        except IncidentRecord.DoesNotExist:
            return None
        if is_expired(record):  # past its retention: gone, whenever TTL gets to it
            return None
        return Incident.from_json(record.incident)

    def board(self, now: datetime) -> list[Incident]:
        """Open incidents, then recently closed ones; each group newest first."""
        records = IncidentRecord.query(BOARD, limit=BOARD_LIMIT, page_size=BOARD_LIMIT)
        found = [Incident.from_json(r.incident) for r in records if not is_expired(r, now)]
        found.sort(key=lambda i: i.updated_at, reverse=True)
        return [i for i in found if i.active] + [i for i in found if not i.active]

    def _items(self, after: Incident) -> tuple[IncidentRecord, IncidentRecord]:
        fields = {
            "incident": after.to_json(),
            "revision": after.revision,
            "reported_at": after.reported_at,
            "status": after.status,
        }
        closed = None if after.active else _parse(after.updated_at)
        expires, kept = (closed + self.recent, closed + self.keep) if closed else (None, None)
        record = IncidentRecord(record_key(after.incident_id), RECORD, expires=kept, **fields)
        return record, IncidentRecord(BOARD, after.incident_id, expires=expires, **fields)

    def windows(self, incident_id: str, camera_ids: list[str]) -> list[LiveWindow]:
        return windows_for(incident_id, camera_ids)

    def save(
        self, before: Incident | None, after: Incident, windows: list[LiveWindow], item: FeedItem
    ) -> bool:
        record, board = self._items(after)
        if before is None:
            condition = IncidentRecord.key.does_not_exist()
        else:
            condition = IncidentRecord.revision == before.revision
        try:
            with TransactWrite(connection=_connection()) as tx:
                tx.save(record, condition=condition)
                tx.save(board)
                for window in windows:
                    if window.ended:
                        tx.update(*_window_end(window))
                    else:
                        tx.save(_window_record(window))
                tx.save(FeedRecord.of(item))
        except TransactWriteError as error:
            reasons = list(error.cancellation_reasons or [])
            if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
                return False
            raise
        return True


def _window_record(window: LiveWindow) -> LiveWindowRecord:
    return LiveWindowRecord(
        window.camera_id,
        window.incident_id,
        opened_at=window.opened_at,
        ends_at=window.ends_at,
        ended=1 if window.ended else 0,
        expires=_parse(window.ends_at) + WINDOW_KEEP,
    )


def _window_end(window: LiveWindow) -> tuple[LiveWindowRecord, list]:
    """Ending a window changes its end only: when it opened stays what it was (the history of
    what was live when). A window TTL already dropped comes back ended, opened "now"."""
    R = LiveWindowRecord  # noqa: N806 - the model, for its attribute paths
    actions = [
        R.ends_at.set(window.ends_at),
        R.ended.set(1),
        R.expires.set(_parse(window.ends_at) + WINDOW_KEEP),
        R.opened_at.set(R.opened_at | window.opened_at),
    ]
    return R(window.camera_id, window.incident_id), actions


def windows_for(incident_id: str, camera_ids: list[str]) -> list[LiveWindow]:
    """The windows `incident_id` opened for `camera_ids` (one BatchGetItem: each is a key)."""
    if not camera_ids:
        return []
    found = LiveWindowRecord.batch_get([(c, incident_id) for c in camera_ids])
    return [LiveWindow(r.camera_id, r.incident_id, r.opened_at, r.ends_at, bool(r.ended)) for r in found]


def windows_of(camera_id: str) -> list[LiveWindow]:
    """A camera's windows (one partition: the incidents near it lately)."""
    now = datetime.now(UTC)
    return [
        LiveWindow(r.camera_id, r.incident_id, r.opened_at, r.ends_at, bool(r.ended))
        for r in LiveWindowRecord.query(camera_id, limit=100, page_size=100)
        if not is_expired(r, now)
    ]


def camera_locator():  # noqa: ANN201 - the registry's adapter (rtcc.cameras.locator.CameraLocator)
    from rtcc.cameras.locator_dynamodb import camera_locator as registry_locator

    return registry_locator()


def default_desk() -> IncidentDesk:
    from rtcc.cameras.settings import cameras_settings

    s = cameras_settings()
    rules = DeskRules(s.nearest_count, s.nearest_radius_m, timedelta(hours=s.live_window_hours))
    book = DynamoIncidentBook(timedelta(hours=s.incident_recent_hours), timedelta(days=s.incident_days))
    return IncidentDesk(book, camera_locator(), rules)
