"""rtcc.email: the MIME message SES is given, the SES adapter against the emulator's SES
(moto in process), error classes, the in-memory fake."""

from __future__ import annotations

import email
from email.policy import default

import boto3
import pytest
from rtcc.email import (
    EmailRefused,
    EmailUnavailable,
    InMemoryEmailGateway,
    SesEmailGateway,
    mime_message,
    sender_address,
)

SENDER = "cameras@city.example"


def test_the_message_carries_both_parts_and_the_language() -> None:
    raw = mime_message(SENDER, "owner@example.org", "Código", "Su código: 123456", "<p>123456</p>", "es")
    parsed = email.message_from_bytes(raw, policy=default)
    assert parsed["From"] == SENDER and parsed["To"] == "owner@example.org"
    assert parsed["Subject"] == "Código" and parsed["Content-Language"] == "es"
    kinds = {part.get_content_type(): part.get_content() for part in parsed.walk() if not part.is_multipart()}
    assert kinds["text/plain"].strip() == "Su código: 123456"
    assert kinds["text/html"].strip() == "<p>123456</p>"


@pytest.mark.parametrize(
    ("to", "subject", "language", "field"),
    [
        ("owner@example.org\r\nBcc: x@evil.example", "Hi", "en", "to"),
        ("a@b@example.org", "Hi", "en", "to"),
        ("owner@example.org", "Hi\r\nBcc: x@evil.example", "en", "subject"),
        ("owner@example.org", "  ", "en", "subject"),
        ("owner@example.org", "Hi", "en\nX: y", "language"),
    ],
)
def test_header_injection_and_bad_arguments_are_refused(
    to: str, subject: str, language: str, field: str
) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        mime_message(SENDER, to, subject, "text", None, language)


def test_a_domain_identity_sends_from_no_reply() -> None:
    assert sender_address("city.example") == "no-reply@city.example"
    assert sender_address(SENDER) == SENDER


# The units' moto server, each test in a region of its own: moto's state is process-wide, and
# `mock_aws` would wipe it (the unit tables and the local stack's) when it stops.
def _client(service: str, region: str, endpoint: str):  # noqa: ANN202
    return boto3.client(service, region_name=region, endpoint_url=endpoint)


def test_ses_adapter_sends_a_raw_message_the_emulator_stores(moto_endpoint: str) -> None:
    region = "eu-west-2"
    _client("ses", region, moto_endpoint).verify_email_identity(EmailAddress=SENDER)
    gateway = SesEmailGateway(SENDER, _client("sesv2", region, moto_endpoint))
    message_id = gateway.send("owner@example.org", "Your code", "Code: 123456", language="en")
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    (sent,) = ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages
    assert sent.id == message_id and sent.source == SENDER
    assert "Code: 123456" in sent.raw_data and "owner@example.org" in sent.destinations


def test_an_unverified_sender_is_refused_for_good(moto_endpoint: str) -> None:
    gateway = SesEmailGateway(SENDER, _client("sesv2", "eu-west-3", moto_endpoint))
    with pytest.raises(EmailRefused) as refused:
        gateway.send("owner@example.org", "Your code", "Code: 123456")
    assert refused.value.code == "MessageRejected"


def test_throttling_is_worth_another_try() -> None:
    from botocore.exceptions import ClientError

    class Throttled:
        def send_email(self, **_: object) -> dict:
            raise ClientError({"Error": {"Code": "TooManyRequestsException"}}, "SendEmail")

    with pytest.raises(EmailUnavailable):
        SesEmailGateway(SENDER, Throttled()).send("owner@example.org", "Hi", "text")


def test_the_fake_keeps_what_was_sent_and_refuses_on_demand() -> None:
    fake = InMemoryEmailGateway(SENDER)
    fake.send("a@example.org", "One", "first", "<p>first</p>", "es")
    fake.refuse("b@example.org")
    with pytest.raises(EmailRefused):
        fake.send("b@example.org", "Two", "second")
    (message,) = fake.messages()
    assert (message.to, message.from_, message.language, message.html) == (
        "a@example.org",
        SENDER,
        "es",
        "<p>first</p>",
    )
    assert fake.messages("b@example.org") == []
