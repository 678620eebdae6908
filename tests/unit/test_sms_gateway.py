"""The Twilio gateway never waits on Twilio longer than the sending function can."""

from __future__ import annotations

import socket
import time

import pytest
from rtcc.sms import gateway
from rtcc.sms.gateway import TWILIO_TIMEOUT_S, TwilioSmsGateway
from rtcc.sms.twilio_key import TwilioApiKey
from rtcc.topology import TOPOLOGY

ACCOUNT = "AC" + "0" * 32
KEY = TwilioApiKey("SK" + "0" * 32, "key-secret")


def test_the_twilio_client_has_a_timeout_shorter_than_the_sender_function() -> None:
    client = TwilioSmsGateway(ACCOUNT, KEY)._client
    assert client.http_client.timeout == TWILIO_TIMEOUT_S
    # One stalled call must leave the invocation time to record the failure.
    assert TWILIO_TIMEOUT_S * 2 < TOPOLOGY.function("tip-outbound").timeout_s


def test_a_stalled_twilio_connection_fails_instead_of_hanging(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gateway, "TWILIO_TIMEOUT_S", 0.5)
    client = TwilioSmsGateway(ACCOUNT, KEY)._client
    with socket.socket() as server:  # accepts connections (backlog) and never answers
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(Exception) as raised:
            client.http_client.request("GET", f"http://127.0.0.1:{port}/2010-04-01/Accounts.json")
        assert time.monotonic() - started < 5
    assert "timeout" in type(raised.value).__name__.lower() or "timed out" in str(raised.value).lower()
