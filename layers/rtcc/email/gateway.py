"""Sending email, behind a port so domain logic never imports boto3.

`SesEmailGateway` sends through Amazon SES API v2 (SendEmail) with a raw MIME message:
SES's "simple" content would do too, but the raw form keeps the plain-text and HTML parts
and the Content-Language exactly as written, and the local emulator then stores what AWS
would deliver (its simple form keeps only one part). `InMemoryEmailGateway` is the fake
for unit tests. There is no third, local-only adapter: `rtcc dev` sends through the
emulator's SES under the function's deployed IAM, and `GET /dev/mail` lists what it holds.
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, parseaddr
from typing import Any, Protocol

#: The sender `rtcc dev` uses (and the snapshot of the deployed template it enforces grants
#: for): `.example` is reserved (RFC 2606), so nothing local can ever be mailed for real.
LOCAL_EMAIL_FROM = "cameras@rtcc.example"

#: One address, no display name, no header folding: what a recipient or sender may be.
_ADDRESS = re.compile(r"^[^@\s<>,;:\"()\[\]\\]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
#: SES's error codes that say this message to this recipient will never go (the rest:
#: throttling, limits, a paused account, 5xx, are worth another try later).
_REFUSED = {
    "MessageRejected",
    "BadRequestException",
    "MailFromDomainNotVerifiedException",
    "NotFoundException",
}


def is_address(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 254 and bool(_ADDRESS.match(value))


def sender_address(identity: str) -> str:
    """The From address of a sending identity as the deploy config names it: an address is
    itself; a domain sends as `no-reply@<domain>` (owners answer through their links, never
    by replying)."""
    return identity if "@" in identity else f"no-reply@{identity}"


@dataclass(frozen=True)
class OutboundEmail:
    to: str
    from_: str
    subject: str
    text: str
    html: str | None = None
    language: str = "en"
    message_id: str = ""
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())


class EmailRefused(Exception):
    """The provider will not send this message to this recipient (a bad or suppressed
    address, an unverified sender): retrying cannot help. `code` is the provider's."""

    def __init__(self, code: str) -> None:
        super().__init__(f"email refused by the provider ({code})")
        self.code = code


class EmailUnavailable(Exception):
    """The provider did not take the message now (throttled, a quota, an outage): retry later."""

    def __init__(self, code: str) -> None:
        super().__init__(f"email not sent now ({code}); try again later")
        self.code = code


class EmailGateway(Protocol):
    def send(self, to: str, subject: str, text: str, html: str | None = None, language: str = "en") -> str:
        """Send one message to one address from the gateway's sender; returns the
        provider's message id. Raises EmailRefused (never retry) or EmailUnavailable
        (retry later); ValueError for an argument no provider would take."""
        ...


def mime_message(sender: str, to: str, subject: str, text: str, html: str | None, language: str) -> bytes:
    """The message as SES delivers it: text/plain, with an HTML alternative when given."""
    for name, value in (("from", sender), ("to", to)):
        if not is_address(value):
            raise ValueError(f"{name}: one email address is required")
    if not subject.strip() or "\r" in subject or "\n" in subject:
        raise ValueError("subject: one non-empty line is required")
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", language):
        raise ValueError("language: a language tag such as en or es is required")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    # Quoted-printable keeps the message 7-bit (accents included), as every relay takes it.
    message.set_content(text, cte="quoted-printable")
    if html is not None:
        message.add_alternative(html, subtype="html", cte="quoted-printable")
    # After the content: set_content drops the Content-* headers it finds.
    message["Content-Language"] = language
    return message.as_bytes(policy=SMTP)


class SesEmailGateway:
    """Amazon SES v2 SendEmail from one verified identity's address."""

    def __init__(self, sender: str, client: Any) -> None:
        if not is_address(sender):
            raise ValueError("sender: the From address must be one email address")
        self.sender = sender
        self._client = client

    def send(self, to: str, subject: str, text: str, html: str | None = None, language: str = "en") -> str:
        raw = mime_message(self.sender, to, subject, text, html, language)
        from botocore.exceptions import ClientError

        try:
            # FromEmailAddress is what IAM's ses:FromAddress condition reads; the
            # recipients come from the message's To header (no Destination: SES would
            # deliver to both).
            answer = self._client.send_email(FromEmailAddress=self.sender, Content={"Raw": {"Data": raw}})
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
            if code in _REFUSED:
                raise EmailRefused(code) from None
            raise EmailUnavailable(code) from None
        return str(answer["MessageId"])


class InMemoryEmailGateway:
    """The fake for unit tests: keeps what would have been sent; `refuse(address)` makes
    sends to it fail as a suppressed address does."""

    def __init__(self, sender: str = LOCAL_EMAIL_FROM) -> None:
        self.sender = sender
        self._lock = threading.Lock()
        self._sent: list[OutboundEmail] = []
        self._refused: set[str] = set()
        self._ids = itertools.count(1)

    def refuse(self, address: str) -> None:
        with self._lock:
            self._refused.add(address)

    def send(self, to: str, subject: str, text: str, html: str | None = None, language: str = "en") -> str:
        mime_message(self.sender, to, subject, text, html, language)  # the same checks as SES's
        with self._lock:
            if to in self._refused:
                raise EmailRefused("MessageRejected")
            message_id = f"local-{next(self._ids):08d}"
            self._sent.append(OutboundEmail(to, self.sender, subject, text, html, language, message_id))
        return message_id

    def messages(self, to: str | None = None) -> list[OutboundEmail]:
        with self._lock:
            return [m for m in self._sent if to is None or m.to == to]


def email_gateway(sender: str) -> EmailGateway:
    """SES (the emulator's in `rtcc dev`) sending from `sender`, with the caller's role."""
    from rtcc.aws_clients import client

    _, address = parseaddr(sender)
    return SesEmailGateway(address or sender, client("sesv2"))
