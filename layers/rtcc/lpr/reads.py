"""Reads in: a request body (one read, or a batch of up to 500) into an outcome.

`parse_reads(body, ...)` answers a `BatchOutcome`: the reads accepted, the heartbeats, and
every refusal with the item's index, the field and the reason, so one bad read never costs
the rest of a batch (the issue's "the rest of a batch is still stored and the answer lists
what was refused"). What makes the whole body unreadable is a `ReadPayloadError` naming the
problem: over the byte limit (checked before anything is decoded; `read_body` stops reading
a stream at the limit), not UTF-8, malformed JSON, nested too deep, neither an object nor an
array, an empty array, more than 500 items, or more than 500 reads and camera heartbeats
in all (an item can carry several).

Accepted shapes and their rules live in rtcc.lpr.read_shapes (normalising) and
rtcc.lpr.read_checks (the rules every read obeys). Nothing of a payload is kept beyond the
`Read` fields: vehicle make, crops and images stay with the vendor.

Duplicates: a read whose (source, read id) already came earlier in the same batch is stored
once; its item index is listed in `duplicates`, not refused (a vendor re-sending is not an
error, and storage de-duplicates across deliveries the same way).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from pydantic import ValidationError

from rtcc.errors import DomainError
from rtcc.lpr.model import Heartbeat, Read
from rtcc.lpr.read_checks import DEFAULT_FUTURE_SKEW, FieldProblem, ReadWindow, check_read, check_time
from rtcc.lpr.read_shapes import problems_of, shape_item

#: Under Lambda's 6 MB synchronous payload; OpenALPR webhooks carry base64 crops, so a
#: batch of vendor payloads is large long before it is long.
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_BATCH = 500


class ReadPayloadError(DomainError):
    """The body as a whole cannot be read; nothing in it is stored."""

    status = 400


class ReadPayloadTooLarge(ReadPayloadError):
    status = 413


@dataclass(frozen=True)
class Refusal:
    index: int  # the item's position in the batch (0 for a single read)
    field: str  # the payload's field ("best_plate_number", "results[1].plate", "item")
    reason: str


@dataclass(frozen=True)
class BatchOutcome:
    accepted: list[Read] = field(default_factory=list)
    # The item index of each accepted read, in the same order: a later check (the ingest's
    # registered readers) refuses a read by its item, as the parser does.
    indexes: list[int] = field(default_factory=list)
    heartbeats: list[Heartbeat] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)  # item indexes already in the batch


@dataclass(frozen=True)
class BatchLimits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_items: int = MAX_BATCH
    future_skew: timedelta = DEFAULT_FUTURE_SKEW


def read_body(stream: BinaryIO, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """At most `max_bytes` of a stream: one byte more refuses it, unread beyond that."""
    body = stream.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise ReadPayloadTooLarge(f"over {max_bytes} bytes", field="body")
    return body


def _items(body: bytes, limits: BatchLimits) -> list[Any]:
    if len(body) > limits.max_bytes:
        raise ReadPayloadTooLarge(f"over {limits.max_bytes} bytes", field="body")
    try:
        # utf-8-sig: a byte-order mark is dropped (OpenALPR's own test webhook starts with one).
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReadPayloadError(f"not UTF-8 (byte {error.start})", field="body") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReadPayloadError(
            f"malformed JSON at line {error.lineno} column {error.colno}: {error.msg}", field="body"
        ) from None
    except RecursionError:
        raise ReadPayloadError("JSON nested too deeply", field="body") from None
    except ValueError:
        # An integer literal of more than 4,300 digits (Python's int conversion limit): not
        # malformed JSON to the decoder, but no field holds such a number; 400, not a 503
        # the vendor would resend for ever.
        raise ReadPayloadError("a number too long to be a value of any field", field="body") from None
    if isinstance(document, dict):
        return [document]
    if not isinstance(document, list):
        raise ReadPayloadError(
            "a JSON object (one read) or an array of objects (a batch) is required, "
            f"not {type(document).__name__}",
            field="body",
        )
    if not document:
        raise ReadPayloadError("an empty batch", field="body")
    if len(document) > limits.max_items:
        raise ReadPayloadError(
            f"a batch holds at most {limits.max_items} items ({len(document)} sent)", field="body"
        )
    return document


class _Collector:
    def __init__(self, source_id: str, window: ReadWindow, max_records: int) -> None:
        self.source_id, self.window, self.max_records = source_id, window, max_records
        self.outcome = BatchOutcome()
        self._seen: set[str] = set()
        self._records = 0

    def _count(self, index: int, shaped: Any) -> None:
        # An item can carry several reads (alpr_results: 20) or camera heartbeats (64): 500
        # items would be 10,000 reads, each written under 5+ index keys and matched by key,
        # past the function's time, answered 503 and resent whole forever. The limit is on
        # what is stored, not on items.
        self._records += len(shaped.reads) + len(shaped.heartbeats)
        if self._records > self.max_records:
            raise ReadPayloadError(
                f"a batch holds at most {self.max_records} reads and camera heartbeats "
                f"(over it at item {index})",
                field="body",
            )

    def refuse(self, index: int, problems: list[FieldProblem]) -> None:
        self.outcome.refused.extend(Refusal(index, p.field, p.reason) for p in problems)

    def add_item(self, index: int, item: Any) -> None:
        if not isinstance(item, dict):
            self.refuse(
                index, [FieldProblem("item", f"a JSON object is required, not {type(item).__name__}")]
            )
            return
        try:
            shaped = shape_item(item, self.source_id)
        except ValidationError as error:
            self.refuse(index, problems_of(error))
            return
        except FieldProblem as problem:
            self.refuse(index, [problem])
            return
        self._count(index, shaped)
        for entry in shaped.reads:
            self._add_read(index, entry)
        self._add_heartbeats(index, shaped.heartbeats)

    def _add_read(self, index: int, entry: tuple[Read, Any] | FieldProblem) -> None:
        if isinstance(entry, FieldProblem):
            self.refuse(index, [entry])
            return
        read, names = entry
        try:
            check_read(read, self.window, names)
        except FieldProblem as problem:
            self.refuse(index, [problem])
            return
        if read.read_id in self._seen:
            self.outcome.duplicates.append(index)
            return
        self._seen.add(read.read_id)
        self.outcome.accepted.append(read)
        self.outcome.indexes.append(index)

    def _add_heartbeats(self, index: int, beats: list[Heartbeat]) -> None:
        for beat in beats:
            try:
                check_time("timestamp", beat.at, self.window)
            except FieldProblem as problem:
                self.refuse(index, [problem])
                return
            self.outcome.heartbeats.append(beat)


def parse_reads(
    body: bytes,
    *,
    source_id: str,
    now: datetime,
    retention: timedelta,
    limits: BatchLimits = BatchLimits(),
) -> BatchOutcome:
    """The reads of a request body posted by the authenticated `source_id` (reads are
    attributed to it, whatever the payload says). Raises ReadPayloadError when the body
    as a whole cannot be read; refuses item by item otherwise."""
    collector = _Collector(source_id, ReadWindow(now, retention, limits.future_skew), limits.max_items)
    for index, item in enumerate(_items(body, limits)):
        collector.add_item(index, item)
    return collector.outcome
