"""Staff account routes (admin): disable a staff member, cutting their access within one
token lifetime, and re-enable them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.api.security import audit, principal, require
from rtcc.auth import Role
from rtcc.errors import Conflict
from rtcc.models.staff import StaffAccess
from rtcc.staff import StaffAccounts

router = APIGatewayRouter()

_ADMINS = [require(Role.ADMIN)]
# Cognito's username length; its pattern allows no whitespace or control characters.
_USERNAME = Annotated[str, Path(pattern=r"^[^\s/\x00-\x1f\x7f]{1,128}$", description="Cognito username")]


@router.post(
    "/api/staff/<username>/disable",
    middlewares=_ADMINS,
    summary="Disable a staff member and revoke their sessions",
    tags=["staff"],
)
def disable_staff(username: _USERNAME) -> StaffAccess:
    # An admin locking themselves out could leave no one able to undo it.
    if username.casefold() == principal(router).username.casefold():  # type: ignore[arg-type]
        raise Conflict("an admin cannot disable their own account", field="username")
    _audited("staff.disable", username, StaffAccounts().disable, detail={"sessions_revoked": True})
    return StaffAccess(username=username, enabled=False, sessions_revoked=True)


@router.post(
    "/api/staff/<username>/enable", middlewares=_ADMINS, summary="Re-enable a staff member", tags=["staff"]
)
def enable_staff(username: _USERNAME) -> StaffAccess:
    _audited("staff.enable", username, StaffAccounts().enable)
    return StaffAccess(username=username, enabled=True, sessions_revoked=False)


def _audited(action: str, username: str, change: Callable[[str], None], detail: dict | None = None) -> None:
    """The entry goes in before the change, so no change to an account goes unrecorded; if
    Cognito then refuses, a `<action>.not_applied` entry says so."""
    target = f"staff/{username}"
    audit(router, action, target, detail=detail)  # type: ignore[arg-type]
    try:
        change(username)
    except Exception as exc:
        audit(router, f"{action}.not_applied", target, detail={"reason": type(exc).__name__})  # type: ignore[arg-type]
        raise
