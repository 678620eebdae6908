"""What the platform answers when a request asks for something that cannot be done.

Domain code raises a `DomainError` (or a capability's subclass of one); the API app turns
it into the JSON answer in one place (`rtcc.api.app`, one `exception_handler`), so a route
just calls the domain and lets the error pass. An error carries the HTTP status as a plain
number: this module imports nothing of HTTP or Powertools, so domain code raising it stays
free of both and reads the same in a queue consumer or the CLI.

The message is shown to the caller as is. It names the field and the problem ("text:
empty reply"), as every 4xx body does, and never carries a phone number, a token or what
a tipster wrote.
"""

from __future__ import annotations


class DomainError(Exception):
    """A request that cannot be done; `status` is the HTTP status to answer with."""

    status: int = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        # `field` written separately keeps the "field: problem" shape in one place.
        text = f"{field}: {message}" if field else message
        super().__init__(text)
        self.message = text
        self.field = field


class Unauthorized(DomainError):
    """No valid credential (a signed link that is malformed or forged)."""

    status = 401


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The request is valid, but the thing's current state does not allow it."""

    status = 409


class Gone(DomainError):
    """It existed and is no more: an expired link or code."""

    status = 410


class Invalid(DomainError):
    """The request is well formed (it passed validation) but asks for something the
    domain's rules refuse."""

    status = 422


class Throttled(DomainError):
    """Too many attempts: the caller must wait before trying again."""

    status = 429


class Unavailable(DomainError):
    """A dependency (a queue, say) refused: the same request may be sent again."""

    status = 503
