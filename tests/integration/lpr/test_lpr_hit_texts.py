"""Hit texts through the local stack: a hit on a list marked feed+sms is queued on
lpr-hit-texts, lpr-notify (under its deployed IAM, with the Twilio stand-in's key) texts each
configured watch-desk number once, naming the list and reader and linking the console, never
the plate; a redelivered message texts nobody again; a hit on a feed-only list texts no one."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from rtcc.local.iam.identity import acting_as
from rtcc.lpr.hit_texts import HitText, send_hit_text
from rtcc.lpr.hits_dynamodb import DynamoHitTexts
from rtcc.settings import reload_settings

from tests.integration.lpr.test_lpr_hit_record import hit, make_list, make_reader, record

pytestmark = pytest.mark.integration


def number() -> str:
    return "+1541555" + "".join(random.choice("0123456789") for _ in range(4))


@pytest.fixture
def desk(local_stack: Any) -> Iterator[tuple[str, str]]:
    numbers = (number(), number())
    os.environ["RTCC_LPR_HIT_TEXT_TO"] = ",".join(numbers)
    reload_settings()
    try:
        yield numbers
    finally:
        os.environ.pop("RTCC_LPR_HIT_TEXT_TO", None)
        reload_settings()


def texts_to(base: str, to: str) -> list[dict]:
    return requests.get(base + "/dev/outbox", params={"to": to}, timeout=30).json()["messages"]


def wait_for_texts(base: str, to: str, timeout: float = 60) -> list[dict]:
    deadline = time.monotonic() + timeout
    while not (found := texts_to(base, to)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return found


def test_a_feed_sms_hit_texts_the_desk_once_without_the_plate(
    local_stack: Any, desk: tuple[str, str]
) -> None:
    base = local_stack.base_url
    list_id, reader = make_list("feed+sms"), make_reader()
    (new,) = record([hit(list_id, reader, datetime.now(UTC) - timedelta(seconds=3), plate="8RC1234")])
    for to in desk:
        (text,) = wait_for_texts(base, to)
        body = text["body"]
        assert f"#/lpr/hits/{new['hit_id']}" in body and f"Stolen {list_id}" in body and "Main St" in body
        assert "8RC1234" not in body and "ABC1234" not in body and "stolen" not in body.replace("Stolen", "")
        assert text["from"] == "+15550100300"  # rtcc.lpr.settings hit_text_from's default
        assert body.startswith("RTCC plate hit: ") and base in body
    # A redelivery of the same message texts nobody again.
    message = HitText(new["day"], new["hit_id"])
    with acting_as("lpr-notify"):
        from rtcc.lpr.settings import lpr_settings
        from rtcc.sms.gateway import get_sms_gateway

        s = lpr_settings()
        outcome = send_hit_text(
            message,
            DynamoHitTexts(),
            get_sms_gateway(),
            s.hit_text_to,
            s.hit_text_from,
            base,
            datetime.now(UTC),
        )
    assert outcome == "already"
    time.sleep(1)
    assert all(len(texts_to(base, to)) == 1 for to in desk)


def test_a_feed_only_hit_texts_no_one(local_stack: Any, desk: tuple[str, str]) -> None:
    base = local_stack.base_url
    (new,) = record([hit(make_list("feed"), make_reader(), datetime.now(UTC) - timedelta(seconds=3))])
    assert new["folded"] is False
    time.sleep(3)  # the poller would have delivered a queued message by now
    assert all(texts_to(base, to) == [] for to in desk)


class Killed(BaseException):
    """Lambda's timeout: nothing after it runs, not even an except clause."""


class Stalled:
    def send(self, to: str, from_: str, body: str) -> str:
        raise Killed


def test_a_sender_killed_mid_send_is_taken_over_after_its_lease(
    local_stack: Any, desk: tuple[str, str]
) -> None:
    from rtcc.lpr.hit_texts import TextClaimHeld
    from rtcc.sms.gateway import get_sms_gateway

    base = local_stack.base_url
    # A feed-only list: nothing queued, so only this test's calls text.
    (new,) = record([hit(make_list("feed"), make_reader(), datetime.now(UTC) - timedelta(seconds=3))])
    message, now = HitText(new["day"], new["hit_id"]), datetime.now(UTC)

    def send(sms: Any, at: datetime) -> str:
        return send_hit_text(message, DynamoHitTexts(), sms, desk, "+15550100300", base, at)

    with acting_as("lpr-notify"):
        with pytest.raises(Killed):
            send(Stalled(), now)
        # Redelivered while the killed sender's claim is within its lease: retried, not dropped.
        with pytest.raises(TextClaimHeld):
            send(get_sms_gateway(), now + timedelta(seconds=5))
        assert send(get_sms_gateway(), now + timedelta(minutes=2)) == "sent"
        assert send(get_sms_gateway(), now + timedelta(minutes=10)) == "already"
    for to in desk:
        assert len(wait_for_texts(base, to)) == 1
