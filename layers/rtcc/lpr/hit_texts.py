"""Texting the watch desk a hit on a list marked `feed+sms` (lpr-notify, queue lpr-hit-texts).

The text names the list, the reader and the time and links the hit in the console
(`#/lpr/hits/<hit_id>`, behind sign-in); it never carries the plate, the entry's reason or
case, or the place: an SMS sits on a phone's lock screen and in the carrier's records.

A queue message is delivered at least once, so each hit is claimed before its texts go out
and marked texted after them: a redelivered message texts nobody again. The claim is a lease:
a sender killed mid-send (lpr-notify's timeout, with Twilio stalled) never gives it back, so
a redelivery finding a live claim is retried later (TextClaimHeld) and one finding a claim past
its lease takes it over, instead of dropping a stolen-car alert for good. A send that
fails transiently gives the claim back and fails the message (SQS retries it; numbers texted
before the failure may get the text twice, the safe direction for a stolen-car alert); one
that fails permanently for a number (not a mobile, blocked) is skipped and counted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from rtcc.sms.errors import classify

_NAME_MAX = 40


@dataclass(frozen=True)
class HitText:
    day: str
    hit_id: str

    @classmethod
    def from_message(cls, body: str) -> HitText:
        """The queue message (ids only); ValueError for anything else."""
        try:
            data = json.loads(body)
            day, hit_id = data["day"], data["hit_id"]
        except (ValueError, KeyError, TypeError):
            raise ValueError("not a hit-text message") from None
        if not isinstance(day, str) or not isinstance(hit_id, str) or not hit_id.startswith("H"):
            raise ValueError("not a hit-text message")
        return cls(day, hit_id)


class TextClaimHeld(RuntimeError):
    """Another sender holds the hit's claim and has not finished: SQS retries the message."""


class HitTextStore(Protocol):
    def hit(self, day: str, hit_id: str) -> dict[str, Any] | None:
        """The hit document (rtcc.lpr.hit_record.hit_document), None when gone."""
        ...

    def claim(self, day: str, hit_id: str, now: datetime) -> bool:
        """True when its texts are ours to send, False when they went out; TextClaimHeld while
        another sender's claim is within its lease."""
        ...

    def sent(self, day: str, hit_id: str, now: datetime) -> None:
        """The texts went out: no claim is granted again."""
        ...

    def release(self, day: str, hit_id: str) -> None: ...


class Sender(Protocol):
    def send(self, to: str, from_: str, body: str) -> str: ...


def text_of(hit: dict[str, Any], console_url: str) -> str:
    """The text: list, reader, time and the console link; no plate, reason, case or place."""
    list_name = str(hit.get("list_name") or hit["list_id"])[:_NAME_MAX]
    reader = str(hit.get("reader_name") or hit.get("camera_id") or "a mobile reader")[:_NAME_MAX]
    seen = str(hit.get("seen_at", ""))[11:16]
    link = f"{console_url.rstrip('/')}/#/lpr/hits/{hit['hit_id']}"
    return f"RTCC plate hit: {list_name} list, reader {reader}, {seen} UTC. Open: {link}"


def send_hit_text(
    message: HitText, store: HitTextStore, sms: Sender, to: tuple[str, ...], from_: str, console_url: str,
    now: datetime,
) -> str:  # fmt: skip
    """The outcome counted: "sent", "no-recipients", "gone", "already", "refused"."""
    if not to:
        return "no-recipients"
    hit = store.hit(message.day, message.hit_id)
    if hit is None:
        return "gone"  # past retention before its text went out: nothing to say
    if not store.claim(message.day, message.hit_id, now):
        return "already"
    body, refused = text_of(hit, console_url), 0
    for number in to:
        try:
            sms.send(number, from_, body)
        except Exception as error:  # noqa: BLE001 - classified; never logged with the number
            if classify(error).permanent:
                refused += 1
                continue
            store.release(message.day, message.hit_id)
            raise RuntimeError(f"hit text not sent ({classify(error).code}): retried") from None
    store.sent(message.day, message.hit_id, now)
    return "refused" if refused == len(to) else "sent"
