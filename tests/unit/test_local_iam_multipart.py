"""S3 multipart uploads into an SSE-KMS bucket, as the local enforcer checks them: IAM calls
every step s3:PutObject, but KMS is asked for something else at each (AWS's
CreateMultipartUpload and UploadPart references): GenerateDataKey to start, Decrypt for every
part and to assemble them. A single PutObject still needs GenerateDataKey only."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import pytest
from rtcc.local.iam.deployed import DeployedPermissions
from rtcc.local.iam.enforcer import IamEnforcer
from rtcc.local.iam.requests import RawRequest, calls

ACCOUNT = "123456789012"
REGION = "us-east-1"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/evidence"
BUCKET = "arn:aws:s3:::rtcc-camera-evidence"
OTHER_BUCKET = "arn:aws:s3:::rtcc-media"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/Writer"
ROOT_DELEGATION = {
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}
UPLOAD = {"uploadId": "u-1"}
PART = {"uploadId": "u-1", "partNumber": "2"}
COPY_SOURCE = {"x-amz-copy-source": "/rtcc-camera-evidence/clips/r/old.mp4"}


def _s3(method: str, path: str, query: dict[str, str], headers: dict[str, str] | None = None) -> RawRequest:
    auth = f"AWS4-HMAC-SHA256 Credential=RTCCFNwriter/20261202/{REGION}/s3/aws4_request"
    return RawRequest(method, path, query, {"authorization": auth, **(headers or {})})


@pytest.mark.parametrize(
    ("method", "query", "headers", "operation"),
    [
        ("PUT", {}, {}, "PutObject"),
        ("POST", {"uploads": ""}, {}, "CreateMultipartUpload"),
        ("PUT", PART, {}, "UploadPart"),
        ("PUT", PART, COPY_SOURCE, "UploadPartCopy"),
        ("POST", UPLOAD, {}, "CompleteMultipartUpload"),
    ],
)
def test_each_step_is_s3_put_object_named_by_its_operation(
    method: str, query: dict, headers: dict, operation: str
) -> None:
    request = _s3(method, "/rtcc-camera-evidence/clips/r/a.mp4", query, headers)
    found = calls(request, account=ACCOUNT, region=REGION, lookups=None)  # type: ignore[arg-type]
    assert (found[0].operation, found[0].action, found[0].resource) == (
        operation,
        "s3:PutObject",
        f"{BUCKET}/clips/r/a.mp4",
    )
    if headers:  # the copied part's source is read, as a GetObject of its own
        assert [(c.operation, c.action) for c in found[1:]] == [("GetObject", "s3:GetObject")]


def _permissions(*kms_statements: dict) -> DeployedPermissions:
    objects = {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": f"{BUCKET}/*"}
    # A copied part reads its source; S3 answers a missing source 404 only to a caller who may
    # list (the enforcer's rule), and whether the unit server holds this bucket depends on what
    # ran before: the writer may list, so the answer does not.
    listing = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET}
    return DeployedPermissions(
        account=ACCOUNT,
        region=REGION,
        role_arns={"writer": ROLE},
        identity={"writer": [objects, listing, *kms_statements]},
        resource_policies={KEY: [ROOT_DELEGATION]},
        encryption_keys={BUCKET: KEY, OTHER_BUCKET: KEY},
        key_arns={KEY},
    )


def _kms(actions: list[str], condition: dict | None = None) -> dict:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": KEY}
    if condition:
        statement["Condition"] = condition
    return statement


def _through(
    permissions: DeployedPermissions, method: str, query: dict, headers: dict | None = None
) -> tuple[str, list[tuple[str, str, bool]]]:
    """The request through the enforcer: the status it answers (200: it reached the
    emulator) and each IAM action it checked, with its resource and whether it was allowed."""

    def emulator(environ: dict, start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [])
        return [b""]

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": "/rtcc-camera-evidence/clips/r/a.mp4",
        "QUERY_STRING": "&".join(f"{k}={v}" for k, v in query.items()),
        "wsgi.input": io.BytesIO(b""),
        "CONTENT_LENGTH": "0",
        "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential=RTCCFNwriter/20261202/{REGION}/s3"
        "/aws4_request, SignedHeaders=host, Signature=" + "0" * 64,
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()},
    }
    status: list[str] = []
    enforcer = IamEnforcer(emulator, lambda: permissions, account=ACCOUNT)
    b"".join(enforcer(environ, lambda s, h: status.append(s)))
    checked = [(e["action"], e["resource"], e["allowed"]) for e in enforcer.log.entries()]
    return status[0].split()[0], checked


def _send(permissions: DeployedPermissions, method: str, query: dict, headers: dict | None = None) -> str:
    return _through(permissions, method, query, headers)[0]


def test_generate_data_key_alone_puts_an_object_and_starts_an_upload_but_sends_no_part() -> None:
    writer = _permissions(_kms(["kms:GenerateDataKey"]))
    assert _send(writer, "PUT", {}) == "200"
    assert _send(writer, "POST", {"uploads": ""}) == "200"
    assert _send(writer, "PUT", PART) == "403"
    assert _send(writer, "PUT", PART, COPY_SOURCE) == "403"
    assert _send(writer, "POST", UPLOAD) == "403"
    status, checked = _through(writer, "POST", UPLOAD)
    assert status == "403" and checked == [
        ("kms:Decrypt", KEY, False),
        ("s3:PutObject", f"{BUCKET}/clips/r/a.mp4", True),
    ]
    # A single PUT asks for the data key it encrypts with, and nothing else.
    assert _through(writer, "PUT", {})[1] == [
        ("kms:GenerateDataKey", KEY, True),
        ("s3:PutObject", f"{BUCKET}/clips/r/a.mp4", True),
    ]


def test_a_decrypt_grant_lets_every_step_through() -> None:
    writer = _permissions(_kms(["kms:GenerateDataKey", "kms:Decrypt"]))
    for method, query, headers in (
        ("POST", {"uploads": ""}, None),
        ("PUT", PART, None),
        ("PUT", PART, COPY_SOURCE),
        ("POST", UPLOAD, None),
    ):
        assert _send(writer, method, query, headers) == "200", (method, query, headers)


def test_decrypt_is_not_asked_to_start_an_upload_nor_generate_data_key_for_a_part() -> None:
    only_decrypt = _permissions(_kms(["kms:Decrypt"]))
    assert _send(only_decrypt, "PUT", PART) == "200"
    assert _send(only_decrypt, "POST", UPLOAD) == "200"
    assert _send(only_decrypt, "POST", {"uploads": ""}) == "403"
    assert _send(only_decrypt, "PUT", {}) == "403"


def test_the_implied_decrypt_carries_s3s_via_service_and_the_buckets_encryption_context() -> None:
    """A Decrypt scoped as S3's own use of the key (kms:ViaService, the bucket's ARN as the
    encryption context, bucket keys on) holds for this bucket's parts and for no other's."""
    scoped = {
        "StringEquals": {
            "kms:ViaService": f"s3.{REGION}.amazonaws.com",
            "kms:EncryptionContext:aws:s3:arn": BUCKET,
        }
    }
    writer = _permissions(_kms(["kms:GenerateDataKey"]), _kms(["kms:Decrypt"], scoped))
    assert _send(writer, "PUT", PART) == "200"
    assert _send(writer, "POST", UPLOAD) == "200"
    elsewhere = {
        **scoped,
        "StringEquals": {**scoped["StringEquals"], "kms:EncryptionContext:aws:s3:arn": OTHER_BUCKET},
    }
    assert (
        _send(_permissions(_kms(["kms:GenerateDataKey"]), _kms(["kms:Decrypt"], elsewhere)), "PUT", PART)
        == "403"
    )
