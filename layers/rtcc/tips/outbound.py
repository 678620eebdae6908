"""The only code that reads the contact vault: replies to tipsters and supervisor alerts.

It runs in its own function (the reply consumer), whose role alone may read the vault
table and use the key to decrypt; the API only queues work for it.

SQS delivers at least once, so both jobs are safe to receive twice:
- a reply is claimed first (delivery `queued` -> `sending`, a conditional update), then
  sent, then marked `sent`; a redelivery that finds `sent` does nothing, one that finds a
  live claim backs off, one that finds a claim older than the function's timeout (its
  invocation is dead) takes it over;
- a supervisor alert keeps a sent marker per recipient, so a retry texts only those the
  first attempt missed.

Provider errors name the recipient ("The 'To' number +1555... is not a valid phone
number"), and whatever an SQS consumer raises ends up in CloudWatch (Powertools puts every
record's error in the BatchProcessingError it raises when a whole batch fails), so a
failed send is turned into `SendFailed`, which carries only the provider's numeric code or
the exception's class name, never its message.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, UpdateError

from rtcc.sms import SmsGateway
from rtcc.sms.errors import MAYBE_SENT_EXCEPTIONS, OPTED_OUT, PERMANENT_CODES
from rtcc.sms.optout import OptOuts, OptOutSource
from rtcc.store.tips import TipMessageRecord, TipReceiptRecord, TipRecord, TipsterRecord, TipVaultRecord
from rtcc.tips.forget import forget_inbound, forget_reply
from rtcc.tips.jobs import AlertJob, ForgetInboundJob, ForgetReplyJob, ReplyJob
from rtcc.tips.ports import ContactSealer
from rtcc.tips.records import RECEIPT_RETENTION, condition_failed, get_or_none, iso, now_utc, parse_iso
from rtcc.tips.reply_status import new_status_ref, status_callback_url
from rtcc.tips.settings import tips_settings
from rtcc.tips.sms_line import LINE_NAME
from rtcc.tips.sms_texts import language_of, tip_text
from rtcc.topology import TOPOLOGY

logger = logging.getLogger(__name__)

#: Twilio API errors that will not change on retry: the number cannot get our SMS
#: (the platform's list, rtcc.sms.errors).
PERMANENT_SMS_ERRORS = PERMANENT_CODES

_OUTBOUND = TOPOLOGY.function("tip-outbound")
_QUEUE = next(q for q in TOPOLOGY.queues if q.consumer == _OUTBOUND.name)
#: An invocation cannot outlive the function's timeout, so a `sending` claim older than
#: this belongs to one that died (mid-send, perhaps: taking it over may send twice, which
#: beats never sending).
CLAIM_EXPIRES_AFTER = timedelta(seconds=_OUTBOUND.timeout_s + 30)
#: Receives after which the queue dead-letters a job: the last attempt marks the reply
#: `failed` so the officer sees it was not sent.
MAX_RECEIVES = _QUEUE.max_receive_count
_CLAIM_PREFIX = "sending since "
CONTACT_DELETED = "the tipster's contact has been deleted (retention period over)"
OPTED_OUT_DETAIL = "the tipster opted out (STOP)"


class SendFailed(Exception):
    """An SMS did not go out. `code` is safe to log (a provider error number or an
    exception class name); the provider's message never travels with it."""

    def __init__(self, code: str, permanent: bool = False, maybe_sent: bool = False) -> None:
        super().__init__(f"SMS not sent (error {code})")
        self.code = code
        self.permanent = permanent
        self.maybe_sent = maybe_sent


class ReplyBusy(Exception):
    """Another invocation holds a fresh claim on this reply: try again later."""


def error_code(exc: BaseException) -> str:
    """Twilio's numeric error code if the exception has one (TwilioRestException.code),
    else the exception's class name: never anything from its message."""
    code = getattr(exc, "code", None)
    if isinstance(code, int) and not isinstance(code, bool):
        return str(code)
    return type(exc).__name__


#: Failures after the request reached the provider, whose answer never came: the message
#: may have gone out (rtcc.sms.errors).
MAYBE_SENT_ERRORS = MAYBE_SENT_EXCEPTIONS


def send_sms(sms: SmsGateway, to: str, from_: str, body: str, status_callback: str | None = None) -> str:
    try:
        if status_callback:
            return sms.send(to, from_, body, status_callback=status_callback)
        return sms.send(to, from_, body)
    except Exception as exc:  # noqa: BLE001 - any provider error: keep only a safe code
        code = error_code(exc)
        # `from None`: a chained traceback would print the original message (and number).
        raise SendFailed(
            code,
            permanent=code.isdigit() and int(code) in PERMANENT_SMS_ERRORS,
            maybe_sent=code in MAYBE_SENT_ERRORS,
        ) from None


def reply_text(code: str, body: str, lang: str | None = None) -> str:
    """An officer's reply as the tipster gets it: the framing in their language (the
    officer's words as written)."""
    return tip_text(lang, "tips.reply", code=code, body=body)


