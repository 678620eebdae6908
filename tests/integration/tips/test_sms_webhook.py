"""Text-a-tip through the local gateway: signatures, threading, duplicates, anonymity."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode
from xml.etree import ElementTree

import boto3
import pytest
from pynamodb.exceptions import DoesNotExist
from rtcc.audit import AuditLog
from rtcc.local.iam.identity import acting_as
from rtcc.store.tips import TipReceiptRecord, TipsterRecord
from rtcc.tips.adapters.aws import KmsMac

from tests.integration.tips.conftest import (
    WEBHOOK,
    Phone,
    code_of,
    new_number,
    new_sid,
    twilio_form,
    wait_for,
)
from tests.reference import reference_path

pytestmark = pytest.mark.integration


def ack(response) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/xml")
    message = ElementTree.fromstring(response.text).find("Message")
    return message.text if message is not None else ""


def receipt_of(sid: str) -> TipReceiptRecord:
    """The receipt of MessageSid `sid`, stored under a keyed hash of it (never the SID)."""
    from rtcc.tips.pseudonym import receipt_key

    with acting_as("tip-webhook"):  # only its role may use the MAC key
        key = receipt_key(sid, KmsMac())
    return TipReceiptRecord.get(key)


def detail(api, code: str) -> dict[str, Any]:
    r = api.as_role("officer").get(f"/api/tips/{code}")
    assert r.status_code == 200, r.text
    return r.json()


def dump_tip_tables(local_stack) -> str:
    """Every item of every tips table, as text: what an attacker with the database gets."""
    ddb = boto3.client("dynamodb", endpoint_url=local_stack.aws_endpoint_url, region_name="us-east-1")
    chunks = []
    for name in ddb.list_tables()["TableNames"]:
        if "tip" in name:
            chunks.append(json.dumps(ddb.scan(TableName=name)["Items"], default=str))
    return "\n".join(chunks)


def test_signed_webhook_stores_a_tip_and_answers_twiml(phone: Phone, api, local_stack) -> None:
    number = new_number()
    form, response = phone.text(number, "Blue van at 5th and Main every night")
    text = ack(response)
    code = code_of(response)
    assert "NEW" in text and "STOP" in text
    tip = detail(api, code)
    assert tip["channel"] == "sms" and tip["status"] == "new" and tip["alias"]
    assert [m["body"] for m in tip["messages"]] == ["Blue van at 5th and Main every night"]
    officer_view = json.dumps(tip)
    assert number not in officer_view and "p_" not in officer_view and "pseudonym" not in officer_view
    stored = dump_tip_tables(local_stack)
    assert number not in stored and number[1:] not in stored  # only ciphertext in the vault
    for geo in ("SAN BRUNO", "VASS", "28394", "94030"):
        assert geo not in stored


def test_reference_webhook_examples_are_accepted_and_geo_dropped(phone: Phone, api, local_stack) -> None:
    example = json.loads(reference_path("twilio", "webhook_examples.json").read_text())["inbound"][0]
    pairs = parse_qsl(example["raw_body"], keep_blank_values=True)
    # A fresh MessageSid and sender so the test can run against a stack that saw it before.
    sid, number = new_sid(), new_number()
    pairs = [
        (k, sid if k in ("MessageSid", "SmsSid", "SmsMessageSid") else number if k == "From" else v)
        for k, v in pairs
    ]
    raw = urlencode(pairs)
    form = dict(pairs)
    response = phone.post(form, raw=raw)
    code = code_of(response)
    assert detail(api, code)["messages"][0]["body"] == "hi there, 2+3=4"
    stored = dump_tip_tables(local_stack)
    assert "SAN BRUNO" not in stored and number not in stored


def _audit_refusals(api) -> int:
    """Entries the webhook itself wrote for refusals (it used to write one per request)."""
    r = api.as_role("auditor").get("/api/audit", params={"action": "tips.webhook.rejected", "limit": 500})
    assert r.status_code == 200, r.text
    return len(r.json()["entries"])


def _refusal_counters(minute: str) -> dict[str, int]:
    from rtcc.refusals import DOORS
    from rtcc.store.refusals import RefusalCountRecord

    door, reasons = next(iter(DOORS.items()))
    found = RefusalCountRecord.batch_get([(door, f"{minute}#{r}") for r in reasons])
    return {item.slot.split("#")[1]: int(item.count) for item in found}


@pytest.mark.parametrize("attack", ["forged", "unsigned", "changed_body", "other_url"])
def test_bad_signatures_get_403_store_nothing_and_are_counted(phone: Phone, api, attack: str) -> None:
    from rtcc.tips.adapters.twilio_webhook import sign

    number = new_number()
    form = twilio_form(number, "this should never be stored")
    from rtcc.refusals import minute_of

    before = _audit_refusals(api)
    minute = minute_of(datetime.now(UTC))
    counted = sum(_refusal_counters(minute).values())
    url = phone.base_url + WEBHOOK
    if attack == "forged":
        response = phone.post(form, signature="RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    elif attack == "unsigned":
        response = phone.post(form, signature=None)
    elif attack == "changed_body":
        signature = sign("local-twilio-auth-token", url, form)
        changed = dict(form, Body="this should never be stored either")
        response = phone.post(changed, signature=signature)
    else:  # signed for another deployment's URL (what a Host-header trick would need)
        response = phone.post(
            form, signature=sign("local-twilio-auth-token", "https://evil.example" + WEBHOOK, form)
        )
    assert response.status_code == 403
    with pytest.raises(DoesNotExist):
        receipt_of(form["MessageSid"])
    from rtcc.tips.pseudonym import pseudonym_for

    with acting_as("tip-webhook"):
        pseudonym = pseudonym_for(number, KmsMac())
    with pytest.raises(DoesNotExist):
        TipsterRecord.get(pseudonym)
    # Counted for the minute's summary, not appended to the audit log one by one.
    assert _audit_refusals(api) == before
    if minute_of(datetime.now(UTC)) == minute:
        assert sum(_refusal_counters(minute).values()) == counted + 1


def test_a_flood_of_forged_posts_is_one_audit_entry_per_minute(phone: Phone, api) -> None:
    """Issue 8 #2: 30 unsigned posts used to append 30 entries. Now none on the request
    path, then one `webhook.refusals` entry per minute with the count and the reasons;
    summarising again (a retry, a second run) logs nothing twice."""
    from rtcc.local.iam.identity import acting_as
    from rtcc.refusals import minute_of, summarise

    log = AuditLog()
    first, seq = minute_of(datetime.now(UTC)), log.head().seq
    for i in range(30):
        assert phone.post(twilio_form(new_number(), f"forged {i}"), signature=None).status_code == 403
    last = minute_of(datetime.now(UTC))
    # No entry on the request path (the scheduled summariser may write earlier minutes').
    assert [e.action for e in log.entries(after_seq=seq) if e.action != "webhook.refusals"] == []
    later = datetime.now(UTC) + timedelta(minutes=2)
    with acting_as("refusal-summary"):
        summarise(now=later)
        assert [s for s in summarise(now=later) if s.minute in (first, last)] == []
    r = api.as_role("auditor").get("/api/audit", params={"action": "webhook.refusals", "limit": 500})
    entries = [e for e in r.json()["entries"] if e["detail"]["minute"] in (first, last)]
    assert 1 <= len(entries) <= len({first, last})  # at most one per minute
    for entry in entries:
        counters = _refusal_counters(entry["detail"]["minute"])
        assert entry["target"] == WEBHOOK and entry["detail"]["reasons"] == counters
        assert entry["detail"]["count"] == sum(counters.values())
    assert sum(e["detail"]["reasons"].get("missing_signature", 0) for e in entries) >= 30


def test_duplicate_message_sid_stores_one_message(phone: Phone, api) -> None:
    form, first = phone.text(new_number(), "only once please")
    again = phone.post(form)
    assert code_of(first) == code_of(again)
    assert ack(again) == ack(first)  # Twilio's retry gets the same TwiML
    messages = detail(api, code_of(first))["messages"]
    assert [m["body"] for m in messages] == ["only once please"]


def test_a_repeated_mms_is_stored_once_with_its_media(phone: Phone, api) -> None:
    """Twilio's retry of an MMS: one message, one media item; the retry looks up the
    media the first delivery stored (a base-table Query) to re-queue any still pending."""
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(picture, format="PNG")
    url = phone.upload_media(picture.getvalue(), "image/png")
    form, first = phone.text(new_number(), "photo of the van", media=[(url, "image/png")])
    again = phone.post(form)
    assert code_of(first) == code_of(again) and ack(again) == ack(first)
    tip = wait_for(lambda: (t := detail(api, code_of(first)))["media"] and t, 30)
    assert [m["body"] for m in tip["messages"]] == ["photo of the van"]
    assert len(tip["media"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        ("long tip " * 200)[:1600],
        "He is here 😀🔫🚗 right now 👀",
        "Он продаёт наркотики у школы",
        "المشتبه به يقود سيارة بيضاء",
        "犯人は白い車に乗っています",
        "quotes \" ' < > & %25 + = ; and\nnewlines\r\n",
    ],
)
def test_bodies_round_trip_exactly(phone: Phone, api, body: str) -> None:
    _, response = phone.text(new_number(), body)
    code = code_of(response)
    assert detail(api, code)["messages"][0]["body"] == body


def test_messages_in_the_window_join_and_new_starts_a_new_tip(phone: Phone, api) -> None:
    number = new_number()
    first = code_of(phone.text(number, "first part")[1])
    joined = phone.text(number, "second part")[1]
    assert code_of(joined) == first and "Added to tip" in ack(joined)
    assert "next message starts a new tip" in ack(phone.text(number, "NEW")[1])
    second = code_of(phone.text(number, "a different matter")[1])
    assert second != first
    third = code_of(phone.text(number, "NEW: yet another one")[1])
    assert third not in (first, second)
    assert [m["body"] for m in detail(api, first)["messages"]] == ["first part", "second part"]
    assert [m["body"] for m in detail(api, third)["messages"]] == ["yet another one"]


def test_help_and_empty_messages_store_nothing(phone: Phone) -> None:
    form, response = phone.text(new_number(), "HELP")
    assert "911" in ack(response)
    with pytest.raises(DoesNotExist):
        receipt_of(form["MessageSid"])
    assert "empty" in ack(phone.text(new_number(), "   ")[1])


def test_a_blocked_sender_is_ignored(phone: Phone, api) -> None:
    number = new_number()
    code = code_of(phone.text(number, "spam spam spam")[1])
    assert api.as_role("officer").post(f"/api/tips/{code}/block").status_code == 403  # supervisors only
    r = api.as_role("supervisor").post(f"/api/tips/{code}/block")
    assert r.status_code == 200 and r.json()["blocked"] is True
    form, response = phone.text(number, "more spam")
    assert ack(response) == ""
    with pytest.raises(DoesNotExist):
        receipt_of(form["MessageSid"])
    assert api.as_role("supervisor").get(f"/api/tips/{code}").json()["blocked"] is True
    assert detail(api, code)["blocked"] is None  # officers are not told (it would link tips)
    assert api.as_role("supervisor").delete(f"/api/tips/{code}/block").json()["blocked"] is False


def test_rate_limit_flags_spam(phone: Phone, api, monkeypatch) -> None:
    from rtcc.settings import reload_settings

    monkeypatch.setenv("RTCC_TIPS_RATE_LIMIT_PER_HOUR", "3")
    reload_settings()
    try:
        number = new_number()
        codes = {code_of(phone.text(number, f"message {i}")[1]) for i in range(4)}
    finally:
        monkeypatch.delenv("RTCC_TIPS_RATE_LIMIT_PER_HOUR")
        reload_settings()
    (code,) = codes
    assert detail(api, code)["spam_suspected"] is True


def test_priority_keywords_raise_priority_and_alert_supervisors(phone: Phone, api, monkeypatch) -> None:
    from rtcc.settings import reload_settings

    supervisor = new_number()
    monkeypatch.setenv("RTCC_TIPS_SUPERVISOR_NUMBERS", json.dumps([supervisor]))
    reload_settings()
    try:
        code = code_of(phone.text(new_number(), "He showed me a GUN in his waistband")[1])
        alerts = wait_for(lambda: api.get("/dev/outbox", params={"to": supervisor}).json()["messages"], 30)
    finally:
        monkeypatch.delenv("RTCC_TIPS_SUPERVISOR_NUMBERS")
        reload_settings()
    tip = detail(api, code)
    assert tip["priority"] == "high" and tip["keywords"] == ["gun"]
    assert code in alerts[0]["body"] and "waistband" not in alerts[0]["body"]


def test_stop_makes_replies_undeliverable(phone: Phone, api) -> None:
    number = new_number()
    code = code_of(phone.text(number, "I saw it happen")[1])
    assert ack(phone.text(number, "STOP")[1]) == ""
    r = api.as_role("officer").post(f"/api/tips/{code}/replies", json={"text": "Can you tell us more?"})
    assert r.status_code == 200

    def delivered():
        out = [m for m in detail(api, code)["messages"] if m["direction"] == "out"]
        return out and out[0]["delivery"] != "queued" and out[0]

    reply = wait_for(delivered, 30)
    assert reply["delivery"] == "undeliverable" and "STOP" in reply["delivery_detail"]
    assert not api.get("/dev/outbox", params={"to": number}).json()["messages"]


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage() + " " + json.dumps(record.__dict__, default=str))


def test_logs_never_contain_the_number_or_the_body(phone: Phone, api) -> None:
    names = [
        "",
        "rtcc-tips",
        "rtcc-tips-media",
        "rtcc-tips-outbound",
        "rtcc-api",
        "rtcc",
        "rtcc.tips",
        "rtcc.local",
    ]
    capture = _Capture()
    for name in names:
        logging.getLogger(name).addHandler(capture)
    try:
        number = new_number()
        body = "secret body marker " + new_sid()
        code = code_of(phone.text(number, body)[1])
        phone.text(number, body + " again")
        phone.post(twilio_form(number, body), signature="forged")
        api.as_role("officer").post(f"/api/tips/{code}/replies", json={"text": "reply marker"})
        wait_for(lambda: api.get("/dev/outbox", params={"to": number}).json()["messages"], 30)
        detail(api, code)
    finally:
        for name in names:
            logging.getLogger(name).removeHandler(capture)
    text = "\n".join(capture.lines)
    assert capture.lines, "nothing was logged: the capture is not wired"
    assert code in text  # tip codes are logged: the capture does see tips logs
    assert number not in text and number[2:] not in text
    assert "secret body marker" not in text and "reply marker" not in text
