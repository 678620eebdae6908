"""Incidents on the operations map: what an officer reports from the map and what the city's
CAD (computer-aided dispatch) sends, and how each changes over its life.

Pure (no AWS, no I/O). The fields follow the APCO/NENA EIDO incident's core: an id, a type,
a location (WGS84 point, an address), a time and a status. A status moves open -> updated
(any number of times) -> closed, and closed is final: an incident reopened in CAD comes back
as a new CAD id. Updates from CAD are ordered by CAD's own `time`: one not newer than what is
stored (a retry, a duplicate, an update overtaken by a later one) changes nothing.

Notes and addresses can name people: they stay on the incident (read through the officers'
routes), never in the live feed's summary (`feed_summary`) or in a log.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from rtcc.errors import Conflict, DomainError, Forbidden

IncidentStatus = Literal["open", "updated", "closed"]
STATUSES: tuple[str, ...] = ("open", "updated", "closed")
#: The live feed channel (declared in rtcc.cameras.capability).
INCIDENTS_CHANNEL = "incidents"

TYPE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 _./:-]{0,63}$"
_TYPE = re.compile(TYPE_PATTERN)
#: CAD's own incident id: becomes part of ours ("cad-<id>"), a key and a URL segment.
_CAD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
INCIDENT_ID_PATTERN = r"^(inc-[0-9a-f]{12}|cad-[A-Za-z0-9][A-Za-z0-9_.-]{0,63})$"
NOTES_MAX = 2000
ADDRESS_MAX = 200


class IncidentInputError(DomainError):
    """A field of an incident that cannot be used (400, naming the field)."""


class IncidentClosed(Conflict):
    def __init__(self) -> None:
        super().__init__("the incident is closed", field="status")


@dataclass(frozen=True)
class Incident:
    incident_id: str
    source: str  # "officer" | "cad"
    type: str
    lat: float
    lon: float
    status: str  # IncidentStatus
    reported_at: str  # the source's time: the officer's request, CAD's `time` (UTC ISO 8601)
    opened_at: str  # when we first stored it
    updated_at: str
    created_by: str  # the officer's username, or "cad"
    address: str | None = None
    notes: str | None = None
    closed_at: str | None = None
    closed_by: str | None = None
    revision: int = 0
    #: Cameras whose live windows this incident opened (rtcc.cameras.live_windows).
    live_cameras: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.status != "closed"

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Incident:
        data = json.loads(text)
        data["live_cameras"] = tuple(data.get("live_cameras") or ())
        return cls(**data)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def check_point(lat: Any, lon: Any) -> tuple[float, float]:
    for name, value, bound in (("lat", lat, 90), ("lon", lon, 180)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise IncidentInputError("a number (WGS84 degrees) is required", field=name)
        if not -bound <= value <= bound:
            raise IncidentInputError(f"within -{bound}..{bound}", field=name)
    return float(lat), float(lon)


def check_type(value: Any, field: str = "type") -> str:
    if not isinstance(value, str) or not _TYPE.match(value.strip()):
        raise IncidentInputError("1 to 64 letters, digits, spaces or _ . / : -", field=field)
    return value.strip()


def check_text(value: Any, field: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise IncidentInputError("text is required", field=field)
    text = value.strip()
    if len(text) > limit:
        raise IncidentInputError(f"at most {limit} characters", field=field)
    return text or None


def new_incident_id() -> str:
    return f"inc-{secrets.token_hex(6)}"


def officer_incident(lat: Any, lon: Any, type_: Any, notes: Any, by: str, now: datetime) -> Incident:
    """An incident an officer reports by tapping the map."""
    lat, lon = check_point(lat, lon)
    stamp = iso(now)
    return Incident(
        incident_id=new_incident_id(),
        source="officer",
        type=check_type(type_),
        lat=lat,
        lon=lon,
        status="open",
        reported_at=stamp,
        opened_at=stamp,
        updated_at=stamp,
        created_by=by,
        notes=check_text(notes, "notes", NOTES_MAX),
    )


def close(incident: Incident, by: str, now: datetime) -> Incident:
    """The incident closed by `by` (an officer, or CAD). Closed is final."""
    if not incident.active:
        raise IncidentClosed()
    stamp = iso(now)
    return replace(
        incident,
        status="closed",
        updated_at=stamp,
        closed_at=stamp,
        closed_by=by,
        revision=incident.revision + 1,
    )


def check_closer(incident: Incident, by: str, supervisor: bool) -> None:
    """Who may close `incident` from the console: CAD owns its incidents (they close when
    dispatch closes them; a supervisor may still close one here, e.g. a stuck feed); an
    officer closes only the incidents they reported; a supervisor any. 403 otherwise."""
    if supervisor:
        return
    if incident.source == "cad":
        raise Forbidden("dispatch (CAD) closes its incidents; ask a supervisor", field="incident_id")
    if incident.created_by != by:
        raise Forbidden("only the officer who reported it or a supervisor may close it", field="incident_id")


# --- CAD ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CadIncident:
    """One CAD message, checked (see README "CAD webhook" for the JSON)."""

    cad_id: str
    type: str
    lat: float
    lon: float
    address: str | None
    time: datetime
    status: str
    notes: str | None

    @property
    def incident_id(self) -> str:
        return f"cad-{self.cad_id}"


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise IncidentInputError("an object is required", field=field)
    return value


def _time(value: Any) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise IncidentInputError("an ISO 8601 time with its UTC offset is required", field="time")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise IncidentInputError("an ISO 8601 time with its UTC offset is required", field="time") from None
    if moment.tzinfo is None:
        raise IncidentInputError("the UTC offset is missing (add Z or +hh:mm)", field="time")
    return moment.astimezone(UTC)


def parse_cad(body: bytes) -> CadIncident:
    """The CAD message in `body`, or IncidentInputError naming the first field at fault."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise IncidentInputError("not JSON (UTF-8)", field="body") from None
    data = _object(data, "body")
    cad_id = data.get("incident_id")
    if not isinstance(cad_id, str) or not _CAD_ID.match(cad_id):
        raise IncidentInputError(
            "1 to 64 letters, digits or _ . - (starting with a letter or digit)", field="incident_id"
        )
    location = _object(data.get("location"), "location")
    try:
        lat, lon = check_point(location.get("lat"), location.get("lon"))
    except IncidentInputError as error:
        raise IncidentInputError(error.message.split(": ", 1)[-1], field=f"location.{error.field}") from None
    status = data.get("status")
    if status not in STATUSES:
        raise IncidentInputError(f"one of {', '.join(STATUSES)}", field="status")
    return CadIncident(
        cad_id=cad_id,
        type=check_type(data.get("type")),
        lat=lat,
        lon=lon,
        address=check_text(location.get("address"), "location.address", ADDRESS_MAX),
        time=_time(data.get("time")),
        status=status,
        notes=check_text(data.get("notes"), "notes", NOTES_MAX),
    )


