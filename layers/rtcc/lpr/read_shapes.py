"""Each accepted payload shape, turned into `Read`s and `Heartbeat`s (rtcc.lpr.model).

The shape is told by an explicit marker, never by which fields happen to be present:
OpenALPR's `data_type` ("alpr_group", "alpr_results", "heartbeat"), `event: "lpr_alert"` for
the Flock-style alert, and the generic read otherwise (its model forbids unknown fields, so
a mislabelled vendor payload is refused naming the fields, not half-read).

Each read comes with the payload's names for its fields (`names`), so rtcc.lpr.read_checks
can name "best_plate_number" or "results[1].plate" in a refusal. Pydantic's own errors become
`FieldProblem`s with the failing location written the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from rtcc.lpr.model import Candidate, Heartbeat, Read
from rtcc.lpr.read_checks import FieldProblem, state_of
from rtcc.models.lpr_reads import (
    AlprCandidate,
    AlprGroup,
    AlprHeartbeat,
    AlprResults,
    FlockAlert,
    GenericRead,
)

#: OpenALPR regions ("us-mo", "ca-on") of countries whose codes rtcc.lpr.plates knows; a
#: region elsewhere ("mx-...", "eu-...") leaves the state unknown rather than refusing the read.
_KEYED_COUNTRIES = ("us", "ca")
#: How many problems of one item an answer lists: enough to fix a payload, bounded in size.
MAX_PROBLEMS_PER_ITEM = 10


@dataclass
class Shaped:
    """What one payload item yields: reads (each with its field names, or the problem that
    refused it) and heartbeats."""

    reads: list[tuple[Read, Mapping[str, str]] | FieldProblem] = field(default_factory=list)
    heartbeats: list[Heartbeat] = field(default_factory=list)


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "item"


def problems_of(error: ValidationError) -> list[FieldProblem]:
    """Pydantic's errors as FieldProblems ("candidates[2].confidence: Input should be ...")."""
    return [FieldProblem(_location(e["loc"]), e["msg"]) for e in error.errors()[:MAX_PROBLEMS_PER_ITEM]]


def _epoch(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _candidates(found: list[AlprCandidate]) -> tuple[Candidate, ...]:
    return tuple(Candidate(c.plate, c.confidence) for c in found)


def _alpr_state(field_name: str, region: str | None) -> str | None:
    country, _, code = (region or "").lower().partition("-")
    if country not in _KEYED_COUNTRIES or not code:
        return None
    return state_of(field_name, code)


def _alpr_position(lat: float | None, lon: float | None) -> tuple[float | None, float | None]:
    # An agent without GPS reports 0.0, 0.0 (a point in the Gulf of Guinea): no position.
    return (None, None) if not lat and not lon else (lat, lon)


_GROUP_NAMES = {
    "plate": "best_plate_number",
    "seen_at": "epoch_start",
    "lat": "gps_latitude",
    "lon": "gps_longitude",
}


def _alpr_group(item: dict[str, Any], source_id: str) -> Shaped:
    group = AlprGroup.model_validate(item)
    lat, lon = _alpr_position(group.gps_latitude, group.gps_longitude)
    read = Read(
        source_id=source_id,
        read_id=group.best_uuid,
        plate=group.best_plate_number,
        seen_at=_epoch(group.epoch_start),
        state=_alpr_state("best_region", group.best_region),
        confidence=group.best_confidence,
        candidates=_candidates(group.candidates),
        camera_id=str(group.camera_id),
        lat=lat,
        lon=lon,
        image_ref=group.best_uuid,  # the agent serves a frame's image by its uuid
        vendor="openalpr",
    )
    return Shaped(reads=[(read, _GROUP_NAMES)])


def _alpr_results(item: dict[str, Any], source_id: str) -> Shaped:
    frame = AlprResults.model_validate(item)
    shaped = Shaped()
    for i, result in enumerate(frame.results):
        names = {
            "plate": f"results[{i}].plate",
            "candidates": f"results[{i}].candidates",
            "seen_at": "epoch_time",
        }
        try:
            state = _alpr_state(f"results[{i}].region", result.region)
        except FieldProblem as problem:
            shaped.reads.append(problem)
            continue
        read = Read(
            source_id=source_id,
            read_id=f"{frame.uuid}#{result.plate_index}",  # one frame holds several plates
            plate=result.plate,
            seen_at=_epoch(frame.epoch_time),
            state=state,
            confidence=result.confidence,
            candidates=_candidates(result.candidates),
            camera_id=str(frame.camera_id),
            image_ref=frame.uuid,
            vendor="openalpr",
        )
        shaped.reads.append((read, names))
    return shaped


def _alpr_heartbeat(item: dict[str, Any], source_id: str) -> Shaped:
    beat = AlprHeartbeat.model_validate(item)
    at = _epoch(beat.timestamp)
    # Only a camera that is streaming is alive; an agent with none says nothing of cameras.
    alive = [s for s in beat.video_streams if s.is_streaming]
    return Shaped(heartbeats=[Heartbeat(source_id, str(s.camera_id), at) for s in alive])


def _flock(item: dict[str, Any], source_id: str) -> Shaped:
    alert = FlockAlert.model_validate(item)
    read = Read(
        source_id=source_id,
        read_id=alert.alertId,
        plate=alert.plate,
        seen_at=alert.timestamp,
        state=state_of("plateState", alert.plateState),
        confidence=None if alert.confidence is None else alert.confidence * 100,
        camera_id=alert.camera.id,
        lat=alert.camera.latitude,
        lon=alert.camera.longitude,
        image_ref=alert.imageUrl,
        vendor="flock",
    )
    return Shaped(
        reads=[(read, {"seen_at": "timestamp", "lat": "camera.latitude", "lon": "camera.longitude"})]
    )


def _generic(item: dict[str, Any], source_id: str) -> Shaped:
    generic = GenericRead.model_validate(item)
    if generic.source is not None and generic.source != source_id:
        raise FieldProblem("source", "does not match the source this request authenticated as")
    read = Read(
        source_id=source_id,
        read_id=generic.read_id,
        plate=generic.plate,
        seen_at=generic.time,
        state=state_of("state", generic.state),
        confidence=generic.confidence,
        candidates=tuple(Candidate(c.plate, c.confidence) for c in generic.candidates),
        camera_id=generic.camera_id,
        lat=generic.lat,
        lon=generic.lon,
        image_ref=generic.image_ref,
        vendor="generic",
    )
    return Shaped(reads=[(read, {"seen_at": "time"})])


_OPENALPR = {"alpr_group": _alpr_group, "alpr_results": _alpr_results, "heartbeat": _alpr_heartbeat}


def shape_item(item: dict[str, Any], source_id: str) -> Shaped:
    """The reads and heartbeats of one payload item. Raises FieldProblem, or a pydantic
    ValidationError (turn it into FieldProblems with `problems_of`), when the item as a
    whole cannot be read."""
    if "data_type" in item:
        parse = _OPENALPR.get(item["data_type"]) if isinstance(item["data_type"], str) else None
        if parse is None:
            raise FieldProblem("data_type", f"unsupported (accepted: {', '.join(_OPENALPR)})")
        return parse(item, source_id)
    if "event" in item:
        if item["event"] != "lpr_alert":
            raise FieldProblem("event", 'unsupported (accepted: "lpr_alert")')
        return _flock(item, source_id)
    return _generic(item, source_id)


__all__ = ["Shaped", "problems_of", "shape_item"]
