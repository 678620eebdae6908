"""The audit log's write-once copy: every entry, as appended, in the Object Lock bucket.

The hourly anchor alone leaves the newest hour open: a function allowed to append could
overwrite an entry written since and recompute its hash. So the audit table's DynamoDB
stream delivers every INSERT to the `audit-archive` function (and only to it), which
writes each batch as one object, `entries/<chain>/<first:012d>-<last:012d>.jsonl` (one
entry per line, exactly as appended), under compliance-mode Object Lock. Only that
function's role may write there; no API or capability function can. A MODIFY or REMOVE
record on the table is tampering in itself: it is reported, never archived.

Verification (`rtcc.audit.verify_entries`) walks the chain and `copied_entries` side by
side. One object per batch keeps the copy of a million entries to some thousands of
GETs, not a million. Nothing here calls AWS: the bucket is behind `AnchorStore`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from rtcc.anchors import AnchorStore
from rtcc.audit import AuditEntry, CopyConflict

PREFIX = "entries/"
# Chains `AuditLog` is given (no "/", short enough for an S3 key, never "_malformed").
SAFE_CHAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
MAX_SEQ = 10**12 - 1  # the key's 12 digits
# Stream items append could not have written, kept raw as evidence (see archive_malformed).
MALFORMED_PREFIX = f"{PREFIX}_malformed/"
_KEY = re.compile(r"^entries/(?P<chain>[^/]+)/(?P<first>\d{12})-(?P<last>\d{12})\.jsonl$")


class CopyStore(AnchorStore, Protocol):
    def get(self, key: str) -> bytes: ...


def copy_key(chain: str, first: int, last: int) -> str:
    return f"{PREFIX}{chain}/{first:012d}-{last:012d}.jsonl"


def encode(entries: Iterable[AuditEntry]) -> bytes:
    return b"".join(json.dumps(e.as_dict(), sort_keys=True).encode() + b"\n" for e in entries)


def decode(body: bytes) -> Iterator[AuditEntry]:
    # One parse per object (the lines as one JSON array), not one per line: verification
    # decodes the whole copy, and per-line parsing was a third of its time.
    lines = [line for line in body.decode("utf-8").splitlines() if line.strip()]
    for fields in json.loads("[" + ",".join(lines) + "]"):
        yield AuditEntry(**fields)


def entry_from_image(image: dict[str, Any]) -> tuple[str, AuditEntry]:
    """(chain, entry) from a stream record's NewImage (DynamoDB's typed JSON). Raises
    Malformed for an item `AuditLog.append` could not have written."""
    try:
        chain, entry = _parse_image(image)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # JSONDecodeError is a ValueError
        raise Malformed(f"unreadable item: {type(exc).__name__}") from exc
    if not SAFE_CHAIN.match(chain):
        raise Malformed("chain name is not one append writes")
    if not 1 <= entry.seq <= MAX_SEQ:
        raise Malformed("seq out of range")
    return chain, entry


def _parse_image(image: dict[str, Any]) -> tuple[str, AuditEntry]:
    def text(name: str) -> str | None:
        value = image.get(name)
        found = value.get("S") if value else None
        if found is not None and not isinstance(found, str):
            raise TypeError(name)
        return found

    detail = json.loads(text("detail_json") or "{}")
    if not isinstance(detail, dict):
        raise TypeError("detail_json")
    entry = AuditEntry(
        seq=int(image["seq"]["N"]),
        at=text("at") or "",
        actor=text("actor") or "",
        role=text("role") or "",
        action=text("action") or "",
        target=text("target") or "",
        purpose=text("purpose"),
        case_number=text("case_number"),
        request_id=text("request_id"),
        detail=detail,
        prev_hash=text("prev_hash") or "",
        entry_hash=text("entry_hash") or "",
    )
    return text("chain") or "", entry


class Malformed(Exception):
    """A stream item `AuditLog.append` could not have written: tampering in itself."""


def archive_malformed(store: AnchorStore, record: dict[str, Any]) -> str:
    """Keep the raw stream record, as received, where verification never reads it:
    `entries/_malformed/<sha256>.json`, named by the hash of its canonical JSON (a
    redelivery writes the same key and content). Nothing in it is parsed, so nothing can
    fail but the upload; the chain name, any length, is only inside the body."""
    body = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str).encode()
    key = f"{MALFORMED_PREFIX}{hashlib.sha256(body).hexdigest()}.json"
    store.put(key, body)
    return key


def archive(store: AnchorStore, chain: str, entries: list[AuditEntry]) -> str:
    """Write one batch of a chain's new entries; returns the key. A redelivered batch
    writes the same entries again (identical content; readers skip repeats)."""
    entries = sorted(entries, key=lambda e: e.seq)
    key = copy_key(chain, entries[0].seq, entries[-1].seq)
    store.put(key, encode(entries))
    return key


def _ranges(store: AnchorStore, chain: str, after_seq: int) -> list[tuple[int, int, str]]:
    found = []
    for key in store.keys(f"{PREFIX}{chain}/"):
        match = _KEY.match(key)
        if match and match["chain"] == chain and int(match["last"]) > after_seq:
            found.append((int(match["first"]), int(match["last"]), key))
    return sorted(found)


def copied_entries(store: CopyStore, chain: str, after_seq: int = 0) -> Iterator[AuditEntry]:
    """The copy of every entry after `after_seq`, in seq order, each once. Where batches
    overlap (a redelivered batch) the first copy of a seq is yielded and the repeat is
    skipped: the stream delivers an INSERT's image unchanged, so repeats are identical.
    A repeat that differs (an object added beside the archiver's) raises CopyConflict."""
    last = after_seq
    recent: dict[int, AuditEntry] = {}  # yielded entries an object still to come may repeat
    for first, _last, key in _ranges(store, chain, after_seq):
        recent = {seq: entry for seq, entry in recent.items() if seq >= first}
        for entry in decode(store.get(key)):
            if entry.seq > last:
                last = entry.seq
                recent[entry.seq] = entry
                yield entry
            elif entry.seq in recent and recent[entry.seq] != entry:
                raise CopyConflict(entry.seq)
