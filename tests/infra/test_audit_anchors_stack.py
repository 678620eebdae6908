"""The anchors bucket deployed: Object Lock in compliance mode, written by one function,
listed by the API, deleted by none."""

from __future__ import annotations

import pytest

from tests.infra.iam_policy import allowed_on_objects, role_statements

pytestmark = pytest.mark.infra


def _bucket(synth) -> tuple[str, dict]:
    bucket = synth.stack.data.buckets["anchors"]
    logical = synth.logical_id(bucket)
    return logical, synth.template["Resources"][logical]


def test_anchors_are_locked_in_compliance_mode_for_the_configured_days(synth) -> None:
    _, resource = _bucket(synth)
    props = resource["Properties"]
    assert props["ObjectLockEnabled"] is True
    retention = props["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert retention == {"Mode": "COMPLIANCE", "Days": synth.config.retention.audit_anchor_days}
    assert props["VersioningConfiguration"]["Status"] == "Enabled"
    assert resource["DeletionPolicy"] == "Retain"
    assert "LifecycleConfiguration" not in props  # nothing expires before the lock says


def test_only_the_anchor_function_writes_and_nobody_deletes(synth) -> None:
    logical, _ = _bucket(synth)
    functions = synth.stack.api.functions
    writers = {n for n in functions if allowed_on_objects(synth, n, logical, "s3:PutObject")}
    assert writers == {"audit-anchor"}
    for name in functions:
        assert not allowed_on_objects(synth, name, logical, "s3:DeleteObject"), name
        assert not allowed_on_objects(synth, name, logical, "s3:PutObjectRetention"), name


def test_the_api_may_list_anchors(synth) -> None:
    logical, _ = _bucket(synth)
    for name in ("api", "audit-anchor"):
        assert any(
            "s3:ListBucket" in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
            and s["Resource"] == {"Fn::GetAtt": [logical, "Arn"]}
            for s in role_statements(synth, name)
        ), name