def tipster_language(code: str) -> str:
    """The language the tip's sender chose (rtcc.tips.sms_texts), else the city's."""
    tip = get_or_none(TipRecord, code)
    tipster = get_or_none(TipsterRecord, tip.pseudonym) if tip is not None and tip.pseudonym else None
    return language_of(tipster.language if tipster is not None else None)


def alert_text(code: str, keywords: list[str]) -> str:
    words = ", ".join(keywords[:3]) or "priority keyword"
    return f"rtcc: priority tip {code} ({words}). Open the tips inbox to triage."


def alert_marker_key(code: str, keywords: list[str], number: str) -> str:
    """Receipt key of one alert to one supervisor; the number only as part of a hash."""
    digest = hashlib.sha256("|".join([code, ",".join(sorted(keywords)), number]).encode()).hexdigest()
    return f"alert#{code}#{digest[:24]}"


class OutboundSender:
    def __init__(self, sealer: ContactSealer, sms: SmsGateway, opt_outs: OptOuts | None = None) -> None:
        self.sealer = sealer
        self.sms = sms
        self._opt_outs = opt_outs

    @property
    def opt_outs(self) -> OptOuts:
        """The platform's opt-outs (rtcc.sms.optout), read before every reply."""
        if self._opt_outs is None:
            from rtcc.sms.optout_store import DynamoOptOuts

            self._opt_outs = DynamoOptOuts()
        return self._opt_outs

    def handle(
        self, job: ReplyJob | AlertJob | ForgetInboundJob | ForgetReplyJob, receive_count: int = 1
    ) -> str:
        """One job from the queue, parsed already: a message that is not one of these
        fails as a record before it gets here (see functions/tip_outbound.py)."""
        if isinstance(job, ReplyJob):
            return self.reply(job.code, job.message_key, receive_count)
        if isinstance(job, ForgetInboundJob):
            return forget_inbound(self.sms, job.code, job.message_key)
        if isinstance(job, ForgetReplyJob):
            return forget_reply(self.sms, job.sid)
        # Only words the city configured reach a supervisor's phone, whatever a message on
        # the queue says (the producers find them with the same list).
        configured = {k.casefold() for k in tips_settings().priority_keywords}
        return self.alert(job.code, [k for k in job.keywords if k.casefold() in configured])

    # --- replies ----------------------------------------------------------------------------
    def reply(self, code: str, key: str, receive_count: int = 1) -> str:
        try:
            message = TipMessageRecord.get(code, key)
        except DoesNotExist:
            logger.warning("tips.outbound reply not found", extra={"code": code})
            return "unknown"
        if message.delivery == "sending" and not _claim_expired(message):
            raise ReplyBusy(f"reply {code} is being sent by another invocation")
        if message.delivery not in ("queued", "sending"):
            return message.delivery or "unknown"  # sent (or settled) already: a redelivered job
        reason = self._undeliverable(code)
        if reason:
            self._settle(message, "undeliverable", reason)
            return "undeliverable"
        claim = self._claim(message)
        if claim is None:
            raise ReplyBusy(f"reply {code} was claimed by another invocation")
        vault = _live_vault(code)
        if vault is None:  # its TTL passed since the check above
            self._settle(message, "undeliverable", CONTACT_DELETED, claim=claim)
            return "undeliverable"
        number = self.sealer.unseal(vault.ciphertext, code)
        # Twilio posts the reply's status there; a final one gets it deleted at Twilio.
        callback = status_callback_url(new_status_ref())
        try:
            text = reply_text(code, message.body, tipster_language(code))
            send_sms(self.sms, number, tips_settings().line_number, text, callback)
        except SendFailed as failed:
            return self._send_failed(message, claim, failed, receive_count)
        # The SID is not kept: its status callback brings it back when it can be deleted.
        self._settle(message, "sent", None, claim=claim)
        logger.info("tips.outbound reply sent", extra={"code": code})
        return "sent"

    def _claim(self, message: TipMessageRecord) -> str | None:
        """Move the reply to `sending` if nobody else did; returns the claim (the detail
        written, which later updates check so a taken-over claim is not overwritten)."""
        claim = _CLAIM_PREFIX + iso(now_utc())
        if message.delivery == "queued":
            condition = TipMessageRecord.delivery == "queued"
        else:  # an expired claim: take it over only if it is still the one we read
            condition = (TipMessageRecord.delivery == "sending") & (
                TipMessageRecord.delivery_detail == message.delivery_detail
            )
        try:
            message.update(
                actions=[
                    TipMessageRecord.delivery.set("sending"),
                    TipMessageRecord.delivery_detail.set(claim),
                ],
                condition=condition,
            )
        except UpdateError as exc:
            if condition_failed(exc):
                return None
            raise
        return claim

    def _send_failed(
        self, message: TipMessageRecord, claim: str, failed: SendFailed, receive_count: int
    ) -> str:
        code = message.code
        logger.warning(
            "tips.outbound reply not sent",
            extra={
                "code": code,
                "error": failed.code,
                "permanent": failed.permanent,
                "attempt": receive_count,
            },
        )
        if failed.code == str(OPTED_OUT):
            self._record_opt_out(code)
        if failed.permanent:
            self._settle(
                message,
                "undeliverable",
                f"the tipster's number cannot receive SMS (error {failed.code})",
                claim=claim,
            )
            return "undeliverable"
        if failed.maybe_sent:
            # Twilio may have accepted it before the answer was lost: a retry could text
            # the tipster twice, so the officer decides instead.
            self._settle(
                message,
                "failed",
                f"Twilio did not confirm in time (error {failed.code}); it may have been delivered. "
                "Not retried, so the tipster is never texted twice; reply again if it matters",
                claim=claim,
            )
            return "failed"
        if receive_count >= MAX_RECEIVES:
            self._settle(
                message,
                "failed",
                f"not sent after {receive_count} attempts (error {failed.code}); reply again to retry",
                claim=claim,
            )
        else:
            # Give the claim back so the redelivery can take it at once.
            self._settle(message, "queued", f"retrying after error {failed.code}", claim=claim)
        raise failed

    def _undeliverable(self, code: str) -> str | None:
        vault = _live_vault(code)
        if vault is None:
            return CONTACT_DELETED
        if vault.opted_out:
            return OPTED_OUT_DETAIL
        tip = TipRecord.get(code)
        if not tip.pseudonym:
            return None
        # The platform's opt-out for the tip line decides; a tipster with no record there
        # (a STOP stored before it existed) is read from the tipster's own flag, which
        # STOP and START keep writing (migration by fallback, no rewrite of old items).
        state = self.opt_outs.state(LINE_NAME, tip.pseudonym)
        if state is not None:
            return OPTED_OUT_DETAIL if state.opted_out else None
        try:
            return OPTED_OUT_DETAIL if TipsterRecord.get(tip.pseudonym).opted_out else None
        except DoesNotExist:
            return None

    def _record_opt_out(self, code: str) -> None:
        """Twilio refused the reply with 21610: the tipster sent STOP to our number and we
        missed it (or it predates our record). Recorded, so the next reply is not tried."""
        tip = get_or_none(TipRecord, code)
        if tip is not None and tip.pseudonym:
            self.opt_outs.record(LINE_NAME, tip.pseudonym, True, OptOutSource.ERROR_21610)

    def _settle(
        self,
        message: TipMessageRecord,
        delivery: str,
        detail: str | None,
        claim: str | None = None,
    ) -> None:
        """Record the outcome; with `claim`, only while that claim is still ours."""
        actions = [TipMessageRecord.delivery.set(delivery)]
        actions.append(
            TipMessageRecord.delivery_detail.set(detail)
            if detail
            else TipMessageRecord.delivery_detail.remove()
        )
        if claim is None:
            condition = TipMessageRecord.delivery.is_in("queued", "sending")
        else:
            condition = (TipMessageRecord.delivery == "sending") & (TipMessageRecord.delivery_detail == claim)
        try:
            message.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            # Someone else settled it (or took over an expired claim): theirs stands.
            logger.info("tips.outbound reply settled elsewhere", extra={"code": message.code})

    # --- supervisor alerts --------------------------------------------------------------------
    def alert(self, code: str, keywords: list[str]) -> str:
        sent = skipped = 0
        retry: list[str] = []
        for number in tips_settings().supervisor_numbers:
            marker = alert_marker_key(code, keywords, number)
            if get_or_none(TipReceiptRecord, marker) is not None:
                skipped += 1  # texted by an earlier attempt of this job
                continue
            try:
                send_sms(self.sms, number, tips_settings().line_number, alert_text(code, keywords))
            except SendFailed as failed:
                logger.warning(
                    "tips.outbound supervisor alert not sent",
                    extra={"code": code, "error": failed.code, "permanent": failed.permanent},
                )
                if not failed.permanent:
                    retry.append(failed.code)
                    continue
                # A supervisor number that cannot get SMS will not on retry either: settle it.
            moment = now_utc()
            TipReceiptRecord(
                marker,
                code=code,
                message_key="supervisor-alert",
                at=iso(moment),
                expires=moment + RECEIPT_RETENTION,
            ).save()
            sent += 1
        logger.info(
            "tips.outbound supervisors alerted",
            extra={"code": code, "sent": sent, "already": skipped, "failed": len(retry)},
        )
        if retry:
            raise SendFailed(retry[0])  # SQS retries; the markers keep others from a second text
        return "sent"


def _live_vault(code: str) -> TipVaultRecord | None:
    """The tip's sealed contact, or None once it is gone: deleted, holding only the expiry
    a close wrote after the item had gone (see inbox), or past its TTL but not yet removed
    by DynamoDB (which can take days: the retention period is what counts)."""
    vault = get_or_none(TipVaultRecord, code)
    if vault is None or not vault.ciphertext:
        return None
    return vault


def _claim_expired(message: TipMessageRecord) -> bool:
    detail = message.delivery_detail or ""
    if not detail.startswith(_CLAIM_PREFIX):
        return True  # a claim without a time: nobody can be holding it meaningfully
    try:
        claimed: datetime = parse_iso(detail[len(_CLAIM_PREFIX) :])
    except ValueError:
        return True
    return now_utc() - claimed > CLAIM_EXPIRES_AFTER
