"""Status callbacks of replies to tipsters: a reply is deleted at Twilio once it is final.

Twilio's record of a reply holds the tipster's number (its To) and the tip code (in the
body), so it is deleted as soon as Twilio lets us: a message still in progress cannot be
deleted, and the status callback is how we learn it no longer is.

- Before sending, the reply function saves a marker under a random `ref` (a TTL'd
  receipt, no tip code, no SID; its first callback adds a hash of the SID) and asks
  Twilio to post the reply's status to `STATUS_PATH?ref=<ref>`. Twilio signs that URL
  with the form, so a ref cannot be swapped onto another message's callback.
- The webhook function checks the signature as for inbound messages and, for a known ref
  whose status is final, queues a `ForgetReplyJob` carrying the SID; the reply function
  deletes the message (rtcc.tips.forget.forget_reply). No table ever holds a reply's SID:
  it lives in Twilio's callback and then on that queue message, until the delete is done.
- `sent` is final for carriers that never report delivery, but usually `delivered`
  follows within seconds, so a delete is queued `SENT_GRACE_S` later (SQS's longest
  delay): whichever delete runs second finds the message gone, which counts as done.
- The first callback for a ref records a hash of its MessageSid on the marker; a callback
  naming another SID under that ref is acknowledged and ignored, so a ref can only ever
  delete its own reply (not, say, an inbound message whose media is not copied yet).
- An unknown ref (expired marker, another deploy, no ref) is acknowledged and ignored;
  a repeated `sent` or final status queues nothing more (the marker records the first).
"""

from __future__ import annotations

import hashlib
import hmac
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
    if not _bound_to(marker, sid):
        return "other_message"
    if status == "sent":
        if not _advance(marker, "sent"):
            return "duplicate"
        queues.send_outbound(ForgetReplyJob(sid=sid), delay_s=SENT_GRACE_S)
        return "sent"
    if status not in FINAL_STATUSES:
        return "pending"
    if marker.state == "final":
        return "duplicate"
    # Queued before the marker records it: a crash between the two only means a second
    # delete later, which finds the message gone.
    queues.send_outbound(ForgetReplyJob(sid=sid))
    _advance(marker, "final")
    return "final"


def sid_hash(sid: str) -> str:
    """What the marker keeps of the SID. A plain SHA-256 suffices, no key: a SID is 32
    random hex digits Twilio makes up, so the hash cannot be reversed by trying SIDs, and
    it ties to nothing else (the SID itself lives only in Twilio's callback and the job)."""
    return hashlib.sha256(sid.encode()).hexdigest()


def _bound_to(marker: TipReceiptRecord, sid: str) -> bool:
    """Whether the ref belongs to `sid`: the first callback's SID is recorded (a
    conditional write, so of two racing first callbacks one wins) and every later one
    must name it. Otherwise anyone holding the auth token, or a replayed callback signed
    for another message, could have a ref delete whatever message SID the form names."""
    wanted = sid_hash(sid)
    if marker.sid_hash is None:
        try:
            marker.update(
                actions=[TipReceiptRecord.sid_hash.set(wanted)],
                condition=TipReceiptRecord.sid_hash.does_not_exist(),
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            marker.refresh(consistent_read=True)
    return hmac.compare_digest(marker.sid_hash or "", wanted)


def _advance(marker: TipReceiptRecord, state: str) -> bool:
    """Record `sent` or `final` on the marker, once: False when it was already there (or
    further on). `sent` is claimed before its delayed delete is queued, so a replayed
    `sent` queues nothing (a crash in between leaves the delete to the final status);
    `final` is recorded after its delete is queued (see receive_status)."""
    earlier = TipReceiptRecord.state.does_not_exist()
    if state == "final":
        earlier = earlier | (TipReceiptRecord.state == "sent")
    try:
        marker.update(actions=[TipReceiptRecord.state.set(state)], condition=earlier)
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        return False
    return True
