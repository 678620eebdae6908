"""The retention sweep deployed: an hourly EventBridge rule on the retention function."""

from __future__ import annotations

import pytest
from rtcc.topology import TOPOLOGY

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
