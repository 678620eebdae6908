"""Replies are deleted at Twilio once their status is final (issue 8, item 5).

Twilio's record of a reply holds the tipster's number (its To) and the tip code (in the
body). Through the local stack: an officer's reply goes out through the Twilio stand-in
(the local outbox), which posts signed `sent` and `delivered` callbacks to the status
route; the delivered one queues the delete, and the stand-in records it. Forged
callbacks are refused, unknown ones ignored, duplicates harmless; no table keeps the
reply's SID and no log line carries it.
"""

from __future__ import annotations

import json
import logging
import time

import pytest
import requests
from rtcc.sms.gateway import OutboxSmsGateway, local_outbox
from rtcc.store.tips import TipMessageRecord, TipReceiptRecord
from rtcc.tips.forget import DeleteFailed, forget_reply
from rtcc.tips.jobs import ForgetReplyJob
from rtcc.tips.reply_status import SENT_GRACE_S, STATUS_PATH, new_status_ref, receive_status

from tests.integration.tips.conftest import AUTH_TOKEN, Phone, code_of, new_number, new_sid, wait_for
from tests.integration.tips.test_outbound import Capture

pytestmark = pytest.mark.integration

#: Our loggers and Powertools' (botocore's DEBUG lines quote request bodies, as they would
#: anywhere; deployed functions log at INFO).
LOGGERS = ("rtcc", "rtcc.tips", "rtcc-tips", "rtcc-tips-outbound", "aws_lambda_powertools")


@pytest.fixture
def logs():
    capture = Capture()
    capture.setLevel(logging.INFO)
    saved = {}
    for name in LOGGERS:
        log = logging.getLogger(name)
        saved[name] = log.level
        log.addHandler(capture)
        log.setLevel(logging.INFO)
    try:
        yield capture
    finally:
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(capture)
            logging.getLogger(name).setLevel(saved[name])


def post_status(url: str, sid: str, status: str, signature: str | None = "sign", **extra: str):
    from rtcc.tips.adapters.twilio_webhook import sign

    form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32, **extra}
    headers = {}
    if signature == "sign":
        headers["X-Twilio-Signature"] = sign(AUTH_TOKEN, url, form)
    elif signature is not None:
        headers["X-Twilio-Signature"] = signature
    return requests.post(url, data=form, headers=headers, timeout=30)


def replied(api, phone: Phone, text: str = "Which street?"):
    """A tip by SMS and an officer's reply to it, as the stand-in sent it."""
    number = new_number()
    code = code_of(phone.text(number, "I saw the van again")[1])
    officer = api.as_role("officer")
    assert officer.post(f"/api/tips/{code}/replies", json={"text": text}).status_code == 200
    wanted = f"Re tip {code}: {text}"
    (sms,) = wait_for(lambda: [m for m in local_outbox().messages(number) if m.body == wanted], 30)
    return code, sms


def test_a_delivered_reply_is_deleted_at_twilio_and_its_sid_kept_nowhere(api, phone: Phone, logs) -> None:
    code, sms = replied(api, phone)
    assert sms.status_callback.startswith(phone.base_url + STATUS_PATH + "?ref=")
    box = local_outbox()
    wait_for(lambda: sms.sid in box.deleted(), 60)
    assert box.status(sms.sid) == "delivered"  # deleted after the final status, not before
    assert all(m.provider_sid != sms.sid for m in TipMessageRecord.query(code))
    stored = [m for m in TipMessageRecord.query(code) if m.direction == "out"]
    assert stored[0].delivery == "sent" and stored[0].provider_sid is None
    assert any("reply deleted at Twilio" in line for line in logs.lines)  # the capture works
    assert not [line for line in logs.lines if sms.sid in line]


def test_forged_and_malformed_status_callbacks_are_refused(api, phone: Phone) -> None:
    _, sms = replied(api, phone, "forged?")
    sid = new_sid()
    assert post_status(sms.status_callback, sid, "delivered", signature=None).status_code == 403
    assert post_status(sms.status_callback, sid, "delivered", signature="bm90IGl0").status_code == 403
    # Signed for another URL (another ref): the ref is part of what Twilio signs.
    from rtcc.tips.adapters.twilio_webhook import sign

    form = {"MessageSid": sid, "MessageStatus": "delivered"}
    other = phone.base_url + STATUS_PATH + "?ref=" + "x" * 24
    forged = requests.post(
        sms.status_callback,
        data=form,
        headers={"X-Twilio-Signature": sign(AUTH_TOKEN, other, form)},
        timeout=30,
    )
    assert forged.status_code == 403
    bad = requests.post(
        sms.status_callback,
        data={"MessageStatus": "delivered"},
        headers={"X-Twilio-Signature": sign(AUTH_TOKEN, sms.status_callback, {"MessageStatus": "delivered"})},
        timeout=30,
    )
    assert bad.status_code == 400 and "MessageSid" in bad.text
    time.sleep(1)
    assert sid not in local_outbox().deleted()


def test_a_callback_for_an_unknown_message_is_ignored(phone: Phone) -> None:
    sid = new_sid()
    for url in (phone.base_url + STATUS_PATH + "?ref=" + "u" * 24, phone.base_url + STATUS_PATH):
        answer = post_status(url, sid, "delivered")
        assert answer.status_code == 200 and answer.text == ""
    time.sleep(1.5)  # long enough for the poller to have run a queued delete
    assert sid not in local_outbox().deleted()


