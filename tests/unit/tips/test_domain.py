"""Pure domain rules of tips: codes, pseudonyms, threading, keywords, geo fields, passphrases."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from rtcc.tips import codes
from rtcc.tips.inbound import (
    GEO_FIELDS,
    Command,
    FormError,
    TipsterState,
    count_in_window,
    joins_open_tip,
    over_limit,
    parse_inbound,
    read_command,
    sanitize_form,
    window_expired,
)
from rtcc.tips.passphrase import hash_passphrase, verify_passphrase
from rtcc.tips.pseudonym import pseudonym_for
from rtcc.tips.text import find_keywords, preview, query_words, search_words

KEY = b"unit-test-key"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_tip_codes_use_an_unambiguous_alphabet() -> None:
    seen = {codes.new_tip_code() for _ in range(2000)}
    assert len(seen) > 1990  # random, not a counter
    for code in seen:
        assert code.startswith("T-") and len(code) == 6
        assert not set(code[2:]) & set("01OIL")
    assert len(codes.new_tip_code(6)) == 8


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("T-4F7K", "T-4F7K"),
        ("t-4f7k", "T-4F7K"),
        ("T 4F7K", "T-4F7K"),
        ("4F7K", "T-4F7K"),
        ("T-4F0K", None),
        ("T-4F", None),
        ("", None),
        ("T-4F7K9ABCD", None),
    ],
)
def test_typed_codes_normalize(typed: str, expected: str | None) -> None:
    assert codes.normalize_tip_code(typed) == expected


class _HmacKey:
    """The TipMac port with a local key (the webhook's is a KMS HMAC key)."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def mac(self, message: bytes) -> bytes:
        return hmac.new(self.key, message, hashlib.sha256).digest()


def test_pseudonym_is_keyed_stable_and_hides_the_number() -> None:
    a = pseudonym_for("+16505558893", _HmacKey(KEY))
    assert a == pseudonym_for(" +1 650 555 8893 ", _HmacKey(KEY))  # format noise: same tipster
    assert a != pseudonym_for("+16505558894", _HmacKey(KEY))
    assert a != pseudonym_for("+16505558893", _HmacKey(b"another-key"))  # keyed, not a plain hash
    assert "6505558893" not in a and len(a) == 2 + 64
    with pytest.raises(ValueError):
        pseudonym_for("+-", _HmacKey(KEY))


def test_alias_is_per_tip_and_unlinkable() -> None:
    aliases = {codes.new_alias() for _ in range(200)}
    assert len(aliases) > 100 and all(" " in a for a in aliases)


def test_geo_fields_are_dropped_before_anything_else_sees_the_form() -> None:
    form = {
        "MessageSid": "SM60566ee207e123ee2765abcc55c9b9c9",
        "From": "+16505558893",
        "Body": "hi",
        "FromCity": "SAN BRUNO",
        "FromState": "CA",
        "FromZip": "94030",
        "FromCountry": "US",
        "ToCity": "SAN BRUNO",
        "ToState": "CA",
        "ToZip": "94030",
        "ToCountry": "US",
        "AddOns": '{"results": {}}',
        "SomeFutureField": "x",
        "MediaUrl0": "https://api.twilio.com/x",
        "MediaContentType0": "image/jpeg",
        "NumMedia": "1",
    }
    safe = sanitize_form(form)
    assert not set(safe) & GEO_FIELDS
    assert "AddOns" not in safe and "SomeFutureField" not in safe
    assert {"MessageSid", "From", "Body", "MediaUrl0", "MediaContentType0", "NumMedia"} <= set(safe)
    assert "SAN BRUNO" not in repr(parse_inbound(form))


def test_parse_inbound_media_without_body_and_bad_forms() -> None:
    sms = parse_inbound(
        {
            "MessageSid": "MM0fe83458b74a1f626eb0da4685ab28b5",
            "From": "+19105563874",
            "Body": "",
            "NumMedia": "2",
            "MediaUrl0": "https://a/0",
            "MediaContentType0": "image/jpeg",
            "MediaUrl1": "https://a/1",
            "MediaContentType1": "video/mp4",
        }
    )
    assert sms.body == "" and [m.content_type for m in sms.media] == ["image/jpeg", "video/mp4"]
    with pytest.raises(FormError, match="MessageSid"):
        parse_inbound({"From": "+1"})
    with pytest.raises(FormError, match="From"):
        parse_inbound({"MessageSid": "SM60566ee207e123ee2765abcc55c9b9c9"})
    with pytest.raises(FormError, match="NumMedia"):
        parse_inbound({"MessageSid": "SM60566ee207e123ee2765abcc55c9b9c9", "From": "+1555", "NumMedia": "x"})


@pytest.mark.parametrize(
    ("body", "command", "rest"),
    [
        ("NEW", Command.NEW, ""),
        ("new", Command.NEW, ""),
        ("New.", Command.NEW, ""),
        ("NEW: a car on 5th", Command.NEW, "a car on 5th"),
        ("NEW a car", Command.NEW, "a car"),
        ("New car parked outside", Command.NONE, "New car parked outside"),
        ("STOP", Command.STOP, ""),
        ("stop ", Command.STOP, ""),
        ("Unsubscribe", Command.STOP, ""),
        ("START", Command.START, ""),
        ("help", Command.HELP, ""),
        ("please stop him", Command.NONE, "please stop him"),
    ],
)
def test_commands(body: str, command: Command, rest: str) -> None:
    assert read_command(body) == (command, rest)


def test_threading_window() -> None:
    window = timedelta(minutes=60)
    state = TipsterState(open_code="T-4F7K", last_message_at=NOW - timedelta(minutes=59))
    assert joins_open_tip(state, NOW, window, Command.NONE)
    assert not joins_open_tip(state, NOW, window, Command.NEW)
    late = TipsterState(open_code="T-4F7K", last_message_at=NOW - timedelta(minutes=61))
    assert not joins_open_tip(late, NOW, window, Command.NONE)
    closed = TipsterState(open_code="T-4F7K", open_tip_closed=True, last_message_at=NOW)
    assert not joins_open_tip(closed, NOW, window, Command.NONE)
    assert not joins_open_tip(TipsterState(), NOW, window, Command.NONE)


def test_rate_window_flags_the_message_past_the_limit() -> None:
    state = TipsterState()
    flags = []
    for i in range(5):
        w = count_in_window(state, NOW + timedelta(minutes=i), limit_per_hour=3)
        flags.append(w.over_limit)
        state = TipsterState(window_start=w.start, window_count=w.count)
    assert flags == [False, False, False, True, True]
    fresh = count_in_window(state, NOW + timedelta(hours=1, minutes=1), 3)
    assert fresh.count == 1 and not fresh.over_limit


def test_rate_window_reset_or_add() -> None:
    # The store resets the window (SET start, count=1) when this says expired, and adds
    # one (ADD) otherwise, each conditional on the window start it read.
    assert window_expired(TipsterState(), NOW)
    opened = TipsterState(window_start=NOW, window_count=2)
    assert not window_expired(opened, NOW + timedelta(minutes=59, seconds=59))
    assert window_expired(opened, NOW + timedelta(hours=1))
    # A message stamped a moment before the window another one opened counts in it.
    assert not window_expired(opened, NOW - timedelta(milliseconds=5))
    assert [over_limit(n, 3) for n in (1, 3, 4)] == [False, False, True]


def test_priority_keywords_are_whole_words_in_any_case_and_script() -> None:
    keywords = ["gun", "shots fired", "пистолет"]
    assert find_keywords("He has a GUN!", keywords) == {"gun"}
    assert find_keywords("it has begun", keywords) == set()
    assert find_keywords("SHOTS   fired near the park", keywords) == {"shots fired"}
    assert find_keywords("у него пистолет", keywords) == {"пистолет"}
    assert find_keywords("", keywords) == set()


def test_search_words_and_preview() -> None:
    words = search_words("Red CAR, plate 7ABC123 — 車 車庫 😀")
    assert {"red", "car", "plate", "7abc123", "車庫"} <= words
    assert query_words("red Car") == ["car", "red"]
    assert preview("a  b\nc") == "a b c"
    long = preview("x" * 1600)
    assert len(long) == 140 and long.endswith("…")


def test_passphrase_is_stored_as_a_slow_salted_hash() -> None:
    phrase = codes.new_passphrase()
    assert len(codes.normalize_passphrase(phrase)) == 16
    stored = hash_passphrase(phrase)
    assert stored.startswith("scrypt$16384$8$1$") and phrase not in stored
    assert stored != hash_passphrase(phrase)  # salted
    assert verify_passphrase(phrase, stored)
    assert verify_passphrase(phrase.lower().replace("-", " "), stored)  # how people retype it
    assert not verify_passphrase("WRONG-WRONG-WRONG-WRONG", stored)
    assert not verify_passphrase(phrase, "garbage")
