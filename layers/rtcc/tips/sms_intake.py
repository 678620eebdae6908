"""Text-a-tip: one inbound Twilio message in, one stored message (at most) and an ack out.

No DynamoDB transaction on this path: a transaction over the six tables a message
touches costs the local emulator a copy of every one of them per call (hundreds of ms
once they hold a few thousand items), and a claim-then-idempotent-writes protocol gives
the same guarantees with single-item calls:

1. Claim the MessageSid: a conditional put of the receipt (`state="claimed"`, keyed by
   a keyed hash of the SID) carrying every decision taken (tip code, new or joined,
   message key, time). A delivery that finds a receipt `stored` writes nothing: a
   retry gets the same acknowledgement, a replay days later an empty answer.
2. The tip: a new tip is a conditional create; joining is an optimistic-locked put. Both
   record the MessageSid in `recent_inbound_sids`, so doing it again is a no-op.
3. The tipster: one conditional UpdateItem counts the message in the rate window
   (ADD, or a reset when the hour is over) and moves the thread to this tip.
4. Vault, message, media items and feed entry: keys and values fixed by the claim, so
   they are written in one BatchWriteItem and writing them again changes nothing.
5. Mark the receipt `stored`.

A delivery that finds a claim without `stored` (a crash, or a timeout, in between) redoes
2-5 from the claim; every step recognises its own earlier work. Nothing is shown to
officers before step 2, and the feed (what makes the console look) comes with step 4.

Replays: Twilio's signature covers the URL and form but no time, so a captured request
stays valid forever. A stored receipt therefore has no expiry and lives as long as its
tip (the purge deletes it); keywords that change the tipster's state (STOP, START, NEW)
are claimed the same way, so a replayed STOP cannot undo a later START.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from rtcc.sms.optout import AdvancedOptOut, OptOuts, OptOutSource, advanced_opt_out
from rtcc.store.tips import (
    TipMediaRecord,
    TipMessageRecord,
    TipReceiptRecord,
    TipRecord,
    TipsterRecord,
    TipVaultRecord,
)
from rtcc.tips.codes import COLLISIONS_BEFORE_LONGER, new_alias, new_tip_code
from rtcc.tips.inbound import (
    Command,
    InboundSms,
    TipsterState,
    count_in_window,
    joins_open_tip,
    over_limit,
    parse_inbound,
    read_command,
    window_expired,
)
from rtcc.tips.jobs import AlertJob, ForgetInboundJob, MediaJob
from rtcc.tips.ports import ContactSealer, TipMac, TipQueues
from rtcc.tips.pseudonym import media_id_prefix, pseudonym_for, receipt_key
from rtcc.tips.records import (
    RECEIPT_RETENTION,
    activity_key,
    condition_failed,
    create_if_absent,
    feed_entry,
    get_or_none,
    iso,
    message_key,
    new_id,
    now_utc,
    parse_iso,
    put_all,
)
from rtcc.tips.settings import TipsSettings, tips_settings
from rtcc.tips.sms_line import LINE_NAME
from rtcc.tips.sms_texts import language_keyword, language_of, tip_text, with_switch_hint
from rtcc.tips.text import find_keywords, preview, search_words

logger = logging.getLogger(__name__)

_ATTEMPTS = 5
_RAISES_TO_HIGH = ("low", "normal")
#: MessageSids remembered on a tip; a redo comes within seconds, long before 20 more
#: messages from the same tipster could push its own out.
RECENT_SIDS = 20
#: How long a duplicate still gets the acknowledgement (with the tip code) again: long
#: enough for Twilio's retries of a lost answer; a later copy is a replay, and the one
#: who captured a request learns nothing from it.
REPEAT_ACK_FOR = timedelta(days=1)
#: How long a tipster record that holds no tip (only a keyword's state) is kept.
KEYWORD_ONLY_RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class IntakeResult:
    """What happened to one inbound message; `reply` is the SMS text to answer (or '')."""

    outcome: str  # new | joined | duplicate | blocked | stop | start | help | new_next | empty | language
    reply: str
    code: str | None = None
    media_jobs: list[MediaJob] = field(default_factory=list)


# Every text a tipster gets comes from the SMS catalogs (rtcc.i18n), in their language.
def ack_new(code: str, lang: str | None = None) -> str:
    return tip_text(lang, "tips.ack.new", code=code)


def ack_joined(code: str, lang: str | None = None) -> str:
    return tip_text(lang, "tips.ack.joined", code=code)


def ack_for(outcome: str, code: str, lang: str | None = None) -> str:
    return ack_joined(code, lang) if outcome == "joined" else ack_new(code, lang)


#: The keywords claimed once per MessageSid: (outcome, the catalog key of the reply).
_KEYWORDS = {
    Command.STOP: ("stop", None),
    Command.START: ("start", "tips.start"),
    Command.NEW: ("new_next", "tips.newNext"),
    Command.LANGUAGE: ("language", "tips.language"),
}


@dataclass
class _Message:
    """One inbound message being stored: the form, the claim and what follows from them."""

    sms: InboundSms
    pseudonym: str
    receipt: str  # the receipt's key: a keyed hash of the MessageSid
    text: str
    claim: TipReceiptRecord
    fresh: bool  # this delivery made the claim: nothing keyed by it can exist yet
    keywords: set[str]
    words: set[str]
    lang: str  # the catalog the acknowledgement is in (rtcc.tips.sms_texts)

    @property
    def sid(self) -> str:
        return self.sms.message_sid

    @property
    def marker(self) -> str:
        """What the tip remembers of this delivery (recent_inbound_sids) and keys its feed
        entry by: the receipt key, never the MessageSid itself."""
        return self.receipt

    @property
    def code(self) -> str:
        return self.claim.code

    @property
    def moment(self) -> datetime:
        return parse_iso(self.claim.at)

    def media(self) -> list[TipMediaRecord]:
        at = self.claim.at
        return [
            TipMediaRecord(
                self.code,
                f"{media_id_prefix(self.receipt)}-{item.index}",
                message_key=self.claim.message_key,
                source="twilio",
                source_url=item.url,
                declared_type=item.content_type,
                state="pending",
                created_at=at,
                updated_at=at,
            )
            for item in self.sms.media
        ]


class SmsIntake:
    def __init__(
        self,
        sealer: ContactSealer,
        queues: TipQueues,
        mac: TipMac | None = None,
        opt_outs: OptOuts | None = None,
    ) -> None:
        self.sealer = sealer
        self.queues = queues
        self._mac = mac
        self._opt_outs = opt_outs

    @property
    def opt_outs(self) -> OptOuts:
        """The platform's opt-outs (rtcc.sms.optout), kept under the tip line's name."""
        if self._opt_outs is None:
            from rtcc.sms.optout_store import DynamoOptOuts

            self._opt_outs = DynamoOptOuts()
        return self._opt_outs

    @property
    def mac(self) -> TipMac:
        """The webhook's KMS MAC key (the deployed wiring unless a caller gave one)."""
        if self._mac is None:
            from rtcc.tips.adapters import default_ports

            self._mac = default_ports().mac
        return self._mac

    # --- entry point -------------------------------------------------------------------
    def receive(self, form: dict[str, str]) -> IntakeResult:
        """Store one signed inbound form (the signature is checked by the caller)."""
        sms = parse_inbound(form)
        pseudonym = pseudonym_for(sms.from_number, self.mac)
        tipster = get_or_none(TipsterRecord, pseudonym) or TipsterRecord(pseudonym)
        receipt = receipt_key(sms.message_sid, self.mac)
        command, text = _command(form, sms.body)
        lang = language_of(tipster.language)
        if tipster.blocked:
            # No ack: a blocked sender learns nothing, and nothing of theirs is kept. But a
            # STOP (or START) is still recorded, silently: after an unblock, or the purge of
            # the tip the block came from, a reply must not reach someone who said STOP.
            logger.info("tips.sms blocked sender")
            if command in (Command.STOP, Command.START):
                self._keyword(command, receipt, tipster, lang)
            return IntakeResult("blocked", "")
        told = tipster.language is not None  # read now: the writes below refresh `tipster`
        result = self._answer(sms, receipt, (command, text), tipster, lang)
        if not told and result.code is None and result.outcome != "language":
            # Not told yet how to switch: each answer says so until the first stored
            # message (or a language keyword) puts a language on the tipster's record.
            # A message's answer is decided once, at its claim (`hinted`), so Twilio's
            # retry and a redo after a crash get the same words.
            return replace(result, reply=with_switch_hint(result.reply, lang))
        return result

    def _answer(
        self, sms: InboundSms, receipt: str, read: tuple[Command, str], tipster: TipsterRecord, lang: str
    ) -> IntakeResult:
        """A keyword's answer, or the message stored and acknowledged, in `lang`."""
        command, text = read
        settings = tips_settings()
        if command is Command.HELP:
            return IntakeResult("help", tip_text(lang, "tips.help"))  # changes nothing: a replay is harmless
        if command is Command.LANGUAGE:
            return self._keyword(command, receipt, tipster, text)  # `text`: the language chosen
        bare = not text.strip() and not sms.media
        if command in (Command.STOP, Command.START) or (command is Command.NEW and bare):
            return self._keyword(command, receipt, tipster, lang)
        if bare:
            return IntakeResult("empty", tip_text(lang, "tips.empty"))

        claimed = self._claim(sms, receipt, command, tipster, settings, lang)
        if isinstance(claimed, IntakeResult):
            return claimed
        claim, fresh, open_tip = claimed
        message = _Message(
            sms,
            tipster.pseudonym,
            receipt,
            text,
            claim,
            fresh,
            find_keywords(text, settings.priority_keywords),
            search_words(text),
            lang,
        )
        return self._store(message, tipster, open_tip, settings)

    # --- keywords ---------------------------------------------------------------------------
    def _keyword(self, command: Command, receipt: str, tipster: TipsterRecord, lang: str) -> IntakeResult:
        """STOP, START, a bare NEW or a language's name, once per MessageSid: claimed like a
        message, so a replayed STOP cannot opt a tipster out again after a START (nor a
        replayed NEW detach a later tip, nor a replayed ESPAÑOL undo a later ENGLISH).
        Each changes one attribute with UpdateItem, never a whole-item put that could undo
        a concurrent message's counter update. For LANGUAGE, `lang` is the one chosen."""
        outcome, key = _KEYWORDS[command]
        reply = tip_text(lang, key) if key else ""
        moment = now_utc()
        claim = TipReceiptRecord(
            receipt, at=iso(moment), state="claimed", outcome=outcome, expires=moment + RECEIPT_RETENTION
        )
        if not create_if_absent(claim):
            earlier = get_or_none(TipReceiptRecord, receipt, consistent_read=True)
            if earlier is not None and earlier.state != "claimed":
                logger.info("tips.sms duplicate keyword", extra={"outcome": earlier.outcome})
                return IntakeResult("duplicate", reply)
            claim = earlier or claim  # an unfinished claim (a crash): do it now
        if command is Command.NEW:
            _update_keyword_state(tipster, TipsterRecord.open_code.remove(), moment)
        elif command is Command.LANGUAGE:
            _update_keyword_state(tipster, TipsterRecord.language.set(lang), moment)
        else:
            # The platform's record is what senders read first; the tipster's own flag is
            # still written, so a sender that reads it (older data, a rollback) agrees.
            self.opt_outs.record(LINE_NAME, tipster.pseudonym, command is Command.STOP, OptOutSource.KEYWORD)
            _update_keyword_state(tipster, TipsterRecord.opted_out.set(command is Command.STOP), moment)
        mark_stored(claim)
        return IntakeResult(outcome, reply)

    # --- 1. the claim ----------------------------------------------------------------------
    def _claim(
        self,
        sms: InboundSms,
        receipt: str,
        command: Command,
        tipster: TipsterRecord,
        settings: TipsSettings,
        lang: str,
    ) -> tuple[TipReceiptRecord, bool, TipRecord | None] | IntakeResult:
        """The receipt this delivery works from: a new claim, or the one an earlier delivery
        left unfinished. A finished receipt ends here with the same acknowledgement."""
        legacy = get_or_none(TipReceiptRecord, sms.message_sid)
        if legacy is not None and legacy.state in (None, "stored"):
            # A receipt kept under the plain MessageSid, from before receipts were keyed
            # (review): still a duplicate, so a replay of an old capture is not a new
            # message. One more key lookup per message until those receipts expire.
            return self._duplicate(legacy, sms, lang)
        moment = now_utc()
        at = iso(moment)
        open_tip = None
        state = _state(tipster)
        if joins_open_tip(state, moment, timedelta(minutes=settings.thread_window_minutes), command):
            open_tip = get_or_none(TipRecord, tipster.open_code)
            if open_tip is not None and open_tip.status == "closed":
                open_tip = None
        for _ in range(_ATTEMPTS):
            claim = TipReceiptRecord(
                receipt,
                code=open_tip.code if open_tip else new_tip_code(settings.code_length),
                message_key=message_key(at, new_id()),
                at=at,
                state="claimed",
                outcome="joined" if open_tip else "new",
                hinted=tipster.language is None or None,  # the answer tells how to switch
                expires=moment + RECEIPT_RETENTION,
            )
            if create_if_absent(claim):
                return claim, True, open_tip
            earlier = get_or_none(TipReceiptRecord, receipt)
            if earlier is None:  # expired between the two calls: claim again
                continue
            if earlier.state in (None, "stored"):
                return self._duplicate(earlier, sms, lang)
            logger.info("tips.sms redoing an unfinished delivery", extra={"code": earlier.code})
            return earlier, False, None
        raise RuntimeError("could not claim the MessageSid")

    def _duplicate(self, receipt: TipReceiptRecord, sms: InboundSms, lang: str) -> IntakeResult:
        # Media items the first delivery stored but could not enqueue get another chance;
        # the media consumer skips items already done. (A base-table Query, and only
        # for messages that carried media.)
        if sms.media:
            pending = [
                MediaJob(code=m.code, media_id=m.media_id)
                for m in TipMediaRecord.query(
                    receipt.code, TipMediaRecord.media_id.startswith(media_id_prefix(receipt.message_sid))
                )
                if m.state == "pending"
            ]
            if pending:
                self.queues.send_media_jobs(pending)
        elif receipt.code and receipt.message_key:
            forget_at_twilio(self.queues, receipt.code, receipt.message_key)  # in case it was lost
        logger.info("tips.sms duplicate delivery", extra={"code": receipt.code})
        if now_utc() - parse_iso(receipt.at) > REPEAT_ACK_FOR:
            return IntakeResult("duplicate", "")  # a replay: no tip code for whoever sent it
        ack = ack_for(receipt.outcome or "new", receipt.code, lang)
        return IntakeResult("duplicate", with_switch_hint(ack, lang) if receipt.hinted else ack, receipt.code)

    # --- 2-5: the writes ---------------------------------------------------------------------
    def _store(
        self,
        message: _Message,
        tipster: TipsterRecord,
        open_tip: TipRecord | None,
        settings: TipsSettings,
    ) -> IntakeResult:
        tip, newly_keyworded = self._tip_for(message, tipster, open_tip, settings)
        code = message.code

        count = self._count_and_thread(message, tipster)
        if count is not None and over_limit(count, settings.rate_limit_per_hour) and not tip.spam_suspected:
            # Only when another message of the same tipster was counted in between.
            tip.update(actions=[TipRecord.spam_suspected.set(True), TipRecord.version.add(1)])

        media = message.media()
        self._write_message(message, media)

        mark_stored(message.claim)
        logger.info(
            "tips.sms stored",
            extra={
                "code": code,
                "outcome": message.claim.outcome,
                "media": len(media),
                "redo": not message.fresh,
            },
        )
        # A redo cannot tell whether the first attempt queued the alert before it died (its
        # tip update already holds the keywords), so it queues it again: the reply function
        # texts each supervisor once per tip and keywords, and a second alert beats none.
        if (newly_keyworded or (not message.fresh and message.keywords)) and not tip.spam_suspected:
            notify_supervisors(self.queues, code, message.keywords)
        jobs = [MediaJob(code=code, media_id=m.media_id) for m in media]
        if jobs:
            self.queues.send_media_jobs(jobs)  # the media consumer deletes the message after
        else:
            forget_at_twilio(self.queues, code, message.claim.message_key)
        ack = ack_for(message.claim.outcome, code, message.lang)
        ack = with_switch_hint(ack, message.lang) if message.claim.hinted else ack
        return IntakeResult(message.claim.outcome, ack, code, jobs)

    def _tip_for(
        self,
        message: _Message,
        tipster: TipsterRecord,
        open_tip: TipRecord | None,
        settings: TipsSettings,
    ) -> tuple[TipRecord, bool]:
        """The tip the message joins, or the one it starts, and whether this message gave
        it keywords it did not have."""
        predicted = count_in_window(_state(tipster), message.moment, settings.rate_limit_per_hour)
        if message.claim.outcome == "joined":
            tip, newly_keyworded = self._join_tip(message, open_tip, predicted.over_limit)
            if tip is not None:
                return tip, newly_keyworded
            # Closed (or gone) since the claim: the message starts a tip.
            self._move_claim(message, settings, attempt=0, outcome="new")
        return self._create_tip(message, settings, predicted.over_limit), bool(message.keywords)

    def _write_message(self, message: _Message, media: list[TipMediaRecord]) -> None:
        """The message, its media items and its feed entry (and, for a new tip, the
        sealed contact in the vault)."""
        code = message.code
        records: list = [
            TipMessageRecord(
                code,
                message.claim.message_key,
                message_id=message.claim.message_key.rsplit("#", 1)[1],
                at=message.claim.at,
                direction="in",
                channel="sms",
                body=message.text,
                media_ids=[m.media_id for m in media],
                # Only until the message is deleted at Twilio (rtcc.tips.forget).
                provider_sid=message.sid,
                receipt_key=message.receipt,
            ),
            *media,
            feed_entry(
                code, "tip" if message.claim.outcome == "new" else "message", message.moment, message.marker
            ),
        ]
        if message.claim.outcome == "new":
            # Its own conditional PutItem, never in the batch: the webhook's role may only
            # PutItem on the vault (BatchWriteItem would also let it delete entries), and a
            # redo keeps an entry that already carries an opt-out.
            create_if_absent(TipVaultRecord(code, ciphertext=self.sealer.seal(message.sms.from_number, code)))
        if message.fresh:
            put_all(records)
        else:
            # A redo: a media item may have moved on (stored/rejected) since the first
            # attempt, and the vault may carry an opt-out; keep what is there.
            for record in records:
                create_if_absent(record)

    def _create_tip(self, message: _Message, settings: TipsSettings, spam: bool) -> TipRecord:
        """The new tip under the claim's code; a code another tip holds moves the claim."""
        text, at = message.text, message.claim.at
        for attempt in range(_ATTEMPTS):
            code = message.code
            tip = TipRecord(
                code,
                channel="sms",
                alias=new_alias(),
                pseudonym=message.pseudonym,
                status="new",
                priority="high" if message.keywords else "normal",
                created_at=at,
                last_activity_at=at,
                activity_key=activity_key(at, code),
                preview=preview(text),
                message_count=1,
                media_count=len(message.sms.media),
                unread=True,
                keywords=message.keywords or None,
                spam_suspected=spam,
                search_words=message.words or None,
                recent_inbound_sids=[message.marker],
                version=1,
            )
            if create_if_absent(tip):
                return tip
            existing = get_or_none(TipRecord, code)
            if existing is not None and message.marker in (existing.recent_inbound_sids or ()):
                return existing  # created by an earlier attempt of this delivery
            self._move_claim(message, settings, attempt + 1, outcome="new")
        raise RuntimeError("no free tip code")

    def _move_claim(self, message: _Message, settings: TipsSettings, attempt: int, outcome: str) -> None:
        """Point the claim at a fresh code (a collision, or the open tip closed). Conditional
        on the claim being as we read it; if a concurrent redo moved it first, follow it."""
        old = message.claim.code
        longer = attempt // COLLISIONS_BEFORE_LONGER
        try:
            message.claim.update(
                actions=[
                    TipReceiptRecord.code.set(new_tip_code(settings.code_length + longer)),
                    TipReceiptRecord.outcome.set(outcome),
                ],
                condition=(TipReceiptRecord.code == old) & (TipReceiptRecord.state == "claimed"),
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            message.claim.refresh(consistent_read=True)
        logger.info("tips.sms claim moved to another code", extra={"from": old, "to": message.code})

    def _join_tip(
        self, message: _Message, tip: TipRecord | None, spam: bool
    ) -> tuple[TipRecord | None, bool]:
        """Add the message to the claim's open tip (optimistic lock on `version`). Returns
        (None, False) when the tip closed meanwhile: the message then starts a new one."""
        if tip is None or tip.code != message.code:
            tip = get_or_none(TipRecord, message.code)
        for _ in range(_ATTEMPTS):
            recent = list(tip.recent_inbound_sids or ()) if tip is not None else []
            if message.marker in recent:
                return tip, False  # applied by an earlier attempt of this delivery
            if tip is None or tip.status == "closed":
                return None, False
            seen = int(tip.version or 0)
            newly_keyworded = bool(message.keywords - set(tip.keywords or ()))
            if message.keywords and tip.priority in _RAISES_TO_HIGH:
                tip.priority = "high"
            tip.keywords = set(tip.keywords or ()) | message.keywords or None
            tip.search_words = set(tip.search_words or ()) | message.words or None
            tip.message_count = int(tip.message_count or 0) + 1
            tip.media_count = int(tip.media_count or 0) + len(message.sms.media)
            tip.spam_suspected = bool(tip.spam_suspected) or spam
            tip.last_activity_at = message.claim.at
            tip.activity_key = activity_key(message.claim.at, tip.code)
            tip.unread = True
            if not tip.preview and message.text.strip():
                tip.preview = preview(message.text)
            tip.recent_inbound_sids = (recent + [message.marker])[-RECENT_SIDS:]
            tip.version = seen + 1
            try:
                tip.save(condition=TipRecord.version == seen)
                return tip, newly_keyworded
            except PutError as exc:
                if not condition_failed(exc):
                    raise
                # An officer saved the tip, or another message joined it: read, redo.
                tip = get_or_none(TipRecord, message.code)
        raise RuntimeError("tip kept changing")

    def _count_and_thread(self, message: _Message, tipster: TipsterRecord) -> int | None:
        """Count the message in the tipster's rate window and make its tip the open one,
        in one UpdateItem conditional on the window we read: concurrent messages each
        add one (ADD is atomic) and only one of them can reset an expired window.

        Returns the count after this message, or None when a redo finds this message (or
        a later one) already recorded."""
        if not message.fresh and (tipster.last_message_at or "") >= message.claim.at:
            return None
        moment = message.moment
        for _ in range(_ATTEMPTS):
            thread = [
                TipsterRecord.open_code.set(message.code),
                TipsterRecord.last_message_at.set(message.claim.at),
                # The record now lives until this tip (and every other of the sender's) is
                # purged: rtcc.tips.retention removes the code and then the record.
                TipsterRecord.tip_codes.add({message.code}),
                TipsterRecord.expires.remove(),
                # The acknowledgement told how to switch language: from now on the tipster
                # keeps this one (a language keyword that came first is kept).
                TipsterRecord.language.set(TipsterRecord.language | message.lang),
            ]
            read_start = tipster.window_start
            if window_expired(_state(tipster), moment):
                actions = [
                    *thread,
                    TipsterRecord.window_start.set(message.claim.at),
                    TipsterRecord.window_count.set(1),
                ]
                condition = (
                    TipsterRecord.window_start == read_start
                    if read_start
                    else TipsterRecord.window_start.does_not_exist()
                )
            else:
                actions = [*thread, TipsterRecord.window_count.add(1)]
                condition = TipsterRecord.window_start == read_start
            try:
                tipster.update(actions=actions, condition=condition)
                return int(tipster.window_count or 0)
            except UpdateError as exc:
                if not condition_failed(exc):
                    raise
                # Another message reset the window first: count in the new one.
                tipster = get_or_none(TipsterRecord, tipster.pseudonym) or TipsterRecord(tipster.pseudonym)
        raise RuntimeError("rate window kept changing")


#: Twilio's Advanced Opt-Out verdict, when it names one, wins over our reading of the body:
#: Twilio has already opted the number out (or in) at its side, whatever word was used.
_ADVANCED = {
    AdvancedOptOut.STOP: Command.STOP,
    AdvancedOptOut.START: Command.START,
    AdvancedOptOut.HELP: Command.HELP,
}


def _command(form: dict[str, str], body: str) -> tuple[Command, str]:
    """The message's command and its text; for LANGUAGE, the text is the language chosen."""
    advanced = advanced_opt_out(form)
    if advanced is not None:
        return _ADVANCED[advanced], ""
    command, text = read_command(body)
    chosen = language_keyword(body) if command is Command.NONE else None
    return (Command.LANGUAGE, chosen) if chosen else (command, text)


def _update_keyword_state(tipster: TipsterRecord, action: Any, moment: datetime) -> None:
    """Apply a keyword's change. A sender with no tip kept gets a record that TTL ends
    (no purge will), unless a message gave it a tip meanwhile (the condition)."""
    if not tipster.tip_codes:
        try:
            tipster.update(
                actions=[action, TipsterRecord.expires.set(moment + KEYWORD_ONLY_RETENTION)],
                condition=TipsterRecord.tip_codes.does_not_exist(),
            )
            return
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
    tipster.update(actions=[action])


def mark_stored(claim: TipReceiptRecord) -> None:
    """The last write: from now on this MessageSid is a duplicate, however late it comes.
    The claim's expiry (for a delivery never finished) goes: a receipt lives as long as
    its tip. A whole-item put of the claim as this delivery last read it (a concurrent
    redo holds the same item); cheaper than UpdateItem in the local emulator."""
    claim.state = "stored"
    claim.expires = None
    claim.save()


def notify_supervisors(queues: TipQueues, code: str, keywords: set[str]) -> None:
    """Queue the on-duty supervisor alert. The tip is stored whatever happens here, so
    a queue failure is logged, not raised: the console shows the tip as high priority."""
    try:
        queues.send_outbound(AlertJob(code=code, keywords=tuple(sorted(keywords))))
    except Exception:  # noqa: BLE001 - the tip must not be lost over an alert
        logger.exception("tips: could not queue the supervisor alert", extra={"code": code})


def forget_at_twilio(queues: TipQueues, code: str, message_key: str) -> None:
    """Queue the deletion of a text-only message at Twilio. Logged, not raised: the tip
    is stored; the SID then stays on the message record until a duplicate delivery
    queues the job again, or the purge deletes the record."""
    try:
        queues.send_outbound(ForgetInboundJob(code=code, message_key=message_key))
    except Exception:  # noqa: BLE001 - the tip must not be lost over the clean-up
        logger.exception("tips: could not queue the deletion at Twilio", extra={"code": code})


def _state(tipster: TipsterRecord) -> TipsterState:
    return TipsterState(
        open_code=tipster.open_code,
        last_message_at=parse_iso(tipster.last_message_at) if tipster.last_message_at else None,
        window_start=parse_iso(tipster.window_start) if tipster.window_start else None,
        window_count=int(tipster.window_count or 0),
    )
