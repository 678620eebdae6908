"""A dev-sandbox config synthesizes cleanly too (cdk-nag included) and is disposable."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.infra


def test_sandbox_tables_are_disposable_and_mfa_optional(sandbox_synth):
    for table in sandbox_synth.resources("AWS::DynamoDB::Table").values():
        assert table["Properties"]["DeletionProtectionEnabled"] is False
        assert table["DeletionPolicy"] == "Delete"
        # Disposable, not careless: backups and encryption stay on.
        assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    _, pool = sandbox_synth.one("AWS::Cognito::UserPool")
    assert pool["Properties"]["MfaConfiguration"] == "OPTIONAL"
    assert not sandbox_synth.resources("AWS::SNS::Subscription")
    # The media bucket keeps evidence whatever the environment.
    media = sandbox_synth.logical_id(sandbox_synth.stack.data.buckets["media"])
    assert sandbox_synth.template["Resources"][media]["DeletionPolicy"] == "Retain"


def test_a_sandbox_locks_anchors_in_governance_mode(sandbox_synth):
    bucket = sandbox_synth.stack.data.buckets["anchors"]
    props = sandbox_synth.template["Resources"][sandbox_synth.logical_id(bucket)]["Properties"]
    assert props["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]["Mode"] == "GOVERNANCE"
