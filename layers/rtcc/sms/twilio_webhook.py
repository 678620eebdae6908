"""Checking Twilio's signature on a webhook and answering with TwiML.

The URL Twilio signed is the one configured in the Twilio console: our public base URL
plus the path. It is rebuilt from settings, never from the Host header, which the caller
controls (and which API Gateway rewrites).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from twilio.request_validator import RequestValidator, get_signature_algorithm
from twilio.twiml.messaging_response import MessagingResponse


class FormParams(dict):
    """Form fields as Twilio signs them: every value of a repeated key counts."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__()
        for key, value in pairs:
            self.setdefault(key, []).append(value)

    def getlist(self, key: str) -> list[str]:
        return self[key]

    def flat(self) -> dict[str, str]:
        return {k: v[-1] for k, v in self.items()}


def raw_body(event: Mapping[str, Any]) -> str:
    """The request body as Twilio sent it; API Gateway base64-encodes form posts when
    forms are binary media types (as ours are, to keep the bytes exact)."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body).decode("utf-8")
    return body


def parse_form(body: str) -> FormParams:
    return FormParams(parse_qsl(body, keep_blank_values=True, strict_parsing=False))


def header(event: Mapping[str, Any], name: str) -> str | None:
    wanted = name.lower()
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == wanted:
            return value
    return None


def signed_url(public_base_url: str, event: Mapping[str, Any]) -> str:
    url = public_base_url.rstrip("/") + (event.get("path") or "/")
    multi = event.get("multiValueQueryStringParameters") or {}
    single = event.get("queryStringParameters") or {}
    pairs = [(k, v) for k, values in multi.items() for v in values] or list(single.items())
    return f"{url}?{urlencode(pairs)}" if pairs else url


def signature_valid(auth_token: str, url: str, params: FormParams, event: Mapping[str, Any]) -> bool:
    signature = header(event, "X-Twilio-Signature")
    if not signature:
        return False
    algorithm = get_signature_algorithm(header(event, "X-Twilio-Webhooks-Signature-Settings"))
    return RequestValidator(auth_token).validate(url, params, signature, algorithm)


def sign(auth_token: str, url: str, params: Mapping[str, Any]) -> str:
    """The signature Twilio would send (the phone simulator, tests and the benchmark)."""
    return RequestValidator(auth_token).compute_signature(url, params)


def twiml(message: str) -> str:
    response = MessagingResponse()
    if message:
        response.message(message)
    return str(response)
