"""The tip line on the platform's SMS layer (rtcc.sms, issue 10's first section), through
the local stack: opt-outs kept per (line, sender) and read before every reply, Twilio's
Advanced Opt-Out field and error 21610 recording them, stored tipsters' older opt-outs
still honoured, and the Twilio stand-in failing a number on request (a send error, or a
delivery error in a signed status callback)."""

from __future__ import annotations

import pytest
import requests
from rtcc.local.iam.identity import acting_as
from rtcc.sms.gateway import local_outbox
from rtcc.store.sms import SmsOptOutRecord
from rtcc.store.tips import TipMessageRecord, TipRecord, TipsterRecord
from rtcc.tips.adapters.aws import KmsMac
from rtcc.tips.pseudonym import pseudonym_for
from rtcc.tips.sms_line import LINE_NAME

from tests.integration.tips.conftest import Phone, code_of, new_number, twilio_form, wait_for

pytestmark = pytest.mark.integration


def pseudonym(number: str) -> str:
    with acting_as("tip-webhook"):  # only its role may use the MAC key
        return pseudonym_for(number, KmsMac())


def _get(line: str, number: str) -> SmsOptOutRecord | None:
    from pynamodb.exceptions import DoesNotExist

    try:
        return SmsOptOutRecord.get(line, pseudonym(number))
    except DoesNotExist:
        return None


def reply(api, code: str, text: str) -> TipMessageRecord:
    officer = api.as_role("officer")
    assert officer.post(f"/api/tips/{code}/replies", json={"text": text}).status_code == 200
    return wait_for(
        lambda: next(
            (
                m
                for m in TipMessageRecord.query(code)
                if m.direction == "out" and m.body == text and m.delivery not in ("queued", "sending")
            ),
            None,
        ),
        30,
    )


def test_stop_is_kept_for_the_tip_line_only_and_under_the_pseudonym(phone: Phone) -> None:
    number = new_number()
    phone.text(number, "a tip first")
    phone.text(number, "STOP")
    record = _get(LINE_NAME, number)
    assert record is not None and record.opted_out and record.source == "keyword"
    assert record.sender.startswith("p_") and number not in record.sender  # a keyed hash, no number
    assert _get("alerts", number) is None  # another line is untouched
    phone.text(number, "START")
    assert not _get(LINE_NAME, number).opted_out


def test_a_blocked_senders_stop_is_kept_silently(api, phone: Phone) -> None:
    """A block drops a sender's messages unanswered, but not their STOP: once the block
    ends (an unblock, or the purge of the tip it came from) a reply must not reach them."""
    number = new_number()
    code = code_of(phone.text(number, "a tip first")[1])
    assert api.as_role("supervisor").post(f"/api/tips/{code}/block").status_code == 200
    _, answer = phone.text(number, "STOP")
    assert answer.status_code == 200 and "<Message>" not in answer.text  # a blocked sender learns nothing
    record = _get(LINE_NAME, number)
    assert record is not None and record.opted_out
    assert api.as_role("supervisor").delete(f"/api/tips/{code}/block").status_code == 200
    sent = reply(api, code, "are you still there?")
    assert sent.delivery == "undeliverable" and "opted out" in sent.delivery_detail
    assert not [m for m in local_outbox().messages(number) if "still there" in m.body]


def test_twilios_advanced_opt_out_field_records_the_opt_out(api, phone: Phone) -> None:
    number = new_number()
    code = code_of(phone.text(number, "the car is back")[1])
    # A word our keywords do not know, but Twilio's Advanced Opt-Out acted on it.
    form = {**twilio_form(number, "ARRET"), "OptOutType": "STOP"}
    assert phone.post(form).status_code == 200
    assert _get(LINE_NAME, number).opted_out and TipsterRecord.get(pseudonym(number)).opted_out
    assert TipRecord.get(code).message_count == 1  # not stored as a message
    sent = reply(api, code, "Are you still there?")
    assert sent.delivery == "undeliverable" and "opted out" in sent.delivery_detail
    assert not [m for m in local_outbox().messages(number) if "still there" in m.body]


