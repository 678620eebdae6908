"""What the hotlist routes and `rtcc lpr import` do before an import runs: lists created,
imports registered with their upload form, started (queued once), BOLO entries validated
and handed to the import pipeline as a one-entry change. The import itself is
rtcc.lpr.hotlist_import, run by lpr-import (or the CLI) with the list's lease.

A BOLO change is an import too (format "bolo"): its edit waits as JSON in the upload area,
so the console's request stays small and the one writer of a list's keys is the import
holding its lease.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from rtcc.errors import Conflict, DomainError, Invalid, NotFound
from rtcc.lpr.hotlist_store_dynamodb import DynamoHotlistStore, DynamoImportLog, ListExists, UnknownList
from rtcc.lpr.hotlists import RowError, bolo_entry
from rtcc.lpr.keyed_index import entry_from_dict, entry_to_dict
from rtcc.lpr.model import HotlistEntry
from rtcc.store.lpr_hotlists import LprImportRecord


class TooLarge(DomainError):
    status = 413


def new_import_id() -> str:
    return "imp-" + uuid.uuid4().hex


def import_out(record: LprImportRecord) -> dict[str, Any]:
    return {
        "import_id": record.import_id,
        "list_id": record.list_id,
        "format": record.format,
        "state": record.state,
        "bytes_total": int(record.bytes_total or 0),
        "bytes_read": int(record.bytes_read or 0),
        "summary": json.loads(record.summary) if record.summary else None,
        "error": record.error,
        "created_by": record.created_by,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


class HotlistAdmin:
    def __init__(self, store: DynamoHotlistStore, log: DynamoImportLog, queue: Callable[[str], None]) -> None:
        self.store, self.log, self.queue = store, log, queue

    def create_list(self, list_id: str, name: str, priority: int, notify: str, now: datetime) -> None:
        try:
            self.store.create_list(list_id, name, priority, notify, now)
        except ListExists:
            raise Conflict("a list with this id exists", field="list_id") from None

    def _known(self, list_id: str) -> None:
        try:
            self.store.head(list_id)
        except UnknownList:
            raise NotFound("no such hotlist", field="list_id") from None

    def new_upload(
        self, list_id: str, fmt: str, size: int, max_bytes: int, by: str, now: datetime
    ) -> tuple[LprImportRecord, dict[str, Any]]:
        """An import waiting for its file, and the presigned POST the file goes up with
        (S3 itself refuses a body over `max_bytes`)."""
        if size > max_bytes:
            raise TooLarge(f"the file is over the {max_bytes:,}-byte limit", field="bytes")
        self._known(list_id)
        import_id = new_import_id()
        record = self.log.create(import_id, list_id, fmt, by, now)
        return record, self.store.upload_form(import_id, max_bytes)

    def get(self, import_id: str) -> LprImportRecord:
        record = self.log.get(import_id)
        if record is None:
            raise NotFound("no such import", field="import_id")
        return record

    def start(self, import_id: str, now: datetime) -> LprImportRecord:
        """Queue a waiting import, once (a second start is a 409)."""
        self.get(import_id)
        if not self.log.claim(import_id, now):
            raise Conflict("the import was already started", field="import_id")
        self.queue(import_id)
        return self.get(import_id)

    def bolo(self, list_id: str, data: dict[str, Any], by: str, now: datetime) -> HotlistEntry:
        """A manual BOLO entry checked (Invalid naming the field); `by` enters it."""
        self._known(list_id)
        if "entered_by" in data:
            raise Invalid("set from the signed-in user", field="entered_by")
        try:
            return bolo_entry({**data, "entered_by": by}, list_id=list_id, now=now)
        except RowError as error:
            field, _, problem = str(error).partition(": ")
            raise Invalid(problem or str(error), field=field if problem else None) from None

    def add_entry(self, entry: HotlistEntry, by: str, now: datetime) -> LprImportRecord:
        """Queue the entry's import (lpr-import adds it to the list's next version)."""
        return self._edit(entry.list_id, {"op": "add", "entry": entry_to_dict(entry)}, by, now)

    def remove_entry(self, list_id: str, entry_id: str, by: str, now: datetime) -> LprImportRecord:
        self._known(list_id)
        return self._edit(list_id, {"op": "remove", "entry_id": entry_id}, by, now)

    def _edit(self, list_id: str, edit: dict[str, Any], by: str, now: datetime) -> LprImportRecord:
        import_id = new_import_id()
        self.log.create(import_id, list_id, "bolo", by, now)
        self.store.put_upload(import_id, json.dumps(edit).encode())
        return self.start(import_id, now)


def bolo_edit(raw: bytes) -> Callable[[dict[str, HotlistEntry]], list[HotlistEntry]]:
    """The edit a "bolo" import applies to the list's current entries (by id)."""
    edit = json.loads(raw)

    def apply(entries: dict[str, HotlistEntry]) -> list[HotlistEntry]:
        if edit["op"] == "add":
            entry = entry_from_dict(edit["entry"])
            entries[entry.entry_id] = entry
        else:
            entries.pop(edit["entry_id"], None)
        return list(entries.values())

    return apply
