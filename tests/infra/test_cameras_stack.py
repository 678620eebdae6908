"""The cameras' video streams and email in the synthesized template (tests/infra/city.test.toml):
one Kinesis Video Stream per city camera with the config's retention and its tags; the email
grant helper's one statement; each RTCC_CAMERAS_* variable on its readers only."""

from __future__ import annotations

from tests.infra.conftest import env_readers

PREFIX = "testville-rtcc-"


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
    assert env_readers(synth, "RTCC_CAMERAS_REQUESTERS") == {"rtcc-api": "supervisor"}
    assert env_readers(synth, "RTCC_CAMERAS_MAX_CLIP_MB") == {"rtcc-api": "1024"}
    assert env_readers(synth, "RTCC_CAMERAS_REQUEST_MAX_RADIUS_M") == {"rtcc-api": "600"}
    assert env_readers(synth, "RTCC_CAMERAS_REQUEST_MAX_HOURS") == {"rtcc-api": "8.0"}
