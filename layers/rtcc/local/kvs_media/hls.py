"""GetHLSStreamingSessionURL and the HLS it serves, as KVS's archived-media endpoint.

POST /getHLSStreamingSessionURL (signed; kinesisvideo:GetHLSStreamingSessionURL) checks
the request as KVS does and answers a master playlist URL carrying a session token: an
HMAC over the stream and the expiry (Expires, 300..43200 s), issued by this stand-in.
The playlists and media are fetched unsigned under that token (a browser's player does),
with CORS for the console's origin: getHLSMasterPlaylist.m3u8, getHLSMediaPlaylist.m3u8
(LIVE: the latest MaxMediaPlaylistFragmentResults fragments), getMP4InitFragment.mp4 and
getMP4MediaFragment.mp4 (FRAGMENTED_MP4) or getTSFragment.ts (MPEG_TS), each remuxed
from the stored Matroska fragment (rtcc.local.kvs_media.remux).

Only PlaybackMode LIVE is served (LIVE_REPLAY and ON_DEMAND are refused, saying so).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote

from rtcc.local.kvs_media import remux
from rtcc.local.kvs_media.errors import error_response, json_response, read_stream_request
from rtcc.local.kvs_media.store import StoredFragment
from rtcc.local.kvs_media.streams import StreamInfo, find_stream

if TYPE_CHECKING:
    from rtcc.local.kvs_media.server import KvsMediaStandIn

#: KVS's LIVE session needs a fragment ingested within this window.
LIVE_WINDOW_MS = 30_000
_ENUMS = {
    "PlaybackMode": ("LIVE", "LIVE_REPLAY", "ON_DEMAND"),
    "ContainerFormat": ("FRAGMENTED_MP4", "MPEG_TS"),
    "DiscontinuityMode": ("ALWAYS", "NEVER", "ON_DISCONTINUITY"),
    "DisplayFragmentTimestamp": ("ALWAYS", "NEVER"),
}
#: A gap this long between fragments is a discontinuity (ON_DISCONTINUITY).
GAP_MS = 1_000


class SessionSigner:
    """Session tokens: this stand-in's HMAC over what the session may play, until when."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def issue(self, claims: dict[str, Any]) -> str:
        body = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=")
        mac = base64.urlsafe_b64encode(hmac.new(self._key, body, hashlib.sha256).digest()).rstrip(b"=")
        return f"{body.decode()}.{mac.decode()}"

    def open(self, token: str) -> tuple[dict[str, Any] | None, str]:
        """(claims, "") for a good token, else (None, why)."""
        body, _, mac = token.partition(".")
        good = base64.urlsafe_b64encode(hmac.new(self._key, body.encode(), hashlib.sha256).digest()).rstrip(
            b"="
        )
        if not mac or not hmac.compare_digest(good, mac.encode()):
            return None, "The session token is not valid"
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if claims["exp"] < time.time():
            return None, "The session token has expired"
        return claims, ""


def _options(params: dict) -> dict[str, Any] | str:
    """KVS's defaults, or the name of the field KVS would refuse."""
    options: dict[str, Any] = {
        "PlaybackMode": "LIVE",
        "ContainerFormat": "FRAGMENTED_MP4",
        "DiscontinuityMode": "ALWAYS",
        "DisplayFragmentTimestamp": "NEVER",
    }
    for name, allowed in _ENUMS.items():
        value = params.get(name, options[name])
        if value not in allowed:
            return f"{name}: one of {', '.join(allowed)}"
        options[name] = value
    expires = params.get("Expires", 300)
    if not isinstance(expires, int) or not 300 <= expires <= 43200:
        return "Expires: an integer from 300 to 43200 (seconds)"
    most = params.get("MaxMediaPlaylistFragmentResults", 5)
    if not isinstance(most, int) or not 1 <= most <= 5000:
        return "MaxMediaPlaylistFragmentResults: an integer from 1 to 5000"
    return {**options, "Expires": expires, "Max": most}


