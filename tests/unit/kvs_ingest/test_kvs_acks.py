"""PutMedia acknowledgements: the reference payloads parse, and every error code has its action."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kvs_ingest.acks import (
    ERROR_ACTIONS,
    Ack,
    AckParseError,
    AckStream,
    AckType,
    Action,
    action_for,
    parse_ack,
)

REFERENCE = Path("/work/shared/reference-data/kvs")
JSONL = sorted(REFERENCE.glob("*.jsonl")) if REFERENCE.is_dir() else []


def _reference_lines() -> list[tuple[str, str]]:
    return [(path.name, line) for path in JSONL for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.skipif(not JSONL, reason=f"KVS reference acks absent ({REFERENCE})")
def test_every_reference_ack_parses_with_its_fields():
    lines = _reference_lines()
    assert len(lines) >= 10
    for name, line in lines:
        raw = json.loads(line)
        ack = parse_ack(line)
        assert ack.event_type is AckType(raw["EventType"]), name
        assert ack.fragment_timecode == raw["FragmentTimecode"], name
        assert ack.fragment_number == raw["FragmentNumber"], name  # a string, digits kept exactly
        assert ack.error_id == raw.get("ErrorId")


@pytest.mark.skipif(not JSONL, reason=f"KVS reference acks absent ({REFERENCE})")
def test_the_reference_stream_decodes_in_any_chunking():
    body = b"".join(path.read_bytes() for path in JSONL)
    expected = [parse_ack(line) for _, line in _reference_lines()]
    for size in (1, 7, 64, len(body)):
        stream = AckStream()
        got: list[Ack] = []
        for start in range(0, len(body), size):
            got += stream.feed(body[start : start + size])
        assert got == expected, size


@pytest.mark.skipif(
    not (REFERENCE / "putmedia_ack_error_test_fixture.jsonl").exists(), reason="reference absent"
)
def test_the_reference_error_ack_reconnects():
    ack = parse_ack((REFERENCE / "putmedia_ack_error_test_fixture.jsonl").read_text())
    assert ack.event_type is AckType.ERROR and ack.error_id == 5000 and ack.error_code == "DUMMY_ERROR"
    assert action_for(ack.error_id)[0] is Action.RECONNECT


def test_acks_without_newlines_coalesced_by_a_proxy_and_idle_without_timecode():
    stream = AckStream()
    acks = stream.feed(
        b'{"EventType":"IDLE"}{"EventType":"PERSISTED","FragmentTimecode":5,"FragmentNumber":"9"}'
    )
    assert [a.event_type for a in acks] == [AckType.IDLE, AckType.PERSISTED]
    assert acks[0].fragment_timecode is None and acks[1].fragment_timecode == 5


def test_a_4006_ack_names_no_fragment():
    ack = parse_ack('{"EventType":"ERROR","FragmentTimecode":-1,"FragmentNumber":"","ErrorId":4006}')
    assert ack.fragment_timecode is None and ack.fragment_number is None and ack.error_id == 4006


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1]",
        '{"EventType":"LOST"}',
        '{"EventType":"ERROR","FragmentTimecode":1}',
        '{"EventType":"RECEIVED","FragmentTimecode":"x"}',
    ],
)
def test_malformed_acks_are_refused(text):
    with pytest.raises(AckParseError):
        parse_ack(text)


EXPECTED = {
    Action.DROP_FRAGMENT: {4001, 4002, 4004, 4005, 4006, 4007, 4009, 4010, 4011, 4012},
    Action.RECONNECT: {4000, 5000, 5001},
    Action.ROTATE: {4003},
    Action.WAIT_LONG: {4008, 4500, 4501, 4502, 4503, 4504, 4505, 4506},
}


@pytest.mark.parametrize(("action", "codes"), list(EXPECTED.items()), ids=lambda v: getattr(v, "name", ""))
def test_each_error_code_has_its_action(action, codes):
    for code in codes:
        assert action_for(code)[0] is action, code
        assert action_for(code)[1]


def test_every_documented_code_is_in_the_table_and_unknown_ones_reconnect():
    assert set(ERROR_ACTIONS) == set().union(*EXPECTED.values())
    assert action_for(4242)[0] is Action.RECONNECT and "4242" in action_for(4242)[1]
