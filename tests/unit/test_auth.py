"""The one role check and the claim formats it accepts."""

from __future__ import annotations

import pytest
from rtcc.auth import AuthError, Role, authorize, parse_groups, principal_from_claims, principal_from_event


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, set()),
        ("officer", {Role.OFFICER}),
        ("admin,auditor", {Role.ADMIN, Role.AUDITOR}),
        ("[supervisor officer]", {Role.SUPERVISOR, Role.OFFICER}),
        (["auditor"], {Role.AUDITOR}),
        ("officer,root,Admin", {Role.OFFICER}),  # unknown and wrongly-cased groups grant nothing
    ],
)
def test_groups_parse_from_every_authorizer_format(raw, expected) -> None:
    assert parse_groups(raw) == frozenset(expected)


def test_no_claims_is_no_principal() -> None:
    assert principal_from_claims(None) is None
    assert principal_from_claims({"cognito:groups": "admin"}) is None  # no subject: not a verified token
    assert principal_from_event({"requestContext": {}}) is None


def test_unauthenticated_is_401_and_wrong_role_is_403() -> None:
    with pytest.raises(AuthError) as err:
        authorize(None, [Role.OFFICER])
    assert err.value.status == 401
    officer = principal_from_claims({"sub": "s1", "cognito:username": "o", "cognito:groups": "officer"})
    with pytest.raises(AuthError) as err:
        authorize(officer, [Role.AUDITOR, Role.ADMIN])
    assert err.value.status == 403
    assert "auditor" in err.value.message


def test_higher_roles_imply_lower_but_auditors_stand_apart() -> None:
    admin = principal_from_claims({"sub": "a", "cognito:groups": "admin"})
    supervisor = principal_from_claims({"sub": "s", "cognito:groups": "supervisor"})
    auditor = principal_from_claims({"sub": "u", "cognito:groups": "auditor"})
    assert authorize(admin, [Role.OFFICER]) is admin
    assert authorize(supervisor, [Role.OFFICER]) is supervisor
    with pytest.raises(AuthError):
        authorize(supervisor, [Role.ADMIN])
    with pytest.raises(AuthError):
        authorize(auditor, [Role.OFFICER])
    assert admin.primary_role == "admin" and auditor.primary_role == "auditor"


def test_secrets_come_from_settings_locally(monkeypatch) -> None:
    from rtcc.secrets import secret_value
    from rtcc.settings import reload_settings

    monkeypatch.setenv("RTCC_TWILIO_AUTH_TOKEN", "from-env")
    monkeypatch.delenv("RTCC_TWILIO_AUTH_TOKEN_SECRET_ARN", raising=False)
    monkeypatch.delenv("RTCC_DEMO_PASSWORD", raising=False)
    reload_settings()
    try:
        assert secret_value("twilio_auth_token") == "from-env"
        with pytest.raises(LookupError, match="RTCC_DEMO_PASSWORD"):
            secret_value("demo_password")
    finally:
        monkeypatch.undo()
        reload_settings()


def test_a_deployed_function_never_falls_back_to_local_secrets(monkeypatch) -> None:
    from rtcc.secrets import secret_value
    from rtcc.settings import reload_settings

    monkeypatch.setenv("RTCC_ENVIRONMENT", "deployed")
    monkeypatch.delenv("RTCC_TWILIO_AUTH_TOKEN_SECRET_ARN", raising=False)
    reload_settings()
    try:
        with pytest.raises(LookupError, match="RTCC_TWILIO_AUTH_TOKEN_SECRET_ARN"):
            secret_value("twilio_auth_token")
    finally:
        monkeypatch.undo()
        reload_settings()
