"""The local Kinesis Video Streams media stand-in (rtcc.local.kvs_media) against the local
stack: GetDataEndpoint names it; PutMedia's acks and error codes, SigV4 refusals, HLS
(a playlist and a segment PyAV decodes), GetClip, stop()/start() keeping the fragments,
and IAM: a function without the grant and a camera agent off its own stream refused."""

from __future__ import annotations

import http.client
import io
import json
import secrets
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from rtcc.local.iam.identity import acting_as
from rtcc.local.kvs_media import agent_credentials

from tests.support.kvs_feed import (
    PutMediaConnection,
    cluster,
    encode_fragments,
    feed,
    signed_headers,
)

REFERENCE = Path("/work/shared/reference-data/kvs")
LOCAL_KEYS = ("testing", "testing")


def _region(stack: Any) -> str:
    return stack.settings.region


def _kvs(stack: Any) -> Any:
    return boto3.client("kinesisvideo", endpoint_url=stack.aws_endpoint_url, region_name=_region(stack))


def _archived(stack: Any) -> Any:
    return boto3.client(
        "kinesis-video-archived-media", endpoint_url=stack.kvs_media.url, region_name=_region(stack)
    )


def _new_stream(stack: Any, retention: int = 24) -> str:
    name = f"{stack.settings.table_prefix}cam-standin-{secrets.token_hex(5)}"
    _kvs(stack).create_stream(StreamName=name, DataRetentionInHours=retention, MediaType="video/h264")
    return name


@pytest.fixture
def stream(local_stack: Any) -> str:
    return _new_stream(local_stack)


def _connect(stack: Any, stream: str, keys: tuple[str, str] = LOCAL_KEYS) -> PutMediaConnection:
    return PutMediaConnection(stack.kvs_media.url, stream, _region(stack), keys)


def _acks_until_end(conn: PutMediaConnection) -> list[dict]:
    out = []
    while (ack := conn.next_ack()) is not None:
        out.append(ack)
    conn.close()
    return out


# --- GetDataEndpoint ------------------------------------------------------------------------


def test_get_data_endpoint_names_the_standin_for_every_api(local_stack: Any, stream: str) -> None:
    kvs = _kvs(local_stack)
    for api in ("PUT_MEDIA", "GET_HLS_STREAMING_SESSION_URL", "GET_CLIP", "GET_MEDIA"):
        answer = kvs.get_data_endpoint(StreamName=stream, APIName=api)
        assert answer["DataEndpoint"] == local_stack.kvs_media.url
    with pytest.raises(ClientError) as missing:
        kvs.get_data_endpoint(StreamName=f"{stream}-none", APIName="PUT_MEDIA")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


# --- PutMedia -------------------------------------------------------------------------------


def test_put_media_acks_each_fragment_and_stores_it(local_stack: Any, stream: str) -> None:
    feeder = feed(local_stack, stream, seconds=4, live=False).join()
    assert feeder.status == 200, feeder.error_body
    sent = [f.producer_ms for f in feeder.sent]
    assert len(sent) == 2
    for producer_ms in sent:
        kinds = [a["EventType"] for a in feeder.acks if a.get("FragmentTimecode") == producer_ms]
        assert kinds == ["BUFFERING", "RECEIVED", "PERSISTED"]
    numbers = [a["FragmentNumber"] for a in feeder.persisted()]
    assert all(isinstance(n, str) and n.isdigit() and len(n) == 47 for n in numbers)
    assert numbers == sorted(numbers, key=int) and len(set(numbers)) == 2
    stored = local_stack.kvs_media.fragments(stream)
    assert [f.producer_ts_ms for f in stored] == sent
    assert [f.fragment_number for f in stored] == numbers
    assert all(abs(f.server_ts_ms - time.time() * 1000) < 60_000 for f in stored)
    assert all((f.width, f.height, f.duration_ms) == (320, 240, 2000) for f in stored)


