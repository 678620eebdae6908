"""The readers' door: a request of POST /ingest/lpr/reads in, stored reads and hits out.

`ReadIngest.receive(headers, body)` runs the steps in this order, each on key operations:
1. the size limit (413), before anything else reads the body;
2. authentication (`SourceGate`): the claimed source by key, its bearer digest or its HMAC
   key (opened by KMS, kept in memory per sealed value) compared in constant time: 401 for
   anything unproven, 403 for a disabled or revoked source;
3. parsing (rtcc.lpr.reads.parse_reads): one bad item is refused by index, the rest go on;
4. the source's registered readers (one BatchGetItem): a read from a camera that is not one
   is refused naming its camera field; a fixed reader's position fills a read without one;
5. de-duplication: the reads whose own item exists (one BatchGetItem) are duplicates;
6. the new reads' search index items, then matching (the hotlists port) and the hits
   recorded (the hits port), THEN each read's own item. The own item is the mark that a
   read was stored and matched: a delivery that fails midway is redelivered by the vendor
   and redone whole (index items are rewritten identically; hits fold), never half-skipped;
7. the readers' last read and heartbeat times (forward only), and the transparency count.

Nothing of a refused request is stored. No plate and no secret is logged: only counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from rtcc.errors import DomainError
from rtcc.lpr import sources as rules
from rtcc.lpr.model import Heartbeat, Hit, Read
from rtcc.lpr.reads import BatchLimits, BatchOutcome, ReadPayloadTooLarge, Refusal, parse_reads
from rtcc.lpr.retention import RetentionPolicy, ttl_epoch
from rtcc.lpr.source_admin import SecretSealer, SourceStore
from rtcc.lpr.sources import AuthKind, BearerClaim, Reader, ReaderKind, Source


class ReadStore(Protocol):
    def stored(self, reads: Sequence[Read]) -> set[tuple[str, str]]: ...
    def put_index(self, reads: Iterable[tuple[Read, int]]) -> None: ...
    def put_reads(self, reads: Iterable[tuple[Read, int]]) -> None: ...


class Matcher(Protocol):
    """rtcc.lpr.keyed_hotlists.KeyedHotlists: each read's hits, by key (no scan)."""

    def match_many(self, reads: Sequence[Read], now: datetime) -> list[list[Hit]]: ...


class HitSink(Protocol):
    """rtcc.lpr.hit_record.HitRecorder: fold, store, publish; the new or folded hits."""

    def record(self, hits: list[Hit], now: datetime) -> list[dict]: ...


class ReadCounter(Protocol):
    """rtcc.lpr.counts_dynamodb.DynamoCounts: the transparency report's monthly read count."""

    def reads(self, reads: Iterable[Read]) -> None: ...


@dataclass(frozen=True)
class IngestRules:
    retention: RetentionPolicy
    max_bytes: int
    skew: timedelta


class NothingStored(DomainError):
    """Every item was refused: 400 naming the first item's field, with the whole list."""

    status = 400

    def __init__(self, refused: list[Refusal]) -> None:
        first = refused[0]
        super().__init__(f"item {first.index}: {first.reason}", field=first.field)
        self.refused = refused


def refusals_out(refused: Iterable[Refusal]) -> list[dict[str, Any]]:
    return [{"index": r.index, "field": r.field, "reason": r.reason} for r in refused]


class SourceGate:
    """Who posted: the source a request proves it is (rtcc.lpr.sources for the rules)."""

    #: Opened HMAC keys kept per sealed value: a rotation seals a new value, so a stale key
    #: is never used; a bound keeps a long-lived container's memory flat.
    MAX_KEYS = 256

    def __init__(self, store: SourceStore, sealer: SecretSealer, skew: timedelta) -> None:
        self.store, self.sealer, self.skew = store, sealer, skew
        self._keys: dict[tuple[str, str], str] = {}

    def authenticate(self, headers: Mapping[str, str], body: bytes, now: datetime) -> Source:
        request = rules.claim({k.lower(): v for k, v in headers.items()})
        source = self.store.get(request.source_id)
        if source is None:
            return rules.admit(None, False)
        if isinstance(request, BearerClaim):
            proven = source.auth is AuthKind.BEARER and rules.bearer_matches(source, request.token, now)
        else:
            proven = source.auth is AuthKind.HMAC and rules.signature_matches(
                [self._key(source, s.sealed) for s in source.secrets_valid_at(now) if s.sealed],
                request,
                body,
                now,
                self.skew,
            )
        return rules.admit(source, proven)

    def _key(self, source: Source, sealed: str) -> str:
        cache_key = (source.source_id, sealed)
        if cache_key not in self._keys:
            if len(self._keys) >= self.MAX_KEYS:
                self._keys.clear()
            self._keys[cache_key] = self.sealer.unseal(sealed, source.source_id)
        return self._keys[cache_key]


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    heartbeats: int = 0
    hits: int = 0
    folded: int = 0  # of `hits`, those that joined a hit already raised (not in the answer)
    refused: list[Refusal] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "heartbeats": self.heartbeats,
            # No hit count: a reader's (or a stolen token's) answer must not tell whether the
            # plates it posted are on a hotlist. Hits go to officers (feed), logs and metrics.
            "refused": refusals_out(self.refused),
        }


