"""The functions that call Twilio's REST API authenticate with an API key, never the auth
token (review 8, finding 1): the token lets its holder sign webhook forms as Twilio."""

from __future__ import annotations

import base64

import pytest
from rtcc.settings import reload_settings
from rtcc.sms import gateway
from rtcc.sms.twilio_key import TwilioApiKey, parse_api_key, stand_in_accepts
from rtcc.tips.adapters.twilio_media import TwilioMediaSource

ACCOUNT = "AC" + "1" * 32
KEY_SID = "SK" + "ab" * 16
TOKEN = "unit-auth-token"


@pytest.fixture(autouse=True)
def twilio_env(monkeypatch):
    for name in ("RTCC_TWILIO_AUTH_TOKEN_SECRET_ARN", "RTCC_TWILIO_API_KEY_SECRET_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RTCC_ENVIRONMENT", "test")
    monkeypatch.setenv("RTCC_TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("RTCC_TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("RTCC_TWILIO_API_KEY", f"{KEY_SID}:unit-key-secret")
    monkeypatch.setenv("RTCC_SMS_BACKEND", "outbox")
    reload_settings()
    yield
    monkeypatch.undo()
    reload_settings()


def test_the_key_is_parsed_and_never_shown() -> None:
    key = parse_api_key(f" {KEY_SID}:s3cret:with-colon ")
    assert (key.sid, key.secret) == (KEY_SID, "s3cret:with-colon")
    assert "s3cret" not in repr(key)
    for bad in ("", "s3cret", f"{KEY_SID}:", "AC" + "0" * 32 + ":s3cret", "SKnothex:s3cret"):
        with pytest.raises(ValueError) as refused:
            parse_api_key(bad)
        assert "s3cret" not in str(refused.value)


def test_the_twilio_client_authenticates_with_the_key_for_the_account() -> None:
    sender = gateway.TwilioSmsGateway(ACCOUNT, TwilioApiKey(KEY_SID, "unit-key-secret"))
    client = sender._client
    assert (client.username, client.password, client.account_sid) == (KEY_SID, "unit-key-secret", ACCOUNT)


def test_media_downloads_send_the_key_not_the_token() -> None:
    header = TwilioMediaSource()._auth()
    assert header == "Basic " + base64.b64encode(f"{KEY_SID}:unit-key-secret".encode()).decode()
    assert TOKEN not in base64.b64decode(header.split()[1]).decode()


def test_the_stand_ins_accept_what_twilio_accepts() -> None:
    assert stand_in_accepts(KEY_SID, "unit-key-secret")
    assert stand_in_accepts(ACCOUNT, TOKEN)
    assert not stand_in_accepts(KEY_SID, TOKEN)
    assert not stand_in_accepts(ACCOUNT, "unit-key-secret")
    assert not stand_in_accepts("SK" + "0" * 32, "unit-key-secret")


def test_the_local_outbox_refuses_a_key_twilio_would_refuse(monkeypatch) -> None:
    assert gateway.get_sms_gateway() is gateway.local_outbox()
    monkeypatch.setattr(gateway, "twilio_api_key", lambda: TwilioApiKey(KEY_SID, "revoked"))
    with pytest.raises(gateway.TwilioAuthRefused):
        gateway.get_sms_gateway()
