"""Sending SMS/MMS, behind a port so domain logic never imports twilio.

Deployed stacks use `TwilioSmsGateway`; `rtcc dev` and tests use `OutboxSmsGateway`,
which keeps messages in memory where the phone simulator and tests read them.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol

from rtcc.settings import get_settings


@dataclass(frozen=True)
class OutboundSms:
    to: str
    from_: str
    body: str
    media_urls: tuple[str, ...] = ()
    sid: str = ""
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())


class SmsGateway(Protocol):
    def send(self, to: str, from_: str, body: str, media_urls: tuple[str, ...] = ()) -> str:
        """Send one message; returns the provider's message id."""
        ...

    def delete_message(self, sid: str) -> None:
        """Delete a message's record (and its media) at the provider: that record holds
        the tipster's number. A message already gone counts as deleted."""
        ...


class OutboxSmsGateway:
    """In-memory outbox: what would have been sent, in order (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[OutboundSms] = []
        self._deleted: list[str] = []
        self._ids = itertools.count(1)

    def send(self, to: str, from_: str, body: str, media_urls: tuple[str, ...] = ()) -> str:
        with self._lock:
            sid = f"SMLOCAL{next(self._ids):026d}"
            self._messages.append(
                OutboundSms(to=to, from_=from_, body=body, media_urls=tuple(media_urls), sid=sid)
            )
        return sid

    def messages(self, to: str | None = None) -> list[OutboundSms]:
        with self._lock:
            return [m for m in self._messages if to is None or m.to == to]

    def delete_message(self, sid: str) -> None:
        # Recorded, so tests (and /dev/outbox) can see what would have been deleted at Twilio.
        with self._lock:
            self._deleted.append(sid)

    def deleted(self) -> list[str]:
        with self._lock:
            return list(self._deleted)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self._deleted.clear()


#: Seconds one Twilio API call may take (connect, then read). twilio's default is no
#: timeout at all: a stalled connection would hold the sender until Lambda kills it at the
#: function's timeout (tip-outbound: 30 s), taking the rest of its batch down with it and
#: leaving replies claimed as `sending`. Well under that, a stall becomes an ordinary send
#: failure that SQS retries.
TWILIO_TIMEOUT_S = 8.0


class TwilioSmsGateway:
    def __init__(self, account_sid: str, auth_token: str) -> None:
        # Imported here: only deployed senders pay for twilio.
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self._client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=TWILIO_TIMEOUT_S))

    def send(self, to: str, from_: str, body: str, media_urls: tuple[str, ...] = ()) -> str:
        kwargs = {"media_url": list(media_urls)} if media_urls else {}
        message = self._client.messages.create(to=to, from_=from_, body=body, **kwargs)
        return str(message.sid)

    def delete_message(self, sid: str) -> None:
        from twilio.base.exceptions import TwilioRestException

        try:
            self._client.messages(sid).delete()
        except TwilioRestException as exc:
            if exc.status != 404:  # already deleted is what we wanted
                raise


@lru_cache(maxsize=1)
def local_outbox() -> OutboxSmsGateway:
    return OutboxSmsGateway()


def get_sms_gateway() -> SmsGateway:
    settings = get_settings()
    if settings.sms_backend == "twilio":
        from rtcc.secrets import secret_value

        return TwilioSmsGateway(settings.twilio_account_sid, secret_value("twilio_auth_token"))
    return local_outbox()
