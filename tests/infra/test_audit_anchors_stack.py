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


def _put_prefixes(synth, name: str, logical: str) -> set[str]:
    """Where in the bucket `name` may PutObject: the tail of each object ARN it is granted."""
    found = set()
    for statement in role_statements(synth, name):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        if "s3:PutObject" in actions:
            found |= {str(r["Fn::Join"][1][-1]) for r in resources if isinstance(r, dict) and "Fn::Join" in r}
    return found


def test_only_the_anchor_and_archive_functions_write_and_nobody_deletes(synth) -> None:
    logical, _ = _bucket(synth)
    functions = synth.stack.api.functions
    writers = {n for n in functions if allowed_on_objects(synth, n, logical, "s3:PutObject")}
    assert writers == {"audit-anchor", "audit-archive"}
    # The write-once copy of the entries has one writer, fed by the table's stream only.
    assert _put_prefixes(synth, "audit-archive", logical) == {"/entries/*"}
    # The anchor function also records its daily full check (rtcc.anchors.full_check).
    assert _put_prefixes(synth, "audit-anchor", logical) == {"/anchors/*", "/checks/*"}
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


def test_the_audit_tables_stream_feeds_the_archiver_and_tampering_alarms(synth) -> None:
    resources = synth.template["Resources"]
    table = synth.logical_id(synth.stack.data.tables["audit"])
    assert resources[table]["Properties"]["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    mappings = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    archiver = synth.logical_id(synth.stack.api.functions["audit-archive"])
    stream = [m for m in mappings if m["EventSourceArn"] == {"Fn::GetAtt": [table, "StreamArn"]}]
    assert len(stream) == 1 and stream[0]["FunctionName"] == {"Ref": archiver}
    assert stream[0]["MaximumBatchingWindowInSeconds"] <= 30
    # One failing upload never holds the shard for the stream's 24 h (review finding 3): the
    # batch is split, retried a bounded number of times, then sent to an alarmed queue.
    assert stream[0]["BisectBatchOnFunctionError"] is True
    assert 0 < stream[0]["MaximumRetryAttempts"] <= 100
    failures = stream[0]["DestinationConfig"]["OnFailure"]["Destination"]
    (queue,) = [
        k
        for k, r in resources.items()
        if r["Type"] == "AWS::SQS::Queue" and failures == {"Fn::GetAtt": [k, "Arn"]}
    ]
    assert resources[queue]["Properties"]["KmsMasterKeyId"]
    alarms = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    watched = {
        m["MetricStat"]["Metric"]["MetricName"]
        for a in alarms
        for m in a.get("Metrics", [])
        if "MetricStat" in m
    }
    assert {"AuditTamper", "AuditAnchorRefused", "AuditVerifyFailed"} <= watched
    tamper = next(a for a in alarms if a.get("Metrics") and "AuditTamper" in str(a["Metrics"]))
    assert "malformed" in str(tamper["Metrics"])
    # A stalled copier pages (entries older than the 2-minute grace fail verification), and
    # so does anything in the failure queue.
    iterator_age = [a for a in alarms if a.get("MetricName") == "IteratorAge"]
    assert [a["Dimensions"] for a in iterator_age] == [[{"Name": "FunctionName", "Value": {"Ref": archiver}}]]
    assert iterator_age[0]["Threshold"] <= 120_000
    assert any(
        a.get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and a["Dimensions"][0]["Value"] == {"Fn::GetAtt": [queue, "QueueName"]}
        for a in alarms
    )
