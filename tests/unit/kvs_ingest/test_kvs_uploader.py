"""The PutMedia transport against a tiny in-test server: signing, acks, every error's action."""

from __future__ import annotations

import asyncio
import random
import threading
import time

import pytest

from kvs_ingest.backoff import Backoff
from kvs_ingest.credentials import Credentials, CredentialsRefused, StaticProvider
from kvs_ingest.ringbuffer import RingBuffer
from kvs_ingest.uploader import Uploader
from tests.unit.kvs_ingest.fake_kvs import FakeKvs, FixedEndpoints, Plan, fake_fragment, run_isolated

START = 1_767_000_000_000


@pytest.fixture
def kvs():
    server = FakeKvs()
    yield server
    server.close()


def _buffer(tmp_path, count: int, start: int = START) -> RingBuffer:
    buffer = RingBuffer(tmp_path / "buf", minutes=10)
    for n in range(count):
        buffer.append(start + n * 2000, 2000, fake_fragment(start + n * 2000), 64, 48)
    return buffer


class _Refusing(StaticProvider):
    def __init__(self) -> None:
        super().__init__("AKIDEXAMPLE", "secret")
        self.calls = 0

    def _fetch(self):
        self.calls += 1
        raise CredentialsRefused("the IoT credentials provider refused the certificate (HTTP 403)")


def _run(
    uploader: Uploader, until, timeout: float = 10.0, sleeps: list | None = None, long_stops: bool = True
):
    async def sleep(delay, stop):
        if sleeps is not None:
            sleeps.append(delay)
        if long_stops and delay >= 60:
            stop.set()  # the test has seen the long wait: no need to sit through it
        await asyncio.sleep(min(delay, 0.05))

    uploader._sleep = sleep

    async def main():
        stop = asyncio.Event()
        task = asyncio.create_task(uploader.run(stop))
        deadline = time.monotonic() + timeout
        while not until() and time.monotonic() < deadline and not task.done():
            await asyncio.sleep(0.02)
        stop.set()
        await asyncio.wait_for(task, 15)

    run_isolated(main)


def _uploader(buffer, endpoints, provider=None, **kw) -> Uploader:
    return Uploader(
        "cam-1",
        "rtcc-cam-1",
        buffer,
        provider or StaticProvider("AKIDEXAMPLE", "secret"),
        endpoints,
        "us-east-1",
        backoff=Backoff(base=0.01, cap=0.05, long_wait=300, rng=random.Random(1)),
        **kw,
    )


