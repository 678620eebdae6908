"""PutMedia acknowledgements: parsing, and what the agent does about each error.

KVS answers a PutMedia request with HTTP 200 and then a stream of JSON objects, one per
event (BUFFERING when a fragment's first byte arrives, RECEIVED when all of it has,
PERSISTED once stored, ERROR, IDLE while no data flows). They are separated by newlines,
but a proxy may coalesce or split them, so `AckStream` decodes objects from a byte stream
rather than trusting line boundaries. The live service sends FragmentNumber as a string
(the API doc says Long): both are accepted and kept as a string.

The error actions follow the KVS producer SDK (amazon-kinesis-video-streams-pic,
AckParser.c / StreamEvent.c): errors about one fragment's content drop that fragment (it
would fail again) and restart the session; connection-level errors reconnect and resend
what the service has not RECEIVED; a deleted stream or an unusable KMS key waits long.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum, StrEnum


class AckType(StrEnum):
    BUFFERING = "BUFFERING"
    RECEIVED = "RECEIVED"
    PERSISTED = "PERSISTED"
    ERROR = "ERROR"
    IDLE = "IDLE"


class AckParseError(ValueError):
    pass


@dataclass(frozen=True)
class Ack:
    event_type: AckType
    fragment_timecode: int | None = None
    fragment_number: str | None = None
    error_id: int | None = None
    error_code: str | None = None


class Action(Enum):
    #: Reconnect (with backoff) and resend every fragment not yet RECEIVED.
    RECONNECT = "reconnect"
    #: The fragment itself is bad: drop it from the buffer, then reconnect for the rest.
    DROP_FRAGMENT = "drop_fragment"
    #: The connection reached its age limit: new endpoint, new connection, no backoff.
    ROTATE = "rotate"
    #: Nothing the agent does fixes it soon (stream deleted, KMS key): keep buffering, wait long.
    WAIT_LONG = "wait_long"


#: ErrorId -> (action, what KVS means). Codes from the PutMedia API reference.
ERROR_ACTIONS: dict[int, tuple[Action, str]] = {
    4000: (Action.RECONNECT, "error reading the data stream"),
    4001: (Action.DROP_FRAGMENT, "fragment larger than 50 MB"),
    4002: (Action.DROP_FRAGMENT, "fragment longer than 10 s"),
    4003: (Action.ROTATE, "connection older than the service allows"),
    4004: (Action.DROP_FRAGMENT, "fragment timecode lower than the previous one"),
    4005: (Action.DROP_FRAGMENT, "more than one track in the MKV"),
    4006: (Action.DROP_FRAGMENT, "not parsable as MKV"),
    4007: (Action.DROP_FRAGMENT, "invalid producer timestamp"),
    4008: (Action.WAIT_LONG, "stream no longer exists (deleted)"),
    4009: (Action.DROP_FRAGMENT, "fragment metadata limit reached"),
    4010: (Action.DROP_FRAGMENT, "track number in a frame not in the MKV header"),
    4011: (Action.DROP_FRAGMENT, "fragment has no frames for a track in the header"),
    4012: (Action.DROP_FRAGMENT, "more tracks than allowed"),
    4500: (Action.WAIT_LONG, "access to the stream's KMS key denied"),
    4501: (Action.WAIT_LONG, "the stream's KMS key is disabled"),
    4502: (Action.WAIT_LONG, "the stream's KMS key failed validation"),
    4503: (Action.WAIT_LONG, "the stream's KMS key is unavailable"),
    4504: (Action.WAIT_LONG, "invalid usage of the stream's KMS key"),
    4505: (Action.WAIT_LONG, "the stream's KMS key is in an invalid state"),
    4506: (Action.WAIT_LONG, "the stream's KMS key was not found"),
    5000: (Action.RECONNECT, "internal service error"),
    5001: (Action.RECONNECT, "the service failed to persist the fragment"),
}


def action_for(error_id: int | None) -> tuple[Action, str]:
    """Unknown codes reconnect: the SDK treats them as recoverable too."""
    return ERROR_ACTIONS.get(error_id or 0, (Action.RECONNECT, f"unknown error {error_id}"))


def _timecode(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise AckParseError(f"FragmentTimecode {value!r} is not an integer")
    try:
        number = int(value)
    except ValueError:
        raise AckParseError(f"FragmentTimecode {value!r} is not an integer") from None
    # 4006 acks carry -1: no fragment could be identified.
    return None if number < 0 else number


def ack_from_object(obj: object) -> Ack:
    if not isinstance(obj, dict):
        raise AckParseError("an acknowledgement is a JSON object")
    # The API doc names the key AckEventType in prose and EventType on the wire.
    raw_type = obj.get("EventType", obj.get("AckEventType"))
    try:
        event_type = AckType(str(raw_type).upper())
    except ValueError:
        raise AckParseError(f"unknown EventType {raw_type!r}") from None
    number = obj.get("FragmentNumber")
    error_id = obj.get("ErrorId")
    if error_id is not None:
        try:
            error_id = int(error_id)
        except (TypeError, ValueError):
            raise AckParseError(f"ErrorId {error_id!r} is not an integer") from None
    if event_type is AckType.ERROR and error_id is None:
        raise AckParseError("an ERROR acknowledgement without ErrorId")
    return Ack(
        event_type=event_type,
        fragment_timecode=_timecode(obj.get("FragmentTimecode")),
        fragment_number=str(number) if number not in (None, "") else None,
        error_id=error_id,
        error_code=obj.get("ErrorCode"),
    )


def parse_ack(text: str | bytes) -> Ack:
    try:
        obj = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise AckParseError("not JSON") from None
    return ack_from_object(obj)


class AckStream:
    """Decodes acknowledgements from the response body as bytes arrive, in any chunking."""

    def __init__(self) -> None:
        self._pending = ""
        self._decoder = json.JSONDecoder()
        self._partial = b""

    def feed(self, data: bytes) -> list[Ack]:
        data = self._partial + data
        try:
            text = data.decode("utf-8")
            self._partial = b""
        except UnicodeDecodeError as exc:
            # A multi-byte character split across reads: keep its start for the next feed.
            text, self._partial = data[: exc.start].decode("utf-8"), data[exc.start :]
        self._pending += text
        acks: list[Ack] = []
        while True:
            stripped = self._pending.lstrip(" \r\n\t,")
            if not stripped:
                self._pending = ""
                return acks
            try:
                obj, end = self._decoder.raw_decode(stripped)
            except json.JSONDecodeError:
                if len(stripped) > 64 * 1024:
                    raise AckParseError("acknowledgement stream is not JSON") from None
                self._pending = stripped
                return acks
            self._pending = stripped[end:]
            acks.append(ack_from_object(obj))
