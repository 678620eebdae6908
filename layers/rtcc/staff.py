"""Cutting a staff member off: disable the Cognito user and revoke every refresh token.

API Gateway's Cognito authorizer checks a token's signature and expiry, never whether the
user still exists or is enabled, so an ID token already handed out keeps working until it
expires. What bounds a disabled officer's access is therefore the console client's token
lifetime (5 minutes, rtcc.resources.CONSOLE_TOKEN_VALIDITY_MINUTES) together with the
refresh being refused: disabling the user refuses it, and the global sign-out revokes the
refresh tokens too, so an account re-enabled by mistake does not bring old sessions back.

Before disabling, the target is resolved (AdminGetUser): the pool signs in by username or
email, case-insensitively, and admin calls accept either, so the path's name is compared
by what it resolves to (the account's `sub`), never as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from rtcc.aws_clients import client
from rtcc.errors import DomainError, NotFound
from rtcc.settings import get_settings

#: Exactly the Cognito calls this module makes (infra grants these to the API function).
STAFF_DISABLE_ACTIONS: tuple[str, ...] = (
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminEnableUser",
    "cognito-idp:AdminUserGlobalSignOut",
    # Resolving a name (username or email alias) to its account, and counting enabled admins.
    "cognito-idp:AdminGetUser",
    "cognito-idp:ListUsersInGroup",
)

ADMIN_GROUP = "admin"


@dataclass(frozen=True)
class StaffMember:
    username: str  # the account's own username, whatever name it was looked up by
    subject: str  # `sub`: what a token's claims name the caller by
    enabled: bool


def _sub(attributes: list[dict[str, str]]) -> str:
    return next(a["Value"] for a in attributes if a["Name"] == "sub")


class StaffAccounts:
    """The staff user pool, as far as disabling and re-enabling a member goes."""

    def __init__(self, cognito: Any | None = None, user_pool_id: str | None = None) -> None:
        self._cognito = cognito or client("cognito-idp")
        self._pool = user_pool_id or get_settings().user_pool_id

    def member(self, name: str) -> StaffMember:
        """The account `name` (a username or an email alias) signs in to."""
        found = self._call("admin_get_user", name)
        return StaffMember(found["Username"], _sub(found["UserAttributes"]), bool(found["Enabled"]))

    def enabled_admins(self) -> set[str]:
        """The `sub` of every enabled member of the admin group (all pages)."""
        pages = self._cognito.get_paginator("list_users_in_group").paginate(
            UserPoolId=self._pool, GroupName=ADMIN_GROUP
        )
        return {_sub(u["Attributes"]) for page in pages for u in page["Users"] if u["Enabled"]}

    def disable(self, username: str) -> None:
        """Disable first (no new sign-in, no refresh), then revoke the refresh tokens."""
        self._call("admin_disable_user", username)
        self._call("admin_user_global_sign_out", username)

    def enable(self, username: str) -> None:
        """Sign-in works again; sessions revoked on disable stay revoked."""
        self._call("admin_enable_user", username)

    def _call(self, operation: str, username: str) -> dict[str, Any]:
        try:
            return getattr(self._cognito, operation)(UserPoolId=self._pool, Username=username)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == "UserNotFoundException":
                raise NotFound("no such staff user", field="username") from exc
            if code == "InvalidParameterException":  # a name Cognito's pattern refuses
                raise DomainError("not a valid Cognito username", field="username") from exc
            raise
