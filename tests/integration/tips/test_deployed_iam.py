"""The local stack holds every function to the IAM its role gets in the synthesized stack
(rtcc.local.iam): what AWS would refuse fails here with AWS's error code, and every call
is listed at /dev/aws-calls."""

from __future__ import annotations

import logging
import os
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from rtcc.local.iam.identity import acting_as

from tests.integration.tips.conftest import Phone, code_of, new_number

pytestmark = pytest.mark.integration


def aws_calls(local_stack: Any) -> list[dict]:
    r = requests.get(local_stack.base_url + "/dev/aws-calls", timeout=10)
    assert r.status_code == 200
    return r.json()["calls"]


def calls_of(local_stack: Any, function: str, action: str) -> list[dict]:
    return [c for c in aws_calls(local_stack) if c["function"] == function and c["action"] == action]


def test_a_text_tip_runs_under_the_webhooks_deployed_grants(phone: Phone, local_stack: Any) -> None:
    _, response = phone.text(new_number(), "Silver sedan circling the school at noon")
    assert response.status_code == 200, response.text
    vault_puts = [
        c
        for c in calls_of(local_stack, "tip-webhook", "dynamodb:PutItem")
        if c["resource"].endswith("tip-vault")
    ]
    assert vault_puts and all(c["allowed"] for c in vault_puts)
    assert all(c["count"] >= 1 for c in vault_puts)
    seals = calls_of(local_stack, "tip-webhook", "kms:Encrypt")
    assert seals and all(c["allowed"] and ":key/" in c["resource"] for c in seals)
    # The deployed fault: the vault written in a BatchWriteItem the role does not allow.
    assert not [
        c
        for c in calls_of(local_stack, "tip-webhook", "dynamodb:BatchWriteItem")
        if c["resource"].endswith("tip-vault")
    ]


def test_a_revoked_grant_makes_the_flow_fail_with_the_aws_error(
    phone: Phone, local_stack: Any, caplog: pytest.LogCaptureFixture
) -> None:
    number = new_number()
    with caplog.at_level(logging.ERROR), local_stack.without_grant("tip-webhook", "kms:Encrypt"):
        _, refused = phone.text(number, "Someone is selling from the blue van")
    assert refused.status_code == 502
    assert "AccessDeniedException" in caplog.text and "kms:Encrypt" in caplog.text
    denied = [c for c in calls_of(local_stack, "tip-webhook", "kms:Encrypt") if not c["allowed"]]
    assert denied and denied[0]["count"] >= 1
    # Grant back: the same sender's next text goes through.
    _, response = phone.text(number, "Someone is selling from the blue van")
    assert response.status_code == 200 and code_of(response)


@pytest.mark.parametrize(
    ("function", "service", "call", "code"),
    [
        # tip-media never touches the vault key.
        (
            "tip-media",
            "kms",
            lambda c: c.encrypt(KeyId="alias/rtcc-tips-vault", Plaintext=b"x"),
            "AccessDeniedException",
        ),
        # Only audit-anchor writes anchors.
        (
            "api",
            "s3",
            lambda c: c.put_object(Bucket="rtcc-anchors", Key="anchors/x", Body=b"x"),
            "AccessDenied",
        ),
        # The reply function sends no media jobs.
        (
            "tip-outbound",
            "sqs",
            lambda c: c.send_message(QueueUrl=os.environ["RTCC_TIP_MEDIA_QUEUE_URL"], MessageBody="{}"),
            "AccessDenied",
        ),
        # Nobody may rewrite the audit chain.
        (
            "api",
            "dynamodb",
            lambda c: c.delete_item(TableName="rtcc-audit", Key={"chain": {"S": "main"}, "seq": {"N": "1"}}),
            "AccessDeniedException",
        ),
    ],
)
def test_calls_outside_a_role_get_the_aws_error_code(
    local_stack: Any, function: str, service: str, call: Any, code: str
) -> None:
    with acting_as(function):
        client = boto3.client(service, endpoint_url=local_stack.aws_endpoint_url, region_name="us-east-1")
        with pytest.raises(ClientError) as refused:
            call(client)
    assert refused.value.response["Error"]["Code"] == code


def test_sigv2_links_to_the_kms_bucket_are_refused_as_aws_does(local_stack: Any) -> None:
    s3 = boto3.client("s3", endpoint_url=local_stack.aws_endpoint_url, region_name="us-east-1")
    s3.put_object(Bucket="rtcc-media", Key="tips/T-IAM1/probe", Body=b"probe")

    def link(signature_version: str) -> str:
        with acting_as("api"):  # signed by the API function, as a preview link is
            return boto3.client(
                "s3",
                endpoint_url=local_stack.aws_endpoint_url,
                region_name="us-east-1",
                config=Config(signature_version=signature_version),
            ).generate_presigned_url(
                "get_object", Params={"Bucket": "rtcc-media", "Key": "tips/T-IAM1/probe"}
            )

    legacy, current = link("s3"), link("s3v4")
    assert "Signature=" in legacy and "X-Amz-Signature" not in legacy
    refused = requests.get(legacy, timeout=10)
    assert refused.status_code == 400 and "<Code>InvalidArgument</Code>" in refused.text
    ok = requests.get(current, timeout=10)
    assert ok.status_code == 200 and ok.content == b"probe"
