"""The IAM evaluator and the request reader behind the local stack's enforcement
(rtcc.local.iam): pure code, checked against AWS's documented rules."""

from __future__ import annotations

import json

import pytest
from rtcc.local.iam.identity import FunctionCredentials, access_key_for, acting_as, function_of
from rtcc.local.iam.policy import Request, UnsupportedCondition, conditions_hold, decide
from rtcc.local.iam.requests import RawRequest, calls, signature

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/Outbound"
OTHER = f"arn:aws:iam::{ACCOUNT}:role/Api"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/abc"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/rtcc-tips"

ROOT_DELEGATION = {
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}
ONLY_OUTBOUND = {
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": ["kms:Decrypt", "kms:ReEncryptFrom"],
    "Resource": "*",
    "Condition": {"ArnNotEquals": {"aws:PrincipalArn": ROLE}},
}
CONTEXT_RULE = {
    "Null": {"kms:EncryptionContext:tip": "false"},
    "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["tip"]},
}


def tip_context(**extra: str) -> dict:
    context = {"tip": "T-ABCD", **extra}
    return {
        **{f"kms:EncryptionContext:{k}": v for k, v in context.items()},
        "kms:EncryptionContextKeys": sorted(context),
    }


def allow(action: str, resource: str, condition: dict | None = None) -> dict:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def test_no_grant_is_implicit_deny_and_a_grant_allows() -> None:
    request = Request(ROLE, "dynamodb:PutItem", TABLE)
    assert not decide(request, [], None, account=ACCOUNT).allowed
    assert decide(request, [allow("dynamodb:PutItem", TABLE)], None, account=ACCOUNT).allowed
    assert not decide(request, [allow("dynamodb:GetItem", TABLE)], None, account=ACCOUNT).allowed
    # A table's grant is not its indexes', and the reverse.
    assert not decide(
        Request(ROLE, "dynamodb:Query", TABLE + "/index/by-status"),
        [allow("dynamodb:Query", TABLE)],
        None,
        account=ACCOUNT,
    ).allowed


def test_wildcards_and_an_explicit_deny_wins() -> None:
    request = Request(ROLE, "kms:GenerateDataKey", KEY)
    grants = [allow("kms:GenerateDataKey*", "arn:aws:kms:*:*:key/*")]
    assert decide(request, grants, None, account=ACCOUNT).allowed
    denied = decide(
        request, [*grants, {"Effect": "Deny", "Action": "kms:*", "Resource": "*"}], None, account=ACCOUNT
    )
    assert not denied.allowed and "explicit deny" in denied.reason


def test_a_key_policy_must_allow_directly_or_by_delegating_to_iam() -> None:
    request = Request(ROLE, "kms:Encrypt", KEY)
    grants = [allow("kms:Encrypt", KEY)]
    assert decide(request, grants, [ROOT_DELEGATION], account=ACCOUNT, key_policy=True).allowed
    assert not decide(request, grants, [], account=ACCOUNT, key_policy=True).allowed
    assert not decide(request, [], [ROOT_DELEGATION], account=ACCOUNT, key_policy=True).allowed


def test_the_vault_key_policy_denies_decrypt_to_everyone_but_the_reply_role() -> None:
    policy = [ROOT_DELEGATION, ONLY_OUTBOUND]
    admin_grants = [allow("kms:*", "*")]
    assert decide(
        Request(ROLE, "kms:Decrypt", KEY, tip_context()),
        admin_grants,
        policy,
        account=ACCOUNT,
        key_policy=True,
    ).allowed
    stolen = decide(
        Request(OTHER, "kms:Decrypt", KEY, tip_context()),
        admin_grants,
        policy,
        account=ACCOUNT,
        key_policy=True,
    )
    assert not stolen.allowed and "resource-based" in stolen.reason


def test_the_sealers_encryption_context_condition() -> None:
    assert conditions_hold(CONTEXT_RULE, tip_context())
    assert not conditions_hold(CONTEXT_RULE, {})  # no context at all
    assert not conditions_hold(CONTEXT_RULE, tip_context(extra="x"))  # a key the sealer never sets


