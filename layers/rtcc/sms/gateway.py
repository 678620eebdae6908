"""Sending SMS/MMS, behind a port so domain logic never imports twilio.

Deployed stacks use `TwilioSmsGateway`; `rtcc dev` and tests use `OutboxSmsGateway`,
which keeps messages in memory where the phone simulator and tests read them, and stands
in for Twilio's side too: it takes only credentials Twilio would (the senders' API key,
read with their own role), every message moves `queued`, `sent`, `delivered` as Twilio's
would (one sent with a status callback gets those as signed callbacks), and deletes are
recorded (refused while the message is in progress, as Twilio refuses them). It can be
told to fail a number with a Twilio error code (`fail`, `POST /dev/outbox/failures`): a
send-time error (21610, 21211, 20429, ...) is raised as Twilio's API raises it, a delivery
error (30003-30008) arrives as Twilio reports it, an `undelivered` status callback carrying
the ErrorCode. rtcc.sms.errors classifies both.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol

from rtcc.settings import get_settings
from rtcc.sms.status_schedule import StatusSchedule
from rtcc.sms.twilio_key import TwilioApiKey, stand_in_accepts, twilio_api_key


@dataclass(frozen=True)
class OutboundSms:
    to: str
    from_: str
    body: str
    media_urls: tuple[str, ...] = ()
    sid: str = ""
    status_callback: str = ""  # where the stand-in posts this message's status
    messaging_service_sid: str = ""
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())


class SmsGateway(Protocol):
    def send(
        self,
        to: str,
        from_: str,
        body: str,
        media_urls: tuple[str, ...] = (),
        status_callback: str | None = None,
    ) -> str:
        """Send one message; returns the provider's message id. With `status_callback`,
        the provider posts the message's status changes there (signed). With a Messaging
        Service configured (RTCC_TWILIO_MESSAGING_SERVICE_SID), it sends through the
        service (its sender pool, Advanced Opt-Out); an empty `from_` lets the service
        pick the number. A refused send raises the provider's error, which
        rtcc.sms.errors.classify reads (transient or permanent for this recipient)."""
        ...

    def delete_message(self, sid: str) -> None:
        """Delete a message's record (and its media) at the provider: that record holds
        the tipster's number. A message already gone counts as deleted."""
        ...


@dataclass(frozen=True)
class _Report:
    """A message's status steps as Twilio would post them, and which one is next."""

    sid: str
    from_: str
    to: str
    url: str  # "" when the sender asked for no callback: the status still moves on
    token: str
    steps: tuple[tuple[str, int | None], ...]
    step: int = 0


