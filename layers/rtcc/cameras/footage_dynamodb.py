"""Footage requests, notices, evidence and exports in DynamoDB, S3 and SQS (rtcc.store.footage).

Every read is a key GetItem or a key Query (a request's notices, a case's evidence, a month's
requests); answers and evidence steps are conditional writes, so two answers, or a completed
upload completed again, cannot both land.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from rtcc.aws_clients import client
from rtcc.cameras.footage import Gone, check_answer, month_of, notice_state
from rtcc.errors import Conflict, NotFound
from rtcc.resources import bucket_name
from rtcc.settings import get_settings
from rtcc.store.footage import EvidenceExportRecord, EvidenceRecord, FootageNoticeRecord, FootageRequestRecord

BUCKET = "camera-evidence"
NOTICES_QUEUE, ARRIVALS_QUEUE, EXPORTS_QUEUE = "footage-notices", "evidence-arrivals", "evidence-exports"


def evidence_bucket() -> str:
    """CDK passes the name (RTCC_CAMERA_EVIDENCE_BUCKET); locally it has the prefix's name."""
    settings = get_settings()
    return settings.camera_evidence_bucket or bucket_name(BUCKET, settings)


def _condition_failed(error: Exception) -> bool:
    cause = getattr(error, "cause_response_code", None) or ""
    return "ConditionalCheckFailed" in str(cause) or "ConditionalCheckFailed" in str(error)


def send(queue: str, messages: Iterable[dict[str, Any]]) -> None:
    """Queue messages ten at a time (SendMessageBatch); a partly refused batch raises."""
    from rtcc.tips.adapters.aws import queue_url

    sqs, url, batch = client("sqs"), queue_url(queue), list(messages)
    for start in range(0, len(batch), 10):
        entries = [
            {"Id": str(i), "MessageBody": json.dumps(body)}
            for i, body in enumerate(batch[start : start + 10])
        ]
        answer = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        if answer.get("Failed"):
            raise RuntimeError(f"{queue}: {len(answer['Failed'])} message(s) not queued")


# --- requests and notices ------------------------------------------------------------------
def save_request(record: FootageRequestRecord, notices: list[FootageNoticeRecord]) -> None:
    """The notices first, then the request: a failure midway leaves notices no request names
    (nothing shows them), never a request missing some of its owners."""
    with FootageNoticeRecord.batch_write() as batch:
        for notice in notices:
            batch.save(notice)
    record.save(FootageRequestRecord.request_id.does_not_exist())


def get_request(request_id: str) -> FootageRequestRecord:
    try:
        return FootageRequestRecord.get(month_of(request_id), request_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound("no such footage request", field="request_id") from None


def recent_requests(months: list[str], limit: int) -> list[FootageRequestRecord]:
    found: list[FootageRequestRecord] = []
    for month in months:
        found += list(FootageRequestRecord.query(month, scan_index_forward=False, limit=limit - len(found)))
        if len(found) >= limit:
            break
    return found


def notices_of(request_id: str) -> list[FootageNoticeRecord]:
    return list(FootageNoticeRecord.query(request_id, consistent_read=True))


def get_notice(request_id: str, owner_id: str) -> FootageNoticeRecord:
    try:
        return FootageNoticeRecord.get(request_id, owner_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound("no such footage request", field="request") from None


def answer(notice: FootageNoticeRecord, status: str, now: datetime) -> None:
    """pending -> approved/declined, once, before expiry (409 answered, 410 expired)."""
    check_answer(notice.status, notice.expires_at, now)
    try:
        notice.update(
            actions=[
                FootageNoticeRecord.status.set(status),
                FootageNoticeRecord.answered_at.set(now.isoformat()),
            ],
            condition=(FootageNoticeRecord.status == "pending")
            & (FootageNoticeRecord.expires_at > now.isoformat()),
        )
    except UpdateError as error:
        if not _condition_failed(error):
            raise
        fresh = get_notice(notice.request_id, notice.owner_id)
        if notice_state(fresh.status, fresh.expires_at, now) == "expired":
            raise Gone("this request has expired", field="request") from None
        raise Conflict(f"already answered ({fresh.status})", field="request") from None


def claim_notification(notice: FootageNoticeRecord, now: datetime) -> bool:
    """True when this delivery is the one to notify the owner (a redelivery finds it claimed)."""
    try:
        notice.update(
            actions=[FootageNoticeRecord.notified_at.set(now.isoformat())],
            condition=FootageNoticeRecord.notified_at.does_not_exist(),
        )
    except UpdateError as error:
        if _condition_failed(error):
            return False
        raise
    return True


def notified(notice: FootageNoticeRecord, channel: str) -> None:
    notice.update(actions=[FootageNoticeRecord.channel.set(channel)])


def release_notification(notice: FootageNoticeRecord) -> None:
    """A send failed transiently: the retried message may claim it again."""
    notice.update(actions=[FootageNoticeRecord.notified_at.remove()])


# --- evidence ------------------------------------------------------------------------------
def start_evidence(record: EvidenceRecord) -> None:
    try:
        record.save(EvidenceRecord.evidence_id.does_not_exist())
    except PutError as error:
        if _condition_failed(error):
            raise Conflict("this upload already exists", field="upload") from None
        raise


def get_evidence(case_number: str, evidence_id: str) -> EvidenceRecord:
    try:
        return EvidenceRecord.get(case_number, evidence_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound("no such upload", field="upload") from None


def evidence_of(case_number: str, request_id: str | None = None) -> list[EvidenceRecord]:
    condition = EvidenceRecord.evidence_id.startswith(f"{request_id}#") if request_id else None
    return list(EvidenceRecord.query(case_number, condition, consistent_read=True))


def step_evidence(record: EvidenceRecord, was: str, *, version: str | None = None, **values: Any) -> None:
    """Move an evidence item on from `was` (409 when another step got there first); with
    `version`, only while the item still names that S3 version (the bytes intake hashed)."""
    condition = EvidenceRecord.status == was
    if version is not None:
        condition &= EvidenceRecord.version_id == version
    actions = [
        getattr(EvidenceRecord, name).set(value)
        if value is not None
        else getattr(EvidenceRecord, name).remove()
        for name, value in values.items()
    ]
    try:
        record.update(actions=actions, condition=condition)
    except UpdateError as error:
        if _condition_failed(error):
            raise Conflict(f"this upload is no longer {was} at its version", field="upload") from None
        raise


# --- exports -------------------------------------------------------------------------------
def save_export(record: EvidenceExportRecord) -> None:
    record.save(EvidenceExportRecord.export_id.does_not_exist())


def exports_of(case_number: str, limit: int = 20) -> list[EvidenceExportRecord]:
    return list(EvidenceExportRecord.query(case_number, scan_index_forward=False, limit=limit))


def get_export(case_number: str, export_id: str) -> EvidenceExportRecord:
    try:
        return EvidenceExportRecord.get(case_number, export_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound("no such export", field="export") from None
