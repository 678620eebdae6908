"""A disabled staff member loses access within one token lifetime: an admin disables them
through the API, their refresh is refused at once, and the ID token they hold stops
working when it expires (5 minutes; the test moves the local issuer's clock instead of
waiting)."""

from __future__ import annotations

import uuid

import jwt
import pytest
from botocore.exceptions import ClientError
from rtcc.local.provision import aws_client, create_staff_user
from rtcc.resources import CONSOLE_TOKEN_VALIDITY_MINUTES

pytestmark = pytest.mark.integration

REFUSED = "NotAuthorizedException"  # Cognito's answer to a disabled user or a revoked token


@pytest.fixture
def cognito(local_stack):
    return aws_client("cognito-idp", local_stack.aws_endpoint_url, local_stack.settings.region)


@pytest.fixture
def officer(local_stack, cognito) -> str:
    """An officer of this test's own: disabling a demo user would break other tests."""
    username = f"officer-{uuid.uuid4().hex[:8]}"
    create_staff_user(cognito, local_stack.user_pool_id, username, local_stack.demo_password, ["officer"])
    return username


def _sign_in(local_stack, cognito, username: str) -> dict:
    return cognito.initiate_auth(
        ClientId=local_stack.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": local_stack.demo_password},
    )["AuthenticationResult"]


def _refresh(local_stack, cognito, refresh_token: str) -> dict:
    return cognito.initiate_auth(
        ClientId=local_stack.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh_token},
    )["AuthenticationResult"]


def _me(api, id_token: str) -> int:
    return api.get("/api/me", headers={"Authorization": f"Bearer {id_token}"}).status_code


def _audit(api, action: str, username: str) -> list[dict]:
    params = {"action": action, "target": f"staff/{username}"}
    return api.as_role("admin").get("/api/audit", params=params).json()["entries"]


def _refused(call) -> str:
    with pytest.raises(ClientError) as refused:
        call()
    return refused.value.response["Error"]["Code"]


