"""The admins' sources routes (/api/lpr/sources) through the local stack, the api function
under its deployed IAM: admin only; the secret in the create and rotate answers only (never
listed, never audited); every change audited; readers added once, removed, refused when
malformed; unknown sources 404; status changes that the state forbids 409."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.lpr.ingest_helpers import generic_read, new_source, post_bearer

pytestmark = pytest.mark.integration


def audit_entries(api: Any, action: str) -> list[dict]:
    r = api.as_role("auditor").get("/api/audit", params={"action": action})
    assert r.status_code == 200, r.text
    return r.json()["entries"]


def test_only_admins_reach_the_sources(api: Any) -> None:
    for role in ("officer", "supervisor", "auditor"):
        session = api.as_role(role)
        assert session.get("/api/lpr/sources").status_code == 403
        r = session.post("/api/lpr/sources", json={"name": "x", "vendor": "generic", "auth": "bearer"})
        assert r.status_code == 403
    assert api.get("/api/lpr/sources").status_code == 401


def test_the_secret_is_shown_once_and_never_listed_or_audited(api: Any) -> None:
    made = new_source(api, auth="bearer", readers=())
    sid, secret = made["source"]["source_id"], made["secret"]
    assert secret.startswith(f"rtcc_lpr.{sid}.") and len(secret.split(".")[2]) == 43
    assert made["source"]["status"] == "active" and made["source"]["readers"] == []
    admin = api.as_role("admin")
    listing = admin.get("/api/lpr/sources")
    assert listing.status_code == 200 and sid in listing.text and secret.split(".")[2] not in listing.text
    rotated = admin.post(f"/api/lpr/sources/{sid}/rotate").json()["secret"]
    created = [e for e in audit_entries(api, "lpr.source.create") if e["target"] == sid]
    rotations = [e for e in audit_entries(api, "lpr.source.rotate") if e["target"] == sid]
    assert len(created) == 1 and len(rotations) == 1
    assert created[0]["detail"]["name"] == "Test bearer" and created[0]["actor"]
    everything = json.dumps(created + rotations)
    for shown in (secret, rotated):
        assert shown.split(".")[2] not in everything


def test_hmac_keys_are_sealed_by_the_api_and_the_key_is_shown_once(api: Any) -> None:
    made = new_source(api, auth="hmac", readers=())
    assert len(made["secret"]) == 43 and "." not in made["secret"]
    listing = api.as_role("admin").get("/api/lpr/sources").text
    assert made["secret"] not in listing


def test_create_refuses_bad_fields_naming_them(api: Any) -> None:
    admin = api.as_role("admin")
    for body, field in [
        ({"name": "x", "vendor": "acme", "auth": "bearer"}, "vendor"),
        ({"name": "x", "vendor": "generic", "auth": "basic"}, "auth"),
        ({"vendor": "generic", "auth": "bearer"}, "name"),
    ]:
        r = admin.post("/api/lpr/sources", json=body)
        assert r.status_code == 422 and r.json()["message"].startswith(field), r.text
    r = admin.post("/api/lpr/sources", json={"name": "a\u0000b", "vendor": "generic", "auth": "bearer"})
    assert r.status_code == 400 and r.json()["message"].startswith("name")


def test_readers_are_added_once_removed_and_audited(local_stack: Any, api: Any) -> None:
    made = new_source(api, readers=("gate",))
    sid, admin = made["source"]["source_id"], api.as_role("admin")
    again = admin.post(
        f"/api/lpr/sources/{sid}/readers", json={"camera_id": "gate", "name": "G", "kind": "fixed"}
    )
    assert again.status_code == 409
    for body, field in [
        ({"camera_id": "car 7", "name": "Car", "kind": "mobile"}, "camera_id"),
        ({"camera_id": "car7", "name": "Car", "kind": "mobile", "lat": 44.0, "lon": -123.0}, "lat"),
        ({"camera_id": "car7", "name": "Car", "kind": "fixed", "lat": 44.0}, "lon"),
    ]:
        r = admin.post(f"/api/lpr/sources/{sid}/readers", json=body)
        assert r.status_code == 400 and r.json()["message"].startswith(field), r.text
    mobile = admin.post(
        f"/api/lpr/sources/{sid}/readers", json={"camera_id": "car7", "name": "Car 7", "kind": "mobile"}
    )
    assert mobile.status_code == 201 and mobile.json()["reader"]["kind"] == "mobile"
    assert post_bearer(local_stack, made["secret"], generic_read("car7")).json()["accepted"] == 1
    assert admin.delete(f"/api/lpr/sources/{sid}/readers/car7").status_code == 204
    assert admin.delete(f"/api/lpr/sources/{sid}/readers/car7").status_code == 404
    # A removed reader's reads are refused.
    assert post_bearer(local_stack, made["secret"], generic_read("car7")).status_code == 400
    [listed] = [s for s in admin.get("/api/lpr/sources").json()["sources"] if s["source_id"] == sid]
    assert [r["camera_id"] for r in listed["readers"]] == ["gate"]
    added = [e for e in audit_entries(api, "lpr.reader.add") if e["target"] == sid]
    removed = [e for e in audit_entries(api, "lpr.reader.remove") if e["target"] == sid]
    assert {e["detail"]["camera_id"] for e in added} == {"gate", "car7"}
    # The second removal's intent is followed by its not_applied entry (AuditedWrite).
    assert [e["detail"]["camera_id"] for e in removed] == ["car7", "car7"]
    assert [e for e in audit_entries(api, "lpr.reader.remove.not_applied") if e["target"] == sid]


def test_unknown_sources_are_404_and_forbidden_changes_409(api: Any) -> None:
    admin = api.as_role("admin")
    for path in ("rotate", "disable", "enable", "revoke"):
        assert admin.post(f"/api/lpr/sources/src-000000000000/{path}").status_code == 404
    assert admin.post("/api/lpr/sources/not-a-source/rotate").status_code == 422
    sid = new_source(api, readers=())["source"]["source_id"]
    assert admin.post(f"/api/lpr/sources/{sid}/enable").status_code == 409  # already active
    assert admin.post(f"/api/lpr/sources/{sid}/revoke").status_code == 200
    assert admin.post(f"/api/lpr/sources/{sid}/rotate").status_code == 409
    assert (
        admin.post(
            f"/api/lpr/sources/{sid}/readers", json={"camera_id": "c", "name": "C", "kind": "mobile"}
        ).status_code
        == 400
    )
    statuses = [e["action"] for e in audit_entries(api, "lpr.source.revoke") if e["target"] == sid]
    assert statuses == ["lpr.source.revoke"]


def test_only_lpr_ingest_opens_a_sealed_key_and_only_for_its_own_source(api: Any) -> None:
    from botocore.exceptions import ClientError
    from rtcc.local.iam.identity import acting_as
    from rtcc.lpr.settings import lpr_settings
    from rtcc.lpr.sources_dynamodb import DynamoDbSources, KmsSecretSealer

    made = new_source(api, auth="hmac", readers=())
    sid = made["source"]["source_id"]
    sealed = DynamoDbSources().get(sid).current.sealed
    sealer = KmsSecretSealer(lpr_settings().sources_key_id)
    with acting_as("lpr-ingest"):
        assert sealer.unseal(sealed, sid) == made["secret"]
        with pytest.raises(ClientError):  # bound to its source: another id's context does not open it
            sealer.unseal(sealed, "src-000000000000")
    with acting_as("api"), pytest.raises(ClientError) as denied:  # the sealer may not open
        sealer.unseal(sealed, sid)
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