def test_a_repeated_final_status_deletes_once(api, phone: Phone) -> None:
    _, sms = replied(api, phone, "twice?")
    box = local_outbox()
    wait_for(lambda: sms.sid in box.deleted(), 60)
    assert post_status(sms.status_callback, sms.sid, "delivered").status_code == 200
    assert post_status(sms.status_callback, sms.sid, "failed").status_code == 200
    time.sleep(1.5)
    assert box.deleted().count(sms.sid) == 1


class Queues:
    def __init__(self) -> None:
        self.sent: list[tuple[ForgetReplyJob, int]] = []

    def send_outbound(self, job, delay_s: int = 0) -> None:
        self.sent.append((job, delay_s))


def test_sent_queues_a_delayed_delete_and_final_ones_one_now(local_stack) -> None:
    """`sent` may be the last word from carriers that never report delivery: the delete
    waits SQS's longest delay for a `delivered`; a final status deletes at once, once."""
    ref, sid, queues = new_status_ref(), new_sid(), Queues()
    assert receive_status(queues, ref, {"MessageSid": sid, "MessageStatus": "queued"}) == "pending"
    assert receive_status(queues, ref, {"MessageSid": sid, "MessageStatus": "sent"}) == "sent"
    assert receive_status(queues, ref, {"MessageSid": sid, "MessageStatus": "undelivered"}) == "final"
    assert receive_status(queues, ref, {"MessageSid": sid, "MessageStatus": "delivered"}) == "duplicate"
    assert receive_status(queues, "not-a-ref", {"MessageSid": sid, "MessageStatus": "failed"}) == "unknown"
    assert [(j.sid, d) for j, d in queues.sent] == [(sid, SENT_GRACE_S), (sid, 0)]
    # The job is the only place the SID lives: it names no tip.
    assert set(json.loads(queues.sent[0][0].model_dump_json())) == {"kind", "sid"}


def test_a_message_in_progress_is_not_deleted_until_final(local_stack) -> None:
    """Twilio refuses deleting a message it is still sending; the job fails (SQS retries
    it later) with no number or SID in the error, and succeeds once the status is final."""
    box = OutboxSmsGateway()
    sid = box.send(
        "+15550007777", "+15550100100", "Re tip T-ABCD: hi", status_callback="http://127.0.0.1:9/x"
    )
    with pytest.raises(DeleteFailed) as failed:
        forget_reply(box, sid)
    assert sid not in str(failed.value) and "+1555" not in str(failed.value)
    assert box.deleted() == []
    wait_for(lambda: box.status(sid) == "delivered", 10, 0.05)
    assert forget_reply(box, sid) == "forgotten" and forget_reply(box, sid) == "forgotten"
    assert box.deleted() == [sid]


def test_a_ref_answers_for_one_message_only(local_stack) -> None:
    """The first callback binds the ref to its message (a hash of the SID on the marker):
    a signed form naming another SID under that ref, e.g. an inbound message whose media
    is not copied yet, deletes nothing, whatever its status."""
    ref, sid, other, queues = new_status_ref(), new_sid(), new_sid(), Queues()
    assert receive_status(queues, ref, {"MessageSid": sid, "MessageStatus": "queued"}) == "pending"
    for status in ("sent", "delivered", "failed"):
        assert receive_status(queues, ref, {"MessageSid": other, "MessageStatus": status}) == "other_message"
    assert queues.sent == []
    assert receive_status(queues, ref, {"MessageSid": sid, "MessageStatus": "delivered"}) == "final"
    assert [j.sid for j, _ in queues.sent] == [sid]
    # The marker holds a hash of the SID, never the SID itself.
    marker = TipReceiptRecord.get("reply-status#" + ref)
    assert sid not in json.dumps(marker.attribute_values, default=str)


def test_a_ref_first_seen_with_a_final_status_is_bound_too(local_stack) -> None:
    ref, sid, queues = new_status_ref(), new_sid(), Queues()
    assert receive_status(queues, ref, {"MessageSid": sid, "MessageStatus": "failed"}) == "final"
    assert receive_status(queues, ref, {"MessageSid": new_sid(), "MessageStatus": "sent"}) == "other_message"
    assert [j.sid for j, _ in queues.sent] == [sid]


def test_repeated_sent_callbacks_queue_one_delayed_delete(local_stack) -> None:
    """A replayed `sent` (Twilio's signature carries no time) queues nothing more, and
    neither does a `sent` arriving after the final status."""
    ref, sid, queues = new_status_ref(), new_sid(), Queues()
    assert receive_status(queues, ref, {"MessageSid": sid, "MessageStatus": "sent"}) == "sent"
    for _ in range(3):
        assert receive_status(queues, ref, {"MessageSid": sid, "MessageStatus": "sent"}) == "duplicate"
    assert receive_status(queues, ref, {"MessageSid": sid, "MessageStatus": "delivered"}) == "final"
    assert receive_status(queues, ref, {"MessageSid": sid, "MessageStatus": "sent"}) == "duplicate"
    assert [(j.sid, d) for j, d in queues.sent] == [(sid, SENT_GRACE_S), (sid, 0)]


def test_a_signed_callback_for_another_sid_is_ignored_end_to_end(api, phone: Phone) -> None:
    _, sms = replied(api, phone, "whose?")
    box = local_outbox()
    wait_for(lambda: sms.sid in box.deleted(), 60)
    victim = new_sid("MM")  # e.g. an inbound MMS whose media is still being copied
    answer = post_status(sms.status_callback, victim, "delivered")
    assert answer.status_code == 200 and answer.text == ""
    time.sleep(1.5)  # long enough for the poller to have run a queued delete
    assert victim not in box.deleted()
