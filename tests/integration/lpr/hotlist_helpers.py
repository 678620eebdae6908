"""Helpers of the hotlist integration tests: a list imported through the real pipeline
under lpr-import's deployed IAM, and reads to match."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from rtcc.local.iam.identity import acting_as
from rtcc.lpr.hotlist_import import run_import
from rtcc.lpr.hotlist_store_dynamodb import DynamoHotlistStore, DynamoImportLog
from rtcc.lpr.hotlists import ImportOptions
from rtcc.lpr.model import Candidate, Read

NOW = datetime.now(UTC)


def new_list(priority: int = 10, notify: str = "feed") -> str:
    list_id = "t" + uuid.uuid4().hex[:10]
    DynamoHotlistStore().create_list(list_id, f"Test {list_id}", priority, notify, NOW)
    return list_id


def import_file(
    list_id: str, data: bytes, fmt: str = "autovu", max_bytes: int = 10_000_000, **options
) -> dict:
    """Upload `data` and run the import as lpr-import does (its IAM enforced)."""
    import_id = uuid.uuid4().hex
    store, log = DynamoHotlistStore(), DynamoImportLog()
    log.create(import_id, list_id, fmt, "test", NOW)
    store.put_upload(import_id, data)
    opts = ImportOptions(list_id=list_id, max_bytes=max_bytes, wildcards=True, **options)
    with acting_as("lpr-import"):
        return run_import(
            store,
            log,
            import_id=import_id,
            list_id=list_id,
            fmt=fmt,
            options=opts,
            clock=lambda: datetime.now(UTC),
        )


def plate_read(plate: str, *others: str, state: str | None = None) -> Read:
    return Read(
        "src-test",
        uuid.uuid4().hex,
        plate,
        datetime.now(UTC),
        state=state,
        candidates=tuple(Candidate(p) for p in (plate, *others)),
        camera_id="cam-1",
    )
