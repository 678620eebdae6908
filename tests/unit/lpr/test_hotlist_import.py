"""rtcc.lpr.hotlist_import over in-memory ports: the lease taken and given back, progress
every PROGRESS_ROWS rows, a refused file changing nothing, the summary's rejected rows."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from rtcc.lpr.hotlist_import import PROGRESS_ROWS, ImportFailed, change_entries, run_import
from rtcc.lpr.hotlists import ImportOptions
from rtcc.lpr.model import HotlistEntry

NOW = datetime(2026, 12, 1, tzinfo=UTC)


class Store:
    def __init__(self, upload: bytes | None) -> None:
        self.upload, self.version, self.entries_by_version = upload, 0, {0: []}
        self.leased: str | None = None
        self.released = 0

    def lease(self, list_id: str, import_id: str, now: datetime) -> int:
        assert self.leased is None
        self.leased = import_id
        return self.version

    def release(self, list_id: str, import_id: str) -> None:
        self.leased, self.released = None, self.released + 1

    def entries(self, list_id: str, version: int):
        return iter(self.entries_by_version[version])

    def apply(self, list_id, change, previous, current, import_id, now) -> int:
        self.version = current + 1
        self.entries_by_version[self.version] = list(change.entries)
        self.leased = None
        return self.version

    def upload_size(self, import_id: str) -> int | None:
        return None if self.upload is None else len(self.upload)

    def open_upload(self, import_id: str):
        return io.BytesIO(self.upload or b"")


class Log:
    def __init__(self) -> None:
        self.events: list[tuple] = []

    def running(self, import_id, bytes_total, now) -> None:
        self.events.append(("running", bytes_total))

    def progress(self, import_id, bytes_read, now) -> None:
        self.events.append(("progress", bytes_read))

    def finish(self, import_id, summary, bytes_read, now) -> None:
        self.events.append(("done", bytes_read))

    def fail(self, import_id, error, now) -> None:
        self.events.append(("failed", error))


def go(store: Store, log: Log, max_bytes: int = 10**7) -> dict:
    options = ImportOptions(list_id="l", max_bytes=max_bytes)
    return run_import(
        store, log, import_id="i", list_id="l", fmt="autovu", options=options, clock=lambda: NOW
    )


def test_a_file_is_imported_with_progress_and_its_rejected_rows() -> None:
    rows = b"".join(f"K{n:05d};MA\n".encode() for n in range(2 * PROGRESS_ROWS + 10)) + b"BAD!;MA\n"
    store, log = Store(rows), Log()
    summary = go(store, log)
    assert (summary["version"], summary["added"], summary["rejected"]) == (1, 2 * PROGRESS_ROWS + 10, 1)
    assert summary["rejected_rows"] == [
        {"line": 2 * PROGRESS_ROWS + 11, "reason": summary["rejected_rows"][0]["reason"]}
    ]
    assert [e[0] for e in log.events] == ["running", "progress", "progress", "done"]
    assert log.events[-1] == ("done", len(rows)) and store.leased is None


@pytest.mark.parametrize(
    ("upload", "max_bytes", "why"),
    [
        (None, 10**7, "not uploaded"),
        (b"K00001;MA\n" * 50, 100, "limit"),
        (b"PK\x03\x04\x00\x00", 10**7, "binary"),
    ],
)
def test_a_refused_file_changes_nothing_and_frees_the_list(
    upload: bytes | None, max_bytes: int, why: str
) -> None:
    store, log = Store(upload), Log()
    with pytest.raises(ImportFailed, match=why):
        go(store, log, max_bytes)
    assert store.version == 0 and store.leased is None
    assert log.events[-1][0] == "failed" and why in log.events[-1][1]


def test_a_manual_change_is_an_import_of_the_edited_list() -> None:
    store, log = Store(None), Log()
    entry = HotlistEntry("l", "KMX*:", "KMX*", reason="bolo", case_number="1")
    summary = change_entries(
        store, log, import_id="b", list_id="l", edit=lambda old: [*old.values(), entry], clock=lambda: NOW
    )
    assert (summary["version"], summary["added"]) == (1, 1) and store.entries_by_version[1] == [entry]
