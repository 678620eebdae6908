"""Running a search plan (rtcc.lpr.search.plan) on the lpr-reads table: one key Query per
lookup, the sort key bounded by the plan's `seen_at` range, never a scan.

What a lookup returns is narrowed by `SearchPlan.admits` (a day bucket, a cell or a prefix
holds more than was asked) and by retention twice over: an item past its TTL (DynamoDB deletes
lazily) and a read past the retention in force are dropped, so an expired read is never
returned. A read is found under several keys (plate and OCR key, each candidate): it is
returned once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rtcc.lpr.model import Read
from rtcc.lpr.read_codec import ReadCodecError, read_from_json
from rtcc.lpr.reads_dynamodb import sort_time  # the writer's own format: the range cannot drift
from rtcc.lpr.retention import NoHolds, RetentionPolicy, is_live
from rtcc.lpr.search import SearchPlan
from rtcc.store.base import is_expired
from rtcc.store.lpr_reads import LprReadRecord, index_partition

#: The most reads one search answers; `truncated` says there were more.
MAX_RESULTS = 1000
#: The most index items one search reads before narrowing them: a reader's 31 days with a
#: plate pattern few of its reads match (a busy reader holds a million) would run on past the
#: api's timeout, its Queries billed to the city; `truncated` then says to narrow the search.
MAX_EXAMINED = 20_000


def run(plan: SearchPlan, retention: RetentionPolicy, now: datetime) -> tuple[list[Read], bool]:
    """The reads the plan finds, oldest first, and whether more than MAX_RESULTS matched (or
    more than MAX_EXAMINED items were read: the search stopped short)."""
    found: dict[tuple[str, str], Read] = {}
    low, high = sort_time(plan.start), sort_time(plan.end)  # "<time>#..." >= low; < high: before end
    holds = NoHolds()  # a case keeps its hits (lpr-hits), not the reads themselves
    examined = 0
    for lookup in plan.lookups:
        records = LprReadRecord.query(
            index_partition(lookup.index, lookup.key), LprReadRecord.sk.between(low, high), page_size=200
        )
        for record in records:
            examined += 1
            if examined > MAX_EXAMINED:
                return _ordered(found)[:MAX_RESULTS], True
            if is_expired(record, now):
                continue
            try:
                read = read_from_json(record.read)
            except ReadCodecError:
                continue  # not a read this codec wrote: never shown, never quoted
            if plan.admits(read) and is_live(read, now, retention, holds):
                found.setdefault((read.source_id, read.read_id), read)
            if len(found) > MAX_RESULTS:
                return _ordered(found)[:MAX_RESULTS], True
    return _ordered(found), False


def _ordered(found: dict[tuple[str, str], Read]) -> list[Read]:
    return sorted(found.values(), key=lambda r: (r.seen_at, r.source_id, r.read_id))


def read_view(read: Read) -> dict[str, Any]:
    return {
        "source_id": read.source_id,
        "read_id": read.read_id,
        "plate": read.plate,
        "state": read.state,
        "seen_at": read.seen_at.astimezone(UTC).isoformat(),
        "camera_id": read.camera_id,
        "lat": read.lat,
        "lon": read.lon,
        "confidence": read.confidence,
    }