def session_url(standin: KvsMediaStandIn, environ: dict, start_response: Callable) -> Iterable[bytes]:
    params = read_stream_request(environ)
    if isinstance(params, str):
        return error_response(start_response, 400, "InvalidArgumentException", params)
    options = _options(params)
    if isinstance(options, str):
        return error_response(start_response, 400, "InvalidArgumentException", options)
    if options["PlaybackMode"] != "LIVE":
        message = "PlaybackMode: the local stand-in serves LIVE only"
        return error_response(start_response, 400, "InvalidArgumentException", message)
    stream = find_stream(standin.region(), name=params.get("StreamName"), arn=params.get("StreamARN"))
    if stream is None:
        return error_response(start_response, 404, "ResourceNotFoundException", "The stream was not found")
    if stream.retention_hours == 0:
        message = "The stream does not retain data (DataRetentionInHours is 0)"
        return error_response(start_response, 400, "NoDataRetentionException", message)
    now_ms = int(time.time() * 1000)
    if not any(f.server_ts_ms >= now_ms - LIVE_WINDOW_MS for f in standin.store.fragments(stream.key)):
        message = "No fragments found in the stream for the LIVE session (none in the last 30 seconds)"
        return error_response(start_response, 404, "ResourceNotFoundException", message)
    claims = {
        "s": stream.name,
        "a": stream.arn,
        # moto gives a stream created again under its name the same ARN; KVS gives it a new one
        # (its creation time), so the old stream's sessions must not play the new one's video.
        "v": stream.version,
        "exp": int(time.time()) + options["Expires"],
        **_short(options),
    }
    token = standin.sessions.issue(claims)
    url = f"{standin.url}/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken={quote(token)}"
    return json_response(start_response, {"HLSStreamingSessionURL": url})


def _short(options: dict[str, Any]) -> dict[str, Any]:
    return {
        "c": "ts" if options["ContainerFormat"] == "MPEG_TS" else "mp4",
        "d": options["DiscontinuityMode"],
        "t": options["DisplayFragmentTimestamp"] == "ALWAYS",
        "m": options["Max"],
    }


# --- the playlists and media, under a session token ----------------------------------------


class _Cache:
    """Remuxed segments, by fragment number (a player asks for each more than once)."""

    def __init__(self, size: int = 64) -> None:
        self._items: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, key: tuple[str, str], make: Callable[[], bytes]) -> bytes:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


_CACHE = _Cache()
_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".mp4": "video/mp4", ".ts": "video/mp2t"}


def _cors(standin: KvsMediaStandIn, environ: dict) -> list[tuple[str, str]]:
    origin = environ.get("HTTP_ORIGIN")
    if origin and origin == standin.console_origin():
        return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
    return [("Vary", "Origin")]


def serve(standin: KvsMediaStandIn, environ: dict, start_response: Callable) -> Iterable[bytes]:
    cors = _cors(standin, environ)
    method = environ.get("REQUEST_METHOD", "GET")
    if method == "OPTIONS":
        allow = [("Access-Control-Allow-Methods", "GET, HEAD"), ("Access-Control-Max-Age", "600")]
        start_response("204 No Content", [*cors, *(allow if len(cors) > 1 else [])])
        return [b""]
    if method not in ("GET", "HEAD"):
        return error_response(start_response, 405, "InvalidArgumentException", "GET only", cors)
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    if not query.get("SessionToken"):
        return error_response(start_response, 400, "MissingParameter", "SessionToken", cors)
    claims, why = standin.sessions.open(query["SessionToken"])
    if claims is None:
        return error_response(start_response, 401, "NotAuthorizedException", why, cors)
    stream = find_stream(standin.region(), arn=claims["a"])
    if stream is None or stream.version != claims.get("v"):
        return error_response(
            start_response, 404, "ResourceNotFoundException", "The stream was not found", cors
        )
    name = environ.get("PATH_INFO", "").rsplit("/", 1)[-1]
    found = _answer(standin, stream, claims, name, query)
    if isinstance(found, tuple):
        return error_response(start_response, found[0], found[1], found[2], cors)
    kind = _TYPES.get(name[name.rfind(".") :], "application/octet-stream")
    headers = [
        ("Content-Type", kind),
        ("Content-Length", str(len(found))),
        ("Cache-Control", "no-cache"),
        *cors,
    ]
    start_response("200 OK", headers)
    return [b"" if method == "HEAD" else found]


