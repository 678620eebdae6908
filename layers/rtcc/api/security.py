"""Role checks and audit helpers for API routes.

`require(...)` is the route-level middleware every non-public route uses; `precheck`
is a second line behind API Gateway's authorizer, so a route someone forgot to mark
still refuses anonymous callers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from rtcc.audit import AuditEvent, AuditLog
from rtcc.auth import Principal, Role, authorize, principal_from_event
from rtcc.settings import get_settings
from rtcc.topology import is_public_path

Middleware = Callable[[APIGatewayRestResolver, NextMiddleware], Response]

logger = logging.getLogger(__name__)


def current_principal(app: APIGatewayRestResolver) -> Principal | None:
    return principal_from_event(app.current_event.raw_event)


def _check(app: APIGatewayRestResolver, roles: tuple[Role, ...]) -> Principal:
    # An AuthError (401 or 403) is a DomainError: the app's one handler answers it.
    return authorize(current_principal(app), roles)


def precheck(event: dict) -> tuple[int, str] | None:
    """Checks that must come before body validation, so an anonymous caller or an
    oversized body never reaches parsing: (status, message) to refuse, or None.

    Powertools runs its validation before any route middleware, hence a separate step
    that the resolver calls first (see `rtcc.api.app.RtccResolver`).
    """
    body = event.get("body") or ""
    limit = get_settings().max_body_bytes
    if len(body) > limit:
        return 413, f"body: larger than the limit of {limit} bytes"
    if not is_public_path(event.get("path") or "/") and principal_from_event(event) is None:
        return 401, "authentication required: send a valid Cognito ID token as a Bearer token"
    return None


def require(*roles: Role) -> Middleware:
    """Route middleware: the caller must hold one of `roles` (higher roles imply lower)."""

    def middleware(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
        _check(app, roles)
        return next_middleware(app)

    return middleware


def principal(app: APIGatewayRestResolver) -> Principal:
    """The caller of a route guarded by `require` (raises 401 if called on a public one)."""
    return _check(app, ())


def audit(
    app: APIGatewayRestResolver,
    action: str,
    target: str,
    *,
    purpose: str | None = None,
    case_number: str | None = None,
    detail: dict | None = None,
) -> None:
    """Append an audit entry for the current caller and request."""
    who = principal(app)
    AuditLog().append(
        AuditEvent(
            actor=who.username,
            role=who.primary_role,
            action=action,
            target=target,
            purpose=purpose,
            case_number=case_number,
            request_id=app.current_event.request_context.request_id,
            detail=detail or {},
        )
    )


class AuditedWrite:
    """The audit entry of a change goes in before the change is saved, never after.

    Appending after the write could fail (contention, throttling, a revoked grant) and
    leave a saved change with no entry. So the route hands `intend` to the domain code,
    which calls it once it knows exactly what it will write and right before each write
    attempt: if the append fails, nothing is written and the request fails. If the write
    then fails (or is retried), a follow-up `<action>.not_applied` entry says so; should
    that follow-up fail too, the log overstates (an entry for a change that did not
    happen), which is the safe direction. Use as a context manager around the write only.
    """

    def __init__(self, app: APIGatewayRestResolver, action: str, target: str) -> None:
        self.app, self.action, self.target = app, action, target
        self.pending = False

    def intend(self, *, detail: dict | None = None, case_number: str | None = None) -> None:
        if self.pending:  # the previous attempt's write did not happen; the domain code retries
            self._not_applied("retried")
        audit(self.app, self.action, self.target, case_number=case_number, detail=detail)
        self.pending = True

    def applied(self) -> None:
        """The write happened even though an error follows (e.g. a reply stored, not queued)."""
        self.pending = False

    def _not_applied(self, reason: str) -> None:
        self.pending = False
        try:
            audit(self.app, f"{self.action}.not_applied", self.target, detail={"reason": reason})
        except Exception:  # noqa: BLE001 - the original error is the one to report
            logger.warning("audit: could not record that %s did not happen", self.action)

    def __enter__(self) -> AuditedWrite:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is not None and self.pending:
            self._not_applied(kind.__name__)