def test_acks_have_the_reference_shape(local_stack: Any, stream: str) -> None:
    if not REFERENCE.is_dir():
        pytest.skip(f"the KVS reference payloads are absent ({REFERENCE})")
    reference = [
        json.loads(line)
        for path in REFERENCE.glob("putmedia_ack*.jsonl")
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    feeder = feed(local_stack, stream, seconds=2, live=False).join()
    for ours in feeder.acks:
        theirs = next((r for r in reference if r["EventType"] == ours["EventType"]), None)
        assert theirs is not None, (ours, feeder.acks)
        assert set(ours) == set(theirs)
        assert all(type(ours[k]) is type(theirs[k]) for k in ours)


def test_chained_documents_and_one_header_with_several_clusters_are_both_read(
    local_stack: Any, stream: str
) -> None:
    fragments = encode_fragments(6, int(time.time() * 1000) - 6000)
    conn = _connect(local_stack, stream)
    conn.send(fragments[0].document)  # a whole document (header + cluster)
    head_len = fragments[1].document.index(bytes.fromhex("1F43B675"))
    conn.send(fragments[1].document[head_len:])  # a bare Cluster after it
    conn.send(fragments[2].document[:100])  # a new header, split across chunks
    conn.send(fragments[2].document[100:])
    conn.end()
    acks = _acks_until_end(conn)
    assert [a["EventType"] for a in acks if a["EventType"] == "PERSISTED"] == ["PERSISTED"] * 3
    assert len(local_stack.kvs_media.fragments(stream)) == 3


def _error(acks: list[dict]) -> dict:
    errors = [a for a in acks if a["EventType"] == "ERROR"]
    assert len(errors) == 1, acks
    return errors[0]


def test_unparsable_media_is_error_4006_and_ends_the_call(local_stack: Any, stream: str) -> None:
    conn = _connect(local_stack, stream)
    conn.send(b"\x00\x00 this is not matroska")
    ack = _error(_acks_until_end(conn))
    assert (ack["ErrorId"], ack["ErrorCode"]) == (4006, "INVALID_MKV_DATA")
    assert (ack["FragmentTimecode"], ack["FragmentNumber"]) == (-1, "")
    assert local_stack.kvs_media.fragments(stream) == []


def test_a_timecode_going_back_is_error_4004(local_stack: Any, stream: str) -> None:
    first, second = encode_fragments(4, int(time.time() * 1000) - 4000)
    conn = _connect(local_stack, stream)
    conn.send(second.document)
    conn.send(first.document)
    conn.end()
    acks = _acks_until_end(conn)
    ack = _error(acks)
    assert (ack["ErrorId"], ack["FragmentTimecode"]) == (4004, first.producer_ms)
    assert [f.producer_ts_ms for f in local_stack.kvs_media.fragments(stream)] == [second.producer_ms]


def _frames(fragment_s: float = 1.0) -> tuple[bytes, list[tuple[int, bool, bytes]]]:
    """The header and frames of a real encoded fragment (to re-time or re-track)."""
    from rtcc.local.kvs_media.ebml import MkvSplitter

    (fragment,) = encode_fragments(fragment_s, 0, fragment_s)
    (parsed,) = [e for e in MkvSplitter().feed(fragment.document) if hasattr(e, "document")]
    head = fragment.document[: fragment.document.index(bytes.fromhex("1F43B675"))]
    body = fragment.document[len(head) :]
    blocks = [b for b in _simple_blocks(body)]
    return head, [(b.timecode, b.keyframe, data) for b, data in zip(parsed.blocks, blocks, strict=True)]


def _simple_blocks(cluster_bytes: bytes) -> list[bytes]:
    from rtcc.local.kvs_media.ebml import SIMPLE_BLOCK, children

    (_, payload), *_ = children(cluster_bytes)
    return [p[4:] for element_id, p in children(payload) if element_id == SIMPLE_BLOCK]


def test_a_fragment_over_10_seconds_is_error_4002(local_stack: Any, stream: str) -> None:
    head, frames = _frames()
    stretched = [(0 if i == 0 else 10_500, key, data) for i, (_, key, data) in enumerate(frames[:2])]
    now = int(time.time() * 1000) - 20_000
    conn = _connect(local_stack, stream)
    conn.send(head + cluster(now, stretched))
    ack = _error(_acks_until_end(conn))
    assert (ack["ErrorId"], ack["ErrorCode"], ack["FragmentTimecode"]) == (
        4002,
        "MAX_FRAGMENT_DURATION_REACHED",
        now,
    )


def test_blocks_of_a_track_the_header_lacks_are_error_4010(local_stack: Any, stream: str) -> None:
    head, frames = _frames()
    conn = _connect(local_stack, stream)
    conn.send(head + cluster(int(time.time() * 1000) - 5000, frames, track=2))
    assert _error(_acks_until_end(conn))["ErrorId"] == 4010


def test_a_track_without_frames_is_error_4011(local_stack: Any, stream: str) -> None:
    from tests.support.kvs_feed import element

    head, frames = _frames()
    tracks_at = head.index(bytes.fromhex("1654AE6B"))
    audio = element(0xAE, bytes.fromhex("D78102") + bytes.fromhex("838102") + element(0x86, b"A_AAC"))
    tracks = element(0x1654AE6B, head[tracks_at + 12 :] + audio)  # our header's one Tracks, + a track
    conn = _connect(local_stack, stream)
    conn.send(head[:tracks_at] + tracks + cluster(int(time.time() * 1000) - 5000, frames))
    ack = _error(_acks_until_end(conn))
    assert (ack["ErrorId"], ack["ErrorCode"]) == (4011, "FRAMES_MISSING_FOR_TRACK")


def test_open_calls_per_stream_are_limited(local_stack: Any, stream: str) -> None:
    held = [_connect(local_stack, stream) for _ in range(3)]
    try:
        assert all(conn.status == 200 for conn in held)
        refused = _connect(local_stack, stream)
        assert (refused.status, refused.error_type) == (400, "ConnectionLimitExceededException")
        refused.close()
    finally:
        for conn in held:
            conn.end()
            _acks_until_end(conn)
    time.sleep(1.1)  # past the per-second limit on new calls
    again = _connect(local_stack, stream)
    assert again.status == 200
    again.end()
    _acks_until_end(again)


def test_a_deleted_stream_is_error_4008(local_stack: Any) -> None:
    name = _new_stream(local_stack)
    first, second = encode_fragments(4, int(time.time() * 1000) - 4000)
    conn = _connect(local_stack, name)
    conn.send(first.document)
    assert [conn.next_ack()["EventType"] for _ in range(3)] == ["BUFFERING", "RECEIVED", "PERSISTED"]
    kvs = _kvs(local_stack)
    kvs.delete_stream(StreamARN=kvs.describe_stream(StreamName=name)["StreamInfo"]["StreamARN"])
    conn.send(second.document)
    ack = _error(_acks_until_end(conn))
    assert (ack["ErrorId"], ack["ErrorCode"], ack["FragmentTimecode"]) == (
        4008,
        "STREAM_NOT_ACTIVE",
        second.producer_ms,
    )


def test_a_stream_created_again_under_its_name_starts_empty(local_stack: Any) -> None:
    name = _new_stream(local_stack)
    assert len(feed(local_stack, name, seconds=2, live=False).join().persisted()) == 1
    kvs = _kvs(local_stack)
    kvs.delete_stream(StreamARN=kvs.describe_stream(StreamName=name)["StreamInfo"]["StreamARN"])
    kvs.create_stream(StreamName=name, DataRetentionInHours=24)
    assert local_stack.kvs_media.fragments(name) == []
    with pytest.raises(ClientError) as refused:
        _archived(local_stack).get_hls_streaming_session_url(StreamName=name, PlaybackMode="LIVE")
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_idle_acks_while_no_data_then_the_call_ends(local_stack: Any, stream: str) -> None:
    media = local_stack.kvs_media
    saved = media.idle_ack_s, media.idle_timeout_s
    media.idle_ack_s, media.idle_timeout_s = 0.5, 2.0
    try:
        started = time.monotonic()
        acks = _acks_until_end(_connect(local_stack, stream))
        took = time.monotonic() - started
    finally:
        media.idle_ack_s, media.idle_timeout_s = saved
    assert acks and {a["EventType"] for a in acks} == {"IDLE"}
    assert all(set(a) == {"EventType"} for a in acks)
    assert 1.9 <= took < 10


def _raw_put_media(stack: Any, headers: dict[str, str]) -> requests.Response:
    return requests.post(f"{stack.kvs_media.url}/putMedia", data=b"", headers=headers, timeout=10)


def test_errors_before_the_body_are_kvs_json_errors(local_stack: Any, stream: str) -> None:
    url, region = local_stack.kvs_media.url, _region(local_stack)
    missing = signed_headers(url, f"{stream}-none", region, *LOCAL_KEYS)
    answer = _raw_put_media(local_stack, missing)
    assert answer.status_code == 404
    assert answer.headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    unnamed = signed_headers(url, stream, region, *LOCAL_KEYS)
    del unnamed["x-amzn-stream-name"]
    request = AWSRequest(method="POST", url=f"{url}/putMedia", headers=unnamed)
    SigV4Auth(Credentials(*LOCAL_KEYS), "kinesisvideo", region).add_auth(request)
    answer = _raw_put_media(local_stack, dict(request.headers.items()))
    assert answer.status_code == 400
    assert answer.headers["x-amzn-ErrorType"] == "InvalidArgumentException"
    assert "x-amzn-stream-name" in answer.json()["message"]


def test_sigv4_is_verified_before_anything(local_stack: Any, stream: str) -> None:
    url, region = local_stack.kvs_media.url, _region(local_stack)
    wrong_secret = signed_headers(url, stream, region, "testing", "not-the-secret")
    answer = _raw_put_media(local_stack, wrong_secret)
    assert (answer.status_code, answer.headers["x-amzn-ErrorType"]) == (403, "InvalidSignatureException")
    unknown_key = signed_headers(url, stream, region, "AKIAEXAMPLEKEY", "testing")
    answer = _raw_put_media(local_stack, unknown_key)
    assert (answer.status_code, answer.headers["x-amzn-ErrorType"]) == (403, "UnrecognizedClientException")
    tampered = signed_headers(url, stream, region, *LOCAL_KEYS)
    tampered["x-amzn-stream-name"] = f"{stream}x"  # signed for another stream
    answer = _raw_put_media(local_stack, tampered)
    assert (answer.status_code, answer.headers["x-amzn-ErrorType"]) == (403, "InvalidSignatureException")
    answer = requests.post(f"{url}/putMedia", data=b"", timeout=10)
    assert answer.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    agent_key, _ = agent_credentials(stream)
    answer = _raw_put_media(local_stack, signed_headers(url, stream, region, agent_key, "testing"))
    assert (answer.status_code, answer.headers["x-amzn-ErrorType"]) == (403, "InvalidSignatureException")
    assert local_stack.kvs_media.fragments(stream) == []


# --- HLS ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fed_stream(local_stack: Any) -> str:
    name = _new_stream(local_stack)
    feeder = feed(local_stack, name, seconds=6, live=False).join()
    assert len(feeder.persisted()) == 3, feeder.acks
    return name


def _session(stack: Any, stream: str, **options: Any) -> str:
    return _archived(stack).get_hls_streaming_session_url(StreamName=stream, PlaybackMode="LIVE", **options)[
        "HLSStreamingSessionURL"
    ]


def _decode(data: bytes, format: str | None = None) -> list[Any]:
    import av

    with av.open(io.BytesIO(data), format=format) as container:
        return list(container.decode(container.streams.video[0]))


def _media_lines(stack: Any, session_url: str) -> tuple[str, list[str]]:
    master = requests.get(session_url, timeout=10)
    assert master.status_code == 200
    assert master.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert "#EXT-X-STREAM-INF:" in master.text and "RESOLUTION=320x240" in master.text
    base = session_url.rsplit("/", 1)[0]
    media_url = next(line for line in master.text.splitlines() if line.startswith("getHLSMediaPlaylist"))
    media = requests.get(f"{base}/{media_url}", timeout=10)
    assert media.status_code == 200
    return base, media.text.splitlines()


def test_hls_live_playlist_and_a_decodable_fmp4_segment(local_stack: Any, fed_stream: str) -> None:
    url = _session(local_stack, fed_stream, Expires=300)
    assert url.startswith(f"{local_stack.kvs_media.url}/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=")
    base, lines = _media_lines(local_stack, url)
    assert lines[0] == "#EXTM3U" and "#EXT-X-ENDLIST" not in lines
    segments = [line for line in lines if line.startswith("getMP4MediaFragment.mp4")]
    stored = local_stack.kvs_media.fragments(fed_stream)
    assert [s.split("FragmentNumber=")[1].split("&")[0] for s in segments] == [
        f.fragment_number for f in stored
    ]
    assert lines.count("#EXTINF:2.000,") == 3
    init_line = next(line for line in lines if line.startswith("#EXT-X-MAP:URI="))
    init = requests.get(f"{base}/{init_line.split(chr(34))[1]}", timeout=10)
    segment = requests.get(f"{base}/{segments[-1]}", timeout=10)
    assert (init.status_code, segment.status_code) == (200, 200)
    assert segment.headers["Content-Type"] == "video/mp4"
    frames = _decode(init.content + segment.content)
    assert len(frames) == 30 and (frames[0].width, frames[0].height) == (320, 240)


@pytest.mark.parametrize("container", ["FRAGMENTED_MP4", "MPEG_TS"])
def test_ffmpeg_hls_client_plays_the_session(local_stack: Any, fed_stream: str, container: str) -> None:
    """FFmpeg's own HLS demuxer (through PyAV) follows master, media playlist, init and
    segments, as a player does."""
    import av

    url = _session(local_stack, fed_stream, ContainerFormat=container)
    with av.open(url, format="hls", timeout=20) as player:
        frames = [f for _, f in zip(range(45), player.decode(video=0), strict=False)]
    assert len(frames) == 45 and (frames[0].width, frames[0].height) == (320, 240)


def test_hls_mpeg_ts_and_a_shorter_live_window(local_stack: Any, fed_stream: str) -> None:
    url = _session(local_stack, fed_stream, ContainerFormat="MPEG_TS", MaxMediaPlaylistFragmentResults=2)
    base, lines = _media_lines(local_stack, url)
    segments = [line for line in lines if line.startswith("getTSFragment.ts")]
    assert len(segments) == 2 and "#EXT-X-MEDIA-SEQUENCE:1" in lines
    assert not any(line.startswith("#EXT-X-MAP") for line in lines)
    segment = requests.get(f"{base}/{segments[0]}", timeout=10)
    assert segment.headers["Content-Type"] == "video/mp2t"
    assert len(_decode(segment.content, "mpegts")) == 30


def test_hls_cors_is_for_the_console_origin_only(local_stack: Any, fed_stream: str) -> None:
    url = _session(local_stack, fed_stream)
    console = "/".join(local_stack.base_url.split("/")[:3])
    answer = requests.get(url, headers={"Origin": console}, timeout=10)
    assert answer.headers["Access-Control-Allow-Origin"] == console
    other = requests.get(url, headers={"Origin": "https://evil.example"}, timeout=10)
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = requests.options(
        url, headers={"Origin": console, "Access-Control-Request-Method": "GET"}, timeout=10
    )
    assert preflight.status_code == 204 and preflight.headers["Access-Control-Allow-Origin"] == console


def test_hls_session_token_is_checked_and_expires(local_stack: Any, fed_stream: str) -> None:
    url = _session(local_stack, fed_stream)
    forged = url[:-4] + ("AAAA" if not url.endswith("AAAA") else "BBBB")
    assert requests.get(forged, timeout=10).status_code == 401
    arn = _kvs(local_stack).describe_stream(StreamName=fed_stream)["StreamInfo"]["StreamARN"]
    claims = {
        "s": fed_stream,
        "a": arn,
        "exp": int(time.time()) - 1,
        "c": "mp4",
        "d": "ALWAYS",
        "t": False,
        "m": 5,
    }
    expired = local_stack.kvs_media.sessions.issue(claims)
    answer = requests.get(
        f"{local_stack.kvs_media.url}/hls/v1/getHLSMasterPlaylist.m3u8",
        params={"SessionToken": expired},
        timeout=10,
    )
    assert (answer.status_code, answer.headers["x-amzn-ErrorType"]) == (401, "NotAuthorizedException")
    assert "expired" in answer.json()["message"]
    bare = requests.get(f"{local_stack.kvs_media.url}/hls/v1/getHLSMasterPlaylist.m3u8", timeout=10)
    assert bare.status_code == 400


def _signed_json(stack: Any, path: str, body: dict) -> requests.Response:
    url = f"{stack.kvs_media.url}{path}"
    request = AWSRequest(
        method="POST", url=url, data=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    SigV4Auth(Credentials(*LOCAL_KEYS), "kinesisvideo", _region(stack)).add_auth(request)
    return requests.post(url, data=request.body, headers=dict(request.headers.items()), timeout=10)


@pytest.mark.parametrize(
    ("field", "value"),
    [("Expires", 299), ("Expires", 43201), ("PlaybackMode", "ON_DEMAND"), ("ContainerFormat", "MKV")],
)
def test_hls_session_request_bounds(local_stack: Any, fed_stream: str, field: str, value: Any) -> None:
    answer = _signed_json(local_stack, "/getHLSStreamingSessionURL", {"StreamName": fed_stream, field: value})
    assert (answer.status_code, answer.headers["x-amzn-ErrorType"]) == (400, "InvalidArgumentException")
    assert field in answer.json()["message"]


def test_hls_session_errors_as_kvs(local_stack: Any) -> None:
    archived = _archived(local_stack)
    cases = [
        (
            f"{local_stack.settings.table_prefix}cam-no-such-{secrets.token_hex(3)}",
            "ResourceNotFoundException",
        ),
        (_new_stream(local_stack), "ResourceNotFoundException"),  # no fragments yet
        (_new_stream(local_stack, retention=0), "NoDataRetentionException"),
    ]
    for name, code in cases:
        with pytest.raises(ClientError) as refused:
            archived.get_hls_streaming_session_url(StreamName=name, PlaybackMode="LIVE")
        assert refused.value.response["Error"]["Code"] == code, name


def test_a_stream_without_retention_acks_received_but_never_persisted(local_stack: Any) -> None:
    name = _new_stream(local_stack, retention=0)
    feeder = feed(local_stack, name, seconds=2, live=False).join()
    assert [a["EventType"] for a in feeder.acks] == ["BUFFERING", "RECEIVED"]
    assert local_stack.kvs_media.fragments(name) == []


# --- GetClip --------------------------------------------------------------------------------


def test_get_clip_by_producer_time_is_an_mp4(local_stack: Any, fed_stream: str) -> None:
    stored = local_stack.kvs_media.fragments(fed_stream)
    start, end = stored[0].producer_ts_ms / 1000, stored[1].end_ms / 1000 - 0.5
    answer = _archived(local_stack).get_clip(
        StreamName=fed_stream,
        ClipFragmentSelector={
            "FragmentSelectorType": "PRODUCER_TIMESTAMP",
            "TimestampRange": {"StartTimestamp": start, "EndTimestamp": end},
        },
    )
    assert answer["ContentType"] == "video/mp4"
    assert len(_decode(answer["Payload"].read())) == 60  # the two fragments the range touches


def test_get_clip_errors_as_kvs(local_stack: Any, fed_stream: str) -> None:
    archived = _archived(local_stack)
    now = time.time()
    for (start, end), code in [
        ((now - 7200, now - 3600), "ResourceNotFoundException"),
        ((now, now - 10), "InvalidArgumentException"),
        ((now - 2 * 86400, now), "InvalidArgumentException"),
    ]:
        with pytest.raises(ClientError) as refused:
            archived.get_clip(
                StreamName=fed_stream,
                ClipFragmentSelector={
                    "FragmentSelectorType": "PRODUCER_TIMESTAMP",
                    "TimestampRange": {"StartTimestamp": start, "EndTimestamp": end},
                },
            )
        assert refused.value.response["Error"]["Code"] == code


# --- stop() / start() -----------------------------------------------------------------------


def test_stop_drops_connections_and_start_keeps_the_fragments(local_stack: Any, fed_stream: str) -> None:
    media = local_stack.kvs_media
    url, before = media.url, media.fragments(fed_stream)
    conn = _connect(local_stack, fed_stream)
    media.stop()
    try:
        try:
            ended = conn.next_ack() is None  # the open call ends with the stand-in
        except (OSError, http.client.HTTPException):
            ended = True
        assert ended
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{url}/putMedia", timeout=5)
    finally:
        conn.close()
        media.start()
    assert media.url == url
    assert media.fragments(fed_stream) == before
    base, lines = _media_lines(local_stack, _session(local_stack, fed_stream))
    assert any(line.startswith("getMP4MediaFragment.mp4") for line in lines)


# --- IAM ------------------------------------------------------------------------------------


def test_a_function_without_the_grant_is_refused(local_stack: Any, fed_stream: str) -> None:
    with acting_as("retention"), pytest.raises(ClientError) as refused:
        _archived(local_stack).get_hls_streaming_session_url(StreamName=fed_stream, PlaybackMode="LIVE")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 401
    assert "kinesisvideo:GetHLSStreamingSessionURL" in refused.value.response["Error"]["Message"]


def test_a_camera_agent_may_put_media_to_its_own_stream_only(local_stack: Any) -> None:
    if local_stack.permissions.agent_role_arn is None:
        pytest.skip("the template has no camera agent role yet (infra/constructs/video_agents.py)")
    own, other = _new_stream(local_stack), _new_stream(local_stack)
    keys = agent_credentials(own)
    control = boto3.client(
        "kinesisvideo",
        endpoint_url=local_stack.aws_endpoint_url,
        region_name=_region(local_stack),
        aws_access_key_id=keys[0],
        aws_secret_access_key=keys[1],
    )
    endpoint = control.get_data_endpoint(StreamName=own, APIName="PUT_MEDIA")["DataEndpoint"]
    assert endpoint == local_stack.kvs_media.url
    feeder = feed(local_stack, own, seconds=2, live=False, keys=keys).join()
    assert [a["EventType"] for a in feeder.persisted()] == ["PERSISTED"], feeder.error_body
    refused = feed(local_stack, other, seconds=2, live=False, keys=keys).join()
    assert refused.status == 401 and "kinesisvideo:PutMedia" in refused.error_body
    assert local_stack.kvs_media.fragments(other) == []