def apply_cad(current: Incident | None, cad: CadIncident, now: datetime) -> Incident | None:
    """What CAD's message makes of the stored incident; None when it changes nothing (not
    newer than what is stored: a retry, a duplicate, an update overtaken by a later one).
    A closed incident stays closed (IncidentClosed)."""
    reported = iso(cad.time)
    if current is not None and reported <= current.reported_at:
        return None
    if current is not None and not current.active:
        raise IncidentClosed()
    stamp = iso(now)
    fields = {
        "type": cad.type,
        "lat": cad.lat,
        "lon": cad.lon,
        "address": cad.address,
        "notes": cad.notes,
        "reported_at": reported,
        "updated_at": stamp,
    }
    if current is None:
        status = "closed" if cad.status == "closed" else "open"
        made = Incident(
            incident_id=cad.incident_id,
            source="cad",
            status=status,
            opened_at=stamp,
            created_by="cad",
            **fields,
        )
        return replace(made, closed_at=stamp, closed_by="cad") if status == "closed" else made
    if cad.status == "closed":
        return replace(close(current, "cad", now), **fields)
    return replace(current, status="updated", revision=current.revision + 1, **fields)


def feed_kind(before: Incident | None, after: Incident) -> str:
    if not after.active:
        return "closed"
    return "new" if before is None else "updated"


def feed_summary(incident: Incident) -> dict[str, Any]:
    """The feed item's summary: what happened, never the notes or the address (they can name
    people); the console fetches the incident through GET /api/incidents/{id}."""
    return {
        "incident_id": incident.incident_id,
        "status": incident.status,
        "type": incident.type,
        "source": incident.source,
        "revision": incident.revision,
    }


def board_view(incident: Incident) -> dict[str, Any]:
    """One incident on the map's list (GET /api/incidents, not audited): the feed summary's
    fields, where it is and when it last changed; never the notes or the address (they can
    name people: they come only from the audited GET /api/incidents/{id})."""
    return {
        **feed_summary(incident),
        "lat": incident.lat,
        "lon": incident.lon,
        "active": incident.active,
        "updated_at": incident.updated_at,
    }


def view(incident: Incident) -> dict[str, Any]:
    """The officers' view of an incident (the API's shape)."""
    out = asdict(incident)
    out["live_cameras"] = list(incident.live_cameras)
    out["active"] = incident.active
    return out
