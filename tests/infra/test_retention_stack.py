"""The retention sweep deployed: an hourly EventBridge rule on the retention function."""

from __future__ import annotations

import pytest
from rtcc.topology import TOPOLOGY

from tests.infra.iam_policy import DYNAMODB_ACTIONS, allowed_actions, allowed_on_objects

pytestmark = pytest.mark.infra


def rate_minutes(expression: str) -> int:
    """'rate(1 hour)' -> 60 (CDK writes the largest whole unit)."""
    amount, unit = expression.removeprefix("rate(").removesuffix(")").split()
    return int(amount) * {"minute": 1, "hour": 60, "day": 1440}[unit.rstrip("s")]


def test_every_schedule_in_the_topology_is_an_eventbridge_rule_on_its_function(synth):
    rules = {
        rid: r["Properties"]
        for rid, r in synth.template["Resources"].items()
        if r["Type"] == "AWS::Events::Rule"
    }
    assert len(rules) == len(TOPOLOGY.schedules) >= 1
    for schedule in TOPOLOGY.schedules:
        fn_id = synth.logical_id(synth.stack.api.functions[schedule.function])
        (rule,) = [
            p for p in rules.values() if any(t["Arn"] == {"Fn::GetAtt": [fn_id, "Arn"]} for t in p["Targets"])
        ]
        assert rate_minutes(rule["ScheduleExpression"]) == schedule.every_minutes
        assert rule["State"] == "ENABLED"
        (target,) = rule["Targets"]
        assert target["RetryPolicy"]["MaximumRetryAttempts"] == 2
        # EventBridge may invoke the function, and only from this rule.
        perms = [
            r["Properties"]
            for r in synth.template["Resources"].values()
            if r["Type"] == "AWS::Lambda::Permission"
            and r["Properties"]["Principal"] == "events.amazonaws.com"
            and r["Properties"]["FunctionName"] == {"Fn::GetAtt": [fn_id, "Arn"]}
        ]
        assert len(perms) == 1 and "SourceArn" in perms[0]
        # Lambda does not rerun a failed job on its own; the next scheduled run does.
        (invoke_config,) = [
            r["Properties"]
            for r in synth.template["Resources"].values()
            if r["Type"] == "AWS::Lambda::EventInvokeConfig"
            and r["Properties"]["FunctionName"] == {"Ref": fn_id}
        ]
        assert invoke_config["MaximumRetryAttempts"] == 0


def test_only_the_api_and_the_sweep_touch_the_retention_schedule(synth):
    table = synth.logical_id(synth.stack.data.tables["retention"])
    users = {n for n in synth.stack.api.functions if allowed_actions(synth, n, table, DYNAMODB_ACTIONS)}
    assert users == {"api", "retention"}


def test_the_sweep_deletes_tip_files_and_nothing_else_in_the_media_bucket(synth):
    media = synth.logical_id(synth.stack.data.buckets["media"])
    # Every version of a purged file (the bucket is versioned), not a delete marker.
    assert allowed_on_objects(synth, "retention", media, "s3:DeleteObjectVersion")
    assert allowed_on_objects(synth, "retention", media, "s3:DeleteObject")  # needed with a version id
    for action in ("s3:PutObject", "s3:GetObject"):
        assert not allowed_on_objects(synth, "retention", media, action), action
