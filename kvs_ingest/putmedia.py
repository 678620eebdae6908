"""PutMedia: one long-lived, chunked, SigV4-signed POST per camera, acks read as it streams.

How the KVS producer SDK (amazon-kinesis-video-streams-producer-c, CurlApiCallbacks.c
putStreamCurl) talks to the service, and what this module does the same way:
- GetDataEndpoint(APIName=PUT_MEDIA) on the control plane, then POST `<endpoint>/putMedia`
  with `x-amzn-stream-name`, `x-amzn-fragment-timecode-type: ABSOLUTE`,
  `x-amzn-producer-start-timestamp: <s>.<ms>`, `x-amzn-fragment-acknowledgment-required: 1`
  and `Transfer-Encoding: chunked`: the body has no end known in advance.
- SigV4 for service `kinesisvideo` over those headers. The body cannot be hashed before it
  is sent, so the payload hash in the canonical request is SHA-256 of the EMPTY string
  ("streaming treats this portion as if the body were empty", AwsV4Signer.c) and no
  `x-amz-content-sha256` header is sent. The signature only covers the headers: TLS protects
  the body in transit.
- The service answers HTTP 200 while the upload goes on and streams acknowledgements back
  on the same connection: sending and reading are concurrent. The SDK lets curl do both in
  one thread; here one asyncio task writes and another reads the same connection (asyncio's
  TLS runs in one thread, unlike two threads on an ssl.SSLSocket, which OpenSSL forbids).
- A connection is rotated (new endpoint, fresh credentials) before KVS's connection age limit
  (error 4003); one without any acknowledgement for `stale_s` while data is in flight is
  dropped and reopened (the SDK's connection staleness check).
- After a dropped connection everything not RECEIVED is sent again, oldest first, from the
  on-disk buffer (the SDK's rollback to the last RECEIVED ack).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from kvs_ingest.acks import Ack, AckStream, AckType, Action, action_for
from kvs_ingest.credentials import Credentials

log = logging.getLogger("kvs_ingest.putmedia")

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
USER_AGENT = "rtcc-ingest/0.1.0"
#: What one answer may hold before it is a broken (or hostile) endpoint, not KVS: a chunk of the
#: ack stream, an error body, the number of header lines.
MAX_ANSWER_CHUNK = 1 << 20
MAX_HEADERS = 100


class PutMediaError(Exception):
    """Ends a PutMedia session; `action` says what the uploader does next."""

    def __init__(
        self, message: str, action: Action = Action.RECONNECT, fragment_ts: int | None = None
    ) -> None:
        super().__init__(message)
        self.action = action
        self.fragment_ts = fragment_ts


class PutMediaHttpError(PutMediaError):
    """The request was refused before any acknowledgement (KVS's JSON error body)."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(f"HTTP {status} {error_type}: {message}".strip())
        self.status, self.error_type = status, error_type


class _StreamingSigner(SigV4Auth):
    def payload(self, request) -> str:
        # The producer SDK's streaming signature: the payload hash of an empty body.
        return EMPTY_SHA256


def _host(parts) -> str:
    default = {"http": 80, "https": 443}[parts.scheme]
    return parts.hostname if parts.port in (None, default) else f"{parts.hostname}:{parts.port}"


def signed_headers(
    url: str, stream_name: str, start_ts_ms: int, credentials: Credentials, region: str
) -> dict:
    """The request headers of a PutMedia POST to url, SigV4-signed now."""
    parts = urlsplit(url)
    headers = {
        "Host": _host(parts),
        "x-amzn-stream-name": stream_name,
        "x-amzn-fragment-timecode-type": "ABSOLUTE",
        "x-amzn-producer-start-timestamp": f"{start_ts_ms // 1000}.{start_ts_ms % 1000:03d}",
        "x-amzn-fragment-acknowledgment-required": "1",
    }
    request = AWSRequest(method="POST", url=url, data=b"", headers=headers)
    boto = BotoCredentials(credentials.access_key, credentials.secret_key, credentials.token)
    _StreamingSigner(boto, "kinesisvideo", region).add_auth(request)
    signed = dict(request.headers.items())
    # Hop-by-hop and informational headers stay out of the signature: a proxy may rewrite them.
    signed.update({"Transfer-Encoding": "chunked", "Connection": "keep-alive", "User-Agent": USER_AGENT})
    return signed


@dataclass
class Response:
    status: int
    headers: dict[str, str]


class PutMediaConnection:
    """One HTTP/1.1 POST with a chunked body, written and read concurrently."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.response: Response | None = None

    @classmethod
    async def open(cls, url: str, headers: dict, timeout: float = 10.0) -> PutMediaConnection:
        parts = urlsplit(url)
        context = ssl.create_default_context() if parts.scheme == "https" else None
        port = parts.port or (443 if context else 80)
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(parts.hostname, port, ssl=context, limit=1 << 20), timeout
        )
        head = f"POST {parts.path or '/'} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write(head.encode("latin-1") + b"\r\n")
        connection = cls(reader, writer)
        await connection.drain(timeout)
        return connection

    async def drain(self, timeout: float) -> None:
        await asyncio.wait_for(self.writer.drain(), timeout)

    async def send(self, data: bytes, timeout: float) -> None:
        self.writer.write(b"%x\r\n" % len(data) + data + b"\r\n")
        await self.drain(timeout)

    async def finish(self, timeout: float) -> None:
        """The terminating zero-length chunk: no more media on this request."""
        self.writer.write(b"0\r\n\r\n")
        await self.drain(timeout)

    def abort(self) -> None:
        self.writer.transport.abort()

    async def read_head(self) -> Response:
        status_line = await self.reader.readline()
        if not status_line:
            raise PutMediaError("connection closed before an HTTP answer")
        try:
            status = int(status_line.split()[1])
        except (IndexError, ValueError):
            raise PutMediaError(f"not an HTTP answer: {status_line[:80]!r}") from None
        headers: dict[str, str] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            if len(headers) >= MAX_HEADERS:
                raise PutMediaError(f"more than {MAX_HEADERS} header lines in the answer")
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        self.response = Response(status, headers)
        return self.response

    async def body(self):
        """Yields the response body's bytes as they arrive (chunked, sized or until close)."""
        headers = self.response.headers
        if "chunked" in headers.get("transfer-encoding", "").lower():
            while True:
                size_line = await self.reader.readline()
                if not size_line:
                    return
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    return
                if size > MAX_ANSWER_CHUNK:  # acks are ~150 bytes: readexactly would buffer it all
                    raise PutMediaError(f"an answer chunk of {size} bytes")
                data = await self.reader.readexactly(size)
                await self.reader.readexactly(2)
                yield data
        elif "content-length" in headers:
            yield await self.reader.readexactly(min(int(headers["content-length"]), MAX_ANSWER_CHUNK))
        else:
            while data := await self.reader.read(65536):
                yield data


async def read_error(connection: PutMediaConnection) -> PutMediaHttpError:
    """The KVS error an HTTP status other than 200 carries (x-amzn-ErrorType, JSON message)."""
    import json

    response = connection.response
    body = b""
    try:
        async for data in connection.body():
            body += data
            if len(body) > 64 * 1024:
                break
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    error_type = response.headers.get("x-amzn-errortype", "").split(":")[0]
    try:
        parsed = json.loads(body)
        message = str(parsed.get("message") or parsed.get("Message") or "")
        error_type = error_type or str(parsed.get("__type", "")).rsplit("#", 1)[-1]
    except (ValueError, AttributeError):
        message = ""
    return PutMediaHttpError(response.status, error_type or "UnknownError", message[:300])


async def read_acks(connection: PutMediaConnection, on_ack) -> None:
    """Reads the answer: raises PutMediaHttpError on refusal, calls on_ack(ack) for each ack."""
    response = await connection.read_head()
    if response.status != 200:
        raise await read_error(connection)
    stream = AckStream()
    async for data in connection.body():
        for ack in stream.feed(data):
            on_ack(ack)
    raise PutMediaError("the service closed the PutMedia answer")


def error_for_ack(ack: Ack) -> PutMediaError | None:
    """None for every ack but ERROR; for ERROR, the error whose action the table gives."""
    if ack.event_type is not AckType.ERROR:
        return None
    action, meaning = action_for(ack.error_id)
    return PutMediaError(
        f"KVS error {ack.error_id} {ack.error_code or ''} ({meaning})".replace("  ", " "),
        action,
        ack.fragment_timecode,
    )


def now() -> float:
    return time.monotonic()


class StreamMissing(PutMediaError):
    def __init__(self, message: str) -> None:
        super().__init__(message, Action.WAIT_LONG)


class DataEndpoints:
    """GetDataEndpoint(PUT_MEDIA) per stream, cached until `max_age_s` or an error says refresh."""

    def __init__(
        self, region: str, provider, endpoint_url: str | None = None, max_age_s: float = 2400
    ) -> None:
        self.region, self.provider, self.endpoint_url, self.max_age_s = (
            region,
            provider,
            endpoint_url,
            max_age_s,
        )
        self._cache: dict[str, tuple[str, float]] = {}

    def forget(self, stream_name: str) -> None:
        self._cache.pop(stream_name, None)

    def get(self, stream_name: str) -> str:
        cached = self._cache.get(stream_name)
        if cached and now() - cached[1] < self.max_age_s:
            return cached[0]
        url = self._ask(stream_name)
        self._cache[stream_name] = (url, now())
        return url

    def _ask(self, stream_name: str) -> str:
        import boto3
        import botocore.exceptions
        from botocore.config import Config

        creds = self.provider.get()
        client = boto3.client(
            "kinesisvideo",
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=creds.access_key,
            aws_secret_access_key=creds.secret_key,
            aws_session_token=creds.token,
            config=Config(
                retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=10, read_timeout=20
            ),
        )
        try:
            answer = client.get_data_endpoint(StreamName=stream_name, APIName="PUT_MEDIA")
        except botocore.exceptions.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if code == "ResourceNotFoundException":
                raise StreamMissing(f"stream {stream_name} does not exist (yet)") from None
            raise PutMediaHttpError(status, code, "GetDataEndpoint refused") from None
        except botocore.exceptions.BotoCoreError as exc:
            raise PutMediaError(f"GetDataEndpoint failed: {exc}") from None
        return answer["DataEndpoint"].rstrip("/")
