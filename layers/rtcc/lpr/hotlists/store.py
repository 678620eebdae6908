"""Where a list's current version lives: the port a DynamoDB adapter implements later,
and an in-memory implementation for tests and the benchmark.

`import_hotlist` is the whole import: parse stream -> diff against the stored version ->
`apply`. An adapter must make `apply` atomic for readers (write the new version's rows
under a new version number, then flip the list's pointer to it), so a read matched during
an import sees the old version or the new one, never a mix.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Protocol

from rtcc.lpr.hotlists.diff import ImportDiff, diff
from rtcc.lpr.hotlists.rows import RejectedRow
from rtcc.lpr.model import HotlistEntry


class HotlistStore(Protocol):
    def entries(self, list_id: str) -> Iterator[HotlistEntry]:
        """The list's current version (nothing for a new list)."""
        ...

    def version(self, list_id: str) -> int:
        """0 for a list never imported; each apply adds 1."""
        ...

    def apply(self, list_id: str, change: ImportDiff, *, expected_version: int) -> int:
        """Make change.entries the list's version atomically; raises ConcurrentImport when
        another import applied first (its diff was against an older version)."""
        ...


class ConcurrentImport(RuntimeError):
    """Another import of the same list finished first: diff again and retry."""


class InMemoryHotlistStore:
    def __init__(self) -> None:
        self._lists: dict[str, tuple[int, tuple[HotlistEntry, ...]]] = {}
        self._lock = threading.Lock()

    def entries(self, list_id: str) -> Iterator[HotlistEntry]:
        return iter(self._lists.get(list_id, (0, ()))[1])

    def version(self, list_id: str) -> int:
        return self._lists.get(list_id, (0, ()))[0]

    def apply(self, list_id: str, change: ImportDiff, *, expected_version: int) -> int:
        with self._lock:
            current = self.version(list_id)
            if current != expected_version:
                raise ConcurrentImport(
                    f"{list_id}: version {current}, the diff was against {expected_version}"
                )
            # One assignment: a reader holding the old tuple keeps it whole.
            self._lists[list_id] = (current + 1, change.entries)
            return current + 1


def import_hotlist(
    store: HotlistStore, list_id: str, parsed: Iterable[HotlistEntry | RejectedRow]
) -> ImportDiff:
    """Diff a parsed upload against the stored version and switch over to it."""
    expected = store.version(list_id)
    change = diff(store.entries(list_id), parsed)
    store.apply(list_id, change, expected_version=expected)
    return change
