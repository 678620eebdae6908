"""Role checks and audit helpers for API routes.

`require(...)` is the route-level middleware every non-public route uses; the
global `authenticate` middleware is a second line behind API Gateway's authorizer,
so a route someone forgot to mark still refuses anonymous callers.
"""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import (
    ForbiddenError,
    RequestEntityTooLargeError,
    UnauthorizedError,
)
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from rtcc.audit import AuditEvent, AuditLog
from rtcc.auth import AuthError, Principal, Role, authorize, principal_from_event
from rtcc.settings import get_settings
from rtcc.topology import is_public_path

Middleware = Callable[[APIGatewayRestResolver, NextMiddleware], Response]

def current_principal(app: APIGatewayRestResolver) -> Principal | None:
    return principal_from_event(app.current_event.raw_event)


def _check(app: APIGatewayRestResolver, roles: tuple[Role, ...]) -> Principal:
    try:
        return authorize(current_principal(app), roles)
    except AuthError as err:
        if err.status == 401:
            raise UnauthorizedError(err.message) from None
        raise ForbiddenError(err.message) from None


def authenticate(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
    if not is_public_path(app.current_event.path):
        _check(app, ())
    return next_middleware(app)


def limit_body(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
    body = app.current_event.body or ""
    limit = get_settings().max_body_bytes
    if len(body) > limit:
        raise RequestEntityTooLargeError(f"body: larger than the limit of {limit} bytes")
    return next_middleware(app)


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
