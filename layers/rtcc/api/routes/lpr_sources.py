"""Admins' plate-read sources routes (`/api/lpr/sources`): the vendor integrations that may
post reads, their secrets and their readers.

Admin only. Every change is audited before it is made (AuditedWrite), naming the source and
what changed; a secret is in no audit entry and no log line: it is in the one answer to a
create or a rotate, shown once by the console, and stored only as a digest (bearer) or
sealed by KMS (HMAC).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.api.security import AuditedWrite, principal, require
from rtcc.auth import Role
from rtcc.lpr.source_admin import SourceAdmin
from rtcc.lpr.sources import Reader, Source
from rtcc.models.lpr_sources import ReaderIn, SourceIn

router = APIGatewayRouter()

_ADMINS = [require(Role.ADMIN)]
_SOURCE = Annotated[str, Path(pattern=r"^src-[0-9a-f]{12}$", description="Source id")]
_CAMERA = Annotated[str, Path(min_length=1, max_length=64, description="Reader (camera) id")]


def _admin() -> SourceAdmin:
    from rtcc.lpr.settings import lpr_settings
    from rtcc.lpr.sources_dynamodb import DynamoDbSources, KmsSecretSealer

    settings = lpr_settings()
    return SourceAdmin(DynamoDbSources(), KmsSecretSealer(settings.sources_key_id), settings.rotation_overlap)


def _me() -> str:
    return principal(router).username  # type: ignore[arg-type]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def reader_out(reader: Reader) -> dict:
    return {
        "camera_id": reader.camera_id,
        "name": reader.name,
        "kind": str(reader.kind),
        "lat": reader.lat,
        "lon": reader.lon,
        "last_heartbeat_at": _iso(reader.last_heartbeat_at),
        "last_read_at": _iso(reader.last_read_at),
    }


def source_out(source: Source, readers: list[Reader]) -> dict:
    return {
        "source_id": source.source_id,
        "name": source.name,
        "vendor": str(source.vendor),
        "auth": str(source.auth),
        "status": str(source.status),
        "created_at": _iso(source.created_at),
        "updated_at": _iso(source.updated_at),
        "previous_valid_until": _iso(source.previous_valid_until),
        "readers": [reader_out(r) for r in readers],
    }


def _created(body: dict) -> Response[dict]:
    return Response(201, content_types.APPLICATION_JSON, body)


@router.get(
    "/api/lpr/sources", middlewares=_ADMINS, summary="Plate-read sources and their readers", tags=["lpr"]
)
def list_sources() -> dict:
    admin = _admin()
    listed = sorted(admin.store.list_sources(), key=lambda s: s.created_at)
    return {"sources": [source_out(s, admin.store.readers(s.source_id)) for s in listed]}


@router.post(
    "/api/lpr/sources", middlewares=_ADMINS, summary="Register a source (secret shown once)", tags=["lpr"]
)
def create_source(body: SourceIn) -> Response[dict]:
    with AuditedWrite(router, "lpr.source.create", "new") as entry:  # type: ignore[arg-type]

        def intend(detail: dict) -> None:
            entry.target = detail["source_id"]  # the id is made right before the write
            entry.intend(detail=detail)

        issued = _admin().create(body.name, body.vendor, body.auth, _me(), datetime.now(UTC), intend)
    return _created({"source": source_out(issued.source, []), "secret": issued.secret})


@router.post(
    "/api/lpr/sources/<source_id>/rotate",
    middlewares=_ADMINS,
    summary="A new secret; the previous one keeps working for the overlap",
    tags=["lpr"],
)
def rotate_source(source_id: _SOURCE) -> dict:
    with AuditedWrite(router, "lpr.source.rotate", source_id) as entry:  # type: ignore[arg-type]
        issued = _admin().rotate(source_id, datetime.now(UTC), lambda d: entry.intend(detail=d))
    return {"secret": issued.secret, "previous_valid_until": _iso(issued.source.previous_valid_until)}


def _status_change(source_id: str, action: str) -> dict:
    admin = _admin()
    with AuditedWrite(router, f"lpr.source.{action}", source_id) as entry:  # type: ignore[arg-type]
        source = admin.change_status(source_id, action, datetime.now(UTC), lambda d: entry.intend(detail=d))
    return {"source": source_out(source, admin.store.readers(source_id))}


@router.post(
    "/api/lpr/sources/<source_id>/disable",
    middlewares=_ADMINS,
    summary="Refuse its reads (403)",
    tags=["lpr"],
)
def disable_source(source_id: _SOURCE) -> dict:
    return _status_change(source_id, "disable")


@router.post(
    "/api/lpr/sources/<source_id>/enable", middlewares=_ADMINS, summary="Accept its reads again", tags=["lpr"]
)
def enable_source(source_id: _SOURCE) -> dict:
    return _status_change(source_id, "enable")


@router.post(
    "/api/lpr/sources/<source_id>/revoke", middlewares=_ADMINS, summary="Refuse it for good", tags=["lpr"]
)
def revoke_source(source_id: _SOURCE) -> dict:
    return _status_change(source_id, "revoke")


@router.post(
    "/api/lpr/sources/<source_id>/readers", middlewares=_ADMINS, summary="Register a reader", tags=["lpr"]
)
def add_reader(source_id: _SOURCE, body: ReaderIn) -> Response[dict]:
    with AuditedWrite(router, "lpr.reader.add", source_id) as entry:  # type: ignore[arg-type]
        reader = _admin().add_reader(
            source_id, body.model_dump(), _me(), datetime.now(UTC), lambda d: entry.intend(detail=d)
        )
    return _created({"reader": reader_out(reader)})


@router.delete(
    "/api/lpr/sources/<source_id>/readers/<camera_id>",
    middlewares=_ADMINS,
    summary="Remove a reader",
    tags=["lpr"],
)
def remove_reader(source_id: _SOURCE, camera_id: _CAMERA) -> Response[None]:
    with AuditedWrite(router, "lpr.reader.remove", source_id) as entry:  # type: ignore[arg-type]
        _admin().remove_reader(source_id, camera_id, lambda d: entry.intend(detail=d))
    return Response(204, content_types.APPLICATION_JSON, None)
