"""Text-a-tip: one inbound Twilio message in, one stored message (at most) and an ack out.

Everything a message changes - receipt, tip, message, media items, feed, tipster state
and (for a new tip) the encrypted contact - is written in one DynamoDB transaction whose
first item is a conditional put on the MessageSid. A Twilio retry finds the receipt and
gets the same acknowledgement; nothing is stored twice and nothing half-stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from rtcc.secrets import secret_value
from rtcc.settings import get_settings
from rtcc.store.tips import (
    TipMediaRecord,
    TipMessageRecord,
    TipReceiptRecord,
    TipRecord,
    TipsterRecord,
    TipVaultRecord,
)
from rtcc.tips.codes import COLLISIONS_BEFORE_LONGER, alias_for, new_tip_code
from rtcc.tips.inbound import (
    Command,
    InboundSms,
    TipsterState,
    count_in_window,
    joins_open_tip,
    parse_inbound,
    read_command,
)
from rtcc.tips.ports import ContactSealer, TipQueues
from rtcc.tips.records import (
    RECEIPT_RETENTION,
    activity_key,
    feed_entry,
    iso,
    message_key,
    new_id,
    now_utc,
    parse_iso,
    transaction,
)
from rtcc.tips.text import find_keywords, preview, search_words

logger = logging.getLogger(__name__)

_ATTEMPTS = 5
_RAISES_TO_HIGH = ("low", "normal")


@dataclass(frozen=True)
class IntakeResult:
    """What happened to one inbound message; `reply` is the SMS text to answer (or '')."""

    outcome: str  # new | joined | duplicate | blocked | stop | start | help | new_next | empty
    reply: str
    code: str | None = None
    media_jobs: list[dict] = field(default_factory=list)


def ack_new(code: str) -> str:
    return (
        f"Tip {code} received. Thank you. Text this number to add more; text NEW to start a new tip. "
        "Reply STOP to opt out."
    )


def ack_joined(code: str) -> str:
    return f"Added to tip {code}. Thank you. Text NEW to start a new tip. Reply STOP to opt out."


HELP_TEXT = (
    "Anonymous tip line: text your tip, photos and video welcome. Text NEW to start a new tip, "
    "STOP to opt out. In an emergency call 911."
)
NEW_NEXT_TEXT = "OK. Your next message starts a new tip. Reply STOP to opt out."
START_TEXT = "Replies about your tips are on again. Reply STOP to opt out."
EMPTY_TEXT = "Your message was empty. Text your tip, or photos or video. Reply STOP to opt out."


class SmsIntake:
    def __init__(self, sealer: ContactSealer, queues: TipQueues) -> None:
        self.sealer = sealer
        self.queues = queues

    # --- entry point -------------------------------------------------------------------
    def receive(self, form: dict[str, str]) -> IntakeResult:
        """Store one signed inbound form (the signature is checked by the caller)."""
        sms = parse_inbound(form)
        # No receipt lookup up front: the transaction's conditional put on the MessageSid
        # catches a retry, which keeps the common path (a first delivery) to three calls.
        settings = get_settings()
        key = secret_value("tips_pseudonym_key").encode()
        from rtcc.tips.pseudonym import pseudonym_for

        pseudonym = pseudonym_for(sms.from_number, key)
        tipster = _get(TipsterRecord, pseudonym) or TipsterRecord(pseudonym)
        if tipster.blocked:
            # No ack: a blocked sender learns nothing, and nothing of theirs is kept.
            logger.info("tips.sms blocked sender", extra={"message_sid": sms.message_sid})
            return IntakeResult("blocked", "")

        command, text = read_command(sms.body)
        if command in (Command.STOP, Command.START):
            tipster.opted_out = command is Command.STOP
            tipster.save()
            return IntakeResult(command.value, "" if command is Command.STOP else START_TEXT)
        if command is Command.HELP:
            return IntakeResult("help", HELP_TEXT)
        if command is Command.NEW and not text.strip() and not sms.media:
            tipster.open_code = None
            tipster.save()
            return IntakeResult("new_next", NEW_NEXT_TEXT)
        if not text.strip() and not sms.media:
            return IntakeResult("empty", EMPTY_TEXT)

        for attempt in range(_ATTEMPTS):
            try:
                if attempt:
                    tipster = _get(TipsterRecord, pseudonym) or TipsterRecord(pseudonym)
                result = self._store(sms, text, command, tipster, key, settings, attempt)
                break
            except TransactWriteError as exc:
                # Lost a race: the same MessageSid (a retry arriving in parallel), a tip code
                # someone just took, or an officer saving the tip. Re-read and try again.
                receipt = _get(TipReceiptRecord, sms.message_sid)
                if receipt is not None:
                    return self._duplicate(receipt)
                if attempt == _ATTEMPTS - 1:
                    raise
                logger.info("tips.sms retrying transaction", extra={"reason": exc.cause_response_code})
        else:  # pragma: no cover - the loop either breaks or raises
            raise RuntimeError("unreachable")

        if result.media_jobs:
            self.queues.send_media_jobs(result.media_jobs)
        return result

    # --- internals -----------------------------------------------------------------------
    def _duplicate(self, receipt: TipReceiptRecord) -> IntakeResult:
        # Media items the first delivery stored but could not enqueue get another chance;
        # the media consumer skips items already done.
        pending = [
            {"code": m.code, "media_id": m.media_id}
            for m in TipMediaRecord.query(
                receipt.code, TipMediaRecord.media_id.startswith(receipt.message_sid)
            )
            if m.state == "pending"
        ]
        if pending:
            self.queues.send_media_jobs(pending)
        logger.info("tips.sms duplicate delivery", extra={"code": receipt.code})
        return IntakeResult("duplicate", ack_new(receipt.code), receipt.code)

    def _store(
        self,
        sms: InboundSms,
        text: str,
        command: Command,
        tipster: TipsterRecord,
        key: bytes,
        settings,
        attempt: int,
    ) -> IntakeResult:
        moment = now_utc()
        at = iso(moment)
        pseudonym = tipster.pseudonym
        open_tip = _get(TipRecord, tipster.open_code) if tipster.open_code else None
        state = TipsterState(
            open_code=tipster.open_code if open_tip else None,
            open_tip_closed=bool(open_tip and open_tip.status == "closed"),
            last_message_at=parse_iso(tipster.last_message_at) if tipster.last_message_at else None,
            window_start=parse_iso(tipster.window_start) if tipster.window_start else None,
            window_count=int(tipster.window_count or 0),
        )
        window = count_in_window(state, moment, settings.tips_rate_limit_per_hour)
        joining = joins_open_tip(
            state, moment, timedelta(minutes=settings.tips_thread_window_minutes), command
        )
        keywords = find_keywords(text, settings.tips_priority_keywords)
        words = search_words(text)

        message_id = new_id()
        mkey = message_key(at, message_id)
        media = [
            TipMediaRecord(
                "",
                f"{sms.message_sid}-{item.index}",
                message_key=mkey,
                source="twilio",
                source_url=item.url,
                declared_type=item.content_type,
                state="pending",
                created_at=at,
                updated_at=at,
            )
            for item in sms.media
        ]

        with transaction() as tx:
            if joining:
                assert open_tip is not None
                tip = open_tip
                code = tip.code
                seen_version = int(tip.version or 0)
                newly_keyworded = bool(keywords - set(tip.keywords or ()))
                if keywords and tip.priority in _RAISES_TO_HIGH:
                    tip.priority = "high"
                tip.keywords = set(tip.keywords or ()) | keywords or None
                tip.search_words = set(tip.search_words or ()) | words or None
                tip.message_count = int(tip.message_count or 0) + 1
                tip.media_count = int(tip.media_count or 0) + len(media)
                tip.spam_suspected = bool(tip.spam_suspected) or window.over_limit
                tip.last_activity_at = at
                tip.activity_key = activity_key(at, code)
                tip.unread = True
                if not tip.preview and text.strip():
                    tip.preview = preview(text)
                tip.version = seen_version + 1
                tx.save(tip, condition=TipRecord.version == seen_version)
                outcome = "joined"
            else:
                longer = attempt // COLLISIONS_BEFORE_LONGER
                code = new_tip_code(settings.tips_code_length + longer)
                newly_keyworded = bool(keywords)
                tip = TipRecord(
                    code,
                    channel="sms",
                    alias=alias_for(code, key),
                    pseudonym=pseudonym,
                    status="new",
                    priority="high" if keywords else "normal",
                    created_at=at,
                    last_activity_at=at,
                    activity_key=activity_key(at, code),
                    preview=preview(text),
                    message_count=1,
                    media_count=len(media),
                    unread=True,
                    keywords=keywords or None,
                    spam_suspected=window.over_limit,
                    search_words=words or None,
                    version=1,
                )
                tx.save(tip, condition=TipRecord.code.does_not_exist())
                tx.save(
                    TipVaultRecord(code, ciphertext=self.sealer.seal(sms.from_number, code)),
                    condition=TipVaultRecord.code.does_not_exist(),
                )
                outcome = "new"
            tx.save(
                TipReceiptRecord(
                    sms.message_sid, code=code, message_key=mkey, at=at, expires=moment + RECEIPT_RETENTION
                ),
                condition=TipReceiptRecord.message_sid.does_not_exist(),
            )
            tx.save(
                TipMessageRecord(
                    code,
                    mkey,
                    message_id=message_id,
                    at=at,
                    direction="in",
                    channel="sms",
                    body=text,
                    media_ids=[m.media_id for m in media],
                    provider_sid=sms.message_sid,
                )
            )
            for item in media:
                item.code = code
                tx.save(item)
            tx.save(feed_entry(code, "tip" if outcome == "new" else "message", moment))
            tipster.open_code = code
            tipster.last_message_at = at
            tipster.window_start = iso(window.start)
            tipster.window_count = window.count
            tx.save(tipster)

        logger.info(
            "tips.sms stored",
            extra={"code": code, "outcome": outcome, "media": len(media), "message_sid": sms.message_sid},
        )
        if newly_keyworded and not tip.spam_suspected:
            notify_supervisors(self.queues, code, keywords)
        return IntakeResult(
            outcome,
            ack_new(code) if outcome == "new" else ack_joined(code),
            code,
            [{"code": code, "media_id": m.media_id} for m in media],
        )


def notify_supervisors(queues: TipQueues, code: str, keywords: set[str]) -> None:
    """Queue the on-duty supervisor alert. The tip is stored whatever happens here, so
    a queue failure is logged, not raised: the console shows the tip as high priority."""
    try:
        queues.send_outbound({"kind": "notify", "code": code, "keywords": sorted(keywords)})
    except Exception:  # noqa: BLE001 - the tip must not be lost over an alert
        logger.exception("tips: could not queue the supervisor alert", extra={"code": code})


def _get(model, hash_key, range_key=None):
    try:
        return model.get(hash_key, range_key) if range_key is not None else model.get(hash_key)
    except DoesNotExist:
        return None