def test_a_negated_operator_holds_for_a_missing_key() -> None:
    """AWS: StringNotEquals / ArnNotLike on a key the request lacks evaluate to true (so a
    Deny guarded by them fires), unlike their positive forms."""
    assert conditions_hold({"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}, {})
    assert not conditions_hold({"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}, {})
    assert conditions_hold({"ArnNotEquals": {"aws:SourceArn": "arn:aws:sns:*"}}, {})


def test_if_exists_bool_and_unknown_operators() -> None:
    assert conditions_hold({"BoolIfExists": {"aws:SecureTransport": "true"}}, {})
    assert not conditions_hold({"Bool": {"aws:SecureTransport": "true"}}, {})
    assert conditions_hold({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "false"})
    assert conditions_hold({"StringLike": {"s3:prefix": "tips/*"}}, {"s3:prefix": "tips/T-1"})
    with pytest.raises(UnsupportedCondition):
        conditions_hold({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "10.0.0.1"})


def test_a_same_account_bucket_policy_naming_the_account_only_delegates() -> None:
    obj = "arn:aws:s3:::rtcc-media/tips/x"
    bucket_policy = [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "s3:*",
            "Resource": "*",
        }
    ]
    assert not decide(Request(ROLE, "s3:GetObject", obj), [], bucket_policy, account=ACCOUNT).allowed
    ssl_only = [
        {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    assert decide(
        Request(ROLE, "s3:GetObject", obj, {"aws:SecureTransport": "true"}),
        [allow("s3:GetObject", "arn:aws:s3:::rtcc-media/*")],
        ssl_only,
        account=ACCOUNT,
    ).allowed


class NoLookups:
    def kms_key_arn(self, key_id: str) -> str | None:
        return KEY if key_id in ("alias/rtcc-tips-vault", KEY) else None

    def kms_key_of_ciphertext(self, blob: bytes) -> str | None:
        return None

    def secret_arn(self, secret_id: str) -> str | None:
        return None


def json_call(target: str, body: dict) -> list:
    request = RawRequest(
        "POST",
        "/",
        {},
        {
            "x-amz-target": target,
            "authorization": "AWS4-HMAC-SHA256 Credential=RTCCFNapi/20261201/us-east-1/x/aws4_request",
        },
        json.dumps(body).encode(),
    )
    return [
        (c.action, c.resource)
        for c in calls(request, account=ACCOUNT, region="us-east-1", lookups=NoLookups())
    ]


def test_dynamodb_batches_and_transactions_become_per_table_actions() -> None:
    transact = json_call(
        "DynamoDB_20120810.TransactWriteItems",
        {
            "TransactItems": [
                {"Put": {"TableName": "rtcc-tips"}},
                {"Update": {"TableName": "rtcc-tip-vault"}},
                {"ConditionCheck": {"TableName": "rtcc-tips"}},
            ]
        },
    )
    assert transact == [
        ("dynamodb:PutItem", TABLE),
        ("dynamodb:UpdateItem", TABLE.replace("rtcc-tips", "rtcc-tip-vault")),
        ("dynamodb:ConditionCheckItem", TABLE),
    ]
    batch = json_call(
        "DynamoDB_20120810.BatchWriteItem", {"RequestItems": {"rtcc-tips": [], "rtcc-tip-vault": []}}
    )
    assert [a for a, _ in batch] == ["dynamodb:BatchWriteItem"] * 2 and len({r for _, r in batch}) == 2
    assert json_call("DynamoDB_20120810.Query", {"TableName": "rtcc-tips", "IndexName": "by-status"}) == [
        ("dynamodb:Query", TABLE + "/index/by-status")
    ]


def test_kms_and_sqs_calls_name_their_key_context_and_queue() -> None:
    request = RawRequest(
        "POST",
        "/",
        {},
        {"x-amz-target": "TrentService.Encrypt"},
        json.dumps(
            {"KeyId": "alias/rtcc-tips-vault", "Plaintext": "eA==", "EncryptionContext": {"tip": "T-1"}}
        ).encode(),
    )
    (call,) = calls(request, account=ACCOUNT, region="us-east-1", lookups=NoLookups())
    assert (call.action, call.resource) == ("kms:Encrypt", KEY)
    assert call.context["kms:EncryptionContext:tip"] == "T-1" and call.context[
        "kms:EncryptionContextKeys"
    ] == ["tip"]
    sent = json_call(
        "AmazonSQS.SendMessageBatch", {"QueueUrl": f"http://127.0.0.1:1/{ACCOUNT}/rtcc-tip-media"}
    )
    assert sent == [("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:rtcc-tip-media")]


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        (
            "GET",
            "/rtcc-media/tips/T-1/a b%41.jpg",  # PATH_INFO: decoded once, by the server
            {},
            ("s3:GetObject", "arn:aws:s3:::rtcc-media/tips/T-1/a b%41.jpg"),
        ),
        ("HEAD", "/rtcc-media/tips/T-1/x", {}, ("s3:GetObject", "arn:aws:s3:::rtcc-media/tips/T-1/x")),
        ("PUT", "/rtcc-media/tips/T-1/x", {}, ("s3:PutObject", "arn:aws:s3:::rtcc-media/tips/T-1/x")),
        (
            "DELETE",
            "/rtcc-media/tips/T-1/x",
            {"versionId": "v"},
            [  # AWS's DeleteObject reference: both, for a specific version
                ("s3:DeleteObject", "arn:aws:s3:::rtcc-media/tips/T-1/x"),
                ("s3:DeleteObjectVersion", "arn:aws:s3:::rtcc-media/tips/T-1/x"),
            ],
        ),
        ("GET", "/rtcc-anchors", {"list-type": "2"}, ("s3:ListBucket", "arn:aws:s3:::rtcc-anchors")),
        ("GET", "/rtcc-anchors", {"versions": ""}, ("s3:ListBucketVersions", "arn:aws:s3:::rtcc-anchors")),
    ],
)
def test_s3_requests_become_iam_actions(method: str, path: str, query: dict, expected: tuple) -> None:
    request = RawRequest(
        method,
        path,
        query,
        {"authorization": "AWS4-HMAC-SHA256 Credential=K/20261201/us-east-1/s3/aws4_request"},
    )
    assert [
        (c.action, c.resource)
        for c in calls(request, account=ACCOUNT, region="us-east-1", lookups=NoLookups())
    ] == (expected if isinstance(expected, list) else [expected])


def _s3(method: str, path: str, query: dict, body: bytes = b"") -> list:
    request = RawRequest(
        method,
        path,
        query,
        {"authorization": "AWS4-HMAC-SHA256 Credential=K/20261201/us-east-1/s3/aws4_request"},
        body,
    )
    return calls(request, account=ACCOUNT, region="us-east-1", lookups=NoLookups())


def test_a_listing_carries_its_prefix_and_a_prefix_grant_holds_it_to_that_prefix() -> None:
    """tip-media may list the versions of one tip's uploads only (s3:prefix StringLike
    uploads/tips/?*/?*, infra/constructs/tips.py): the reader must hand the asked prefix
    to the evaluator, and a listing without one (the whole bucket) must not match."""
    bucket = "arn:aws:s3:::rtcc-media"
    grant = [allow("s3:ListBucketVersions", bucket, {"StringLike": {"s3:prefix": ["uploads/tips/?*/?*"]}})]

    def allowed(query: dict) -> bool:
        (call,) = _s3("GET", "/rtcc-media", query)
        assert (call.action, call.resource) == ("s3:ListBucketVersions", bucket)
        request = Request(ROLE, call.action, call.resource, call.context)
        return decide(request, grant, None, account=ACCOUNT).allowed

    assert allowed({"versions": "", "prefix": "uploads/tips/T-1/m1"})
    assert not allowed({"versions": "", "prefix": "tips/T-1/m1"})
    assert not allowed({"versions": "", "prefix": "uploads/tips/"})  # every tip's uploads
    assert not allowed({"versions": ""})
    (listing,) = _s3("GET", "/rtcc-media", {"list-type": "2", "prefix": "tips/"})
    assert listing.action == "s3:ListBucket" and listing.context == {"s3:prefix": "tips/"}


def test_a_delete_objects_body_is_one_action_per_object_versions_included() -> None:
    body = (
        b'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        b"<Object><Key>uploads/tips/T-1/m1</Key><VersionId>v1</VersionId></Object>"
        b"<Object><Key>uploads/tips/T-1/a&amp;b</Key></Object>"
        b"<Quiet>true</Quiet></Delete>"
    )
    assert [(c.action, c.resource) for c in _s3("POST", "/rtcc-media", {"delete": ""}, body)] == [
        ("s3:DeleteObject", "arn:aws:s3:::rtcc-media/uploads/tips/T-1/m1"),
        ("s3:DeleteObjectVersion", "arn:aws:s3:::rtcc-media/uploads/tips/T-1/m1"),
        ("s3:DeleteObject", "arn:aws:s3:::rtcc-media/uploads/tips/T-1/a&b"),
    ]


def test_an_s3_post_form_is_a_put_of_its_key_and_names_its_signer() -> None:
    # Field names are case-insensitive to S3: an attacker's "Key" is still the key.
    form = {"Key": "uploads/tips/T-1/m1", "X-Amz-Credential": "RTCCFNapi/20261201/us-east-1/s3/aws4_request"}
    request = RawRequest(
        "POST", "/rtcc-media", {}, {"content-type": "multipart/form-data; boundary=x"}, b"", form
    )
    assert signature(request).access_key == "RTCCFNapi" and signature(request).version == "v4"
    assert [
        (c.action, c.resource)
        for c in calls(request, account=ACCOUNT, region="us-east-1", lookups=NoLookups())
    ] == [("s3:PutObject", "arn:aws:s3:::rtcc-media/uploads/tips/T-1/m1")]


def test_signature_versions_are_told_apart() -> None:
    v2 = RawRequest("GET", "/b/k", {"AWSAccessKeyId": "RTCCFNapi", "Signature": "x", "Expires": "1"}, {})
    v4 = RawRequest("GET", "/b/k", {"X-Amz-Credential": "RTCCFNapi/20261201/us-east-1/s3/aws4_request"}, {})
    assert signature(v2).version == "v2" and signature(v4).version == "v4"
    assert function_of(signature(v2).access_key) == "api"
    assert signature(RawRequest("GET", "/b/k", {}, {})).version is None


def test_credentials_name_the_acting_function_at_signing_time() -> None:
    credentials = FunctionCredentials("testing", "testing")
    assert credentials.get_frozen_credentials().access_key == "testing"
    with acting_as("tip-webhook"):
        assert credentials.get_frozen_credentials().access_key == access_key_for("tip-webhook")
        assert function_of(credentials.access_key) == "tip-webhook"
    assert function_of(credentials.get_frozen_credentials().access_key) is None
