"""Deleting an inbound message at Twilio once we hold everything we need from it.

Twilio's record of a message holds the sender's number, and its MessageSid leads there,
so the SID is kept only as long as the deletion needs it: on the inbound message record
(`provider_sid`) from intake until the message is deleted at Twilio, then removed. Media
must be copied first (deleting a message deletes its media): a text-only message is
deleted by the reply function on a job the webhook queues (the webhook must answer fast
and holds no Twilio credentials to do it itself), an MMS by the media consumer when the
last of the message's items has settled and been deleted at the source.

A reply is deleted once Twilio reports it final (rtcc.tips.reply_status): its SID is
never stored, only carried by the `ForgetReplyJob` that deletes it.
"""

from __future__ import annotations

import logging

from pynamodb.exceptions import UpdateError

from rtcc.sms import SmsGateway
from rtcc.store.tips import TipMediaRecord, TipMessageRecord
from rtcc.tips.records import condition_failed, get_or_none

logger = logging.getLogger(__name__)


class DeleteFailed(Exception):
    """Twilio did not delete the message. Carries only a safe code (see outbound)."""


def media_done(code: str, message_key: str) -> bool:
    """Whether every media item of the message is settled and gone at its source."""
    items = [
        m
        for m in TipMediaRecord.query(code, consistent_read=True)
        if m.message_key == message_key and m.source == "twilio"
    ]
    return all(m.state not in ("pending", "awaiting_upload") and m.source_deleted for m in items)


def forget_inbound(sms: SmsGateway, code: str, message_key: str) -> str:
    """Delete the message at Twilio and drop its SID. Safe to repeat: a message already
    forgotten (or deleted at Twilio) is done."""
    message = get_or_none(TipMessageRecord, code, message_key)
    if message is None or not message.provider_sid or message.direction != "in":
        return "forgotten"
    sid = message.provider_sid
    try:
        sms.delete_message(sid)
    except Exception as exc:  # noqa: BLE001 - keep only a safe code: errors can quote numbers
        from rtcc.tips.outbound import error_code

        raise DeleteFailed(f"inbound message not deleted at Twilio (error {error_code(exc)})") from None
    try:
        message.update(
            actions=[TipMessageRecord.provider_sid.remove()],
            condition=TipMessageRecord.provider_sid == sid,
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
    logger.info("tips.inbound deleted at Twilio", extra={"code": code})
    return "forgotten"


def forget_reply(sms: SmsGateway, sid: str) -> str:
    """Delete a reply at Twilio. A message already gone counts as deleted (a repeated
    callback, or the delayed delete after `sent`), so this is safe to repeat. Twilio
    refuses a message still in progress: DeleteFailed, and SQS retries the job later.
    Neither the SID nor a tip code is logged (the job names no tip)."""
    try:
        sms.delete_message(sid)
    except Exception as exc:  # noqa: BLE001 - keep only a safe code: errors can quote numbers
        from rtcc.tips.outbound import error_code

        raise DeleteFailed(f"reply not deleted at Twilio (error {error_code(exc)})") from None
    logger.info("tips.outbound reply deleted at Twilio")
    return "forgotten"
