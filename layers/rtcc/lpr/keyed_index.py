"""The keyed hotlist index, as values: how a list version's entries sit in key items, and
what an import rewrites. Pure (no AWS); rtcc.lpr.keyed_hotlists reads these items and
rtcc.lpr.hotlist_store_dynamodb writes them.

A key item (`LprHotlistKeyRecord`, "<list_id>#<probe key>": rtcc.lpr.probe_keys) holds the
entries filed under that key, each as a record {"entry", "from", "until"}: the entry is in
every version v with from <= v < until (until None: still listed). An import to version
v+1 adds records from v+1 and closes removed ones at until = v+1, so readers of the head's
version v see exactly version v while the import writes, and version v+1 once the head
switches (the issue's atomic switch-over). Records dead at the head's version are dropped
when their key is next written (no reader asks for a version below the head's); the keys an
import touched are cleaned by the next one, so a key left with only dead records goes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rtcc.lpr.hotlists.diff import ImportDiff
from rtcc.lpr.model import HotlistEntry
from rtcc.lpr.probe_keys import FULL, file_key, key_text


def entry_to_dict(entry: HotlistEntry) -> dict[str, Any]:
    data: dict[str, Any] = {"list_id": entry.list_id, "entry_id": entry.entry_id, "plate": entry.plate}
    for name in ("state", "reason", "case_number", "entered_by"):
        value = getattr(entry, name)
        if value:
            data[name] = value
    data["priority"] = entry.priority
    if entry.expires_at is not None:
        data["expires_at"] = entry.expires_at.isoformat()
    if entry.attributes:
        data["attributes"] = dict(entry.attributes)
    return data


def entry_from_dict(data: Mapping[str, Any]) -> HotlistEntry:
    expires = data.get("expires_at")
    return HotlistEntry(
        list_id=data["list_id"],
        entry_id=data["entry_id"],
        plate=data["plate"],
        state=data.get("state"),
        reason=data.get("reason", ""),
        case_number=data.get("case_number"),
        priority=int(data.get("priority", 50)),
        expires_at=datetime.fromisoformat(expires) if expires else None,
        entered_by=data.get("entered_by"),
        attributes=dict(data.get("attributes") or {}),
    )


def item_key(list_id: str, probe_key: str) -> str:
    return f"{list_id}#{probe_key}"


def entry_item_key(entry: HotlistEntry) -> tuple[str, str | None]:
    """(item key, shape of a partial plate or None for a full one) an entry is filed under."""
    shape, slot = file_key(entry.plate)
    return item_key(entry.list_id, key_text(shape, slot)), None if shape == FULL else shape


def is_live(record: Mapping[str, Any], version: int) -> bool:
    until = record.get("until")
    return record["from"] <= version and (until is None or version < until)


def live_entries(records_json: str, version: int) -> list[HotlistEntry]:
    """The entries of one key item that belong to `version`."""
    return [entry_from_dict(r["entry"]) for r in json.loads(records_json) if is_live(r, version)]


def shapes_of(entries: Iterable[HotlistEntry]) -> list[str]:
    """The probe shapes a version's partial plates use (the list head records them)."""
    return sorted({shape for entry in entries if (shape := entry_item_key(entry)[1]) is not None})


@dataclass
class KeyChange:
    """What one import does to one key item: entry ids to close, entries to add."""

    close: set[str] = field(default_factory=set)
    add: list[HotlistEntry] = field(default_factory=list)


def key_changes(change: ImportDiff, previous: Mapping[str, HotlistEntry]) -> dict[str, KeyChange]:
    """Item key -> its change, for only the keys the diff touches (`previous`: the old
    version by entry id, for where a changed or removed entry was filed)."""
    touched: dict[str, KeyChange] = {}
    for entry in change.removed:
        touched.setdefault(entry_item_key(entry)[0], KeyChange()).close.add(entry.entry_id)
    for entry in change.changed:
        old = previous[entry.entry_id]
        touched.setdefault(entry_item_key(old)[0], KeyChange()).close.add(entry.entry_id)
        touched.setdefault(entry_item_key(entry)[0], KeyChange()).add.append(entry)
    for entry in change.added:
        touched.setdefault(entry_item_key(entry)[0], KeyChange()).add.append(entry)
    return touched


def rewrite(records_json: str | None, change: KeyChange, current: int) -> list[dict[str, Any]]:
    """A key item's records after an import from version `current` to current + 1. First
    what no reader of `current` sees is settled: records dead at `current` are dropped, and
    an abandoned attempt's work is undone (a record begun after `current` dropped, one ended
    after it reopened: the head never reached that version). Then the closed entries end at
    current + 1 and the added ones begin there. An empty answer: delete the item."""
    new = current + 1
    kept: list[dict[str, Any]] = []
    for record in json.loads(records_json) if records_json else []:
        until = record.get("until")
        if record["from"] > current or (until is not None and until <= current):
            continue
        if until is not None or record["entry"]["entry_id"] in change.close:
            record = {**record, "until": new if record["entry"]["entry_id"] in change.close else None}
        kept.append(record)
    kept.extend({"entry": entry_to_dict(e), "from": new, "until": None} for e in change.add)
    return kept


def clean(records_json: str | None, current: int) -> list[dict[str, Any]]:
    """A key item with what no reader of `current` sees dropped or undone (rewrite with no
    change): the next import's cleanup of the keys the previous one left dead records in."""
    return rewrite(records_json, KeyChange(), current)
