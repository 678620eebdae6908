"""A hotlist import, start to switch-over: the file as uploaded streamed through its
parser (rtcc.lpr.hotlists), diffed against the list's current version, the keyed index
written for just the keys the diff touches, then the list switched over.

Free of AWS calls: `HotlistImportStore` (the head's lease and switch, the versions, the
upload) and `ImportLog` (progress and outcome) are ports; rtcc.lpr.hotlist_store_dynamodb
implements them for functions/lpr_import.py and `rtcc lpr import`.

One import per list at a time (the head's lease: a second gets ImportBusy and is retried by
its queue). A file over the size limit, or whose whole layout is wrong, fails the import
with the reason and changes nothing; bad rows are rejected with line number and reason and
the rest imported. Progress (bytes read of the upload) is written every PROGRESS_ROWS rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, BinaryIO, Protocol

from rtcc.lpr.hotlists import PARSERS, HotlistFormatError, HotlistTooLarge, ImportOptions, RejectedRow, diff
from rtcc.lpr.hotlists.diff import ImportDiff
from rtcc.lpr.model import HotlistEntry

PROGRESS_ROWS = 5000
#: The rejected rows an import's summary lists (the count covers them all).
MAX_REJECTED_LISTED = 1000


class HotlistImportStore(Protocol):
    def lease(self, list_id: str, import_id: str, now: datetime) -> int: ...
    def release(self, list_id: str, import_id: str) -> None: ...
    def entries(self, list_id: str, version: int) -> Iterator[HotlistEntry]: ...
    def apply(
        self,
        list_id: str,
        change: ImportDiff,
        previous: dict[str, HotlistEntry],
        current: int,
        import_id: str,
        now: datetime,
    ) -> int: ...
    def upload_size(self, import_id: str) -> int | None: ...
    def open_upload(self, import_id: str) -> BinaryIO: ...


class ImportLog(Protocol):
    def running(self, import_id: str, bytes_total: int, now: datetime) -> None: ...
    def progress(self, import_id: str, bytes_read: int, now: datetime) -> None: ...
    def finish(self, import_id: str, summary: dict[str, Any], bytes_read: int, now: datetime) -> None: ...
    def fail(self, import_id: str, error: str, now: datetime) -> None: ...


class ImportFailed(ValueError):
    """The file as a whole cannot be imported (too large, wrong layout, missing): the reason
    is recorded on the import and nothing changed."""


class _Counted:
    """The upload's byte stream, counting what the parser has read (the progress bar)."""

    def __init__(self, body: BinaryIO) -> None:
        self._body, self.read_bytes = body, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._body.read(size)
        self.read_bytes += len(chunk)
        return chunk


def summary_of(change: ImportDiff, version: int) -> dict[str, Any]:
    counts = change.counts()
    return {
        "version": version,
        **{name: counts[name] for name in ("added", "removed", "unchanged", "changed")},
        "rejected": counts["rejected"],
        "rejected_rows": [
            {"line": r.line, "reason": r.reason} for r in change.rejected[:MAX_REJECTED_LISTED]
        ],
    }


def _with_progress(
    rows: Iterable[HotlistEntry | RejectedRow], every: Callable[[], None]
) -> Iterator[HotlistEntry | RejectedRow]:
    for n, row in enumerate(rows, start=1):
        if n % PROGRESS_ROWS == 0:
            every()
        yield row


def run_import(
    store: HotlistImportStore,
    log: ImportLog,
    *,
    import_id: str,
    list_id: str,
    fmt: str,
    options: ImportOptions,
    clock: Callable[[], datetime],
) -> dict[str, Any]:
    """Import the uploaded file `import_id` into `list_id`; the summary. Raises ImportBusy
    (the store's) while another import holds the list, ImportFailed for a refused file."""
    parser = PARSERS.get(fmt)
    size = store.upload_size(import_id)
    if parser is None or size is None or size > options.max_bytes:
        reason = (
            f"format: one of {sorted(PARSERS)}"
            if parser is None
            else "the file was not uploaded"
            if size is None
            else f"hotlist file is over the {options.max_bytes:,}-byte limit: refused, nothing imported"
        )
        log.fail(import_id, reason, clock())
        raise ImportFailed(reason)
    current = store.lease(list_id, import_id, clock())
    try:
        log.running(import_id, size, clock())
        body = _Counted(store.open_upload(import_id))
        rows = _with_progress(
            parser(body, options), lambda: log.progress(import_id, body.read_bytes, clock())
        )
        previous = {entry.entry_id: entry for entry in store.entries(list_id, current)}
        change = diff(previous.values(), rows)
        version = store.apply(list_id, change, previous, current, import_id, clock())
    except (HotlistTooLarge, HotlistFormatError) as error:
        store.release(list_id, import_id)
        log.fail(import_id, str(error), clock())
        raise ImportFailed(str(error)) from None
    except BaseException:
        store.release(list_id, import_id)
        raise
    summary = summary_of(change, version)
    log.finish(import_id, summary, body.read_bytes, clock())
    return summary


def change_entries(
    store: HotlistImportStore,
    log: ImportLog,
    *,
    import_id: str,
    list_id: str,
    edit: Callable[[dict[str, HotlistEntry]], Iterable[HotlistEntry]],
    clock: Callable[[], datetime],
) -> dict[str, Any]:
    """A manual change (a BOLO entered or withdrawn) as an import: `edit` gets the current
    entries by id and answers the new version's entries; the same diff and switch-over."""
    current = store.lease(list_id, import_id, clock())
    try:
        log.running(import_id, 0, clock())
        previous = {entry.entry_id: entry for entry in store.entries(list_id, current)}
        change = diff(previous.values(), list(edit(dict(previous))))
        version = store.apply(list_id, change, previous, current, import_id, clock())
    except BaseException:
        store.release(list_id, import_id)
        raise
    summary = summary_of(change, version)
    log.finish(import_id, summary, 0, clock())
    return summary
