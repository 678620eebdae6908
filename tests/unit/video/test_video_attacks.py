"""The video capability reviewed as an attacker would use it (server side): each test is an
attack that worked before its fix."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from rtcc.cameras.model import CITY_OWNER
from rtcc.errors import DomainError, Invalid
from rtcc.local.kvs_media import agent_credentials
from rtcc.models.video import MotionIn
from rtcc.video.clips import validate_ask
from rtcc.video.motion import check_time

from tests.unit.video.test_live_desk import NOW, OFFICER, World, spot


# --- live sessions outliving the owner's choice -------------------------------------------------
def test_an_owners_camera_session_cannot_outlive_a_pause_or_a_closing_window_by_hours() -> None:
    """KVS session URLs cannot be revoked: with RTCC_VIDEO_SESSION_EXPIRY_S at 12 h, a URL
    taken a minute before an incident closed (or the owner paused) kept playing for 12 h."""
    for policy in ("incident", "always"):
        world = World(spot(policy=policy))
        desk = replace(world.desk(), expiry_s=43_200)
        out = desk.open_session(OFFICER, "cam-0123456789ab")
        assert world.sessions.asked == [("rtcc-cam-cam-0123456789ab", 300)]
        assert out["expires_at"] == "2026-05-01T12:05:00Z"
        ((_, _, detail),) = world.audits
        assert detail["expires_at"] == out["expires_at"]
    assert NOW.isoformat().startswith("2026-05-01T12:00")


def test_the_citys_cameras_keep_the_configured_session_length() -> None:
    world = World(spot("city-main", owner_id=CITY_OWNER, level="city", policy="always"))
    out = replace(world.desk(), expiry_s=3_600).open_session(OFFICER, "city-main")
    assert world.sessions.asked == [("rtcc-cam-city-main", 3_600)]
    assert out["expires_at"] == "2026-05-01T13:00:00Z"


def test_a_city_camera_shared_during_incidents_only_gets_the_shortest_session() -> None:
    world = World(spot("city-side", owner_id=CITY_OWNER, level="city", policy="incident"))
    out = replace(world.desk(), expiry_s=43_200).open_session(OFFICER, "city-side")
    assert world.sessions.asked == [("rtcc-cam-city-side", 300)]
    assert out["expires_at"] == "2026-05-01T12:05:00Z"


# --- times at the edge of datetime's range: a 500 instead of a 4xx naming the field -------------
@pytest.mark.parametrize("at", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
def test_a_motion_time_past_datetimes_range_is_refused_by_field(at: str) -> None:
    event = MotionIn.model_validate({"camera_id": "cam-0123456789ab", "at": at, "score": 0.5})
    with pytest.raises(Invalid) as refused:
        check_time(event.at, NOW, timedelta(hours=24))
    assert refused.value.field == "at"


@pytest.mark.parametrize("field", ["start", "end"])
def test_a_clip_time_past_datetimes_range_is_refused_by_field(field: str) -> None:
    body = {"camera_id": "cam-0123456789ab", "case_number": "C-1", "start": "2026-05-01T11:00:00Z"}
    body |= {"end": "2026-05-01T11:10:00Z", field: "0001-01-01T00:00:00+01:00"}
    with pytest.raises(DomainError) as refused:
        validate_ask(body, 30, NOW)
    assert refused.value.field == field


# --- the local enforcer: a camera agent's thing name as IoT allows it ---------------------------
@pytest.mark.parametrize("thing", ["*", "rtcc-cam-*", "rtcc-cam-?"])
def test_a_local_agent_key_naming_a_wildcard_thing_reaches_no_stream(thing: str) -> None:
    """IoT thing names are [a-zA-Z0-9:_-]: the key `RTCCIOT*` put `stream/*/*` in the agent
    role's policy, so a local process could push video into every camera's stream."""
    from tests.unit.video.test_kvs_media_iam import _call, _permissions

    key = agent_credentials(thing)[0]
    status, seen = _call(_permissions(), "/putMedia", key, {"x-amzn-stream-name": "rtcc-cam-b"})
    assert status.startswith("401") and not seen["reached"]


# --- the stand-in's SigV4 check: a control call's body is what was signed ------------------------
def _signed_environ(body: bytes, sent: bytes, content_sha: str | None) -> dict:
    """A GetHLSStreamingSessionURL call signed over `body` (botocore), arriving with `sent`."""
    import io

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    headers = {"Content-Type": "application/json"}
    if content_sha is not None:
        headers["X-Amz-Content-SHA256"] = content_sha
    request = AWSRequest("POST", "http://127.0.0.1:9/getHLSStreamingSessionURL", headers=headers, data=body)
    SigV4Auth(Credentials("RTCCFNapi", "testing"), "kinesisvideo", "us-east-1").add_auth(request)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/getHLSStreamingSessionURL",
        "QUERY_STRING": "",
        "CONTENT_LENGTH": str(len(sent)),
        "wsgi.input": io.BytesIO(sent),
    }
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    environ["HTTP_HOST"] = "127.0.0.1:9"
    return environ


@pytest.mark.parametrize("declared", ["UNSIGNED-PAYLOAD", "own"])
def test_a_signed_control_call_cannot_carry_another_body(declared: str) -> None:
    """The verifier took the signed x-amz-content-sha256 header's word for a control call's
    body: a captured GetHLSStreamingSessionURL for one camera, replayed with another camera's
    stream in its body, passed (KVS hashes the body it gets)."""
    import hashlib

    from rtcc.local.kvs_media.sigv4 import refusal

    asked = b'{"StreamName": "rtcc-cam-cam-aaaaaaaaaaaa", "PlaybackMode": "LIVE"}'
    other = b'{"StreamName": "rtcc-cam-cam-bbbbbbbbbbbb", "PlaybackMode": "LIVE"}'
    sha = hashlib.sha256(asked).hexdigest() if declared == "own" else declared
    assert refusal(_signed_environ(asked, asked, sha)) is None or declared == "UNSIGNED-PAYLOAD"
    refused = refusal(_signed_environ(asked, other, sha))
    assert refused is not None and refused[0] == "InvalidSignatureException"
    assert refusal(_signed_environ(asked, asked, None)) is None


# --- the stand-in answers its loopback name only (DNS rebinding) ---------------------------------
@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "127.0.0.1.nip.io:{port}"])
def test_a_page_rebinding_its_name_to_the_standin_is_refused(tmp_path: Any, host: str) -> None:
    """A page at evil.example re-pointed at 127.0.0.1 is same-origin with the stand-in's port:
    with the public local keys it could sign GetHLSStreamingSessionURL and read the video."""
    import io

    from rtcc.local.kvs_media.server import KvsMediaStandIn

    standin = KvsMediaStandIn(
        tmp_path, permissions=lambda: None, account="123456789012", region=lambda: "us-east-1"
    )
    standin.port = 4567

    def call(host_header: str) -> tuple[str, dict]:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/hls/v1/getHLSMasterPlaylist.m3u8",
            "QUERY_STRING": "",
            "HTTP_HOST": host_header,
            "wsgi.input": io.BytesIO(b""),
        }
        seen: list = []
        b"".join(standin.app(environ, lambda status, headers: seen.append((status, dict(headers)))))
        return seen[0]

    status, headers = call(host.format(port=4567))
    assert status.startswith("403") and headers["x-amzn-ErrorType"] == "AccessDeniedException"
    for own in ("127.0.0.1:4567", "localhost:4567"):
        status, headers = call(own)
        assert status.startswith("400") and headers["x-amzn-ErrorType"] == "MissingParameter"  # reached HLS


# --- the audit log keeps no free text a caller typed ---------------------------------------------
class _Recorder(list):
    def __call__(self, *entry: object) -> None:
        self.append(entry)


def test_a_refused_clip_request_audits_a_camera_id_never_the_callers_text() -> None:
    """A role refusal audited the body's camera_id as typed (80 characters of anything: a
    resident's phone number or email), into the append-only, anchored audit log."""
    from rtcc.auth import Principal, Role
    from rtcc.errors import Forbidden
    from rtcc.video.clips_service import request_clip

    auditor = Principal("s9", "aud", frozenset({Role.AUDITOR}))
    for typed, target in (
        ("call +1 206 555 0100, jane@example.com", "?"),
        ("cam-0123456789ab", "cam-0123456789ab"),
    ):
        audits = _Recorder()
        with pytest.raises(Forbidden):
            request_clip(auditor, {"camera_id": typed}, audits, NOW)
        assert audits == [("video.clip.refused", target, {"reason": "role"})]
