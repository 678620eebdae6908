"""Least privilege, measured: every grant a function's deployed role has must be used by
some call that function made while the whole suite ran against the local stack (which
enforces those same grants, rtcc.local.iam). A grant nothing uses is a grant an attacker
who takes over the function gets for free; it fails here unless it is on the short
reviewed list below, with the reason it stays.

Runs last (tests/conftest.py) and only after the whole suite: a subset of the tests
exercises a subset of the flows, so it skips then.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from rtcc.local.iam.policy import action_matches, as_list, resource_matches

pytestmark = pytest.mark.integration

#: (function or "*", action pattern as granted, resource suffix or "*") -> why it stays.
REVIEWED: dict[tuple[str, str, str], str] = {
    ("*", "xray:PutTraceSegments", "*"): "the Lambda runtime's X-Ray client sends traces; no rtcc code does",
    ("*", "xray:PutTelemetryRecords", "*"): "the Lambda runtime's X-Ray client, as above",
    ("*", "kms:Encrypt", "alias/rtcc-data"): "in DynamoDB's documented key-policy set for a customer-managed "
    "table key; the local model checks only the Decrypt DynamoDB makes on every call",
    ("*", "sqs:GetQueueAttributes", "*"): "Lambda's event source mapping reads the queue (AWS lists it as "
    "required for the execution role); granted by CDK's SqsEventSource",
    ("*", "sqs:ChangeMessageVisibility", "*"): "granted by CDK's SqsEventSource for the mapping's retries",
    ("*", "sqs:GetQueueUrl", "*"): "granted by CDK's SqsEventSource; the mapping resolves the queue",
    ("tip-webhook", "dynamodb:UpdateItem", "table/rtcc-tip-receipts"): "a claim moved to a fresh code "
    "(code collision, or the open tip closed between claim and store): a race the suite does not stage",
    ("tip-webhook", "dynamodb:UpdateItem", "table/rtcc-tips"): "the spam flag set when another message "
    "of the same tipster crossed the rate limit in between: a race the suite does not stage",
    ("audit-archive", "sqs:SendMessage", "rtcc-audit-archive-failures"): "Lambda's stream mapping sends the "
    "records it gave up on (after 20 retries) to its failure destination with the function's role; the local "
    "stream poller does not model giving up",
}


def _reviewed(function: str, action: str, resource: str, aliases: dict[str, str]) -> bool:
    """A KMS key is named by its alias here (its local ARN is random)."""
    resource = aliases.get(resource, resource)
    for (fn, pattern, suffix), _reason in REVIEWED.items():
        if fn in ("*", function) and pattern == action and resource_matches(["*" + suffix], resource):
            return True
    return False


def unused_grants(permissions: Any, calls: list[dict]) -> list[tuple[str, str, str]]:
    used: dict[str, list[tuple[str, str]]] = {}
    for call in calls:
        if call["allowed"]:
            used.setdefault(call["function"], []).append((call["action"], call["resource"]))
    unused = []
    for function, statements in permissions.identity.items():
        made = used.get(function, [])
        for statement in statements:
            if statement.get("Effect") != "Allow":
                continue
            for action in as_list(statement.get("Action")):
                for resource in as_list(statement.get("Resource")):
                    if any(action_matches([action], a) and resource_matches([resource], r) for a, r in made):
                        continue
                    if not _reviewed(function, action, resource, permissions.key_aliases):
                        unused.append((function, action, resource))
    return sorted(set(unused))


def test_every_granted_action_is_used_by_some_call(
    local_stack: Any, whole_suite_ran: Any, tmp_path: Any
) -> None:
    complete, why = whole_suite_ran()
    if not complete:
        pytest.skip(f"needs the whole suite's AWS calls: {why}")
    calls = local_stack.aws_calls.entries()
    unused = unused_grants(local_stack.permissions, calls)
    listing = "\n".join(f"  {fn}: {action} on {resource}" for fn, action, resource in unused)
    record = tmp_path / "aws-calls.json"
    record.write_text(json.dumps(calls, indent=1))  # what the suite did call, to narrow grants with
    assert not unused, (
        f"granted but never used by any call in the suite ({len(unused)}; calls in {record}):\n{listing}"
    )


#: Refusals the suite causes on purpose: tests/integration/tips/test_deployed_iam.py's, and
#: the one the code expects (S3's 403 for a missing upload: tip-media may not list).
PROVOKED_DENIALS = {
    ("tip-media", "s3:ListBucket"),  # HEAD of an upload that never arrived -> "never arrived"
    ("tip-webhook", "kms:Encrypt"),  # the revoked-grant test
    ("tip-media", "kms:Encrypt"),
    ("api", "s3:PutObject"),  # anchors
    ("tip-outbound", "sqs:SendMessage"),
    ("api", "dynamodb:DeleteItem"),  # the audit table
    ("api", "dynamodb:UpdateItem"),  # a close whose transaction is refused (test_inbox_integrity)
    ("api", "geo:SearchPlaceIndexForText"),  # alerts/test_alerts_places_api: the revoked-grant test
    # Only the webhook may compute a pseudonym (tips/test_pseudonym_key): every other role
    # tries the KMS HMAC key and the secret that used to hold the pseudonym key, and is refused.
    *(
        (function, action)
        for function in ("api", "retention", "tip-media", "tip-outbound")
        for action in ("kms:GenerateMac", "kms:VerifyMac", "secretsmanager:GetSecretValue")
    ),
    # The webhook holds the Twilio auth token but not the API key (tips/test_twilio_credentials).
    ("tip-webhook", "secretsmanager:GetSecretValue"),
    # The alerts keys (alerts/test_alerts_line): the tip line's webhook and the retention
    # sweep cannot hash a number with the alerts MAC key; the alerts webhook seals numbers
    # but cannot read them.
    ("tip-webhook", "kms:GenerateMac"),
    ("alerts-webhook", "kms:Decrypt"),
    # The internet-facing api seals a signup's number but cannot open it (alerts/test_signup_hardening).
    ("api", "kms:Decrypt"),
    # The number lookup and the manage links have keys of their own (alerts/test_alerts_signup_keys):
    # the alerts webhook cannot sign a link (api hashing a number is among the tips' denials above).
    ("alerts-webhook", "kms:GenerateMac"),
    # camera-streams may only touch integrated cameras' streams (cameras/test_streams): others'
    # streams and the city's (created by CDK, never deleted by a function) are refused.
    *(
        ("camera-streams", f"kinesisvideo:{action}")
        for action in ("CreateStream", "TagStream", "DescribeStream", "DeleteStream")
    ),
    # A role with no ses:SendEmail is refused by SES (test_platform_email).
    ("retention", "ses:SendEmail"),
    # The KVS media stand-in (video/test_kvs_standin): a function without the HLS grant, and a
    # camera agent putting media to another camera's stream, are refused.
    ("retention", "kinesisvideo:GetHLSStreamingSessionURL"),
    ("camera-agent", "kinesisvideo:PutMedia"),
    # rtcc cameras provision --local (video/test_provisioning): its keys on another camera's stream.
    ("camera-agent", "kinesisvideo:GetDataEndpoint"),
}


def test_no_flow_in_the_suite_made_a_call_its_deployed_role_refuses(
    local_stack: Any, whole_suite_ran: Any
) -> None:
    """Every flow the suite drives (SMS and web tips, media, replies, triage, close,
    retention, anchors) ran with every AWS call allowed; only the provoked ones were not."""
    complete, why = whole_suite_ran()
    if not complete:
        pytest.skip(f"needs the whole suite's AWS calls: {why}")
    denied = [c for c in local_stack.aws_calls.entries() if not c["allowed"]]
    unexpected = [c for c in denied if (c["function"], c["action"]) not in PROVOKED_DENIALS]
    assert not unexpected, json.dumps(unexpected, indent=1)
    assert {(c["function"], c["action"]) for c in denied} == PROVOKED_DENIALS


def test_the_checker_finds_an_unused_grant(local_stack: Any) -> None:
    """The check itself can fail: a grant no recorded call matches is reported."""
    permissions = local_stack.permissions
    calls = [  # every grant used once, as itself, except tip-outbound's
        {"function": fn, "action": action, "resource": resource, "allowed": True}
        for fn, statements in permissions.identity.items()
        if fn != "tip-outbound"
        for statement in statements
        for action in as_list(statement.get("Action"))
        for resource in as_list(statement.get("Resource"))
    ]
    found = unused_grants(permissions, calls)
    assert found and {fn for fn, _, _ in found} == {"tip-outbound"}
