"""Tables of incidents and of the live-view windows they open (rtcc.cameras.incidents,
rtcc.cameras.live_windows).

- `IncidentRecord` (table `incidents`), two kinds of item, each holding the incident whole
  (JSON of rtcc.cameras.incidents.Incident):
  - ("incident#<incident id>", "record"): the incident by its id (GetItem), kept;
  - ("board", "<incident id>"): the operations map's list. Open incidents stay on it; a
    closed one stays `recent_hours` (TTL, and filtered on read). The map lists open and
    recent incidents with ONE base-table Query of this partition: no GSI, no scan. A small
    city has tens of open incidents, never thousands; the read is bounded (`BOARD_LIMIT`).
  Both items and the feed item are written in one transaction, conditional on the record's
  revision, so the list, the record and the live feed never disagree.
- `LiveWindowRecord` (table `camera-live-windows`), (camera_id, incident_id): while an
  incident is open, the policy-"incident" cameras near it may be watched live; closing the
  incident ends them in the same transaction. `is_live_allowed` Queries one camera's
  partition (a handful of items). TTL drops ended windows after a day.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from rtcc.store.base import register

#: The partition the operations map lists.
BOARD = "board"
#: The sort key of an incident's own record item.
RECORD = "record"
#: The most board items one list reads.
BOARD_LIMIT = 500


def record_key(incident_id: str) -> str:
    return f"incident#{incident_id}"


@register
class IncidentRecord(Model):
    class Meta:
        logical_name = "incidents"
        table_name = "incidents"

    key = UnicodeAttribute(hash_key=True)  # record_key(id) | BOARD
    item = UnicodeAttribute(range_key=True)  # RECORD | the incident id (board items)
    incident = UnicodeAttribute()  # JSON of the Incident
    revision = NumberAttribute(default=0)  # conditional writes: one writer wins
    reported_at = UnicodeAttribute()  # the source's time (CAD's `time`): an older update loses
    status = UnicodeAttribute()  # open | updated | closed
    expires = TTLAttribute(null=True)  # board items of closed incidents only


@register
class LiveWindowRecord(Model):
    class Meta:
        logical_name = "camera-live-windows"
        table_name = "camera-live-windows"

    camera_id = UnicodeAttribute(hash_key=True)
    incident_id = UnicodeAttribute(range_key=True)
    opened_at = UnicodeAttribute()  # UTC ISO 8601
    ends_at = UnicodeAttribute()  # UTC ISO 8601: the incident's close, or the longest window
    ended = NumberAttribute(default=0)  # 1 once the incident closed (or moved away from it)
    expires = TTLAttribute(null=True)
