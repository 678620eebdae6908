"""The alerts line through the local stack, every function under its deployed IAM: JOIN and
YES (English and Spanish), STOP and its one confirmation, HELP, a forged webhook, a repeated
MessageSid, numbers that cannot subscribe, STOP kept apart from the tip line in both
directions (through /dev/phone's lines), and the keys only the alerts webhook may use."""

from __future__ import annotations

import random
import secrets
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from pynamodb.exceptions import DoesNotExist
from rtcc.alerts.manage_token import number_mac
from rtcc.alerts.settings import alerts_settings
from rtcc.alerts.sms_line import PATH
from rtcc.alerts.subscriber_keys import KmsSubscriberMac
from rtcc.aws_clients import client
from rtcc.local.iam.identity import acting_as
from rtcc.refusals import minute_of
from rtcc.sms.twilio_form import inbound_form
from rtcc.store.alert_subscribers import (
    AlertConsentRecord,
    AlertSubscriberNumberRecord,
    AlertSubscriberRecord,
)
from rtcc.store.refusals import RefusalCountRecord
from rtcc.store.sms import SmsOptOutRecord
from rtcc.tips.adapters.aws import KmsMac
from rtcc.tips.adapters.twilio_webhook import sign
from rtcc.tips.pseudonym import pseudonym_for

pytestmark = pytest.mark.integration

AUTH_TOKEN = "local-twilio-auth-token"  # the local default of RTCC_TWILIO_AUTH_TOKEN
ALERTS_NUMBER = "+15550100200"
DEMO_ZIP = "98101"  # a shaped ZIP of the demo city `rtcc dev` serves (rtcc.alerts.zone_config)


def resident() -> str:
    """A valid US number (phonenumbers checks the area code and exchange)."""
    return "+1413555" + "".join(random.choice("0123456789") for _ in range(4))


