"""The evidence bucket's rules (attacker review): no lifecycle rule ever expires a clip's
versions (the platform's bucket-wide "noncurrent versions after 30 days" would remove a clip's
earlier versions once their governance lock lapsed); exports expire after a week; and no rtcc
role may lift the governance lock (s3:BypassGovernanceRetention stays with an administrator, for
a court-ordered deletion)."""

from __future__ import annotations

import json

from tests.infra.conftest import Synth


def evidence_bucket(synth: Synth) -> dict:
    buckets = synth.resources("AWS::S3::Bucket")
    (props,) = [b["Properties"] for logical, b in buckets.items() if logical.startswith("DataCameraEvidence")]
    return props


def test_no_rule_expires_clips_and_exports_go_after_a_week(synth: Synth) -> None:
    rules = evidence_bucket(synth)["LifecycleConfiguration"]["Rules"]
    expiring = {"ExpirationInDays", "NoncurrentVersionExpiration", "NoncurrentVersionExpirationInDays"}
    for rule in rules:
        if expiring & set(rule) or rule.get("ExpiredObjectDeleteMarker"):
            assert rule.get("Prefix") == "exports/", rule  # never bucket-wide, never clips/
    exports = next(r for r in rules if r["Id"] == "Exports")
    assert exports["ExpirationInDays"] == 7
    assert any(r.get("AbortIncompleteMultipartUpload") for r in rules)


def test_no_role_may_bypass_the_governance_lock(synth: Synth) -> None:
    policies = {**synth.resources("AWS::IAM::Policy"), **synth.resources("AWS::IAM::ManagedPolicy")}
    text = json.dumps([p["Properties"].get("PolicyDocument") for p in policies.values()])
    assert policies and "BypassGovernanceRetention" not in text
    assert '"s3:*"' not in text  # (a wildcard would include it)


def test_export_records_expire_with_their_zip(synth: Synth) -> None:
    tables = synth.resources("AWS::DynamoDB::Table")
    (props,) = [
        t["Properties"]
        for t in tables.values()
        if str(t["Properties"].get("TableName", "")).endswith("evidence-exports")
    ]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires", "Enabled": True}