def test_an_opt_out_stored_before_the_platform_record_is_still_honoured(api, phone: Phone) -> None:
    number = new_number()
    code = code_of(phone.text(number, "older tipster")[1])
    # A tipster who sent STOP before rtcc.sms kept opt-outs: only their own flag says so.
    TipsterRecord(pseudonym(number)).update(actions=[TipsterRecord.opted_out.set(True)])
    assert _get(LINE_NAME, number) is None
    sent = reply(api, code, "Can you tell us more?")
    assert sent.delivery == "undeliverable" and "opted out" in sent.delivery_detail
    # Their START then writes the platform's record, which decides from now on.
    phone.text(number, "START")
    assert reply(api, code, "Thanks, one more question").delivery == "sent"


def test_error_21610_on_a_reply_records_the_opt_out(api, phone: Phone, local_stack) -> None:
    number = new_number()
    code = code_of(phone.text(number, "the shop on Main")[1])
    failures = local_stack.base_url + "/dev/outbox/failures"
    assert requests.post(failures, json={"to": number, "code": 21610}, timeout=10).status_code == 200
    try:
        sent = reply(api, code, "Which shop?")
    finally:
        requests.post(failures, json={"to": number, "code": None}, timeout=10)
    assert sent.delivery == "undeliverable" and "21610" in sent.delivery_detail
    record = _get(LINE_NAME, number)
    assert record is not None and record.opted_out and record.source == "error_21610"
    # The next reply is not even tried: the opt-out is read first.
    later = reply(api, code, "Still there?")
    assert later.delivery == "undeliverable" and "opted out" in later.delivery_detail


def test_a_delivery_error_arrives_as_a_signed_undelivered_callback(api, phone: Phone, local_stack) -> None:
    number = new_number()
    code = code_of(phone.text(number, "graffiti on the bridge")[1])
    failures = local_stack.base_url + "/dev/outbox/failures"
    requests.post(failures, json={"to": number, "code": 30003}, timeout=10)
    try:
        assert reply(api, code, "Which bridge?").delivery == "sent"  # Twilio accepted it
        (sms,) = wait_for(lambda: [m for m in local_outbox().messages(number) if "Which bridge" in m.body])
        box = local_outbox()
        # queued -> sent -> undelivered (30003), each signed and accepted by the status route;
        # the final one gets the reply deleted at Twilio, as a delivered one does.
        wait_for(lambda: sms.sid in box.deleted(), 60)
        assert box.status(sms.sid) == "undelivered"
    finally:
        requests.post(failures, json={"to": number, "code": None}, timeout=10)


def test_the_phone_lists_the_lines_and_labels_what_each_sent(api, phone: Phone, local_stack) -> None:
    base = local_stack.base_url
    lines = requests.get(base + "/dev/phone/lines", timeout=10).json()["lines"]
    assert {
        "name": "tips",
        "label": "Tip line",
        "number": "+15550100100",
        "path": "/webhooks/twilio/tips",
    } in lines
    number = new_number()
    sent = requests.post(
        base + "/dev/phone/send", json={"from": number, "body": "hello", "line": "tips"}, timeout=30
    ).json()
    assert sent["webhook_status"] == 200
    code = code_of_reply(sent["reply"])
    reply(api, code, "Thanks for the tip")
    messages = wait_for(
        lambda: [
            m
            for m in requests.get(base + "/dev/phone/messages", params={"number": number}, timeout=10).json()[
                "messages"
            ]
            if m["status"] == "delivered"
        ]
    )
    assert messages[0]["line"] == "tips" and messages[0]["body"].endswith("Thanks for the tip")
    bad = requests.post(
        base + "/dev/phone/send", json={"from": number, "body": "x", "line": "nope"}, timeout=10
    )
    assert bad.status_code == 400 and "tips" in bad.json()["message"]


def code_of_reply(text: str) -> str:
    import re

    return re.search(r"T-[2-9A-Z]{4,8}", text).group(0)


def test_refusing_a_bad_failure_request(local_stack) -> None:
    url = local_stack.base_url + "/dev/outbox/failures"
    assert requests.post(url, json={"to": "5550100", "code": 30003}, timeout=10).status_code == 400
    assert requests.post(url, json={"to": "+15550100999", "code": "30003"}, timeout=10).status_code == 400
