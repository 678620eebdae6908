"""One SMS line: a number (or Messaging Service) the city runs for one purpose.

Each capability that texts residents declares its line(s) (`Capability.sms_lines`,
"module:NAME" of an `SmsLine`): the webhook path Twilio posts to, the refusal door and
metrics it counts under, its number, and the handler that reads its keywords and stores
what came in. rtcc.sms.webhook turns a line into a Lambda handler; `rtcc dev`'s phone
simulator lists the declared lines. The line's `name` is also the key its opt-outs are
kept under (rtcc.sms.optout), so a STOP to one line never silences another.

Declarations are plain data (the callables import what they need when called), so
`rtcc dev`, the tests and infra can read them without AWS clients.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class Received(Protocol):
    """What a line's handler returns for one inbound message."""

    outcome: str  # counted in the line's messages metric
    reply: str  # TwiML answer text ('' for none)


@dataclass(frozen=True)
class SmsLine:
    name: str  # "tips", "alerts": the opt-out key, and the /dev/phone label
    path: str  # Twilio's webhook path, e.g. "/webhooks/twilio/tips"
    door: str  # the refusal counters' door (rtcc.refusals.DOORS)
    received_metric: str  # counts inbound messages by outcome
    refused_metric: str  # counts refusals by kind (signature | body)
    #: The line's number, from the capability's settings (read when called).
    number: Callable[[], str]
    #: The line's keywords and storage: one signed form in, a `Received` out. Raises
    #: ValueError for a signed form that lacks a field (answered 400).
    receive: Callable[[Mapping[str, str]], Received]
    #: MessageSid de-duplication hook: the reply to repeat when this SID was handled
    #: already, else None. Lines that claim SIDs inside `receive` (tips) leave it None.
    seen: Callable[[str], str | None] | None = None
    #: Sub-paths of `path` for signed status callbacks: suffix -> handler(event, form) ->
    #: (status code, body). Signed and refused exactly like inbound messages.
    callbacks: Mapping[str, Callable[[Mapping[str, Any], dict[str, str]], tuple[int, str]]] | None = None
    label: str = ""  # shown in /dev/phone's line picker


def load_line(ref: str) -> SmsLine:
    """An `SmsLine` named "module:NAME"."""
    module, _, name = ref.partition(":")
    line = getattr(importlib.import_module(module), name)
    if not isinstance(line, SmsLine):
        raise TypeError(f"{ref} is not an SmsLine")
    return line


def declared_lines() -> tuple[SmsLine, ...]:
    """Every capability's SMS lines, in declaration order."""
    from rtcc.capabilities import CAPABILITIES

    return tuple(load_line(ref) for c in CAPABILITIES for ref in c.sms_lines)