def text(
    base: str, number: str, body: str, sid: str | None = None, signature: str | None = "sign"
) -> requests.Response:
    url = base + PATH
    form = inbound_form(
        from_number=number, to_number=ALERTS_NUMBER, body=body, account_sid="AC" + "0" * 32, message_sid=sid
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature == "sign":
        headers["X-Twilio-Signature"] = sign(AUTH_TOKEN, url, form)
    elif signature is not None:
        headers["X-Twilio-Signature"] = signature
    return requests.post(url, data=form, headers=headers, timeout=30)


def phone(base: str, number: str, body: str, line: str) -> dict[str, Any]:
    """Text a line from /dev/phone (signed as Twilio would by the simulator)."""
    sent = requests.post(
        base + "/dev/phone/send", json={"from": number, "body": body, "line": line}, timeout=30
    )
    assert sent.status_code == 200, sent.text
    return sent.json()


def lookup_key(number: str) -> str:
    with acting_as("alerts-webhook"):  # only its role may compute the alerts MAC
        return number_mac(KmsSubscriberMac(alerts_settings().subscriber_key_id), number)


def subscriber(number: str) -> AlertSubscriberRecord | None:
    try:
        lookup = AlertSubscriberNumberRecord.get(lookup_key(number), consistent_read=True)
        return AlertSubscriberRecord.get(lookup.subscriber_id, consistent_read=True)
    except DoesNotExist:
        return None


def tips_key(number: str) -> str:
    with acting_as("tip-webhook"):  # the tip line's keyed hash: only its webhook may compute it
        return pseudonym_for(number, KmsMac())


def opt_out(line: str, sender: str) -> SmsOptOutRecord | None:
    try:
        return SmsOptOutRecord.get(line, sender, consistent_read=True)
    except DoesNotExist:
        return None


@pytest.fixture
def base(local_stack: Any) -> str:
    return local_stack.base_url


def test_join_then_yes_makes_an_active_subscription(base: str) -> None:
    number = resident()
    pending = text(base, number, f" join {DEMO_ZIP} ")
    assert pending.status_code == 200
    assert "reply YES to get alerts for" in pending.text and "Msg&amp;data rates may apply" in pending.text
    sub = subscriber(number)
    assert sub is not None and sub.status == "pending" and sub.zones == [f"zip:{DEMO_ZIP}"]
    assert number.encode() not in sub.sealed_number and number not in sub.number_mac  # sealed, keyed
    confirmed = text(base, number, "Yes")
    assert "you are signed up for alerts" in confirmed.text
    assert subscriber(number).status == "active"
    events = [c.event for c in AlertConsentRecord.query(sub.subscriber_id)]
    assert events == ["signup-received", "confirmation-sent", "confirm-received"]


def test_the_spanish_keyword_answers_in_spanish_and_a_zone_keyword_signs_up(base: str) -> None:
    number = resident()
    assert "responda YES para recibir alertas de" in text(base, number, f"ALTA {DEMO_ZIP}").text
    assert "está activa" in text(base, number, "YES").text
    other = resident()
    assert "Downtown" in text(base, other, "JOIN downtown").text
    assert subscriber(other).zones == ["downtown"]


def test_stop_opts_out_ends_the_subscription_and_confirms_once(base: str) -> None:
    number = resident()
    text(base, number, f"JOIN {DEMO_ZIP}")
    text(base, number, "YES")
    sub_id = subscriber(number).subscriber_id
    stopped = text(base, number, "  Unsubscribe ")
    assert stopped.text.count("<Message>") == 1 and "you will get no more alerts" in stopped.text
    assert subscriber(number) is None
    record = opt_out("alerts", lookup_key(number))
    assert record is not None and record.opted_out and record.source == "keyword"
    # The evidence stays, now with its retention period: the STOP itself is part of it.
    consents = list(AlertConsentRecord.query(sub_id))
    assert consents[-1].event == "stop-received" and all(c.expires is not None for c in consents)
    assert "You can get texts from this number again".lower() in text(base, number, "START").text.lower()
    assert not opt_out("alerts", lookup_key(number)).opted_out


def test_help_and_info_name_the_program_a_contact_and_stop(base: str) -> None:
    settings = alerts_settings()
    for word in ("HELP", "info"):
        answer = text(base, resident(), word).text
        assert settings.program_name in answer and "Contact:" in answer and "STOP" in answer


def test_a_forged_webhook_is_refused_and_counted(base: str) -> None:
    number = resident()
    minute = minute_of(datetime.now(UTC))
    before = _refusals(minute, "invalid_signature")
    forged = text(base, number, f"JOIN {DEMO_ZIP}", signature="bm90IGEgc2lnbmF0dXJl")
    assert forged.status_code == 403
    assert text(base, number, f"JOIN {DEMO_ZIP}", signature=None).status_code == 403
    after = minute_of(datetime.now(UTC))
    # Counted under the alerts line's own door, in the minute it came in.
    assert _refusals(after, "invalid_signature") >= (before if after == minute else 0) + 1
    assert _refusals(after, "missing_signature") >= 1
    assert subscriber(number) is None


def _refusals(minute: str, reason: str) -> int:
    try:
        return int(RefusalCountRecord.get(PATH, f"{minute}#{reason}").count or 0)
    except DoesNotExist:
        return 0


def test_a_repeated_message_sid_gets_the_same_answer_once(base: str) -> None:
    number, sid = resident(), "SM" + secrets.token_hex(16)
    first = text(base, number, f"JOIN {DEMO_ZIP}", sid=sid)
    sub_id = subscriber(number).subscriber_id
    text(base, number, "STOP")
    again = text(base, number, f"JOIN {DEMO_ZIP}", sid=sid)
    assert again.status_code == 200 and again.text == first.text
    assert subscriber(number) is None  # the redelivery signed nothing up again
    assert [c.event for c in AlertConsentRecord.query(sub_id)].count("signup-received") == 1


@pytest.mark.parametrize("number", ["+447700900123", "+15551234567", "+1413555"])
def test_a_foreign_or_invalid_number_cannot_subscribe(base: str, number: str) -> None:
    answer = text(base, number, f"JOIN {DEMO_ZIP}")
    assert answer.status_code == 200 and "<Message>" not in answer.text


def test_stop_to_the_alerts_line_leaves_the_tip_line_and_the_reverse(base: str) -> None:
    lines = {
        line["name"]: line for line in requests.get(base + "/dev/phone/lines", timeout=10).json()["lines"]
    }
    assert lines["alerts"] == {
        "name": "alerts",
        "label": "Alerts line",
        "number": ALERTS_NUMBER,
        "path": PATH,
    }
    # STOP to the alerts line: the tip line still answers and records nothing.
    number = resident()
    assert "T-" in phone(base, number, "a tip before anything", "tips")["reply"]
    phone(base, number, "STOP", "alerts")
    assert opt_out("alerts", lookup_key(number)).opted_out
    assert opt_out("tips", tips_key(number)) is None
    assert "T-" in phone(base, number, "another tip", "tips")["reply"]

    # STOP to the tip line: the alerts subscription stays active, its line unsilenced.
    other = resident()
    phone(base, other, f"JOIN {DEMO_ZIP}", "alerts")
    assert "signed up" in phone(base, other, "YES", "alerts")["reply"]
    phone(base, other, "a tip", "tips")
    phone(base, other, "STOP", "tips")
    assert opt_out("tips", tips_key(other)).opted_out
    assert subscriber(other).status == "active" and opt_out("alerts", lookup_key(other)).opted_out is False


@pytest.mark.parametrize("function", ["tip-webhook", "retention"])
def test_no_other_function_can_hash_a_number_with_the_alerts_key(local_stack: Any, function: str) -> None:
    with acting_as(function), pytest.raises(ClientError) as denied:
        client("kms").generate_mac(
            KeyId=alerts_settings().subscriber_key_id, Message=b"+14135550123", MacAlgorithm="HMAC_SHA_256"
        )
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"


def test_the_alerts_webhook_seals_numbers_but_cannot_read_them(base: str) -> None:
    number = resident()
    text(base, number, f"JOIN {DEMO_ZIP}")
    sub = subscriber(number)
    context = {"alerts-subscriber": sub.subscriber_id}
    with acting_as("alerts-webhook"), pytest.raises(ClientError) as denied:
        client("kms").decrypt(CiphertextBlob=bytes(sub.sealed_number), EncryptionContext=context)
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