def test_local_tokens_carry_the_deployed_lifetime(local_stack, cognito, officer) -> None:
    tokens = _sign_in(local_stack, cognito, officer)
    claims = jwt.decode(tokens["IdToken"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == CONSOLE_TOKEN_VALIDITY_MINUTES * 60
    assert tokens["ExpiresIn"] == CONSOLE_TOKEN_VALIDITY_MINUTES * 60


def test_disabled_officer_loses_access_within_one_token_lifetime(local_stack, cognito, officer, api) -> None:
    tokens = _sign_in(local_stack, cognito, officer)
    assert _me(api, tokens["IdToken"]) == 200
    refreshed = _refresh(local_stack, cognito, tokens["RefreshToken"])  # works while enabled
    assert _me(api, refreshed["IdToken"]) == 200

    response = api.as_role("admin").post(f"/api/staff/{officer}/disable")
    assert response.status_code == 200, response.text
    assert response.json() == {"username": officer, "enabled": False, "sessions_revoked": True}

    # At once: no refresh, no new sign-in.
    assert _refused(lambda: _refresh(local_stack, cognito, tokens["RefreshToken"])) == REFUSED
    assert _refused(lambda: _sign_in(local_stack, cognito, officer)) == REFUSED
    # The ID token already handed out still passes the authorizer (it checks expiry, not
    # revocation), until its lifetime runs out.
    assert _me(api, refreshed["IdToken"]) == 200
    with local_stack.token_time_travel(CONSOLE_TOKEN_VALIDITY_MINUTES * 60 + 10):
        response = api.get("/api/me", headers={"Authorization": f"Bearer {refreshed['IdToken']}"})
        assert response.status_code == 401
        assert response.json()["message"] == "Unauthorized: token expired"

    [entry] = _audit(api, "staff.disable", officer)
    assert (entry["actor"], entry["role"]) == ("admin", "admin")


def test_re_enabled_officer_signs_in_again_but_old_sessions_stay_revoked(
    local_stack, cognito, officer, api
) -> None:
    old = _sign_in(local_stack, cognito, officer)
    admin = api.as_role("admin")
    assert admin.post(f"/api/staff/{officer}/disable").status_code == 200
    response = admin.post(f"/api/staff/{officer}/enable")
    assert response.status_code == 200, response.text
    assert response.json()["enabled"] is True

    fresh = _sign_in(local_stack, cognito, officer)
    assert _me(api, fresh["IdToken"]) == 200
    assert _refused(lambda: _refresh(local_stack, cognito, old["RefreshToken"])) == REFUSED
    assert _audit(api, "staff.enable", officer)


def test_only_an_admin_may_disable_and_not_themselves(local_stack, cognito, officer, api) -> None:
    for role in ("officer", "supervisor", "auditor"):
        assert api.as_role(role).post(f"/api/staff/{officer}/disable").status_code == 403, role
    tokens = _sign_in(local_stack, cognito, officer)
    assert _refresh(local_stack, cognito, tokens["RefreshToken"])["IdToken"]  # still enabled

    admin = api.as_role("admin")
    response = admin.post(f"/api/staff/{local_stack.users['admin']}/disable")
    assert response.status_code == 409
    assert response.json()["message"].startswith("username:")
    missing = admin.post("/api/staff/no-such-officer/disable")
    assert missing.status_code == 404
    assert missing.json()["message"] == "username: no such staff user"
    # The attempt is on record, and so is that it changed nothing.
    assert _audit(api, "staff.disable", "no-such-officer")
    assert _audit(api, "staff.disable.not_applied", "no-such-officer")


def _enabled(local_stack, cognito, username: str) -> bool:
    return cognito.admin_get_user(UserPoolId=local_stack.user_pool_id, Username=username)["Enabled"]


def test_an_admin_cannot_disable_themselves_by_email_or_in_another_case(local_stack, cognito, api) -> None:
    me = local_stack.users["admin"]
    found = cognito.admin_get_user(UserPoolId=local_stack.user_pool_id, Username=me)
    email = next(a["Value"] for a in found["UserAttributes"] if a["Name"] == "email")
    admin = api.as_role("admin")
    try:
        # The pool signs in by email, case-insensitively; each of these names the caller.
        for name in (email, email.upper(), me.upper()):
            response = admin.post(f"/api/staff/{name}/disable")
            assert response.status_code == 409, (name, response.text)
            assert response.json()["message"] == "username: an admin cannot disable their own account"
        assert _enabled(local_stack, cognito, me)
    finally:  # should the check fail, the other tests still need their admin
        cognito.admin_enable_user(UserPoolId=local_stack.user_pool_id, Username=me)
    assert _audit(api, "staff.disable.not_applied", email)


@pytest.fixture
def only_admins(local_stack, cognito):
    """Two admins of this test's own, the only enabled ones while the test runs: the
    others are disabled meanwhile and enabled again after."""
    pool = local_stack.user_pool_id
    ours = [f"admin-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    for username in ours:
        create_staff_user(cognito, pool, username, local_stack.demo_password, ["admin"])
    pages = cognito.get_paginator("list_users_in_group").paginate(UserPoolId=pool, GroupName="admin")
    others = [u["Username"] for p in pages for u in p["Users"] if u["Enabled"] and u["Username"] not in ours]
    for username in others:
        cognito.admin_disable_user(UserPoolId=pool, Username=username)
    try:
        yield ours
    finally:
        for username in (*others, *ours):
            cognito.admin_enable_user(UserPoolId=pool, Username=username)


def test_the_last_enabled_admin_cannot_be_disabled(local_stack, cognito, api, only_admins) -> None:
    first, second = only_admins
    token = _sign_in(local_stack, cognito, first)["IdToken"]
    # `first` is disabled, but its ID token works until it expires: it must not use those
    # minutes to disable the one admin left, leaving no one to enable anybody again.
    cognito.admin_disable_user(UserPoolId=local_stack.user_pool_id, Username=first)
    response = api.post(f"/api/staff/{second}/disable", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 409, response.text
    assert response.json()["message"] == (
        "username: the last enabled admin cannot be disabled: enable or add another admin first"
    )
    assert _enabled(local_stack, cognito, second)


def test_an_admin_may_disable_another_admin_while_one_stays_enabled(
    local_stack, cognito, api, only_admins
) -> None:
    first, second = only_admins
    token = _sign_in(local_stack, cognito, first)["IdToken"]
    email = f"{second}@example.invalid"  # create_staff_user's verified email: an alias
    response = api.post(f"/api/staff/{email}/disable", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    # The answer, and the audit entry, name the account, not the alias it was named by.
    assert response.json() == {"username": second, "enabled": False, "sessions_revoked": True}
    assert not _enabled(local_stack, cognito, second)
    assert _enabled(local_stack, cognito, first)
    assert _refused(lambda: _sign_in(local_stack, cognito, second)) == REFUSED
