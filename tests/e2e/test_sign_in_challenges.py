"""The Cognito challenges the sign-in screen answers, against the emulator's Cognito:
a first sign-in with a temporary password, an authenticator code, and setting up an
authenticator on a pool that requires MFA (as deployed pools do)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect
from rtcc.local.provision import aws_client, create_user_pool

from tests.e2e.browser import DESKTOP, PHONE

pytestmark = pytest.mark.e2e

TEMPORARY = "Temp-Passw0rd!9x"
NEW_PASSWORD = "Fresh-Passw0rd!2y"
CODE = "123456"  # the emulator accepts any code; the console sends what the person typed


@pytest.fixture
def cognito(local_stack: Any) -> Any:
    return aws_client("cognito-idp", local_stack.aws_endpoint_url, local_stack.settings.region)


def new_staff_user(cognito: Any, pool_id: str, group: str | None = "officer") -> str:
    username = f"e2e-{uuid.uuid4().hex[:8]}"
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        TemporaryPassword=TEMPORARY,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.invalid"}],
    )
    if group:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
    return username


def submit_password(page: Any, username: str, password: str) -> None:
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("form button[type=submit]")


def cognito_calls(page: Any) -> list[tuple[str, dict]]:
    """Records (action, body) of every Cognito call the page makes, in order."""
    calls: list[tuple[str, dict]] = []

    def on_request(request: Any) -> None:
        target = request.headers.get("x-amz-target")
        if request.method == "POST" and target:
            calls.append((target.split(".")[-1], json.loads(request.post_data or "{}")))

    page.on("request", on_request)
    return calls


def test_first_sign_in_replaces_the_temporary_password(new_page, local_stack, cognito) -> None:
    username = new_staff_user(cognito, local_stack.user_pool_id, group="supervisor")
    page = new_page(PHONE)
    page.goto(local_stack.base_url + "/")
    submit_password(page, username, TEMPORARY)

    page.wait_for_selector("#new-password")
    assert page.inner_text("#login-title") == "Choose a new password"
    # A mismatch is caught before anything is sent.
    page.fill("#new-password", NEW_PASSWORD)
    page.fill("#new-password-again", NEW_PASSWORD + "x")
    page.click("form button[type=submit]")
    expect(page.locator(".login [role=alert]")).to_have_text("The two passwords are not the same.")
    # Cognito's password policy message is shown as Cognito words it.
    page.fill("#new-password", "nosymbolsHere12")
    page.fill("#new-password-again", "nosymbolsHere12")
    page.click("form button[type=submit]")
    expect(page.locator(".login [role=alert]")).to_contain_text("password policy")

    page.fill("#new-password", NEW_PASSWORD)
    page.fill("#new-password-again", NEW_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("#who-name")
    assert page.inner_text("#who-name") == username
    assert page.inner_text("#who-role") == "Supervisor"
    status = cognito.admin_get_user(UserPoolId=local_stack.user_pool_id, Username=username)["UserStatus"]
    assert status == "CONFIRMED"


def test_authenticator_code_is_asked_for_and_sent(new_page, local_stack, cognito) -> None:
    username = new_staff_user(cognito, local_stack.user_pool_id, group="officer")
    cognito.admin_set_user_password(
        UserPoolId=local_stack.user_pool_id, Username=username, Password=NEW_PASSWORD, Permanent=True
    )
    signed_in = cognito.initiate_auth(
        ClientId=local_stack.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": NEW_PASSWORD},
    )["AuthenticationResult"]
    cognito.associate_software_token(AccessToken=signed_in["AccessToken"])
    cognito.verify_software_token(AccessToken=signed_in["AccessToken"], UserCode=CODE)
    cognito.admin_set_user_mfa_preference(
        UserPoolId=local_stack.user_pool_id,
        Username=username,
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    )

    page = new_page(DESKTOP)
    calls = cognito_calls(page)
    page.goto(local_stack.base_url + "/")
    submit_password(page, username, NEW_PASSWORD)
    page.wait_for_selector("#mfa-code")
    assert page.evaluate("document.activeElement.id") == "mfa-code"
    assert page.get_attribute("#mfa-code", "autocomplete") == "one-time-code"
    page.fill("#mfa-code", CODE)
    page.keyboard.press("Enter")
    page.wait_for_selector("#who-name")
    assert page.inner_text("#who-role") == "Officer"
    assert [action for action, _ in calls[:2]] == ["InitiateAuth", "RespondToAuthChallenge"]
    answer = calls[1][1]
    assert answer["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert answer["ChallengeResponses"] == {"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": CODE}


def test_required_mfa_is_set_up_at_first_sign_in(new_page, local_stack, cognito, api) -> None:
    """A pool like the deployed ones (MFA required, authenticator apps only). The local
    gateway trusts only the local pool, so this test points config.json at the second pool
    and answers /api/me itself: what is under test is the Cognito conversation."""
    pool = create_user_pool(cognito, f"e2e-mfa-{uuid.uuid4().hex[:6]}")
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool.pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    username = new_staff_user(cognito, pool.pool_id, group="officer")

    page = new_page(PHONE)
    config = api.get("/config.json").json() | {"userPoolId": pool.pool_id, "userPoolClientId": pool.client_id}
    page.route("**/config.json", lambda route: route.fulfill(json=config))
    me = {"username": username, "subject": "s", "email": None, "groups": ["officer"], "roles": ["officer"]}
    page.route("**/api/me", lambda route: route.fulfill(json=me))
    calls = cognito_calls(page)

    page.goto(local_stack.base_url + "/")
    submit_password(page, username, TEMPORARY)
    page.fill("#new-password", NEW_PASSWORD)
    page.fill("#new-password-again", NEW_PASSWORD)
    page.click("form button[type=submit]")

    page.wait_for_selector("#mfa-setup-code")
    assert page.inner_text("#login-title") == "Set up two-step verification"
    secret = page.inner_text(".secret").replace(" ", "")
    assert secret, "the key to type into an authenticator app is shown"
    assert f"secret={secret}" in page.get_attribute("a[href^='otpauth://totp/']", "href")
    page.fill("#mfa-setup-code", CODE)
    page.click("form button[type=submit]")
    page.wait_for_selector("#who-name")
    assert [action for action, _ in calls] == [
        "InitiateAuth",
        "RespondToAuthChallenge",  # NEW_PASSWORD_REQUIRED
        "AssociateSoftwareToken",
        "VerifySoftwareToken",
        "RespondToAuthChallenge",  # MFA_SETUP
    ]

    # Next time: the authenticator code.
    page.click("text=Sign out")
    page.wait_for_selector("#login-username")
    submit_password(page, username, NEW_PASSWORD)
    page.fill("#mfa-code", CODE)
    page.click("form button[type=submit]")
    page.wait_for_selector("#who-name")
