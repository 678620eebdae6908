"""Hotlist routes (`/api/lpr/hotlists`): lists, file imports (presigned upload, start,
progress), manual BOLO entries.

Officers see the lists and an import's progress; supervisors create lists, import files
and enter or withdraw BOLOs. Every change is audited before it is made (AuditedWrite):
the list, the import id, the case number of a BOLO; never a plate (the import record and
the list's version file say which entries changed).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.api.security import AuditedWrite, principal, require
from rtcc.auth import Role
from rtcc.lpr.hotlist_admin import HotlistAdmin, import_out
from rtcc.models.lpr_hotlists import HotlistIn, ImportIn

router = APIGatewayRouter()

_OFFICERS = [require(Role.OFFICER)]
_SUPERVISORS = [require(Role.SUPERVISOR)]
_LIST = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$", description="Hotlist id")]
_IMPORT = Annotated[str, Path(pattern=r"^imp-[0-9a-f]{32}$", description="Import id")]
_ENTRY = Annotated[str, Path(min_length=1, max_length=120, description="Entry id (plate:state or nic:NIC)")]


def _admin() -> HotlistAdmin:
    from rtcc.lpr.hotlist_queue import queue_import
    from rtcc.lpr.hotlist_store_dynamodb import DynamoHotlistStore, DynamoImportLog

    return HotlistAdmin(DynamoHotlistStore(), DynamoImportLog(), queue_import)


def _me() -> str:
    return principal(router).username  # type: ignore[arg-type]


def _created(body: dict) -> Response[dict]:
    return Response(201, content_types.APPLICATION_JSON, body)


def _max_bytes() -> int:
    from rtcc.lpr.settings import lpr_settings

    return lpr_settings().max_hotlist_bytes


@router.get("/api/lpr/hotlists", middlewares=_OFFICERS, summary="Hotlists and their versions", tags=["lpr"])
def list_hotlists() -> dict:
    from rtcc.store.lpr_hotlists import LISTS_PARTITION, LprHotlistRecord

    return {
        "hotlists": [
            {
                "list_id": r.list_id,
                "name": r.name,
                "priority": int(r.priority),
                "notify": r.notify,
                "version": int(r.version),
                "entries": int(r.entries),
                "importing": r.importing,
                "last_import": r.last_import,
            }
            for r in LprHotlistRecord.query(LISTS_PARTITION, consistent_read=True)
        ],
        "max_bytes": _max_bytes(),
    }


@router.post("/api/lpr/hotlists", middlewares=_SUPERVISORS, summary="Create a hotlist", tags=["lpr"])
def create_hotlist(body: HotlistIn) -> Response[dict]:
    with AuditedWrite(router, "lpr.hotlist.create", body.list_id) as entry:  # type: ignore[arg-type]
        entry.intend(detail=body.model_dump())
        _admin().create_list(body.list_id, body.name, body.priority, body.notify, datetime.now(UTC))
    return _created({"hotlist": {**body.model_dump(), "version": 0, "entries": 0}})


@router.post(
    "/api/lpr/hotlists/<list_id>/imports",
    middlewares=_SUPERVISORS,
    summary="Register a file import; the presigned form to upload it with",
    tags=["lpr"],
)
def new_import(list_id: _LIST, body: ImportIn) -> Response[dict]:
    with AuditedWrite(router, "lpr.import.create", list_id) as entry:  # type: ignore[arg-type]
        entry.intend(detail={"format": body.format, "bytes": body.bytes})
        record, form = _admin().new_upload(
            list_id, body.format, body.bytes, _max_bytes(), _me(), datetime.now(UTC)
        )
    return _created({"import_id": record.import_id, "upload": form, "import": import_out(record)})


@router.post(
    "/api/lpr/hotlists/imports/<import_id>/start",
    middlewares=_SUPERVISORS,
    summary="Run an uploaded import (queued)",
    tags=["lpr"],
)
def start_import(import_id: _IMPORT) -> Response[dict]:
    with AuditedWrite(router, "lpr.import.start", import_id) as entry:  # type: ignore[arg-type]
        entry.intend()
        record = _admin().start(import_id, datetime.now(UTC))
    return Response(202, content_types.APPLICATION_JSON, {"import": import_out(record)})


@router.get(
    "/api/lpr/hotlists/imports/<import_id>",
    middlewares=_OFFICERS,
    summary="An import's progress and outcome",
    tags=["lpr"],
)
def get_import(import_id: _IMPORT) -> dict:
    return {"import": import_out(_admin().get(import_id))}


@router.post(
    "/api/lpr/hotlists/<list_id>/entries",
    middlewares=_SUPERVISORS,
    summary="Enter a BOLO (full or partial plate)",
    tags=["lpr"],
)
def add_entry(list_id: _LIST, body: dict) -> Response[dict]:
    admin, now = _admin(), datetime.now(UTC)
    entry = admin.bolo(list_id, body, _me(), now)  # 4xx naming the field before anything is written
    with AuditedWrite(router, "lpr.hotlist.entry.add", list_id) as audit:  # type: ignore[arg-type]
        audit.intend(
            case_number=entry.case_number, detail={"reason": entry.reason, "priority": entry.priority}
        )
        record = admin.add_entry(entry, _me(), now)
    return _created({"entry": _entry_out(entry), "import": import_out(record)})


def _entry_out(entry) -> dict:
    from rtcc.lpr.keyed_index import entry_to_dict

    return entry_to_dict(entry)


@router.delete(
    "/api/lpr/hotlists/<list_id>/entries/<entry_id>",
    middlewares=_SUPERVISORS,
    summary="Withdraw an entry",
    tags=["lpr"],
)
def remove_entry(list_id: _LIST, entry_id: _ENTRY) -> dict:
    with AuditedWrite(router, "lpr.hotlist.entry.remove", list_id) as audit:  # type: ignore[arg-type]
        audit.intend()
        record = _admin().remove_entry(list_id, entry_id, _me(), datetime.now(UTC))
    return {"import": import_out(record)}
