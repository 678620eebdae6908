"""The signup page hardened, through the local stack under each function's deployed grants:
the api queues the signup (sealed) and texts nobody, alert-confirm opens the number and
texts it; a number gets at most 3 signup texts a day; consent evidence is the server's text;
the api cannot open a number it sealed."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from rtcc.aws_clients import client
from rtcc.i18n import sms_catalog
from rtcc.local.iam.identity import acting_as

from tests.integration.alerts.test_alerts_signup_api import (
    ANSWER,
    age_last_texts,
    calls,
    resident_number,
    signup,
    texts_to,
)

pytestmark = pytest.mark.integration


def _table(local_stack: Any, suffix: str) -> tuple[Any, str]:
    ddb = boto3.client("dynamodb", endpoint_url=local_stack.aws_endpoint_url, region_name="us-east-1")
    [name] = [n for n in ddb.list_tables()["TableNames"] if n.endswith(suffix)]
    return ddb, name


def test_the_api_queues_the_signup_and_alert_confirm_texts_it(local_stack: Any) -> None:
    number = resident_number()
    r = signup(local_stack, number, consent_text="I agree to nothing; store this instead")
    assert (r.status_code, r.json()) == (202, ANSWER)
    [sent] = texts_to(local_stack, number)
    assert "responda YES" in sent["body"]
    # The api sealed and queued; alert-confirm opened the number, looked it up, counted, wrote.
    for function, action, resource in [
        ("api", "kms:Encrypt", ""),
        ("api", "sqs:SendMessage", "alert-confirmations"),
        ("alert-confirm", "kms:Decrypt", ""),
        ("alert-confirm", "kms:GenerateMac", ""),
        ("alert-confirm", "dynamodb:GetItem", "alert-subscriber-numbers"),
        ("alert-confirm", "dynamodb:PutItem", "alert-subscribers"),
        ("alert-confirm", "dynamodb:PutItem", "alert-consents"),
        ("alert-confirm", "dynamodb:UpdateItem", "alert-signup-counts"),
        ("alert-confirm", "dynamodb:GetItem", "sms-opt-outs"),
        # The text took its turn in the alerts line's rate, the dispatcher's slot counter.
        ("alert-confirm", "dynamodb:UpdateItem", "sms-send-slots"),
    ]:
        made = calls(local_stack, action, resource, function)
        assert made and all(c["allowed"] for c in made), (function, action, resource)
    assert not calls(local_stack, "dynamodb:GetItem", "sms-opt-outs", "api")

    # The consent evidence is the server's own disclosure in the signup's language.
    ddb, consents = _table(local_stack, "alert-consents")
    shown = [
        item["text"]["S"]
        for item in ddb.scan(TableName=consents)["Items"]
        if item["event"]["S"] == "signup-shown"
    ]
    assert "I agree to nothing; store this instead" not in json.dumps(shown)
    from rtcc.alerts.settings import alerts_settings

    disclosure = sms_catalog().text("es", "alerts.disclosure", program=alerts_settings().program_name)
    assert disclosure in shown and "Msg" not in disclosure


def test_the_api_cannot_open_a_number_it_sealed(local_stack: Any) -> None:
    number = resident_number()
    signup(local_stack, number)
    ddb, table = _table(local_stack, "alert-subscribers")
    [item] = [
        i
        for i in ddb.scan(TableName=table)["Items"]
        if i["status"]["S"] == "pending" and float(i["created_at"]["N"]) > 0 and _opens(i, number)
    ]
    with acting_as("api"), pytest.raises(ClientError) as denied:
        _decrypt(item)
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"


def _decrypt(item: dict) -> str:
    from rtcc.alerts.settings import alerts_settings

    out = client("kms").decrypt(  # as rtcc.alerts.subscriber_keys.KmsSubscriberSealer does
        KeyId=alerts_settings().vault_key_id,
        CiphertextBlob=item["sealed_number"]["B"],
        EncryptionContext={"alerts-subscriber": item["subscriber_id"]["S"]},
    )
    return bytes(out["Plaintext"]).decode()


def _opens(item: dict, number: str) -> bool:
    with acting_as("alert-confirm"):
        return _decrypt(item) == number


def test_a_number_gets_at_most_three_signup_texts_a_day(local_stack: Any) -> None:
    number = resident_number()
    for _ in range(4):  # each past the duplicate window, so each would text again
        assert signup(local_stack, number).json() == ANSWER
        age_last_texts(local_stack, 11 * 60)
    assert len(texts_to(local_stack, number)) == 3
    capped = calls(local_stack, "dynamodb:UpdateItem", "alert-signup-counts", "alert-confirm")
    assert capped and all(c["allowed"] for c in capped)


def test_the_city_breaker_drops_signups_once_the_hour_is_spent(local_stack: Any) -> None:
    """The hour's texts spent (as a flood over many numbers would): a signup is answered the
    same and texted nothing, until the window ends."""
    import time

    from rtcc.alerts.settings import alerts_settings

    ddb, table = _table(local_stack, "alert-signup-counts")
    until = time.time() + 3600
    spent = {
        "counter": {"S": "city"},
        "n": {"N": str(alerts_settings().signups_per_hour)},
        "until": {"N": repr(until)},
        "expires": {"N": str(int(until))},
    }
    ddb.put_item(TableName=table, Item=spent)
    number = resident_number()
    try:
        assert signup(local_stack, number).json() == ANSWER
        assert texts_to(local_stack, number) == []
    finally:
        ddb.delete_item(TableName=table, Key={"counter": {"S": "city"}})
    assert signup(local_stack, number).json() == ANSWER
    assert len(texts_to(local_stack, number)) == 1  # the next hour: texted
