"""The public signup through the local stack, under the api function's deployed grants: a
signup texts its confirmation on the alerts line to /dev/phone's outbox, YES to the alerts
line activates it, every signup is answered the same, the manage link reads, changes and
deletes, and no table holds the number in the clear."""

from __future__ import annotations

import json
import random
import re
import time
from typing import Any

import boto3
import pytest
import requests
from rtcc.sms.twilio_form import inbound_form
from rtcc.tips.adapters.twilio_webhook import sign

pytestmark = pytest.mark.integration

SIGNUP = "/api/public/alerts/signup"
SUBSCRIPTION = "/api/public/alerts/subscription"
ALERTS_WEBHOOK = "/webhooks/twilio/alerts"
AUTH_TOKEN = "local-twilio-auth-token"  # the local default of RTCC_TWILIO_AUTH_TOKEN
ANSWER = {"status": "check your phone"}


def resident_number() -> str:
    # A valid US number (phonenumbers refuses the 555 area code /dev/phone's tip numbers use).
    return "+1413555" + "".join(random.choice("0123456789") for _ in range(4))


def post(local_stack: Any, path: str, body: dict) -> requests.Response:
    return requests.post(local_stack.base_url + path, json=body, timeout=30)


def texts_to(local_stack: Any, number: str) -> list[dict]:
    r = requests.get(local_stack.base_url + "/dev/outbox", params={"to": number}, timeout=10)
    r.raise_for_status()
    return r.json()["messages"]


def text_alerts_line(local_stack: Any, number: str, body: str) -> requests.Response:
    from rtcc.alerts.settings import alerts_settings

    url = local_stack.base_url + ALERTS_WEBHOOK
    form = inbound_form(
        from_number=number, to_number=alerts_settings().line_number, body=body, account_sid="AC" + "0" * 32
    )
    headers = {"X-Twilio-Signature": sign(AUTH_TOKEN, url, form)}
    return requests.post(url, data=form, headers=headers, timeout=30)


def calls(local_stack: Any, action: str, table: str, function: str = "api") -> list[dict]:
    r = requests.get(local_stack.base_url + "/dev/aws-calls", timeout=10)
    return [
        c
        for c in r.json()["calls"]
        if c["function"] == function and c["action"] == action and c["resource"].endswith(table)
    ]


def handled(local_stack: Any, timeout: float = 150) -> None:
    """Wait until alert-confirm has handled every queued signup (the api answers first). An
    alert another test is fanning out takes the alerts number's whole rate (1 msg/s locally):
    a signup then goes back to the queue for its 60 s visibility and is handled after it."""
    sqs = boto3.client("sqs", endpoint_url=local_stack.aws_endpoint_url, region_name="us-east-1")
    url = local_stack.queue_urls["alert-confirmations"]
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        if all(int(counts[n]) == 0 for n in names):
            return
        time.sleep(0.1)
    raise AssertionError("alert-confirm did not handle the queued signups in time")


def alert_tables(local_stack: Any) -> str:
    ddb = boto3.client("dynamodb", endpoint_url=local_stack.aws_endpoint_url, region_name="us-east-1")
    names = [n for n in ddb.list_tables()["TableNames"] if "alert" in n or "opt-out" in n]
    return "\n".join(json.dumps(ddb.scan(TableName=n)["Items"], default=str) for n in names)


def signup(local_stack: Any, number: str, **fields: Any) -> requests.Response:
    body = {"phone": number, "zones": ["downtown"], "language": "es", **fields}
    answer = post(local_stack, SIGNUP, body)
    handled(local_stack)
    return answer


def test_a_signup_texts_its_confirmation_and_yes_activates_it(local_stack: Any) -> None:
    number = resident_number()
    first = signup(local_stack, number, consent_text="Al suscribirse acepta ...")
    assert (first.status_code, first.json()) == (202, ANSWER)
    [sent] = texts_to(local_stack, number)
    assert "responda YES" in sent["body"] and "STOP" in sent["body"] and "Downtown" in sent["body"]
    from rtcc.alerts.settings import alerts_settings

    assert sent["from"] == alerts_settings().line_number  # the alerts line, never the tip line
    # A repeat: the same answer, no second text.
    again = signup(local_stack, number)
    assert (again.status_code, again.json()) == (202, ANSWER) and len(texts_to(local_stack, number)) == 1

    stored = alert_tables(local_stack)
    assert number not in stored and number[2:] not in stored  # sealed and keyed, never in clear

    yes = text_alerts_line(local_stack, number, "yes")
    assert yes.status_code == 200, yes.text
    assert "activa" in texts_or_reply(local_stack, number, yes)


def texts_or_reply(local_stack: Any, number: str, response: requests.Response) -> str:
    """The line's answer: in the TwiML reply, or texted (either is how Twilio delivers it)."""
    return response.text + "\n".join(m["body"] for m in texts_to(local_stack, number))


