"""An import as a diff against the list's previous version, by entry id.

`diff` reads the new version as a stream (a parser's entries and rejections) and keeps the
previous version's entries by id, so the work is one dict lookup per row. The answer holds
the whole new version (unchanged + changed + added) for the atomic switch-over, and the
rejected rows for the uploader: never silently dropped. The new version is what the file
says readably: a previous entry whose row is now rejected shows in `removed` (a rejected
row has no trustworthy id to keep the old one by), so the console shows both before the
switch-over.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rtcc.lpr.hotlists.rows import RejectedRow
from rtcc.lpr.model import HotlistEntry


@dataclass(frozen=True)
class ImportDiff:
    added: tuple[HotlistEntry, ...]
    removed: tuple[HotlistEntry, ...]
    unchanged: tuple[HotlistEntry, ...]
    changed: tuple[HotlistEntry, ...]  # same id, other fields (reason, expiry ...) differ: the new entry
    rejected: tuple[RejectedRow, ...]

    @property
    def entries(self) -> tuple[HotlistEntry, ...]:
        """The new version, whole."""
        return self.unchanged + self.changed + self.added

    def counts(self) -> dict[str, int]:
        return {
            name: len(getattr(self, name))
            for name in ("added", "removed", "unchanged", "changed", "rejected")
        }


def _same(a: HotlistEntry, b: HotlistEntry) -> bool:
    # HotlistEntry leaves attributes out of ==; an edited colour or make is still a change.
    return a == b and a.attributes == b.attributes


def diff(previous: Iterable[HotlistEntry], new: Iterable[HotlistEntry | RejectedRow]) -> ImportDiff:
    before = {entry.entry_id: entry for entry in previous}
    added, unchanged, changed, rejected = [], [], [], []
    for item in new:
        if isinstance(item, RejectedRow):
            rejected.append(item)
            continue
        old = before.pop(item.entry_id, None)
        if old is None:
            added.append(item)
        else:
            (unchanged if _same(old, item) else changed).append(item)
    return ImportDiff(
        added=tuple(added),
        removed=tuple(before.values()),
        unchanged=tuple(unchanged),
        changed=tuple(changed),
        rejected=tuple(rejected),
    )
