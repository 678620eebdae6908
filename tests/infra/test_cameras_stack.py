"""The cameras' video streams and email in the synthesized template (tests/infra/city.test.toml):
one Kinesis Video Stream per city camera with the config's retention and its tags; camera-streams
held to exactly four KVS actions on `stream/<prefix>cam-*/*` (the city's own streams denied);
the email grant helper's one statement; each RTCC_CAMERAS_* variable on its readers only."""

from __future__ import annotations

import json

from tests.infra.conftest import env_readers
from tests.infra.iam_policy import role_statements

PREFIX = "testville-rtcc-"
KVS_ACTIONS = {
    "kinesisvideo:CreateStream",
    "kinesisvideo:DeleteStream",
    "kinesisvideo:DescribeStream",
    "kinesisvideo:TagStream",
}


def _joined(value: object) -> str:
    """A Fn::Join'ed ARN as text, pseudo parameters spelled <AWS::...>."""
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(p if isinstance(p, str) else f"<{p['Ref']}>" for p in parts)
    return str(value)


def test_one_stream_per_city_camera_with_retention_and_tags(synth):
    streams = {s["Properties"]["Name"]: s for s in synth.resources("AWS::KinesisVideo::Stream").values()}
    assert set(streams) == {f"{PREFIX}cam-city-test-cam-1", f"{PREFIX}cam-city-test-cam-2"}
    for name, stream in streams.items():
        props = stream["Properties"]
        assert props["DataRetentionInHours"] == 48 and props["MediaType"] == "video/h264"
        tags = {t["Key"]: t["Value"] for t in props["Tags"]}
        assert tags["rtcc:camera"] == name.removeprefix(f"{PREFIX}cam-") and tags["rtcc:owner"] == "city"
        # Deployed: a stack delete keeps the city's video (it may be evidence).
        assert stream["DeletionPolicy"] == "Retain"


def test_camera_streams_gets_exactly_the_kvs_calls_its_code_makes(synth):
    kvs = [
        s for s in role_statements(synth, "camera-streams") if any("kinesisvideo" in a for a in s["Action"])
    ]
    allowed = [s for s in kvs if s["Effect"] == "Allow"]
    denied = [s for s in kvs if s["Effect"] == "Deny"]
    assert len(allowed) == 1 and set(allowed[0]["Action"]) == KVS_ACTIONS
    stream = "arn:<AWS::Partition>:kinesisvideo:<AWS::Region>:<AWS::AccountId>:stream/"
    assert _joined(allowed[0]["Resource"]) == f"{stream}{PREFIX}cam-*/*"
    assert len(denied) == 1 and _joined(denied[0]["Resource"]) == f"{stream}{PREFIX}cam-city-*/*"
    assert "kinesisvideo:DescribeStream" not in denied[0]["Action"]
    # No other function may make, change or delete a stream, or put media: the video
    # capability's readers get sessions and clips only (tests/infra/test_video_stack.py).
    readers = {f"kinesisvideo:{a}" for a in ("GetDataEndpoint", "GetHLSStreamingSessionURL", "GetClip")}
    for name in synth.stack.api.functions:
        if name != "camera-streams":
            actions = [
                a
                for s in role_statements(synth, name)
                for a in (s.get("Action") if isinstance(s.get("Action"), list) else [s.get("Action")])
                if "kinesisvideo" in str(a)
            ]
            assert set(actions) <= readers, name


def test_the_email_grant_is_send_from_one_address_of_one_identity(synth):
    from aws_cdk import App, Stack
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk.assertions import Template

    from infra.constructs.cameras import grant_camera_email

    stack = Stack(App(), "EmailGrant")
    fn = lambda_.Function(
        stack,
        "Sender",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): pass"),
    )
    grant_camera_email(fn, synth.config)
    template = Template.from_stack(stack).to_json()["Resources"]
    (policy,) = [r for r in template.values() if r["Type"] == "AWS::IAM::Policy"]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "ses:SendEmail"
    assert _joined(statement["Resource"]) == (
        "arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/testville.example"
    )
    assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": "no-reply@testville.example"}}
    (function,) = [r for r in template.values() if r["Type"] == "AWS::Lambda::Function"]
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables == {"RTCC_CAMERAS_EMAIL_FROM": "no-reply@testville.example"}


def test_camera_settings_reach_only_their_readers(synth):
    assert env_readers(synth, "RTCC_CAMERAS_STREAM_RETENTION_HOURS") == {"rtcc-camera-streams": "48"}
    (city,) = env_readers(synth, "RTCC_CAMERAS_CITY_CAMERAS").items()
    assert city[0] == "rtcc-camera-streams"
    assert json.loads(city[1]) == [
        {"id": "test-cam-1", "name": "Test Camera", "lat": 45.0, "lon": -120.0, "bearing_deg": 180},
        {"id": "test-cam-2", "name": "Second Test Camera", "lat": 44.05, "lon": -123.09},
    ]
    assert env_readers(synth, "RTCC_CAMERAS_REQUESTERS") == {"rtcc-api": "supervisor"}
    # evidence-intake refuses what is larger too (it read the default before, attacker review)
    clip_mb = {"rtcc-api": "1024", "rtcc-evidence-intake": "1024"}
    assert env_readers(synth, "RTCC_CAMERAS_MAX_CLIP_MB") == clip_mb
    assert env_readers(synth, "RTCC_CAMERAS_REQUEST_MAX_RADIUS_M") == {"rtcc-api": "600"}
    assert env_readers(synth, "RTCC_CAMERAS_REQUEST_MAX_HOURS") == {"rtcc-api": "8.0"}


def test_evidence_export_has_the_disk_its_largest_zip_needs(synth):
    """The zip is built in /tmp: Lambda's default 512 MiB would fail a case of a few clips
    deployed while rtcc dev (no such limit) passed. Other functions keep the default."""
    from rtcc.cameras.evidence_jobs import EXPORT_MAX_BYTES

    sized = {}
    for name, fn in synth.stack.api.functions.items():
        props = synth.template["Resources"][synth.stack.get_logical_id(fn.node.default_child)]["Properties"]
        sized[name] = props.get("EphemeralStorage", {}).get("Size", 512)
    assert sized["evidence-export"] == 10240 and EXPORT_MAX_BYTES < 10240 * 1024 * 1024
    assert {n for n, mib in sized.items() if mib != 512} == {"evidence-export"}
