"""Who is calling: staff principals from verified Cognito claims, and the one role check.

API Gateway's Cognito authorizer (or the local gateway, which verifies the same JWT
against the local JWKS) puts the token's claims in ``requestContext.authorizer.claims``.
Nothing here trusts a header the caller controls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rtcc.errors import DomainError


class Role(StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    AUDITOR = "auditor"


ALL_ROLES: tuple[Role, ...] = tuple(Role)

# A higher role can do what the roles it lists can; auditors stand apart on purpose
# (they read the audit log, not case records).
_IMPLIED: dict[Role, frozenset[Role]] = {
    Role.OFFICER: frozenset({Role.OFFICER}),
    Role.SUPERVISOR: frozenset({Role.SUPERVISOR, Role.OFFICER}),
    Role.ADMIN: frozenset({Role.ADMIN, Role.SUPERVISOR, Role.OFFICER}),
    Role.AUDITOR: frozenset({Role.AUDITOR}),
}


class AuthError(DomainError):
    """Raised by `authorize`; `status` is 401 (who are you?) or 403 (not allowed). A
    domain error, so the API answers it like any other (rtcc.api.app)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Principal:
    subject: str
    username: str
    groups: frozenset[Role]
    email: str | None = None

    @property
    def effective_roles(self) -> frozenset[Role]:
        roles: set[Role] = set()
        for group in self.groups:
            roles |= _IMPLIED[group]
        return frozenset(roles)

    @property
    def primary_role(self) -> str:
        """The highest group, written into audit entries."""
        for role in (Role.ADMIN, Role.AUDITOR, Role.SUPERVISOR, Role.OFFICER):
            if role in self.groups:
                return role.value
        return "none"

    def has_any(self, roles: Iterable[Role | str]) -> bool:
        wanted = {Role(r) for r in roles}
        return bool(self.effective_roles & wanted)


def parse_groups(value: Any) -> frozenset[Role]:
    """Cognito groups arrive as a list (JWT), "a,b" (REST authorizer) or "[a b]" (HTTP API)."""
    if value is None:
        return frozenset()
    if isinstance(value, str):
        items = value.strip().strip("[]").replace(",", " ").split()
    else:
        items = [str(v) for v in value]
    known = {r.value for r in Role}
    return frozenset(Role(item) for item in items if item in known)


def principal_from_claims(claims: Mapping[str, Any] | None) -> Principal | None:
    if not claims or not claims.get("sub"):
        return None
    return Principal(
        subject=str(claims["sub"]),
        username=str(claims.get("cognito:username") or claims.get("username") or claims["sub"]),
        groups=parse_groups(claims.get("cognito:groups")),
        email=claims.get("email"),
    )


def principal_from_event(event: Mapping[str, Any]) -> Principal | None:
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    return principal_from_claims(authorizer.get("claims"))


def authorize(principal: Principal | None, roles: Iterable[Role | str]) -> Principal:
    """The one role check. No principal: 401. Principal without any of `roles`: 403."""
    if principal is None:
        raise AuthError(401, "authentication required: send a valid Cognito ID token as a Bearer token")
    wanted = [Role(r) for r in roles]
    if wanted and not principal.has_any(wanted):
        names = ", ".join(r.value for r in wanted)
        raise AuthError(403, f"forbidden: this action needs one of the roles: {names}")
    return principal