def _answer(
    standin: KvsMediaStandIn, stream: StreamInfo, claims: dict, name: str, query: dict
) -> bytes | tuple[int, str, str]:
    fragments = _timeline(standin.store.fragments(stream.key))
    token = quote(query["SessionToken"])
    if name == "getHLSMasterPlaylist.m3u8":
        return master_playlist(fragments[-claims["m"] :], claims, token).encode()
    if name == "getHLSMediaPlaylist.m3u8":
        return media_playlist(fragments, claims, token).encode()
    wanted = {"getMP4InitFragment.mp4": "init", "getMP4MediaFragment.mp4": "mp4", "getTSFragment.ts": "ts"}
    if name not in wanted or (wanted[name] == "ts") != (claims["c"] == "ts"):
        return 404, "ResourceNotFoundException", f"{name}: not served for this session's container format"
    latest = fragments[-1].fragment_number if fragments and wanted[name] == "init" else ""
    number = query.get("FragmentNumber") or latest
    fragment = next((f for f in fragments if f.fragment_number == number), None)
    document = standin.store.read(stream.key, number) if fragment else None
    if fragment is None or document is None:
        return 404, "ResourceNotFoundException", "FragmentNumber: no such fragment in this stream"
    key = (f"{stream.key}/{number}", wanted[name])  # one cache for every stream and stand-in
    return _CACHE.get(key, lambda: _segment(wanted[name], document, fragment))


def _segment(kind: str, document: bytes, fragment: StoredFragment) -> bytes:
    if kind == "ts":
        return remux.mpegts(document)
    init, media = remux.fmp4(document, fragment.producer_ts_ms)
    return init if kind == "init" else media


def _timeline(fragments: list[StoredFragment]) -> list[StoredFragment]:
    """One fragment per producer time (a producer that resent one after a reconnect)."""
    seen: set[int] = set()
    out = []
    for fragment in fragments:
        if fragment.producer_ts_ms not in seen:
            seen.add(fragment.producer_ts_ms)
            out.append(fragment)
    return out


def _codecs(fragment: StoredFragment) -> str:
    record = bytes.fromhex(fragment.codec_private)
    return f"avc1.{record[1:4].hex()}" if len(record) >= 4 and record[0] == 1 else "avc1.42e01e"


def master_playlist(window: list[StoredFragment], claims: dict, token: str) -> str:
    latest = window[-1] if window else None
    bandwidth = max((f.size * 8000 // max(f.duration_ms, 1) for f in window), default=1_000_000)
    info = f"BANDWIDTH={bandwidth}"
    if latest is not None:
        info += f',CODECS="{_codecs(latest)}",RESOLUTION={latest.width}x{latest.height}'
    version = 3 if claims["c"] == "ts" else 7
    return (
        f"#EXTM3U\n#EXT-X-VERSION:{version}\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        f"#EXT-X-STREAM-INF:{info}\ngetHLSMediaPlaylist.m3u8?SessionToken={token}\n"
    )


def _breaks(fragments: list[StoredFragment], mode: str) -> list[bool]:
    """Whether a discontinuity comes before each fragment (never before the first)."""
    out = [False]
    for previous, current in zip(fragments, fragments[1:], strict=False):
        changed = previous.codec_private != current.codec_private
        gap = current.producer_ts_ms - previous.end_ms > GAP_MS
        out.append(mode == "ALWAYS" or changed or (mode == "ON_DISCONTINUITY" and gap))
    return out


def media_playlist(fragments: list[StoredFragment], claims: dict, token: str) -> str:
    first = max(0, len(fragments) - claims["m"])
    window, breaks = fragments[first:], _breaks(fragments, claims["d"])
    target = max([math.ceil(f.duration_ms / 1000) for f in window] or [1])
    lines = [
        "#EXTM3U",
        f"#EXT-X-VERSION:{3 if claims['c'] == 'ts' else 7}",
        f"#EXT-X-TARGETDURATION:{target}",
    ]
    lines += [f"#EXT-X-MEDIA-SEQUENCE:{first}", f"#EXT-X-DISCONTINUITY-SEQUENCE:{sum(breaks[: first + 1])}"]
    for index, fragment in enumerate(window):
        if index and breaks[first + index]:
            lines.append("#EXT-X-DISCONTINUITY")
        if claims["c"] == "mp4" and (index == 0 or window[index - 1].codec_private != fragment.codec_private):
            init = f"getMP4InitFragment.mp4?FragmentNumber={fragment.fragment_number}&SessionToken={token}"
            lines.append(f'#EXT-X-MAP:URI="{init}"')
        if claims["t"]:
            when = datetime.fromtimestamp(fragment.producer_ts_ms / 1000, UTC)
            lines.append(
                "#EXT-X-PROGRAM-DATE-TIME:" + when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            )
        lines.append(f"#EXTINF:{fragment.duration_ms / 1000:.3f},")
        media = "getTSFragment.ts" if claims["c"] == "ts" else "getMP4MediaFragment.mp4"
        lines.append(f"{media}?FragmentNumber={fragment.fragment_number}&SessionToken={token}")
    return "\n".join(lines) + "\n"
