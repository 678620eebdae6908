"""Helpers for tips integration tests: a tipster's phone that signs webhooks as Twilio does."""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from rtcc.sms.twilio_form import inbound_form
from rtcc.tips.adapters.twilio_webhook import sign

WEBHOOK = "/webhooks/twilio/tips"
AUTH_TOKEN = "local-twilio-auth-token"  # the local default of RTCC_TWILIO_AUTH_TOKEN
TIP_LINE = "+15550100100"
ACCOUNT_SID = "AC" + "0" * 32


def new_number() -> str:
    return "+1555" + "".join(random.choice("0123456789") for _ in range(7))


def new_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


def twilio_form(
    number: str, body: str, media: list[tuple[str, str]] = (), sid: str | None = None
) -> dict[str, str]:
    """What Twilio posts when `number` texts the tip line (geography fields included)."""
    return inbound_form(
        from_number=number,
        to_number=TIP_LINE,
        body=body,
        account_sid=ACCOUNT_SID,
        media=media,
        message_sid=sid,
    )


class Phone:
    """Sends signed inbound-message webhooks to the local stack."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def post(
        self, form: dict[str, str], signature: str | None = "sign", raw: str | None = None
    ) -> requests.Response:
        url = self.base_url + WEBHOOK
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature == "sign":
            headers["X-Twilio-Signature"] = sign(AUTH_TOKEN, url, form)
        elif signature is not None:
            headers["X-Twilio-Signature"] = signature
        data: Any = raw if raw is not None else form
        return requests.post(url, data=data, headers=headers, timeout=30)

    def text(self, number: str, body: str, media: list[tuple[str, str]] = (), sid: str | None = None):
        form = twilio_form(number, body, list(media), sid)
        return form, self.post(form)

    def upload_media(self, data: bytes, content_type: str) -> str:
        r = requests.post(
            self.base_url + "/dev/twilio-media", data=data, headers={"Content-Type": content_type}, timeout=30
        )
        r.raise_for_status()
        return r.json()["url"]


@pytest.fixture
def phone(local_stack: Any) -> Phone:
    return Phone(local_stack.base_url)


def code_of(response: requests.Response) -> str:
    import re

    match = re.search(r"T-[2-9A-Z]{4,8}", response.text)
    assert match, response.text
    return match.group(0)


def wait_for(check: Callable[[], Any], timeout: float = 30, every: float = 0.3) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(every)
