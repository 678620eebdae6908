"""KVS's error answers: a JSON body and the error's name in `x-amzn-ErrorType`, the
status its service model gives it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

STATUS = {
    400: "400 Bad Request",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    413: "413 Payload Too Large",
}


def error_response(
    start_response: Callable,
    status: int,
    error_type: str,
    message: str,
    extra_headers: Iterable[tuple[str, str]] = (),
) -> list[bytes]:
    body = json.dumps({"message": message}).encode()
    start_response(
        STATUS.get(status, f"{status} Error"),
        [
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", error_type),
            ("Content-Length", str(len(body))),
            *extra_headers,
        ],
    )
    return [body]


def json_response(
    start_response: Callable, payload: dict, extra_headers: Iterable[tuple[str, str]] = ()
) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(
        "200 OK",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *extra_headers],
    )
    return [body]


def read_json(environ: dict, limit: int = 64 * 1024) -> dict | None:
    """A control request's JSON body (small: KVS's requests are); None when not a JSON object."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(min(length, limit)) if length else b""
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def read_stream_request(environ: dict) -> dict | str:
    """A data-plane call naming its stream (GetHLSStreamingSessionURL, GetClip): its JSON body,
    or what is wrong with it (KVS answers both with InvalidArgumentException)."""
    params = read_json(environ)
    if params is None:
        return "the body: a JSON object"
    if bool(params.get("StreamName")) == bool(params.get("StreamARN")):
        return "StreamName or StreamARN: exactly one"
    return params
