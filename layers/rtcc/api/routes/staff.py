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
from rtcc.staff import StaffAccounts, StaffMember

router = APIGatewayRouter()

_ADMINS = [require(Role.ADMIN)]
_LAST_ADMIN = "the last enabled admin cannot be disabled: enable or add another admin first"
# Cognito's username length; its pattern allows no whitespace or control characters.
_USERNAME = Annotated[str, Path(pattern=r"^[^\s/\x00-\x1f\x7f]{1,128}$", description="Cognito username")]


@router.post(
    "/api/staff/<username>/disable",
    middlewares=_ADMINS,
    summary="Disable a staff member and revoke their sessions",
    tags=["staff"],
)
def disable_staff(username: _USERNAME) -> StaffAccess:
    accounts = StaffAccounts()
    target, admins = _disable_target(accounts, username)
    _audited(
        "staff.disable",
        target.username,
        lambda name: _disable_keeping_an_admin(accounts, target, was_admin=target.subject in admins),
        detail={"sessions_revoked": True, "named": username},
    )
    return StaffAccess(username=target.username, enabled=False, sessions_revoked=True)


def _disable_target(accounts: StaffAccounts, name: str) -> tuple[StaffMember, set[str]]:
    """The account `name` resolves to (an email alias or a name in another case names the
    same one), and the enabled admins, if disabling it leaves the pool administrable. A
    refused attempt is on record too."""
    try:
        target = accounts.member(name)
        # An admin locking themselves out could leave no one able to undo it; compared by
        # `sub`, since the path may name the caller by email or in another case.
        if target.subject == principal(router).subject:  # type: ignore[arg-type]
            raise Conflict("an admin cannot disable their own account", field="username")
        admins = accounts.enabled_admins()
        if target.subject in admins and not admins - {target.subject}:
            raise Conflict(_LAST_ADMIN, field="username")
    except Exception as exc:
        audit(router, "staff.disable", f"staff/{name}")  # type: ignore[arg-type]
        audit(router, "staff.disable.not_applied", f"staff/{name}", detail={"reason": type(exc).__name__})  # type: ignore[arg-type]
        raise
    return target, admins


def _disable_keeping_an_admin(accounts: StaffAccounts, target: StaffMember, *, was_admin: bool) -> None:
    accounts.disable(target.username)
    # The check before is not atomic with the disable: two admins disabling each other at
    # once both see the other enabled, and both succeed. So after disabling an admin, count
    # again; whichever disable lands last sees none left and undoes its own (re-enabling
    # only adds admins, so at least one stays enabled). Its revoked sessions stay revoked.
    # Not covered: the function dying between the disable and this re-count.
    if was_admin and not accounts.enabled_admins():
        accounts.enable(target.username)
        raise Conflict(_LAST_ADMIN, field="username")


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
