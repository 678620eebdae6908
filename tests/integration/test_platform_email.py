"""Platform email (rtcc.email) against the local stack: a message sent through the emulator's
SES (its sender verified at start) is listed at /dev/mail, as JSON and as a page, with both
parts and its language; a function whose role has no ses:SendEmail is refused, the call read
by the IAM enforcer (not passed as unreadable)."""

from __future__ import annotations

import secrets
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from rtcc.email import SesEmailGateway
from rtcc.email.gateway import LOCAL_EMAIL_FROM
from rtcc.local.iam.identity import acting_as


def _ses(stack: Any) -> Any:
    return boto3.client("sesv2", endpoint_url=stack.aws_endpoint_url, region_name=stack.settings.region)


def test_email_sent_through_ses_is_listed_at_dev_mail(local_stack: Any) -> None:
    to = f"owner-{secrets.token_hex(4)}@example.org"
    SesEmailGateway(LOCAL_EMAIL_FROM, _ses(local_stack)).send(
        to, "Código de cámara", "Código: 123456", "<p>123456</p>", "es"
    )
    mail = requests.get(f"{local_stack.base_url}/dev/mail", params={"to": to}, timeout=10).json()
    (message,) = mail["messages"]
    assert (message["from"], message["to"], message["subject"], message["language"]) == (
        LOCAL_EMAIL_FROM,
        [to],
        "Código de cámara",
        "es",
    )
    assert message["text"].strip() == "Código: 123456" and message["html"].strip() == "<p>123456</p>"
    page = requests.get(f"{local_stack.base_url}/dev/mail", headers={"Accept": "text/html"}, timeout=10)
    assert page.headers["Content-Type"].startswith("text/html") and "Código de cámara" in page.text


def test_a_function_without_the_grant_cannot_send(local_stack: Any) -> None:
    raw = {"Raw": {"Data": b"From: cameras@rtcc.example\r\nTo: a@example.org\r\nSubject: x\r\n\r\nx"}}
    with acting_as("retention"), pytest.raises(ClientError) as refused:
        _ses(local_stack).send_email(FromEmailAddress=LOCAL_EMAIL_FROM, Content=raw)
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    calls = requests.get(f"{local_stack.base_url}/dev/aws-calls", timeout=10).json()["calls"]
    assert {"function": "retention", "action": "ses:SendEmail", "allowed": False} in [
        {k: c[k] for k in ("function", "action", "allowed")} for c in calls
    ]
