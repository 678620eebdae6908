"""The local gateway refuses what API Gateway's Cognito authorizer refuses, and the
API's role check and audit trail work on top of verified claims."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.utilities.utils import load_resource

pytestmark = pytest.mark.integration


def _claims(local_stack, **overrides) -> dict:
    now = int(time.time())
    claims = {
        "sub": "11111111-2222-3333-4444-555555555555",
        "cognito:username": "admin",
        "cognito:groups": ["admin"],
        "iss": local_stack.settings.cognito_issuer,
        "aud": local_stack.client_id,
        "token_use": "id",
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
    }
    claims.update(overrides)
    return claims


def _moto_signing_key():
    """The emulator's own private key: tokens signed with it differ from real ones only
    in the claim a test changes."""
    private = load_resource("cognitoidp/resources/jwks-private.json")
    return jwt.PyJWK(private).key


def _sign(claims: dict, key) -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})


def _status_and_message(api, token: str | None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = api.get("/api/audit", headers=headers)
    assert response.headers["Content-Type"].startswith("application/json")
    return response.status_code, response.json()["message"]


def test_no_token_is_401(api) -> None:
    status, message = _status_and_message(api, None)
    assert status == 401
    assert "Authorization header" in message


def test_garbage_token_is_401(api) -> None:
    assert _status_and_message(api, "not-a-jwt") == (401, "Unauthorized: token is not a JWT")


def test_token_signed_by_another_key_is_401(api, local_stack) -> None:
    forged_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    status, message = _status_and_message(api, _sign(_claims(local_stack), forged_key))
    assert (status, message) == (401, "Unauthorized: token signature or claims are invalid")


def test_unsigned_token_is_401(api, local_stack) -> None:
    unsigned = jwt.encode(_claims(local_stack), key=None, algorithm="none")
    assert _status_and_message(api, unsigned)[0] == 401


def test_expired_token_is_401(api, local_stack) -> None:
    expired = _claims(local_stack, exp=int(time.time()) - 120, iat=int(time.time()) - 3720)
    assert _status_and_message(api, _sign(expired, _moto_signing_key())) == (
        401,
        "Unauthorized: token expired",
    )


def test_token_for_another_client_or_pool_is_401(api, local_stack) -> None:
    key = _moto_signing_key()
    other_client = _sign(_claims(local_stack, aud="someone-elses-client"), key)
    assert _status_and_message(api, other_client) == (
        401,
        "Unauthorized: token was issued to another app client",
    )
    other_pool = _sign(
        _claims(local_stack, iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"), key
    )
    assert _status_and_message(api, other_pool) == (
        401,
        "Unauthorized: token was issued by another user pool",
    )


def test_access_token_is_not_an_id_token(api, local_stack) -> None:
    from rtcc.local.provision import aws_client

    cognito = aws_client("cognito-idp", local_stack.aws_endpoint_url, local_stack.settings.region)
    access = cognito.initiate_auth(
        ClientId=local_stack.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "admin", "PASSWORD": local_stack.demo_password},
    )["AuthenticationResult"]["AccessToken"]
    assert _status_and_message(api, access)[0] == 401


def test_the_sanity_baseline_a_correctly_signed_token_passes(api, local_stack) -> None:
    # Guards the negative tests above: the same construction with nothing wrong is accepted.
    assert (
        api.get(
            "/api/me", headers={"Authorization": _sign(_claims(local_stack), _moto_signing_key())}
        ).status_code
        == 200
    )


def test_wrong_role_is_403(api) -> None:
    for role in ("officer", "supervisor"):
        response = api.as_role(role).get("/api/audit")
        assert response.status_code == 403
        assert response.json()["message"] == "forbidden: this action needs one of the roles: auditor, admin"


def test_auditor_reads_the_log_and_the_read_is_itself_audited(api) -> None:
    auditor = api.as_role("auditor")
    first = auditor.get("/api/audit", params={"newest_first": "true", "limit": 1})
    assert first.status_code == 200
    newest_before = first.json()["entries"][0]["seq"] if first.json()["entries"] else 0
    again = auditor.get("/api/audit", params={"after_seq": newest_before}).json()["entries"]
    reads = [e for e in again if e["action"] == "audit.read" and e["actor"] == "auditor"]
    assert reads, "the first read appended an audit.read entry"
    assert reads[0]["role"] == "auditor"
    assert reads[0]["request_id"]  # the gateway's requestId reached the entry
    assert auditor.get("/api/audit/verify").json()["ok"] is True


def test_claims_reach_the_api_as_api_gateway_renders_them(api) -> None:
    me = api.as_role("admin").get("/api/me").json()
    assert me["username"] == "admin"
    assert me["groups"] == ["admin"]
    assert set(me["roles"]) == {"admin", "supervisor", "officer"}
