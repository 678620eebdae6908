"""DynamoDB, feed and SQS adapters of rtcc.lpr.hit_record's ports, and of
rtcc.lpr.hit_review's (the hits' reads and verdict writes of rtcc.api.routes.lpr_hits).

Folding is one conditional PutItem of the fold item (lpr-folds): it succeeds only when no
hit was raised under that key within the window either side of the read, so two ingests
racing on one car make one hit; the loser reads the fold item and counts its read into the
winner's hit (UpdateItem ADD).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from rtcc.lpr.hit_record import FEED_CHANNEL, FoldedInto, HitGone, ListInfo, iso
from rtcc.lpr.hit_review import StoredHit, decision_from_dict, decision_to_dict
from rtcc.lpr.hit_texts import TextClaimHeld
from rtcc.lpr.verification import Decision, DecisionConflict
from rtcc.store.base import is_expired
from rtcc.store.lpr_hits import LprFoldRecord, LprHitRecord, day_partition
from rtcc.store.lpr_hotlists import LISTS_PARTITION, LprHotlistRecord
from rtcc.store.lpr_sources import LprReaderRecord

#: A fold item outlives any window (at most a day: rtcc.lpr.settings.fold_window_s).
FOLD_TTL = timedelta(days=1, minutes=5)
TEXT_QUEUE = "lpr-hit-texts"
#: A text claim older than this is a sender killed mid-send (lpr-notify times out at 30 s):
#: the next delivery (the queue's visibility is 60 s) takes it over.
TEXT_LEASE = timedelta(seconds=45)


def _conditional(error: Exception) -> bool:
    cause = getattr(error, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"


class DynamoFolds:
    def __init__(self, retention_period: timedelta) -> None:
        self.retention_period = retention_period

    def _record(self, key: str, day: str, hit_id: str, at: datetime, window: timedelta) -> LprFoldRecord:
        # The fold key holds the plate: it lasts the window (a late read can still fold) but no
        # longer than the reads themselves unless the window needs it (NH keeps reads 3 minutes).
        ttl = min(FOLD_TTL, max(window, self.retention_period))
        return LprFoldRecord(
            key,
            hit_day=day,
            hit_id=hit_id,
            raised_at=iso(at),
            last_seen_at=iso(at),
            expires=datetime.now(UTC) + ttl,
        )

    def take(self, key: str, day: str, hit_id: str, at: datetime, window: timedelta) -> None:
        self._record(key, day, hit_id, at, window).save()

    def claim(self, key: str, day: str, hit_id: str, at: datetime, window: timedelta) -> FoldedInto | None:
        now = datetime.now(UTC)
        record = self._record(key, day, hit_id, at, window)
        raised = LprFoldRecord.raised_at
        free = (
            LprFoldRecord.fold_key.does_not_exist()
            | (raised <= iso(at - window))
            | (raised >= iso(at + window))
            | (LprFoldRecord.expires <= now)
        )
        try:
            record.save(condition=free)
            return None
        except PutError as error:
            if not _conditional(error):
                raise
        current = LprFoldRecord.get(key, consistent_read=True)
        try:
            # The newest read folded so far (an older read arriving late leaves it).
            current.update(
                actions=[LprFoldRecord.last_seen_at.set(iso(at))],
                condition=LprFoldRecord.last_seen_at < iso(at),
            )
        except UpdateError as error:
            if not _conditional(error):
                raise
        return FoldedInto(current.hit_day, current.hit_id)


class DynamoHitStore:
    def __init__(self, retention_period: timedelta) -> None:
        self.retention_period = retention_period

    def add(self, day: str, hit_id: str, hit: dict[str, Any], read_seen_at: datetime) -> None:
        record = LprHitRecord(
            day_partition(day),
            hit_id,
            hit=json.dumps(hit, separators=(",", ":"), sort_keys=True),
            list_id=hit["list_id"],
            camera_id=hit.get("camera_id"),
            reads=1,
            last_seen_at=iso(read_seen_at),
            # Gone with the read unless a case takes it (a verdict with a case number removes it).
            expires=read_seen_at + self.retention_period,
        )
        try:
            record.save(condition=LprHitRecord.hit_id.does_not_exist())
        except PutError as error:
            # Stored already (a redelivered read): it keeps what it has (reads, verdicts).
            if not _conditional(error):
                raise

    def fold(self, into: FoldedInto, at: datetime) -> int:
        record = LprHitRecord(day_partition(into.day), into.hit_id)
        # The winner of the fold claim writes its hit right after the claim: a racing read
        # may get here first, so it waits a moment for the hit to exist.
        for attempt in range(10):
            try:
                record.update(actions=[LprHitRecord.reads.add(1)], condition=LprHitRecord.hit_id.exists())
                break
            except UpdateError as error:
                if not _conditional(error):
                    raise
                if attempt == 9:
                    raise HitGone(into.hit_id) from None
                time.sleep(0.1)
        try:
            record.update(
                actions=[LprHitRecord.last_seen_at.set(iso(at))],
                condition=LprHitRecord.last_seen_at < iso(at),
            )
        except UpdateError as error:
            if not _conditional(error):
                raise
        return int(record.reads)


class DynamoDirectory:
    """List names and notify settings (lpr-hotlists heads), reader names (lpr-readers):
    BatchGetItem of just the keys a batch's hits name."""

    def lists(self, list_ids: set[str]) -> Mapping[str, ListInfo]:
        keys = [(LISTS_PARTITION, list_id) for list_id in sorted(list_ids)]
        return {r.list_id: ListInfo(r.name, r.notify) for r in LprHotlistRecord.batch_get(keys)}

    def readers(self, keys: set[tuple[str, str]]) -> Mapping[tuple[str, str], str]:
        wanted = sorted(k for k in keys if k[1])
        if not wanted:
            return {}
        return {(r.source_id, r.camera_id): r.name for r in LprReaderRecord.batch_get(wanted)}


