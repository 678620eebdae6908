"""Tips' reading of an inbound message: its command (NEW, STOP, START, HELP) and its thread.

The form itself (the allowlist that drops Twilio's geography, the message it carries) is
the platform's: rtcc.sms.inbound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# The form's allowlist and parsing are the platform's (rtcc.sms.inbound), shared by every
# SMS line; re-exported for tips' callers.
from rtcc.sms.inbound import (  # noqa: E402, F401
    GEO_FIELDS,
    MAX_MEDIA,
    SAFE_FIELDS,
    FormError,
    InboundMedia,
    InboundSms,
    parse_inbound,
    sanitize_form,
)


class Command(StrEnum):
    NONE = "none"
    NEW = "new"  # start a new tip
    STOP = "stop"  # opt out of replies
    START = "start"  # opt back in
    HELP = "help"
    LANGUAGE = "language"  # a catalog's name (ESPAÑOL, ENGLISH): texts in that language


_STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
_START_WORDS = {"START", "UNSTOP", "YES", "OPTIN"}
_HELP_WORDS = {"HELP", "INFO"}


def read_command(body: str) -> tuple[Command, str]:
    """The command a message carries and the text that remains.

    Twilio's opt-out words are whole-message matches (as Twilio treats them); `NEW` may
    lead a message ('NEW: there is ...') so a tipster can start a tip in one text.
    """
    text = body.strip()
    word = text.upper()
    if word in _STOP_WORDS:
        return Command.STOP, ""
    if word in _START_WORDS:
        return Command.START, ""
    if word in _HELP_WORDS:
        return Command.HELP, ""
    if word.rstrip(".!") == "NEW":
        return Command.NEW, ""
    # 'NEW: text' in any case, or an all-caps 'NEW text'; a sentence that merely starts
    # with 'New' ('New car outside ...') must not split a thread.
    if word.startswith("NEW:"):
        return Command.NEW, text[4:].strip()
    if text.startswith("NEW "):
        return Command.NEW, text[4:].strip()
    return Command.NONE, body


@dataclass(frozen=True)
class TipsterState:
    """What we know of a pseudonym when a message arrives (no record yet: defaults)."""

    open_code: str | None = None
    open_tip_closed: bool = False
    last_message_at: datetime | None = None
    window_start: datetime | None = None
    window_count: int = 0
    blocked: bool = False


def joins_open_tip(state: TipsterState, now: datetime, window: timedelta, command: Command) -> bool:
    """Threading: a message joins the tipster's open tip when it comes within `window`
    of their last message, the tip is not closed, and they did not ask for a NEW one."""
    if command is Command.NEW or state.open_code is None or state.open_tip_closed:
        return False
    if state.last_message_at is None:
        return False
    return now - state.last_message_at <= window


@dataclass(frozen=True)
class RateWindow:
    start: datetime
    count: int
    over_limit: bool


RATE_WINDOW = timedelta(hours=1)


def window_expired(state: TipsterState, now: datetime) -> bool:
    """Whether a message at `now` opens a new rate window (none yet, or an hour passed).
    The store turns this into a conditional counter update: reset the window when it
    expired, else add one to it, so concurrent messages are each counted once."""
    return state.window_start is None or now - state.window_start >= RATE_WINDOW


def over_limit(count: int, limit_per_hour: int) -> bool:
    """The message that passes `limit_per_hour` and every one after it in that hour."""
    return count > limit_per_hour


def count_in_window(state: TipsterState, now: datetime, limit_per_hour: int) -> RateWindow:
    """A fixed one-hour window per pseudonym: where the next message lands in it."""
    if window_expired(state, now):
        return RateWindow(now, 1, over_limit(1, limit_per_hour))
    count = state.window_count + 1
    assert state.window_start is not None
    return RateWindow(state.window_start, count, over_limit(count, limit_per_hour))
