"""The camera registry in DynamoDB: cameras (`cameras`), their copies in the area index
(`camera-cells`) and the owner's list of camera ids (`camera-owners`), kept in step.

Every change of a camera is one transaction over the camera, its cell item (deleted from the
old cell, put in the new one when it moves) and, on create and delete, its owner's list; the
camera's put is conditional on the version read (`updated_at`), so two concurrent edits
cannot leave a cell item behind. The index therefore never names a camera that is gone, and a
camera is never missing from it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import size
from pynamodb.transactions import TransactWrite

from rtcc.cameras.cells import camera_key
from rtcc.cameras.model import CITY_OWNER, CameraSpot
from rtcc.errors import Conflict, NotFound
from rtcc.store.camera_registry import CameraCellRecord, CameraOwnerRecord, CameraRecord

#: The most cameras one owner may register (a business with many is a handful of owners).
MAX_CAMERAS_PER_OWNER = 50

_CONNECTIONS: dict[tuple[str, str | None], Connection] = {}

_FIELDS = (
    "owner_id",
    "name",
    "camera_type",
    "lat",
    "lon",
    "bearing_deg",
    "level",
    "policy",
    "status",
    "stream_name",
)


def transaction() -> TransactWrite:
    """A transaction on the endpoint the camera tables are bound to."""
    region, host = CameraRecord.Meta.region, CameraRecord.Meta.host
    connection = _CONNECTIONS.get((region, host))
    if connection is None:
        connection = _CONNECTIONS[(region, host)] = Connection(region=region, host=host)
    return TransactWrite(connection=connection)


def spot_of(record: CameraRecord | CameraCellRecord) -> CameraSpot:
    bearing = record.bearing_deg
    return CameraSpot(
        camera_id=record.camera_id,
        owner_id=record.owner_id,
        name=record.name,
        lat=float(record.lat),
        lon=float(record.lon),
        bearing_deg=None if bearing is None else int(bearing),
        level=record.level,  # type: ignore[arg-type]
        policy=record.policy,  # type: ignore[arg-type]
        status=record.status,  # type: ignore[arg-type]
        stream_name=record.stream_name,
        camera_type=record.camera_type,
    )


def _values(spot: CameraSpot) -> dict:
    return {name: getattr(spot, name) for name in _FIELDS}


def _cell(spot: CameraSpot) -> CameraCellRecord:
    area, key = camera_key(spot.lat, spot.lon, spot.camera_id)
    return CameraCellRecord(area, key, camera_id=spot.camera_id, **_values(spot))


def _cell_key(record: CameraRecord) -> tuple[str, str]:
    return camera_key(float(record.lat), float(record.lon), record.camera_id)


def get_record(camera_id: str) -> CameraRecord | None:
    try:
        return CameraRecord.get(camera_id, consistent_read=True)
    except DoesNotExist:
        return None


def stream_since(camera_id: str) -> float | None:
    """When the camera's current stream was set (None: unknown camera, no stream, or one it was
    created with): the integration a camera agent's motion token belongs to."""
    record = get_record(camera_id)
    return None if record is None or record.stream_since is None else float(record.stream_since)


def get_camera(camera_id: str) -> CameraSpot | None:
    record = get_record(camera_id)
    return None if record is None else spot_of(record)


def cameras_of(owner_id: str) -> list[CameraSpot]:
    """The owner's cameras (BatchGetItem of the ids the owner's item lists)."""
    try:
        owner = CameraOwnerRecord.get(owner_id, consistent_read=True)
    except DoesNotExist:
        return []
    records = CameraRecord.batch_get(list(owner.camera_ids or [])) if owner.camera_ids else []
    return sorted((spot_of(r) for r in records), key=lambda s: s.camera_id)


def _reasons(exc: TransactWriteError) -> list[str | None]:
    return [getattr(r, "code", None) if r is not None else None for r in (exc.cancellation_reasons or [])]


def _raise_conflict(exc: TransactWriteError, what: str) -> None:
    if "ConditionalCheckFailed" in _reasons(exc):
        raise Conflict(f"{what} changed or is gone; reload and try again", field="camera_id") from None
    raise exc


def create_camera(spot: CameraSpot, now: float | None = None) -> None:
    """A new camera, its cell item and its place in the owner's list, in one transaction."""
    at = time.time() if now is None else now
    record = CameraRecord(spot.camera_id, created_at=at, updated_at=at, **_values(spot))
    owners = CameraOwnerRecord
    with_room = owners.owner_id.exists() & (
        owners.camera_ids.does_not_exist() | (size(owners.camera_ids) < MAX_CAMERAS_PER_OWNER)
    )
    try:
        with transaction() as tx:
            tx.save(record, condition=CameraRecord.camera_id.does_not_exist())
            tx.save(_cell(spot))
            tx.update(
                CameraOwnerRecord(spot.owner_id),
                [owners.camera_ids.set(owners.camera_ids.append([spot.camera_id]))],
                condition=with_room,
            )
    except TransactWriteError as exc:
        # Cancellation reasons come in the transaction's order: camera, cell, owner.
        if _reasons(exc)[2:3] == ["ConditionalCheckFailed"]:
            raise Conflict(f"an owner has at most {MAX_CAMERAS_PER_OWNER} cameras", field="cameras") from None
        _raise_conflict(exc, "the camera")


