"""The one builder of Twilio's inbound-message form (rtcc.sms.twilio_form): what it
builds is what the tips backend reads, and nothing else in the repo builds its own."""

from __future__ import annotations

import ast
from pathlib import Path

from rtcc.sms.twilio_form import EXAMPLE_GEO, inbound_form, segment_count
from rtcc.tips.inbound import GEO_FIELDS, parse_inbound, sanitize_form

REPO = Path(__file__).resolve().parents[2]
BUILDER = REPO / "layers" / "rtcc" / "sms" / "twilio_form.py"


def test_a_text_reads_back_as_sent_and_its_geography_is_dropped() -> None:
    form = inbound_form(from_number="+15551230000", to_number="+15550100100", body="hi", account_sid="AC1")
    sms = parse_inbound(form)
    assert (sms.from_number, sms.to_number, sms.body, sms.media) == ("+15551230000", "+15550100100", "hi", ())
    assert form["MessageSid"] == form["SmsMessageSid"] == form["SmsSid"] == sms.message_sid
    assert sms.message_sid.startswith("SM") and len(sms.message_sid) == 34
    assert set(EXAMPLE_GEO) <= set(form) and set(EXAMPLE_GEO) <= GEO_FIELDS
    assert not set(sanitize_form(form)) & GEO_FIELDS


def test_media_are_numbered_and_make_an_mms_sid() -> None:
    media = [("https://example.test/a", "image/jpeg"), ("https://example.test/b", "video/mp4")]
    form = inbound_form(
        from_number="+15551230000", to_number="+1555", body="", account_sid="AC1", media=media
    )
    assert form["NumMedia"] == "2" and form["MessageSid"].startswith("MM")
    assert (form["MediaUrl1"], form["MediaContentType1"]) == media[1]
    assert [(m.url, m.content_type) for m in parse_inbound(form).media] == media


def test_a_retry_keeps_its_sid() -> None:
    once = inbound_form(
        from_number="+1", to_number="+2", body="x", account_sid="AC1", message_sid="SM" + "a" * 32
    )
    assert once["MessageSid"] == once["SmsSid"] == "SM" + "a" * 32


def test_segments_follow_gsm7_sizes() -> None:
    assert [segment_count("x" * n) for n in (0, 1, 160, 161, 306, 307)] == [1, 1, 1, 2, 2, 3]


def _builds_a_form(path: Path) -> bool:
    """A dict literal keyed "SmsMessageSid": a hand-made inbound form."""
    source = path.read_text()
    try:
        tree = ast.parse(source, filename=str(path))
    except SystemError:
        # CPython 3.11's AST conversion keeps its recursion depth per interpreter, not per thread
        # (gh-106905): the local stack's threads compiling code at the same moment can trip it
        # ("AST constructor recursion depth mismatch"). Nothing is wrong with the file: again.
        tree = ast.parse(source, filename=str(path))
    return any(
        isinstance(node, ast.Dict)
        and any(isinstance(k, ast.Constant) and k.value == "SmsMessageSid" for k in node.keys)
        for node in ast.walk(tree)
    )


def test_nothing_else_builds_the_form_by_hand() -> None:
    # The phone simulator, the tests and the bench once built it three times, and drifted.
    roots = ("layers", "functions", "bench", "tests", "kvs_ingest", "infra")
    builders = sorted(
        str(p.relative_to(REPO))
        for root in roots
        for p in (REPO / root).rglob("*.py")
        if p != BUILDER and "__pycache__" not in p.parts and _builds_a_form(p)
    )
    assert builders == []
