"""POST /getClip: the stored fragments of a producer- or server-time range as one MP4,
with KVS's checks and errors (kinesisvideo:GetClip on the stream, by the enforcer)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from rtcc.local.kvs_media import remux
from rtcc.local.kvs_media.errors import error_response, read_stream_request
from rtcc.local.kvs_media.store import StoredFragment
from rtcc.local.kvs_media.streams import find_stream

if TYPE_CHECKING:
    from rtcc.local.kvs_media.server import KvsMediaStandIn

#: KVS's GetClip limits: at most 24 hours asked, 200 fragments or 100 MB of media answered.
MAX_RANGE_MS = 24 * 3_600_000
MAX_FRAGMENTS = 200
MAX_BYTES = 100 * 1024 * 1024


def _range(params: dict) -> tuple[str, int, int] | str:
    """(selector type, start ms, end ms), or the field KVS would refuse."""
    selector = params.get("ClipFragmentSelector")
    if not isinstance(selector, dict):
        return "ClipFragmentSelector: required"
    kind = selector.get("FragmentSelectorType")
    if kind not in ("PRODUCER_TIMESTAMP", "SERVER_TIMESTAMP"):
        return "ClipFragmentSelector.FragmentSelectorType: PRODUCER_TIMESTAMP or SERVER_TIMESTAMP"
    span = selector.get("TimestampRange")
    if not isinstance(span, dict):
        return "ClipFragmentSelector.TimestampRange: required"
    try:
        start, end = round(float(span["StartTimestamp"]) * 1000), round(float(span["EndTimestamp"]) * 1000)
    except (KeyError, TypeError, ValueError):
        return "ClipFragmentSelector.TimestampRange: StartTimestamp and EndTimestamp, in seconds"
    if end <= start:
        return "ClipFragmentSelector.TimestampRange: EndTimestamp must be after StartTimestamp"
    if end - start > MAX_RANGE_MS:
        return "ClipFragmentSelector.TimestampRange: at most 24 hours"
    return kind, start, end


def _selected(fragments: list[StoredFragment], kind: str, start: int, end: int) -> list[StoredFragment]:
    """The fragments overlapping [start, end] (producer time), or starting in it (server time)."""
    if kind == "SERVER_TIMESTAMP":
        return [f for f in fragments if start <= f.server_ts_ms <= end]
    seen: set[int] = set()
    out = []
    for fragment in fragments:
        if (
            fragment.producer_ts_ms <= end
            and fragment.end_ms >= start
            and fragment.producer_ts_ms not in seen
        ):
            seen.add(fragment.producer_ts_ms)
            out.append(fragment)
    return out


def get_clip(standin: KvsMediaStandIn, environ: dict, start_response: Callable) -> Iterable[bytes]:
    params = read_stream_request(environ)
    if isinstance(params, str):
        return error_response(start_response, 400, "InvalidArgumentException", params)
    asked = _range(params)
    if isinstance(asked, str):
        return error_response(start_response, 400, "InvalidArgumentException", asked)
    stream = find_stream(standin.region(), name=params.get("StreamName"), arn=params.get("StreamARN"))
    if stream is None:
        return error_response(start_response, 404, "ResourceNotFoundException", "The stream was not found")
    if stream.retention_hours == 0:
        message = "The stream does not retain data (DataRetentionInHours is 0)"
        return error_response(start_response, 400, "NoDataRetentionException", message)
    chosen = _selected(standin.store.fragments(stream.key), *asked)
    if not chosen:
        message = "No fragments found in the stream for the requested time range"
        return error_response(start_response, 404, "ResourceNotFoundException", message)
    if len(chosen) > MAX_FRAGMENTS or sum(f.size for f in chosen) > MAX_BYTES:
        message = "The clip is over KVS's limit (200 fragments or 100 MB): ask for a shorter range"
        return error_response(start_response, 400, "InvalidArgumentException", message)
    documents = [standin.store.read(stream.key, f.fragment_number) or b"" for f in chosen]
    body = remux.mp4_clip(documents, chosen[0].producer_ts_ms)
    start_response("200 OK", [("Content-Type", "video/mp4"), ("Content-Length", str(len(body)))])
    return [body]
