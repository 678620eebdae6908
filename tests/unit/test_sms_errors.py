"""rtcc.sms.errors: which failed sends to retry and which recipients to give up on."""

from __future__ import annotations

import pytest
import requests
from rtcc.sms.errors import Permanent, Transient, classify
from twilio.base.exceptions import TwilioRestException


@pytest.mark.parametrize("code", [21610, 21211, 21614, 30003, 30004, 30005, 30006, 30007])
def test_recipient_errors_are_permanent(code: int) -> None:
    assert classify(code) == Permanent(str(code))


@pytest.mark.parametrize("code", [20429, 20500, 20503, 30001, 30008])
def test_provider_errors_pass(code: int) -> None:
    assert isinstance(classify(code), Transient)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 408])
def test_http_statuses_rate_limit_and_server_errors_pass(status: int) -> None:
    assert classify(status) == Transient(f"http{status}")


def test_other_client_errors_are_permanent() -> None:
    assert classify(400) == Permanent("http400")


def test_twilio_exception_by_code_then_status() -> None:
    opted_out = TwilioRestException(400, "https://api.twilio.com/x", "+15550100 opted out", code=21610)
    assert classify(opted_out) == Permanent("21610")
    assert classify(opted_out).opted_out
    busy = TwilioRestException(429, "https://api.twilio.com/x", "Too Many Requests", code=20429)
    assert classify(busy) == Transient("20429")
    # A code we do not list: the HTTP status decides, the code labels it.
    assert classify(TwilioRestException(503, "u", "m", code=20999)) == Transient("20999")
    assert classify(TwilioRestException(400, "u", "m", code=21999)) == Permanent("21999")
    assert classify(TwilioRestException(500, "u", "m")) == Transient("http500")


def test_network_failures_pass_and_say_whether_it_may_have_gone() -> None:
    assert classify(requests.ConnectTimeout()) == Transient("ConnectTimeout")
    assert classify(requests.ReadTimeout()) == Transient("ReadTimeout", maybe_sent=True)
    assert classify(RuntimeError("boom")) == Transient("RuntimeError")


def test_the_verdict_never_carries_the_message() -> None:
    exc = TwilioRestException(400, "u", "The 'To' number +15550100 is not valid", code=21211)
    assert "+1555" not in repr(classify(exc))


def test_permanent_and_transient_flags() -> None:
    assert Permanent("21211").permanent and not Permanent("21211").opted_out
    assert not Transient("20429").permanent
    with pytest.raises(TypeError):
        classify(True)


def test_an_already_classified_refusal_keeps_its_verdict() -> None:
    """send_on_line raises SendRefused(verdict) and a sender may raise OptedOut: read by
    class name they would be plain transient errors, and the alert dispatcher would send a
    'may have gone out' message again, or retry an opted-out resident 12 times."""
    from rtcc.sms.optout import OptedOut
    from rtcc.sms.sender import SendRefused

    maybe = classify(requests.ReadTimeout("read timed out"))
    assert classify(SendRefused(maybe)) == maybe and maybe.maybe_sent
    assert classify(SendRefused(Permanent("21610"))).opted_out
    assert classify(OptedOut("alerts")) == Permanent("opted_out")


def test_a_connection_dropped_after_the_request_may_have_sent_it() -> None:
    import http.client

    from urllib3.exceptions import ProtocolError

    aborted = requests.ConnectionError(
        ProtocolError("Connection aborted.", http.client.RemoteDisconnected("closed"))
    )
    assert classify(aborted).maybe_sent
    refused = requests.ConnectionError(OSError("connection refused"))
    assert not classify(refused).maybe_sent
