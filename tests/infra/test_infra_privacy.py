"""Tipster anonymity in the deployed shape: no AWS log, trace or sample that rtcc turns on
may tie a tip to the IP address (or device) it came from. The issue's promise is "No IP
address is stored with the tip"; a log line with the IP and the time of a web tip's
request, or with the object key naming the tip, would break it."""

from __future__ import annotations

import json

import pytest

from infra.constructs.data import UNLOGGED_BUCKETS
from tests.infra.iam_policy import refs

pytestmark = pytest.mark.infra


def _props(synth, construct) -> dict:
    return synth.template["Resources"][synth.logical_id(construct)]["Properties"]


def test_media_bucket_has_no_server_access_logs(synth):
    # Presigned uploads from the tipster's browser land under uploads/tips/<code>/...:
    # an access log line would hold that key next to the browser's IP.
    assert "media" in UNLOGGED_BUCKETS
    media = synth.stack.data.buckets["media"]
    assert "LoggingConfiguration" not in _props(synth, media)
    # ...and the log bucket's policy lets no delivery in from it.
    media_id = synth.logical_id(media)
    log_bucket_id = synth.logical_id(synth.stack.data.log_bucket)
    for policy in synth.resources("AWS::S3::BucketPolicy").values():
        if log_bucket_id in refs(policy["Properties"]["Bucket"]):
            assert media_id not in refs(policy["Properties"]["PolicyDocument"])
    # The console bucket (read by API Gateway's role, never by a browser) still logs.
    assert "LoggingConfiguration" in _props(synth, synth.stack.console.bucket)


def test_media_bucket_acknowledges_s1_for_anonymity(synth):
    from aws_cdk import Validations

    media = synth.stack.data.buckets["media"]
    reasons = {
        rule.split("::")[-1]: reason  # stored as "Annotation::<rule id>"
        for entry in media.node.metadata
        if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        for rule, reason in entry.data.items()
    }
    assert "anonymity" in reasons["AwsSolutions-S1"].lower()
    assert "CloudTrail" in reasons["AwsSolutions-S1"]


def test_api_access_log_has_no_client_ip_or_user_agent(synth):
    _, stage = synth.one("AWS::ApiGateway::Stage")
    access_format = json.loads(stage["Properties"]["AccessLogSetting"]["Format"])
    values = " ".join(access_format.values())
    # $context.identity.* is the caller: sourceIp, userAgent, caller, user, ...
    assert "$context.identity" not in values
    assert "ip" not in access_format and "userAgent" not in access_format
    # Still useful to operators: request id, route template, status, latency, WAF verdict.
    assert {"requestId", "resource", "status", "latencyMs", "waf"} <= set(access_format)


def test_api_stage_does_not_trace_requests(synth):
    # API Gateway's X-Ray segments hold client_ip, user_agent and the full URL for 30 days.
    _, stage = synth.one("AWS::ApiGateway::Stage")
    assert stage["Properties"].get("TracingEnabled", False) is False
    # The functions still trace (their segments carry no client IP).
    for fn in synth.resources("AWS::Lambda::Function").values():
        if "TracingConfig" in fn["Properties"] and fn["Properties"]["Handler"].startswith("functions."):
            assert fn["Properties"]["TracingConfig"]["Mode"] == "Active"


def test_waf_logs_no_requests(synth):
    # A WAF log record carries the client IP and URI of each request it covers.
    assert synth.resources("AWS::WAFv2::LoggingConfiguration") == {}
    assert synth.resources("AWS::KinesisFirehose::DeliveryStream") == {}


def test_waf_samples_no_request_it_lets_through(synth):
    _, acl = synth.one("AWS::WAFv2::WebACL")
    props = acl["Properties"]
    # Default action (allow): every web tip would be eligible for a sample.
    assert props["VisibilityConfig"]["SampledRequestsEnabled"] is False
    assert props["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True
    for rule in props["Rules"]:
        managed = rule["Statement"].get("ManagedRuleGroupStatement", {})
        lets_through = bool(managed.get("RuleActionOverrides")) or "Count" in rule.get("Action", {})
        if lets_through:
            assert rule["VisibilityConfig"]["SampledRequestsEnabled"] is False, rule["Name"]
    rules = {r["Name"]: r for r in props["Rules"]}
    assert rules["AWSManagedRulesCommonRuleSet"]["VisibilityConfig"]["SampledRequestsEnabled"] is False


def test_function_traces_never_capture_responses_or_error_texts(synth):
    # Responses carry tip codes and TwiML; a provider's error text can quote a phone number.
    for fn in synth.resources("AWS::Lambda::Function").values():
        if fn["Properties"].get("Handler", "").startswith("functions."):
            env = fn["Properties"]["Environment"]["Variables"]
            assert env["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
            assert env["POWERTOOLS_TRACER_CAPTURE_ERROR"] == "false"
