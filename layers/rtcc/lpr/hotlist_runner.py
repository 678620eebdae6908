"""Running one registered import (lpr-import's message, or `rtcc lpr import` in process):
the import record says which list and format; the list's head gives the entries'
priority and default reason; the settings give the size limit."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from rtcc.lpr.hotlist_admin import bolo_edit
from rtcc.lpr.hotlist_import import ImportLog, change_entries, run_import
from rtcc.lpr.hotlist_store_dynamodb import DynamoHotlistStore, DynamoImportLog, ImportBusy
from rtcc.lpr.hotlists import ImportOptions

#: A BOLO edit waits up to BOLO_WAITS x BOLO_WAIT_S seconds for a running import of its list.
BOLO_WAITS, BOLO_WAIT_S = 30, 2.0


def run_queued(import_id: str, clock: Callable[[], datetime], log: ImportLog | None = None) -> str:
    """ "done", or "skipped" for an import already finished (a second delivery);
    ImportFailed for a refused file; ImportBusy while the list is held."""
    from rtcc.lpr.settings import lpr_settings

    store, records = DynamoHotlistStore(), DynamoImportLog()
    log = log or records
    record = records.get(import_id)
    if record is None or record.state in ("done", "failed"):
        return "skipped"
    list_id = record.list_id
    if record.format == "bolo":
        edit = bolo_edit(store.open_upload(import_id).read())
        for attempt in range(BOLO_WAITS + 1):
            try:
                change_entries(store, log, import_id=import_id, list_id=list_id, edit=edit, clock=clock)
                store.drop_upload(import_id)
                return "done"
            except ImportBusy:
                # A file import holds the list: a BOLO should not wait out the queue's
                # 16-minute visibility timeout when the file is seconds from done.
                if attempt == BOLO_WAITS:
                    raise
                time.sleep(BOLO_WAIT_S)
    head = store.head(list_id)
    options = ImportOptions(
        list_id=list_id,
        max_bytes=lpr_settings().max_hotlist_bytes,
        priority=int(head.priority),
        reason=head.name,
        wildcards=True,  # an AutoVu wildcard list; NCIC refuses them itself
    )
    run_import(
        store, log, import_id=import_id, list_id=list_id, fmt=record.format, options=options, clock=clock
    )
    store.drop_upload(import_id)
    return "done"


def give_up(import_id: str, reason: str, clock: Callable[[], datetime]) -> None:
    """Record an import as failed after its last delivery failed (no row content in `reason`).
    The list's lease is left to expire: the failed attempt may still hold it."""
    DynamoImportLog().fail(import_id, reason, clock())