def replace_camera(old: CameraRecord, spot: CameraSpot, now: float | None = None) -> None:
    """Writes `spot` over the camera read as `old` (moving its cell item if it moved)."""
    at = time.time() if now is None else now
    kept = spot.stream_name == old.stream_name
    record = CameraRecord(
        spot.camera_id,
        created_at=old.created_at,
        updated_at=max(at, float(old.updated_at) + 1e-6),
        stream_since=old.stream_since if kept else (at if spot.stream_name else None),
        **_values(spot),
    )
    unchanged = CameraRecord.updated_at == old.updated_at
    try:
        with transaction() as tx:
            tx.save(record, condition=unchanged)
            old_key = _cell_key(old)
            new = _cell(spot)
            if old_key != (new.area, new.key):
                tx.delete(CameraCellRecord(*old_key))
            tx.save(new)
    except TransactWriteError as exc:
        _raise_conflict(exc, "the camera")


def delete_camera(old: CameraRecord, owner_camera_ids: list[str] | None) -> None:
    """The camera, its cell item and (for an owner's camera) its entry in the owner's list."""
    unchanged = CameraRecord.updated_at == old.updated_at
    try:
        with transaction() as tx:
            tx.delete(old, condition=unchanged)
            tx.delete(CameraCellRecord(*_cell_key(old)))
            if owner_camera_ids is not None and old.camera_id in owner_camera_ids:
                i = owner_camera_ids.index(old.camera_id)
                owners = CameraOwnerRecord
                tx.update(
                    CameraOwnerRecord(old.owner_id),
                    [owners.camera_ids[i].remove()],
                    condition=owners.camera_ids[i] == old.camera_id,
                )
    except TransactWriteError as exc:
        _raise_conflict(exc, "the camera")


#: Reads and writes again after a concurrent change (the streams function recording a stream
#: while the owner edits): a few rounds, each reading the camera anew.
_ROUNDS = 3


def change_camera(camera_id: str, change: Callable[[CameraSpot], CameraSpot]) -> CameraSpot | None:
    """`change` applied to the camera as it is now (read again after a concurrent write);
    None when the camera is gone."""
    for _ in range(_ROUNDS):
        old = get_record(camera_id)
        if old is None:
            return None
        spot = change(spot_of(old))
        try:
            replace_camera(old, spot)
            return spot
        except Conflict:
            continue
    raise Conflict("the camera keeps changing; try again", field="camera_id")


def remove_camera(camera_id: str, owner_camera_ids: list[str] | None) -> CameraRecord | None:
    """The camera, its cell item and its owner-list entry deleted as it is now; the record
    deleted, or None when it was gone already."""
    for _ in range(_ROUNDS):
        old = get_record(camera_id)
        if old is None:
            return None
        try:
            delete_camera(old, owner_camera_ids)
            return old
        except Conflict:
            continue
    raise Conflict("the camera keeps changing; try again", field="camera_id")


def set_stream(camera_id: str, stream_name: str | None, status: str) -> CameraSpot:
    """The camera's video stream and status (the streams function: created, live, offline).
    A paused camera stays paused: the owner's pause outranks the stream's state."""

    def recorded(spot: CameraSpot) -> CameraSpot:
        new_status = "paused" if spot.status == "paused" else status
        return replace(spot, stream_name=stream_name, status=new_status)  # type: ignore[arg-type]

    updated = change_camera(camera_id, recorded)
    if updated is None:
        raise NotFound("no such camera", field="camera_id")
    return updated


def upsert_city_camera(spot: CameraSpot) -> None:
    """A city camera from the deploy config, created or brought up to date (its stream and
    status as recorded are kept unless `spot` names them)."""
    if spot.owner_id != CITY_OWNER or spot.level != "city":
        raise ValueError("a city camera has owner 'city' and level 'city'")
    old = get_record(spot.camera_id)
    if old is None:
        at = time.time()
        record = CameraRecord(spot.camera_id, created_at=at, updated_at=at, **_values(spot))
        with transaction() as tx:
            tx.save(record, condition=CameraRecord.camera_id.does_not_exist())
            tx.save(_cell(spot))
        return
    current = spot_of(old)
    merged = replace(spot, stream_name=spot.stream_name or current.stream_name)
    if merged != current:
        replace_camera(old, merged)


def set_status_all(camera_ids: Iterable[str], status_of: Callable[[CameraSpot], str]) -> None:
    """Each camera's status set to `status_of(spot)` (an owner's pause or resume)."""
    for camera_id in camera_ids:
        change_camera(camera_id, lambda spot: replace(spot, status=status_of(spot)))  # type: ignore[arg-type]
