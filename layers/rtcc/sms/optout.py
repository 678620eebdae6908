"""Opt-outs per (line, sender): the port every SMS sender checks before it sends.

A *line* is one purpose of the city's SMS (the tip line, community alerts), each with its
own number or Messaging Service; a *sender key* is that line's keyed hash of the phone
number (tips: the tipster's pseudonym), so nothing here holds a number, and a STOP to
one line never unsubscribes the sender from another.

Three things record an opt-out, each for the line it concerns:
- the keyword itself (STOP, START: each line reads its own keywords, see rtcc.tips.inbound);
- Twilio's `OptOutType` field, which Advanced Opt-Out adds to the inbound form when it has
  acted on a keyword (STOP / START / HELP), whatever word the sender used;
- error 21610 on a send: Twilio refuses to text a number that sent STOP to that sender,
  so our record was missing or stale (a STOP that reached Twilio but not us).

Pure domain: the DynamoDB adapter is rtcc.sms.optout_store.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from rtcc.sms.errors import Permanent


class OptOutSource(StrEnum):
    KEYWORD = "keyword"
    ADVANCED_OPT_OUT = "advanced_opt_out"  # Twilio's OptOutType field
    ERROR_21610 = "error_21610"  # a send refused: the recipient had sent STOP


class AdvancedOptOut(StrEnum):
    """Twilio's `OptOutType` values (Messaging Services with Advanced Opt-Out)."""

    STOP = "STOP"
    START = "START"
    HELP = "HELP"


def advanced_opt_out(form: Mapping[str, str]) -> AdvancedOptOut | None:
    """What Twilio's Advanced Opt-Out did with this inbound message, if anything."""
    value = (form.get("OptOutType") or "").strip().upper()
    try:
        return AdvancedOptOut(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class OptOutState:
    opted_out: bool
    source: str | None = None


class OptOuts(Protocol):
    def state(self, line: str, sender: str) -> OptOutState | None:
        """The recorded state for (line, sender), or None when nothing was ever recorded
        (a line with older records of its own may then read those)."""
        ...

    def record(self, line: str, sender: str, opted_out: bool, source: OptOutSource) -> None:
        """Opt `sender` out of (True) or back into (False) `line`."""
        ...


class OptedOut(Exception):
    """The recipient opted out of this line: nothing may be sent. Carries no number.
    Permanent for this message (`rtcc.sms.errors.classify` reads `verdict`): a sender
    must record it, not retry it."""

    verdict = Permanent("opted_out")

    def __init__(self, line: str) -> None:
        super().__init__(f"the recipient opted out of the {line} line")
        self.line = line


def is_opted_out(opt_outs: OptOuts, line: str, sender: str) -> bool:
    state = opt_outs.state(line, sender)
    return bool(state and state.opted_out)


def check_before_send(opt_outs: OptOuts, line: str, sender: str) -> None:
    """Raise `OptedOut` if (line, sender) opted out; every sender calls this first."""
    if is_opted_out(opt_outs, line, sender):
        raise OptedOut(line)


class MemoryOptOuts:
    """In-memory OptOuts (unit tests, the alerts bench)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[tuple[str, str], OptOutState] = {}

    def state(self, line: str, sender: str) -> OptOutState | None:
        with self._lock:
            return self._states.get((line, sender))

    def record(self, line: str, sender: str, opted_out: bool, source: OptOutSource) -> None:
        with self._lock:
            self._states[(line, sender)] = OptOutState(opted_out, str(source))
