"""The enforcer in front of the KVS media stand-in, on a small template of its own (not the
synthesized stack's): the data-plane paths read as IAM actions, PutMedia's body never read,
a camera agent's `RTCCIOT<thing>` key held to the camera-agent role with
${credentials-iot:ThingName} set to its thing, and the agent's local credentials."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any

from rtcc.local.iam.deployed import LocalNames, build_permissions
from rtcc.local.iam.enforcer import IamEnforcer
from rtcc.local.iam.requests import RawRequest, calls
from rtcc.local.kvs_media import agent_credentials
from rtcc.local.kvs_media.credentials import secret_for

ACCOUNT = "123456789012"
REGION = "us-east-1"
STREAM_ARNS = "arn:aws:kinesisvideo:us-east-1:123456789012:stream/"


def _template(agent: bool = True) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "ApiRole": {"Type": "AWS::IAM::Role", "Properties": {}},
        "ApiPolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "Roles": [{"Ref": "ApiRole"}],
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "kinesisvideo:GetHLSStreamingSessionURL",
                            "Resource": f"{STREAM_ARNS}rtcc-cam-*/*",
                        }
                    ]
                },
            },
        },
        "RetentionRole": {"Type": "AWS::IAM::Role", "Properties": {}},
    }
    if agent:
        stream = {
            "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":kinesisvideo:", {"Ref": "AWS::Region"}]]
        }
        stream["Fn::Join"][1] += [":", {"Ref": "AWS::AccountId"}, ":stream/${credentials-iot:ThingName}/*"]
        resources["AgentRole"] = {
            "Type": "AWS::IAM::Role",
            "Properties": {},
            "Metadata": {"rtcc:identity": "camera-agent"},
        }
        resources["AgentPolicy"] = {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "Roles": [{"Ref": "AgentRole"}],
                "PolicyDocument": {
                    "Statement": [
                        {"Effect": "Allow", "Action": ["kinesisvideo:PutMedia"], "Resource": stream}
                    ]
                },
            },
        }
    return {
        "template": {"Resources": resources},
        "resources": {},
        "roles": {"api": "ApiRole", "retention": "RetentionRole"},
    }


def _permissions(agent: bool = True) -> Any:
    names = LocalNames(ACCOUNT, REGION, {}, {}, {}, {}, {}, {}, "pool")
    return build_permissions(_template(agent), names)


class _Unreadable(io.RawIOBase):
    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the enforcer read PutMedia's body")


def _call(
    permissions: Any, path: str, key: str, headers: dict[str, str], body: bytes | None = None
) -> tuple[str, dict]:
    seen: dict[str, Any] = {}

    def app(environ: dict, start_response: Any) -> Iterable[bytes]:
        seen["reached"] = True
        start_response("200 OK", [])
        return [b""]

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "wsgi.input": io.BytesIO(body) if body is not None else _Unreadable(),
        "CONTENT_LENGTH": str(len(body)) if body is not None else "",
        "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential={key}/20261202/{REGION}/kinesisvideo"
        "/aws4_request, SignedHeaders=host, Signature=" + "0" * 64,
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
    }
    status: list[str] = []
    out = b"".join(
        IamEnforcer(app, lambda: permissions, account=ACCOUNT)(environ, lambda s, h: status.append(s))
    )
    return status[0], {"reached": seen.get("reached", False), "body": out}


def test_put_media_is_read_from_its_headers_and_its_body_never_read() -> None:
    own = agent_credentials("rtcc-cam-a")[0]
    status, seen = _call(_permissions(), "/putMedia", own, {"x-amzn-stream-name": "rtcc-cam-a"})
    assert status.startswith("200") and seen["reached"]


def test_a_camera_agent_is_refused_another_cameras_stream() -> None:
    own = agent_credentials("rtcc-cam-a")[0]
    status, seen = _call(_permissions(), "/putMedia", own, {"x-amzn-stream-name": "rtcc-cam-b"})
    assert status.startswith("401") and not seen["reached"]
    message = json.loads(seen["body"])["message"]
    assert "kinesisvideo:PutMedia" in message and "stream/rtcc-cam-b/*" in message
    arn = f"{STREAM_ARNS}rtcc-cam-b/1700000000000"
    status, _ = _call(_permissions(), "/putMedia", own, {"x-amzn-stream-arn": arn})
    assert status.startswith("401")


def test_without_a_camera_agent_role_in_the_template_agents_are_refused() -> None:
    own = agent_credentials("rtcc-cam-a")[0]
    status, _ = _call(_permissions(agent=False), "/putMedia", own, {"x-amzn-stream-name": "rtcc-cam-a"})
    assert status.startswith("401")


def test_an_agent_is_held_to_its_role_only() -> None:
    own = agent_credentials("rtcc-cam-a")[0]
    body = json.dumps({"StreamName": "rtcc-cam-a", "PlaybackMode": "LIVE"}).encode()
    status, _ = _call(_permissions(), "/getHLSStreamingSessionURL", own, {}, body)
    assert status.startswith("401")  # the api's grant, not the agent's


def test_a_function_without_the_grant_is_refused_and_one_with_it_passes() -> None:
    body = json.dumps({"StreamName": "rtcc-cam-a", "PlaybackMode": "LIVE"}).encode()
    status, _ = _call(_permissions(), "/getHLSStreamingSessionURL", "RTCCFNretention", {}, body)
    assert status.startswith("401")
    status, seen = _call(_permissions(), "/getHLSStreamingSessionURL", "RTCCFNapi", {}, body)
    assert status.startswith("200") and seen["reached"]


def test_the_data_plane_paths_as_iam_actions() -> None:
    class Lookups:
        def kinesisvideo_stream_arn(self, name: str) -> str | None:
            return f"{STREAM_ARNS}{name}/1700000000000"

    auth = {
        "authorization": f"AWS4-HMAC-SHA256 Credential=RTCCFNapi/20261202/{REGION}/kinesisvideo/aws4_request"
    }
    for path, action in (
        ("/getClip", "GetClip"),
        ("/getHLSStreamingSessionURL", "GetHLSStreamingSessionURL"),
    ):
        request = RawRequest("POST", path, {}, auth, json.dumps({"StreamName": "s"}).encode())
        (call,) = calls(request, account=ACCOUNT, region=REGION, lookups=Lookups())  # type: ignore[arg-type]
        assert (call.action, call.resource) == (f"kinesisvideo:{action}", f"{STREAM_ARNS}s/1700000000000")
    request = RawRequest("POST", "/putMedia", {}, {**auth, "x-amzn-stream-name": "s"}, b"\x1a\x45\xdf\xa3")
    (call,) = calls(request, account=ACCOUNT, region=REGION, lookups=Lookups())  # type: ignore[arg-type]
    assert call.action == "kinesisvideo:PutMedia"


def test_agent_credentials_are_per_thing_and_stable() -> None:
    key, secret = agent_credentials("rtcc-cam-a")
    assert key == "RTCCIOTrtcc-cam-a" and agent_credentials("rtcc-cam-a") == (key, secret)
    assert agent_credentials("rtcc-cam-b")[1] != secret
    assert secret_for(key) == secret and secret_for("RTCCFNapi") == "testing"
    assert secret_for("AKIAEXAMPLE") is None
