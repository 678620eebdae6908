"""Only the tip webhook may read the Twilio auth token (review 8, finding 1).

Whoever holds the token can sign a form as Twilio, post it to the webhook with any number
as From, and read from the TwiML answer whether that number has an open tip. The
functions that call Twilio's REST API (tip-media downloads and deletes media, tip-outbound
sends and deletes messages) use an API key instead; through the local stack, whose
Secrets Manager enforces the deployed roles, they are refused the token, and their work
(media, replies, deletes) still gets done with the key.
"""

from __future__ import annotations

import base64

import pytest
import requests
from botocore.exceptions import ClientError
from rtcc.aws_clients import client
from rtcc.local.iam.identity import acting_as
from rtcc.settings import get_settings
from rtcc.sms.gateway import get_sms_gateway, local_outbox
from rtcc.sms.twilio_key import parse_api_key

from tests.integration.tips.conftest import AUTH_TOKEN, Phone

pytestmark = pytest.mark.integration


def _read(function: str, secret: str) -> str:
    with acting_as(function):
        value = client("secretsmanager").get_secret_value(SecretId=f"{get_settings().table_prefix}{secret}")
    return str(value["SecretString"])


@pytest.mark.parametrize("function", ["tip-media", "tip-outbound", "api", "retention"])
def test_only_the_webhook_reads_the_auth_token(local_stack, function: str) -> None:
    with pytest.raises(ClientError) as denied:
        _read(function, "twilio_auth_token")
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert _read("tip-webhook", "twilio_auth_token") == AUTH_TOKEN


# alert-confirm: the signup's confirmation texts (rtcc.alerts.signup_confirm).
@pytest.mark.parametrize("function", ["tip-media", "tip-outbound", "alert-confirm"])
def test_the_twilio_callers_read_the_api_key(local_stack, function: str) -> None:
    key = parse_api_key(_read(function, "twilio_api_key"))
    assert key.sid.startswith("SK") and key.secret
    with acting_as(function):  # what the handlers do: the key, read with their own role
        assert get_sms_gateway() is local_outbox()


# Not `api`: the signup's texts go through alert-confirm (rtcc.alerts.signup_confirm).
@pytest.mark.parametrize("function", ["tip-webhook", "api"])
def test_nobody_else_reads_the_api_key(local_stack, function: str) -> None:
    with pytest.raises(ClientError) as denied:
        _read(function, "twilio_api_key")
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"


def test_the_media_host_takes_twilio_credentials_only(phone: Phone) -> None:
    url = phone.upload_media(b"GIF89a", "image/gif")
    key = parse_api_key(_read("tip-media", "twilio_api_key"))

    def get(user: str, password: str) -> int:
        header = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        return requests.get(url, headers={"Authorization": header}, timeout=10).status_code

    assert get(key.sid, key.secret) == 200
    assert get(get_settings().twilio_account_sid, AUTH_TOKEN) == 200  # Twilio takes both
    assert get(key.sid, AUTH_TOKEN) == 401
    assert requests.get(url, timeout=10).status_code == 401
