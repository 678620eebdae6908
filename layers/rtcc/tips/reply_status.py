"""Status callbacks of replies to tipsters: a reply is deleted at Twilio once it is final.

Twilio's record of a reply holds the tipster's number (its To) and the tip code (in the
body), so it is deleted as soon as Twilio lets us: a message still in progress cannot be
deleted, and the status callback is how we learn it no longer is.

- Before sending, the reply function saves a marker under a random `ref` (a TTL'd
  receipt, no tip code, no SID) and asks Twilio to post the reply's status to
  `STATUS_PATH?ref=<ref>`. Twilio signs that URL with the form, so a ref cannot be
  swapped onto another message's callback.
- The webhook function checks the signature as for inbound messages and, for a known ref
  whose status is final, queues a `ForgetReplyJob` carrying the SID; the reply function
  deletes the message (rtcc.tips.forget.forget_reply). No table ever holds a reply's SID:
  it lives in Twilio's callback and then on that queue message, until the delete is done.
- `sent` is final for carriers that never report delivery, but usually `delivered`
  follows within seconds, so a delete is queued `SENT_GRACE_S` later (SQS's longest
  delay): whichever delete runs second finds the message gone, which counts as done.
- An unknown ref (expired marker, another deploy, no ref) is acknowledged and ignored;
  a repeated final status queues nothing more (the marker records the first).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import timedelta
from urllib.parse import urlencode

from pynamodb.exceptions import UpdateError

from rtcc.settings import get_settings
from rtcc.store.tips import TipReceiptRecord
from rtcc.tips.jobs import ForgetReplyJob
from rtcc.tips.ports import TipQueues
from rtcc.tips.records import condition_failed, get_or_none, iso, now_utc

STATUS_PATH = "/webhooks/twilio/tips/status"
#: Statuses after which Twilio does nothing more with the message.
FINAL_STATUSES = frozenset({"delivered", "undelivered", "failed", "canceled"})
#: Seconds a `sent` reply waits for a delivery report before it is deleted anyway.
SENT_GRACE_S = 900
#: How long a marker waits for its callbacks: Twilio gives up on an undelivered SMS after
#: its validity period (at most 10 hours by default); three days leave room for retries.
MARKER_LIFETIME = timedelta(days=3)
_MARKER_PREFIX = "reply-status#"
_MARKER_KEY = "reply-status"
_REF = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_STATUS = re.compile(r"^[a-z_]{2,20}$")


class StatusFormError(ValueError):
    """A signed callback without a usable MessageSid or MessageStatus (a 400)."""


def new_status_ref() -> str:
    """Save a marker for one reply about to be sent and return its ref (for the URL)."""
    ref = secrets.token_urlsafe(18)
    moment = now_utc()
    TipReceiptRecord(
        _MARKER_PREFIX + ref, message_key=_MARKER_KEY, at=iso(moment), expires=moment + MARKER_LIFETIME
    ).save()
    return ref


def status_callback_url(ref: str) -> str:
    return get_settings().public_base_url.rstrip("/") + STATUS_PATH + "?" + urlencode({"ref": ref})


def parse_status(form: Mapping[str, str]) -> tuple[str, str]:
    """The callback's (MessageSid, MessageStatus), checked; never echoes the values."""
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    if not _STATUS.match(status):
        raise StatusFormError("MessageStatus: missing or not a Twilio status")
    try:
        ForgetReplyJob(sid=sid)
    except ValueError:
        raise StatusFormError("MessageSid: missing or not a message SID") from None
    return sid, status


def receive_status(queues: TipQueues, ref: str | None, form: Mapping[str, str]) -> str:
    """Act on one signed status callback; returns an outcome safe to count and log."""
    sid, status = parse_status(form)
    marker = get_or_none(TipReceiptRecord, _MARKER_PREFIX + ref) if ref and _REF.match(ref) else None
    if marker is None or marker.message_key != _MARKER_KEY:
        return "unknown"
    if status == "sent":
        queues.send_outbound(ForgetReplyJob(sid=sid), delay_s=SENT_GRACE_S)
        return "sent"
    if status not in FINAL_STATUSES:
        return "pending"
    if marker.state == "final":
        return "duplicate"
    # Queued before the marker records it: a crash between the two only means a second
    # delete later, which finds the message gone.
    queues.send_outbound(ForgetReplyJob(sid=sid))
    try:
        marker.update(
            actions=[TipReceiptRecord.state.set("final")], condition=TipReceiptRecord.state.does_not_exist()
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
    return "final"
