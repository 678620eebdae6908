"""Refusals of unauthenticated requests: counted, then summarised in the audit log.

Public doors (the Twilio webhook) refuse forged requests all day long. Each refusal adds 1
to a counter for its door, minute and reason (`count_refusal`: one UpdateItem; the door
also counts a CloudWatch metric) and appends nothing to the audit log. Every minute the scheduled
`refusal-summary` function (`summarise`) appends one `webhook.refusals` entry per door and
minute that had refusals, with the count and the reasons, reading counters by key only
(doors and reasons are declared here; minutes are computed). A minute is summarised once
it ended a full minute ago, so requests still in flight are counted in it.

Once only: a conditional put of the `<minute>#summary` claim comes before the append,
and is taken back if the append fails, so the next run retries. A function that dies
between the two leaves a claimed minute with no entry (the metric still has the count):
the log may miss one minute's summary, never show it twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import PutError

from rtcc.audit import AuditEvent, AuditLog
from rtcc.store.refusals import RefusalCountRecord

logger = logging.getLogger(__name__)

#: What a signed SMS webhook refuses (rtcc.sms.webhook).
SMS_WEBHOOK_REASONS = ("missing_signature", "invalid_signature", "not_a_form")


def _sms_doors() -> dict[str, tuple[str, ...]]:
    """Every declared SMS line's webhook is a door (rtcc.sms.line): a capability that adds
    a line gets its refusals counted and summarised without an edit here."""
    from rtcc.sms.line import declared_lines

    return {line.door: SMS_WEBHOOK_REASONS for line in declared_lines()}


#: The plate readers' door (functions/lpr_ingest.py): no proven source, a disabled or
#: revoked one, a body over the limit.
LPR_INGEST_DOOR = "lpr-ingest"
LPR_INGEST_REASONS = ("unauthenticated", "forbidden", "too_large")
#: The CAD webhook (functions/cameras_cad.py): no valid signature (or a stale one), too large.
CAD_DOOR = "cameras-cad"
CAD_REASONS = ("unauthenticated", "too_large")
#: Unauthenticated doors whose refusals are counted, and the reasons each gives (a
#: small fixed vocabulary: each reason is one counter to read per minute).
DOORS: dict[str, tuple[str, ...]] = {
    **_sms_doors(),
    LPR_INGEST_DOOR: LPR_INGEST_REASONS,
    CAD_DOOR: CAD_REASONS,
}
ACTION = "webhook.refusals"
ACTOR = "rtcc-refusals"
#: Counters are kept this long (TTL); the audit entries keep the record.
KEEP_DAYS = 3
#: How far back each run looks: a schedule that missed runs (a deploy, an outage)
#: still summarises the minutes it missed.
LOOKBACK_MINUTES = 15
SUMMARY = "summary"


def minute_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def count_refusal(door: str, reason: str, now: datetime | None = None) -> None:
    """One refusal at `door`: an atomic ADD on its minute's counter (the door counts its
    CloudWatch metric itself). Never raises: a refusal must still refuse when the counter
    cannot be written."""
    if reason not in DOORS.get(door, ()):
        raise ValueError(f"refusals: {door!r} does not declare reason {reason!r}")
    now = now or datetime.now(UTC)
    try:
        RefusalCountRecord(door, f"{minute_of(now)}#{reason}").update(
            actions=[
                RefusalCountRecord.count.add(1),
                RefusalCountRecord.expires.set(now + timedelta(days=KEEP_DAYS)),
            ]
        )
    except Exception:  # noqa: BLE001 - the metric above has counted it
        logger.warning("refusals: counter not written", extra={"door": door, "reason": reason})


@dataclass(frozen=True)
class MinuteSummary:
    door: str
    minute: str
    reasons: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.reasons.values())


def pending(now: datetime | None = None, lookback: int = LOOKBACK_MINUTES) -> list[MinuteSummary]:
    """Door-minutes with refusals and no summary yet: one BatchGetItem by key."""
    now = now or datetime.now(UTC)
    minutes = [minute_of(now - timedelta(minutes=k)) for k in range(2, lookback + 2)]
    keys = [
        (door, f"{m}#{r}") for door, reasons in DOORS.items() for m in minutes for r in (*reasons, SUMMARY)
    ]
    found = {(item.door, item.slot): item for item in RefusalCountRecord.batch_get(keys)}
    out = []
    for door, reasons in DOORS.items():
        for m in sorted(minutes):
            if (door, f"{m}#{SUMMARY}") in found:
                continue
            counts = {
                r: int(found[(door, f"{m}#{r}")].count or 0) for r in reasons if (door, f"{m}#{r}") in found
            }
            if any(counts.values()):
                out.append(MinuteSummary(door, m, counts))
    return out


def summarise(now: datetime | None = None, audit: AuditLog | None = None) -> list[MinuteSummary]:
    """Append one entry per pending door-minute; returns those written."""
    now = now or datetime.now(UTC)
    audit = audit or AuditLog()
    written = []
    for summary in pending(now):
        claim = RefusalCountRecord(
            summary.door,
            f"{summary.minute}#{SUMMARY}",
            count=summary.total,
            summarised_at=now.isoformat(timespec="seconds"),
            expires=now + timedelta(days=KEEP_DAYS),
        )
        try:
            claim.save(condition=RefusalCountRecord.slot.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                continue  # another run has it
            raise
        try:
            audit.append(_event(summary))
        except Exception:
            claim.delete()  # the next run retries this minute
            raise
        written.append(summary)
    return written


def _event(summary: MinuteSummary) -> AuditEvent:
    return AuditEvent(
        actor=ACTOR,
        role="system",
        action=ACTION,
        target=summary.door,
        detail={"minute": summary.minute, "count": summary.total, "reasons": summary.reasons},
    )