def _camera_field(read: Read) -> str:
    # The payload's own name for it (read_checks' convention): Flock nests it under camera.
    return "camera.id" if read.vendor == "flock" else "camera_id"


def place_reads(outcome: BatchOutcome, readers: Mapping[str, Reader]) -> tuple[list[Read], list[Refusal]]:
    """The parsed reads whose camera is a registered reader of the source (a fixed reader's
    position filling a read that has none), and a refusal for each other one."""
    placed, refused = [], []
    for index, read in zip(outcome.indexes, outcome.accepted, strict=True):
        reader = readers.get(read.camera_id or "")
        if reader is None:
            refused.append(Refusal(index, _camera_field(read), "not a registered reader of this source"))
            continue
        if reader.kind is ReaderKind.FIXED and read.lat is None and reader.lat is not None:
            read = replace(read, lat=reader.lat, lon=reader.lon)
        placed.append(read)
    return placed, refused


def latest(times: Iterable[tuple[str, datetime]]) -> dict[str, datetime]:
    out: dict[str, datetime] = {}
    for camera_id, at in times:
        if camera_id not in out or at > out[camera_id]:
            out[camera_id] = at
    return out


class ReadIngest:
    def __init__(
        self,
        gate: SourceGate,
        store: SourceStore,
        reads: ReadStore,
        ingest_rules: IngestRules,
        matcher: Matcher | None = None,
        hits: HitSink | None = None,
        counter: ReadCounter | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.gate, self.store, self.reads, self.rules = gate, store, reads, ingest_rules
        self.matcher, self.hits, self.counter = matcher, hits, counter
        self.clock = clock or (lambda: datetime.now(UTC))

    def receive(self, headers: Mapping[str, str], body: bytes) -> IngestResult:
        if len(body) > self.rules.max_bytes:
            raise ReadPayloadTooLarge(f"over {self.rules.max_bytes} bytes", field="body")
        now = self.clock()
        source = self.gate.authenticate(headers, body, now)
        outcome = parse_reads(
            body,
            source_id=source.source_id,
            now=now,
            retention=self.rules.retention.period,
            limits=BatchLimits(max_bytes=self.rules.max_bytes),
        )
        cameras = [r.camera_id or "" for r in outcome.accepted] + [b.camera_id for b in outcome.heartbeats]
        readers = self.store.readers_by_id(source.source_id, [c for c in cameras if c]) if cameras else {}
        placed, refused = place_reads(outcome, readers)
        beats = [b for b in outcome.heartbeats if b.camera_id in readers]
        result = IngestResult(duplicates=len(outcome.duplicates), heartbeats=len(beats))
        result.refused = sorted(outcome.refused + refused, key=lambda r: r.index)
        if not placed and not beats and not result.duplicates and result.refused:
            raise NothingStored(result.refused)
        fresh = self._store(placed, result, now)
        self._touch(source.source_id, fresh, beats)
        return result

    def _store(self, placed: list[Read], result: IngestResult, now: datetime) -> list[Read]:
        stored = self.reads.stored(placed) if placed else set()
        fresh = [r for r in placed if (r.source_id, r.read_id) not in stored]
        result.duplicates += len(placed) - len(fresh)
        if not fresh:
            return fresh
        with_ttl = [(r, ttl_epoch(r, self.rules.retention)) for r in fresh]
        self.reads.put_index(with_ttl)
        if self.matcher is not None:
            found = [hit for hits in self.matcher.match_many(fresh, now) for hit in hits]
            if found and self.hits is not None:
                summaries = self.hits.record(found, now)
                result.hits, result.folded = len(summaries), sum(1 for s in summaries if s.get("folded"))
        self.reads.put_reads(with_ttl)
        result.accepted = len(fresh)
        if self.counter is not None:
            self.counter.reads(fresh)
        return fresh

    def _touch(self, source_id: str, fresh: list[Read], beats: list[Heartbeat]) -> None:
        for camera_id, at in latest((r.camera_id or "", r.seen_at) for r in fresh).items():
            self.store.touch(source_id, camera_id, "last_read_at", at)
        for camera_id, at in latest((b.camera_id, b.at) for b in beats).items():
            self.store.touch(source_id, camera_id, "last_heartbeat_at", at)
