"""Cutting a staff member off: disable the Cognito user and revoke every refresh token.

API Gateway's Cognito authorizer checks a token's signature and expiry, never whether the
user still exists or is enabled, so an ID token already handed out keeps working until it
expires. What bounds a disabled officer's access is therefore the console client's token
lifetime (5 minutes, rtcc.resources.CONSOLE_TOKEN_VALIDITY_MINUTES) together with the
refresh being refused: disabling the user refuses it, and the global sign-out revokes the
refresh tokens too, so an account re-enabled by mistake does not bring old sessions back.
"""

from __future__ import annotations

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
)


class StaffAccounts:
    """The staff user pool, as far as disabling and re-enabling a member goes."""

    def __init__(self, cognito: Any | None = None, user_pool_id: str | None = None) -> None:
        self._cognito = cognito or client("cognito-idp")
        self._pool = user_pool_id or get_settings().user_pool_id

    def disable(self, username: str) -> None:
        """Disable first (no new sign-in, no refresh), then revoke the refresh tokens."""
        self._call("admin_disable_user", username)
        self._call("admin_user_global_sign_out", username)

    def enable(self, username: str) -> None:
        """Sign-in works again; sessions revoked on disable stay revoked."""
        self._call("admin_enable_user", username)

    def _call(self, operation: str, username: str) -> None:
        try:
            getattr(self._cognito, operation)(UserPoolId=self._pool, Username=username)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == "UserNotFoundException":
                raise NotFound("no such staff user", field="username") from exc
            if code == "InvalidParameterException":  # a name Cognito's pattern refuses
                raise DomainError("not a valid Cognito username", field="username") from exc
            raise