class FeedPublisher:
    def __init__(self) -> None:
        from rtcc.feed import LiveFeed

        self.live = LiveFeed()

    def publish(self, summary: dict[str, Any], at: datetime) -> None:
        # `source`: the hit id fixes the item, so a retried ingest publishes it once.
        self.live.publish(FEED_CHANNEL, "hit", summary["hit_id"], summary, at=at, source=summary["hit_id"])


class SqsHitTexts:
    def __init__(self) -> None:
        from rtcc.aws_clients import client

        self._sqs = client("sqs")
        self._url: str | None = None

    def queue(self, day: str, hit_id: str) -> None:
        if self._url is None:
            from rtcc.tips.adapters.aws import queue_url

            self._url = queue_url(TEXT_QUEUE)
        self._sqs.send_message(QueueUrl=self._url, MessageBody=json.dumps({"day": day, "hit_id": hit_id}))


@dataclass(frozen=True)
class Ports:
    folds: DynamoFolds
    store: DynamoHitStore
    directory: DynamoDirectory
    feed: FeedPublisher
    texts: SqsHitTexts
    counts: Any
    window: timedelta


def default_ports() -> Ports:
    from rtcc.lpr.counts_dynamodb import DynamoCounts
    from rtcc.lpr.settings import lpr_settings

    settings = lpr_settings()
    return Ports(
        DynamoFolds(settings.retention.period),
        DynamoHitStore(settings.retention.period),
        DynamoDirectory(),
        FeedPublisher(),
        SqsHitTexts(),
        DynamoCounts(),
        settings.fold_window,
    )


def get_hit(day: str, hit_id: str) -> LprHitRecord | None:
    """A live hit, or None (one past its retention counts as gone)."""
    try:
        record = LprHitRecord.get(day_partition(day), hit_id, consistent_read=True)
    except LprHitRecord.DoesNotExist:
        return None
    return None if is_expired(record) else record


def _stored(record: LprHitRecord) -> StoredHit:

    history = json.loads(record.verification) if record.verification else []
    return StoredHit(
        day=record.day.removeprefix("day#"),
        hit_id=record.hit_id,
        document=json.loads(record.hit),
        reads=int(record.reads),
        last_seen_at=record.last_seen_at,
        decisions=tuple(decision_from_dict(d) for d in history),
        revision=int(record.revision or 0),
        case_number=record.case_number,
    )