class OutboxSmsGateway:
    """In-memory outbox: what would have been sent, in order (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[OutboundSms] = []
        self._deleted: list[str] = []
        self._status: dict[str, str] = {}
        self._failures: dict[str, int] = {}  # number -> the Twilio error code it gets
        self._ids = itertools.count(1)
        self._schedule: StatusSchedule[_Report] = StatusSchedule(self._report)

    def fail(self, to: str, code: int | None) -> None:
        """Make every later send to `to` fail with Twilio error `code` (None: stop)."""
        with self._lock:
            if code is None:
                self._failures.pop(to, None)
            else:
                self._failures[to] = int(code)

    def failures(self) -> dict[str, int]:
        with self._lock:
            return dict(self._failures)

    def send(
        self,
        to: str,
        from_: str,
        body: str,
        media_urls: tuple[str, ...] = (),
        status_callback: str | None = None,
    ) -> str:
        with self._lock:
            code = self._failures.get(to)
            if code is not None and code < DELIVERY_ERRORS_FROM:
                raise ProviderError(code)  # Twilio refuses the request itself
            sid = f"SMLOCAL{next(self._ids):026d}"
            self._messages.append(
                OutboundSms(
                    to=to,
                    from_=from_ or _service_number(),
                    body=body,
                    media_urls=tuple(media_urls),
                    sid=sid,
                    status_callback=status_callback or "",
                    messaging_service_sid=get_settings().twilio_messaging_service_sid,
                )
            )
            self._status[sid] = "queued"
        # Twilio delivers a message whether or not anyone asked for its status, so the status
        # moves on either way (/dev/phone shows it); callbacks are posted only when asked for.
        token = ""
        if status_callback:
            # Twilio signs its callbacks with the account's auth token: the stand-in is
            # Twilio, so it knows the token itself; the sender's role cannot read it.
            from rtcc.secrets import local_secret_value

            token = local_secret_value("twilio_auth_token")
        report = _Report(sid, from_, to, status_callback or "", token, _steps(code))
        self._schedule.after(STATUS_STEP_S, report)
        return sid

    def _report(self, report: _Report) -> None:
        """One of Twilio's status steps for one message (`queued`, `sent`, then `delivered`,
        or `undelivered` with the error code), then the next one scheduled."""
        status, error = report.steps[report.step]
        with self._lock:
            if report.sid in self._deleted:
                return
            self._status[report.sid] = status
        if report.url:
            post_status_callback(report.url, report.token, report.sid, status, report.from_, report.to, error)
        if report.step + 1 < len(report.steps):
            self._schedule.after(STATUS_STEP_S, replace(report, step=report.step + 1))

    def status(self, sid: str) -> str | None:
        with self._lock:
            return self._status.get(sid)

    def messages(self, to: str | None = None) -> list[OutboundSms]:
        with self._lock:
            return [m for m in self._messages if to is None or m.to == to]

    def delete_message(self, sid: str) -> None:
        # Recorded, so tests (and /dev/outbox) can see what would have been deleted at Twilio.
        with self._lock:
            if self._status.get(sid) in IN_PROGRESS:
                raise MessageInProgress(sid)
            if sid not in self._deleted:  # a second delete is Twilio's 404: already gone
                self._deleted.append(sid)

    def deleted(self) -> list[str]:
        with self._lock:
            return list(self._deleted)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self._deleted.clear()
            self._status.clear()
            self._failures.clear()


#: Seconds between the stand-in's status callbacks (Twilio's come a second or more apart).
STATUS_STEP_S = 0.2
#: Statuses in which Twilio refuses to delete a message.
IN_PROGRESS = frozenset({"accepted", "scheduled", "queued", "sending"})


#: Twilio error codes from here on are delivery errors: the send is accepted, and the
#: failure comes later in an `undelivered` status callback (30003-30008).
DELIVERY_ERRORS_FROM = 30000
_DELIVERED = (("queued", None), ("sent", None), ("delivered", None))


def _steps(code: int | None) -> tuple[tuple[str, int | None], ...]:
    if code is None:
        return _DELIVERED
    return (("queued", None), ("sent", None), ("undelivered", code))


def _service_number() -> str:
    """The stand-in's pick from a Messaging Service's sender pool: the service's SID stands
    for the number, so /dev/phone shows which service sent it."""
    return get_settings().twilio_messaging_service_sid


class ProviderError(Exception):
    """The stand-in's refusal of a send, shaped as twilio's TwilioRestException (`code`,
    `status`) so rtcc.sms.errors.classify and the senders read it the same way. Its
    message never holds the number."""

    def __init__(self, code: int) -> None:
        super().__init__(f"Twilio error {code}")
        self.code = code
        self.status = _http_status(code)


def _http_status(code: int) -> int:
    """The HTTP status Twilio answers a refused send with."""
    if code == 20429:
        return 429
    if code in (20500, 20503):
        return code - 20000
    return 400


class MessageInProgress(Exception):
    """The stand-in's answer to deleting a message Twilio is still sending (Twilio answers
    with an error too, and the caller retries later). Carries no number."""

    def __init__(self, sid: str) -> None:
        super().__init__("cannot delete a message whose delivery has not completed")


def post_status_callback(
    url: str, token: str, sid: str, status: str, from_: str, to: str, error: int | None = None
) -> None:
    """Post one status callback as Twilio does: a form signed over the full URL (with
    `ErrorCode` when the message failed)."""
    import requests
    from twilio.request_validator import RequestValidator

    form = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status}
    if error is not None:
        form["ErrorCode"] = str(error)
    form.update({"AccountSid": "AC" + "0" * 32, "From": from_, "To": to, "ApiVersion": "2010-04-01"})
    signature = RequestValidator(token).compute_signature(url, form)
    headers = {"X-Twilio-Signature": signature, "User-Agent": "TwilioProxy/1.1"}
    try:
        requests.post(url, data=form, headers=headers, timeout=20)
    except requests.RequestException:
        pass  # Twilio does not retry a failed status callback either


#: Seconds one Twilio API call may take (connect, then read). twilio's default is no
#: timeout at all: a stalled connection would hold the sender until Lambda kills it at the
#: function's timeout (tip-outbound: 30 s), taking the rest of its batch down with it and
#: leaving replies claimed as `sending`. Well under that, a stall becomes an ordinary send
#: failure that SQS retries.
TWILIO_TIMEOUT_S = 8.0


class TwilioSmsGateway:
    def __init__(self, account_sid: str, key: TwilioApiKey, messaging_service_sid: str = "") -> None:
        # Imported here: only deployed senders pay for twilio.
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        # An API key, never the auth token (rtcc.sms.twilio_key): the key's SID and secret
        # authenticate, the account SID says whose messages.
        self._client = Client(
            key.sid, key.secret, account_sid, http_client=TwilioHttpClient(timeout=TWILIO_TIMEOUT_S)
        )
        self._service = messaging_service_sid

    def send(
        self,
        to: str,
        from_: str,
        body: str,
        media_urls: tuple[str, ...] = (),
        status_callback: str | None = None,
    ) -> str:
        args = twilio_create_args(to, from_, body, media_urls, status_callback, self._service)
        message = self._client.messages.create(**args)
        return str(message.sid)

    def delete_message(self, sid: str) -> None:
        from twilio.base.exceptions import TwilioRestException

        try:
            self._client.messages(sid).delete()
        except TwilioRestException as exc:
            if exc.status != 404:  # already deleted is what we wanted
                raise


def twilio_create_args(
    to: str,
    from_: str,
    body: str,
    media_urls: tuple[str, ...] = (),
    status_callback: str | None = None,
    messaging_service_sid: str = "",
) -> dict:
    """Twilio's Messages.create arguments. A Messaging Service sends from its pool (and
    applies Advanced Opt-Out); with a `from_` too, Twilio sends from that number, which
    must be in the service's pool."""
    kwargs: dict = {"to": to, "body": body}
    if from_:
        kwargs["from_"] = from_
    if messaging_service_sid:
        kwargs["messaging_service_sid"] = messaging_service_sid
    if not from_ and not messaging_service_sid:
        raise ValueError("a send needs a From number or a Messaging Service")
    if media_urls:
        kwargs["media_url"] = list(media_urls)
    if status_callback:
        kwargs["status_callback"] = status_callback
    return kwargs


@lru_cache(maxsize=1)
def local_outbox() -> OutboxSmsGateway:
    return OutboxSmsGateway()


class TwilioAuthRefused(Exception):
    """The stand-in's 401: the caller's credentials are not ones Twilio would accept."""


def get_sms_gateway() -> SmsGateway:
    """Twilio's client, or the local outbox, each with the caller's API key (read with
    its own role, so locally too a function without the grant cannot send)."""
    settings = get_settings()
    key = twilio_api_key()
    if settings.sms_backend == "twilio":
        return TwilioSmsGateway(settings.twilio_account_sid, key, settings.twilio_messaging_service_sid)
    if not stand_in_accepts(key.sid, key.secret):
        raise TwilioAuthRefused("the Twilio stand-in refused the API key (Twilio answers 401)")
    return local_outbox()