def test_fragments_leave_the_buffer_when_persisted_and_the_request_is_signed_as_the_sdk_does(tmp_path, kvs):
    buffer = _buffer(tmp_path, 5)
    uploader = _uploader(buffer, FixedEndpoints(kvs.url))
    _run(uploader, lambda: len(buffer) == 0)
    assert kvs.stored == [START + n * 2000 for n in range(5)]
    assert len(buffer) == 0 and not list((tmp_path / "buf").iterdir())
    assert uploader.status.persisted == 5
    head = kvs.requests[0]
    assert head["line"] == "POST /putMedia HTTP/1.1"
    h = head["headers"]
    assert h["x-amzn-stream-name"] == "rtcc-cam-1"
    assert h["x-amzn-fragment-timecode-type"] == "ABSOLUTE"
    assert h["x-amzn-producer-start-timestamp"] == f"{START // 1000}.{START % 1000:03d}"
    assert h["transfer-encoding"] == "chunked"
    assert "x-amz-content-sha256" not in h
    signed = h["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    assert {"host", "x-amz-date", "x-amzn-stream-name", "x-amzn-producer-start-timestamp"} <= set(signed)
    assert kvs.signature_ok == [True]


def test_a_dropped_connection_resends_what_was_not_received_and_nothing_twice(tmp_path, kvs):
    buffer = _buffer(tmp_path, 6)
    kvs.plans = [Plan(close_after=3), Plan()]
    uploader = _uploader(buffer, FixedEndpoints(kvs.url))
    _run(uploader, lambda: len(buffer) == 0)
    assert kvs.stored == [START + n * 2000 for n in range(6)]
    assert len(kvs.requests) == 2
    assert kvs.requests[1]["headers"]["x-amzn-producer-start-timestamp"] == f"{(START + 6000) // 1000}.000"


def test_received_but_never_persisted_is_not_resent_and_stays_marked_on_disk(tmp_path, kvs):
    buffer = _buffer(tmp_path, 4)
    kvs.plans = [Plan(received_only_after=1), Plan()]
    uploader = _uploader(buffer, FixedEndpoints(kvs.url))
    _run(uploader, lambda: len(buffer.pending()) == 0 and len(kvs.requests) >= 2)
    assert sorted(kvs.stored) == [START + n * 2000 for n in range(4)]
    assert len(kvs.stored) == 4  # the RECEIVED one was not sent again
    reopened = RingBuffer(tmp_path / "buf", minutes=10)
    assert [e.producer_ts_ms for e in reopened.pending()] == []
    assert len(reopened) == 1 and reopened.get(START + 2000).received


def test_wrong_credentials_are_refreshed_once_then_waited_on_for_minutes(tmp_path, kvs):
    buffer = _buffer(tmp_path, 2)
    kvs.plans = [Plan(http_error=(401, "NotAuthorizedException"))]
    sleeps: list[float] = []
    uploader = _uploader(buffer, FixedEndpoints(kvs.url))
    _run(uploader, lambda: False, timeout=5, sleeps=sleeps)
    assert len(kvs.requests) == 2  # one retry with refreshed keys, then the long wait
    assert sleeps[0] < 1 and sleeps[-1] >= 150
    assert uploader.status.state == "stopped" and "credentials" in uploader.status.last_error
    assert "secret" not in uploader.status.last_error
    assert len(buffer) == 2  # nothing lost while refused


def test_a_refused_certificate_waits_long_without_calling_kvs(tmp_path, kvs):
    buffer = _buffer(tmp_path, 1)
    provider = _Refusing()
    sleeps: list[float] = []
    _run(_uploader(buffer, FixedEndpoints(kvs.url), provider), lambda: False, timeout=3, sleeps=sleeps)
    assert provider.calls == 1 and sleeps == [pytest.approx(sleeps[0])] and sleeps[0] >= 150
    assert kvs.requests == []


@pytest.mark.parametrize(
    ("status", "error_type", "long_wait", "forgets"),
    [
        (404, "ResourceNotFoundException", True, 1),
        (400, "InvalidEndpointException", False, 1),
        (400, "ConnectionLimitExceededException", False, 1),
        (400, "ClientLimitExceededException", False, 1),
    ],
)
def test_each_http_refusal_is_acted_on(tmp_path, kvs, status, error_type, long_wait, forgets):
    buffer = _buffer(tmp_path, 1)
    kvs.plans = [Plan(http_error=(status, error_type)), Plan()]
    endpoints = FixedEndpoints(kvs.url)
    sleeps: list[float] = []
    uploader = _uploader(buffer, endpoints)
    _run(uploader, lambda: len(buffer) == 0 or bool(sleeps and sleeps[-1] >= 60), sleeps=sleeps)
    if long_wait:
        assert sleeps and sleeps[-1] >= 150 and len(buffer) == 1
        assert "does not exist" in uploader.status.last_error
    else:
        assert len(buffer) == 0 and kvs.stored == [START]
        assert all(s < 1 for s in sleeps)
    assert endpoints.forgotten >= forgets


@pytest.mark.parametrize("error_id", [4001, 4002, 4004, 4006, 4007, 4010, 4011])
def test_a_fragment_kvs_refuses_for_its_content_is_dropped_and_the_rest_delivered(tmp_path, kvs, error_id):
    buffer = _buffer(tmp_path, 4)
    bad = START + 2000
    kvs.plans = [Plan(error_ack={bad: error_id}), Plan()]
    uploader = _uploader(buffer, FixedEndpoints(kvs.url))
    _run(uploader, lambda: len(buffer) == 0)
    assert sorted(kvs.stored) == [START, START + 4000, START + 6000]
    assert uploader.status.dropped_by_error == 1


def test_an_error_ack_followed_by_the_service_closing_still_drops_the_fragment(tmp_path, kvs):
    buffer = _buffer(tmp_path, 3)
    kvs.plans = [Plan(error_ack={START + 2000: 4002}, close_on_error=True), Plan()]
    uploader = _uploader(buffer, FixedEndpoints(kvs.url))
    _run(uploader, lambda: len(buffer) == 0)
    assert sorted(kvs.stored) == [START, START + 4000] and uploader.status.dropped_by_error == 1
    assert len(kvs.requests) == 2


@pytest.mark.parametrize("error_id", [4000, 5000, 5001, 4999])
def test_a_service_error_reconnects_and_resends_the_fragment(tmp_path, kvs, error_id):
    buffer = _buffer(tmp_path, 3)
    kvs.plans = [Plan(error_ack={START + 2000: error_id}), Plan()]
    uploader = _uploader(buffer, FixedEndpoints(kvs.url))
    _run(uploader, lambda: len(buffer) == 0)
    # The refused fragment comes again on the next connection, after those RECEIVED meanwhile.
    assert sorted(kvs.stored) == [START, START + 2000, START + 4000] and len(kvs.stored) == 3
    assert uploader.status.dropped_by_error == 0 and len(kvs.requests) == 2


@pytest.mark.parametrize("error_id", [4008, 4500, 4503])
def test_a_deleted_stream_or_unusable_kms_key_waits_long_and_keeps_the_fragment(tmp_path, kvs, error_id):
    buffer = _buffer(tmp_path, 1)
    kvs.plans = [Plan(error_ack={START: error_id})]
    sleeps: list[float] = []
    uploader = _uploader(buffer, FixedEndpoints(kvs.url))
    _run(uploader, lambda: False, timeout=5, sleeps=sleeps)
    assert sleeps and sleeps[0] >= 150 and len(buffer) == 1


def test_4003_rotates_the_connection_at_once(tmp_path, kvs):
    buffer = _buffer(tmp_path, 2)
    kvs.plans = [Plan(error_ack={START: 4003}), Plan()]
    sleeps: list[float] = []
    endpoints = FixedEndpoints(kvs.url)
    uploader = _uploader(buffer, endpoints)
    _run(uploader, lambda: len(buffer) == 0, sleeps=sleeps)
    assert sleeps == [] and sorted(kvs.stored) == [START, START + 2000] and endpoints.forgotten == 1


def test_a_connection_older_than_rotate_s_is_ended_cleanly_and_reopened(tmp_path, kvs):
    buffer = _buffer(tmp_path, 1)
    uploader = _uploader(buffer, FixedEndpoints(kvs.url), rotate_s=0.3)

    # The second fragment comes after the first connection's 0.3 s are up.
    threading.Timer(0.8, lambda: buffer.append(START + 2000, 2000, fake_fragment(START + 2000))).start()
    _run(uploader, lambda: kvs.stored == [START, START + 2000])
    assert kvs.stored == [START, START + 2000] and len(kvs.requests) == 2


def test_a_silent_connection_is_declared_stale_and_reopened(tmp_path, kvs):
    buffer = _buffer(tmp_path, 1)
    kvs.plans = [Plan(silent=True), Plan()]
    uploader = _uploader(buffer, FixedEndpoints(kvs.url), stale_s=0.5)
    _run(uploader, lambda: len(buffer) == 0)
    assert kvs.stored == [START] and len(kvs.requests) == 2


def test_a_connection_is_rotated_before_its_signing_keys_expire(tmp_path, kvs):
    class Expiring(StaticProvider):
        def _fetch(self):
            # Keys 31 s from expiry: rotated 30 s before that, i.e. at once after opening.
            return Credentials("ASIAEXAMPLE", "secret", "token", time.time() + 30.5)

    buffer = _buffer(tmp_path, 1)
    threading.Timer(0.8, lambda: buffer.append(START + 2000, 2000, fake_fragment(START + 2000))).start()
    uploader = _uploader(buffer, FixedEndpoints(kvs.url), Expiring("x", "y"))
    _run(uploader, lambda: kvs.stored == [START, START + 2000])
    assert kvs.stored == [START, START + 2000] and len(kvs.requests) == 2
    assert kvs.requests[0]["headers"]["x-amz-security-token"] == "token"


def test_get_data_endpoint_is_cached_refreshed_on_forget_and_a_missing_stream_waits(moto_endpoint):
    """DataEndpoints against the units' moto server (a region of its own)."""
    import boto3

    from kvs_ingest.putmedia import DataEndpoints, StreamMissing

    region = "us-west-2"
    name = f"unit-cam-endpoints-{random.randrange(10**9)}"
    boto3.client("kinesisvideo", endpoint_url=moto_endpoint, region_name=region).create_stream(
        StreamName=name, DataRetentionInHours=24, MediaType="video/h264"
    )
    endpoints = DataEndpoints(region, StaticProvider("testing", "testing"), moto_endpoint, max_age_s=600)
    asked = []
    real_ask = endpoints._ask
    endpoints._ask = lambda stream: asked.append(stream) or real_ask(stream)
    url = endpoints.get(name)
    assert url.startswith("http") and endpoints.get(name) == url and asked == [name]
    endpoints.forget(name)
    assert endpoints.get(name) == url and asked == [name, name]
    with pytest.raises(StreamMissing) as caught:
        endpoints.get(f"{name}-absent")
    assert caught.value.action.name == "WAIT_LONG" and "does not exist" in str(caught.value)