class DynamoReviewStore:
    """rtcc.lpr.hit_review.ReviewStore on lpr-hits: GetItem, a day's Query, conditional UpdateItem."""

    def __init__(self, retention_period: timedelta | None = None) -> None:
        if retention_period is None:
            from rtcc.lpr.settings import lpr_settings

            retention_period = lpr_settings().retention.period
        self.retention_period = retention_period

    def _live(self, record: LprHitRecord, now: datetime) -> bool:
        """Past neither its TTL nor the retention in force now: a city that shortens its
        retention shortens the stored hits' too (their TTL was fixed at the old one), as
        searches do for reads. A case holds its own."""
        if is_expired(record, now):
            return False
        if record.case_number:
            return True
        seen_at = datetime.fromisoformat(json.loads(record.hit)["seen_at"])
        return seen_at + self.retention_period > now

    def get(self, day: str, hit_id: str) -> StoredHit | None:
        try:
            record = LprHitRecord.get(day_partition(day), hit_id, consistent_read=True)
        except LprHitRecord.DoesNotExist:
            return None
        return _stored(record) if self._live(record, datetime.now(UTC)) else None

    def day(self, day: str, limit: int = 500) -> list[StoredHit]:
        """The day's live hits, newest first (hit ids sort by time)."""
        records = LprHitRecord.query(
            day_partition(day), scan_index_forward=False, limit=limit, page_size=limit
        )
        now = datetime.now(UTC)
        return [_stored(r) for r in records if self._live(r, now)]

    def decide(self, hit: StoredHit, decisions: tuple[Decision, ...], case_number: str | None) -> StoredHit:

        record = LprHitRecord(day_partition(hit.day), hit.hit_id)
        actions = [
            LprHitRecord.verification.set(json.dumps([decision_to_dict(d) for d in decisions])),
            LprHitRecord.revision.set(hit.revision + 1),
        ]
        if case_number:
            # Attached to a case: kept with the case, not deleted with the read.
            actions += [LprHitRecord.case_number.set(case_number), LprHitRecord.expires.remove()]
        elif hit.case_number:
            # Released by its case (revised to rejected): it expires with its read again.
            seen_at = datetime.fromisoformat(hit.document["seen_at"])
            actions += [
                LprHitRecord.case_number.remove(),
                LprHitRecord.expires.set(seen_at + self.retention_period),
            ]
        condition = LprHitRecord.hit_id.exists() & (LprHitRecord.revision == hit.revision)
        try:
            record.update(actions=actions, condition=condition)
        except UpdateError as error:
            if _conditional(error):
                raise DecisionConflict("revision", "the hit was decided meanwhile: reload it") from None
            raise
        return _stored(record)


class DynamoHitTexts:
    """rtcc.lpr.hit_texts.HitTextStore on lpr-hits: GetItem, the claim (a lease: conditional
    UpdateItem of `text_claimed_at`), `texted_at` once sent."""

    def hit(self, day: str, hit_id: str) -> dict[str, Any] | None:
        record = get_hit(day, hit_id)
        return None if record is None else json.loads(record.hit)

    def claim(self, day: str, hit_id: str, now: datetime) -> bool:
        record = LprHitRecord(day_partition(day), hit_id)
        claimed = LprHitRecord.text_claimed_at
        free = claimed.does_not_exist() | (claimed < iso(now - TEXT_LEASE))
        try:
            record.update(
                actions=[claimed.set(iso(now))],
                condition=LprHitRecord.hit_id.exists() & LprHitRecord.texted_at.does_not_exist() & free,
            )
        except UpdateError as error:
            if not _conditional(error):
                raise
            current = get_hit(day, hit_id)
            if current is None or current.texted_at is not None:
                return False  # gone, or texted already
            raise TextClaimHeld("another sender is texting this hit: retried after its lease") from None
        return True

    def sent(self, day: str, hit_id: str, now: datetime) -> None:
        LprHitRecord(day_partition(day), hit_id).update(
            actions=[LprHitRecord.texted_at.set(iso(now)), LprHitRecord.text_claimed_at.remove()]
        )

    def release(self, day: str, hit_id: str) -> None:
        LprHitRecord(day_partition(day), hit_id).update(actions=[LprHitRecord.text_claimed_at.remove()])