def age_last_texts(local_stack: Any, seconds: float) -> None:
    """Every subscriber's last confirmation or link as if sent `seconds` earlier: the page
    texts a number at most once per 10-minute window, and a test cannot wait that long."""
    ddb = boto3.client("dynamodb", endpoint_url=local_stack.aws_endpoint_url, region_name="us-east-1")
    [table] = [n for n in ddb.list_tables()["TableNames"] if n.endswith("alert-subscribers")]
    for item in ddb.scan(TableName=table)["Items"]:
        if "confirmation_sent_at" in item:
            at = float(item["confirmation_sent_at"]["N"]) - seconds
            ddb.update_item(
                TableName=table,
                Key={"subscriber_id": item["subscriber_id"]},
                UpdateExpression="SET confirmation_sent_at = :at",
                ExpressionAttributeValues={":at": {"N": repr(at)}},
            )


def _active(local_stack: Any, number: str) -> str:
    """A confirmed subscriber's manage token, from the link texted on a repeated signup."""
    assert signup(local_stack, number, categories=[]).status_code == 202
    assert text_alerts_line(local_stack, number, "YES").status_code == 200
    assert signup(local_stack, number).json() == ANSWER  # inside the window: nothing sent
    assert not [m for m in texts_to(local_stack, number) if "#t=" in m["body"]]
    age_last_texts(local_stack, 11 * 60)
    assert signup(local_stack, number).json() == ANSWER
    links = [m["body"] for m in texts_to(local_stack, number) if "#t=" in m["body"]]
    assert len(links) == 1, texts_to(local_stack, number)
    link = re.search(r"(\S+/alerts/manage)#t=(\S+)", links[0])
    assert link and link.group(1) == local_stack.base_url + "/alerts/manage"
    return link.group(2)


def test_the_manage_link_reads_changes_and_deletes(local_stack: Any) -> None:
    number = resident_number()
    token = _active(local_stack, number)
    auth = {"Authorization": f"Manage {token}"}
    url = local_stack.base_url + SUBSCRIPTION
    r = requests.get(url, headers=auth, timeout=30)
    assert r.status_code == 200 and r.json()["status"] == "active" and r.json()["zones"] == ["downtown"]
    change = {"zones": ["harbor"], "zip": "98104", "tiers": ["advisory"], "language": "en"}
    r = requests.put(url, json=change, headers=auth, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["zones"] == ["harbor", "zip:98104"] and r.json()["language"] == "en"
    assert (
        requests.get(url, headers={"Authorization": f"Manage {token[:-2]}xx"}, timeout=30).status_code == 403
    )

    r = requests.delete(url, headers=auth, timeout=30)
    assert (r.status_code, r.json()) == (200, {"status": "deleted"})
    assert requests.get(url, headers=auth, timeout=30).status_code == 404
    # Deletion deletes: a new signup of the number is a new one (a new confirmation text).
    before = len(texts_to(local_stack, number))
    assert signup(local_stack, number).status_code == 202
    assert "YES" in texts_to(local_stack, number)[before]["body"]
    for action, table in [
        ("kms:Encrypt", ""),
        ("kms:GenerateMac", ""),
        ("dynamodb:PutItem", "alert-zone-subscribers"),
        ("dynamodb:DeleteItem", "alert-zone-subscribers"),
        ("dynamodb:DeleteItem", "alert-subscribers"),
        ("dynamodb:UpdateItem", "alert-consents"),
    ]:
        made = calls(local_stack, action, table)
        assert made and all(c["allowed"] for c in made), (action, table)


def test_invalid_and_foreign_numbers_are_told_apart_and_nothing_is_sent(local_stack: Any) -> None:
    for phone, code in [("555-0100", "phone.invalid"), ("+44 20 7946 0958", "phone.foreign")]:
        r = signup(local_stack, phone)
        assert r.status_code == 422 and r.json()["code"] == code and r.json()["field"] == "phone"
    r = signup(local_stack, resident_number(), zones=[], zip="99999")
    assert (r.status_code, r.json()["code"]) == (422, "zip.unknown")


def test_an_opted_out_number_gets_the_same_answer_and_its_refusal_is_recorded(local_stack: Any) -> None:
    """Twilio refuses a send to a number that texted STOP to the line (21610): the page still
    says "check your phone", and the alerts line's opt-out is recorded for its next sends."""
    number = resident_number()
    base = local_stack.base_url
    requests.post(
        base + "/dev/outbox/failures", json={"to": number, "code": 21610}, timeout=10
    ).raise_for_status()
    try:
        r = signup(local_stack, number)
    finally:
        requests.post(base + "/dev/outbox/failures", json={"to": number, "code": None}, timeout=10)
    assert (r.status_code, r.json()) == (202, ANSWER)
    assert texts_to(local_stack, number) == []
    recorded = calls(local_stack, "dynamodb:UpdateItem", "sms-opt-outs", "alert-confirm")
    assert recorded and all(c["allowed"] for c in recorded)


def test_zones_are_listed_with_outlines(local_stack: Any) -> None:
    r = requests.get(local_stack.base_url + "/api/public/alerts/zones", timeout=30)
    assert r.status_code == 200
    zones = {z["id"]: z for z in r.json()["zones"]}
    assert zones["downtown"]["outline"]["type"] == "Polygon" and "zip:98104" in zones
