"""A tiny PutMedia server for the transport's unit tests (not the local stand-in, lane C's).

It speaks HTTP/1.1 on a raw socket: reads the request head and the chunked body, and
answers 200 then acks as each chunk arrives. The fake media are `FRAG:<ts>;` payloads, one
per chunk, so it needs no MKV parser. `script` decides per request what to do: answer an
HTTP error, send an ERROR ack for a timecode, close after n fragments, stay silent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socketserver
import threading
from dataclasses import dataclass, field


def fake_fragment(ts: int) -> bytes:
    return f"FRAG:{ts};".encode() + b"x" * 64


@dataclass
class Plan:
    http_error: tuple[int, str] | None = None  # (status, x-amzn-ErrorType)
    error_ack: dict[int, int] = field(default_factory=dict)  # ts -> ErrorId
    close_after: int | None = None  # close the connection after this many fragments (no acks for the last)
    received_only_after: int | None = None  # after n fragments: RECEIVED but never PERSISTED, then close
    silent: bool = False  # read, never ack
    close_on_error: bool = False  # end the answer right after an ERROR ack, as KVS does


class FakeKvs:
    def __init__(self, secret_key: str = "secret", region: str = "us-east-1") -> None:
        self.secret_key, self.region = secret_key, region
        self.requests: list[dict] = []
        self.stored: list[int] = []  # timecodes PERSISTED, in order, duplicates kept
        self.plans: list[Plan] = []  # one per request, the last repeats
        self.signature_ok: list[bool] = []
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                owner._handle(self.rfile, self.wfile)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _plan(self) -> Plan:
        index = len(self.requests) - 1
        return self.plans[min(index, len(self.plans) - 1)] if self.plans else Plan()

    def _handle(self, rfile, wfile) -> None:
        request_line = rfile.readline().decode()
        headers: dict[str, str] = {}
        while (line := rfile.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        self.requests.append({"line": request_line.strip(), "headers": headers})
        self.signature_ok.append(self._verify(request_line.split()[1], headers))
        plan = self._plan()
        if plan.http_error:
            status, error_type = plan.http_error
            body = json.dumps({"message": "refused by the fake"}).encode()
            wfile.write(
                f"HTTP/1.1 {status} Error\r\nx-amzn-ErrorType: {error_type}:http://internal\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n".encode()
                + body
            )
            return
        wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        wfile.flush()
        self._stream(rfile, wfile, plan)

    def _ack(self, wfile, event: str, ts: int, error_id: int | None = None) -> None:
        ack = {"EventType": event, "FragmentTimecode": ts, "FragmentNumber": str(9134385233318 + ts)}
        if error_id is not None:
            ack.update(ErrorId=error_id, ErrorCode="FAKE")
        data = json.dumps(ack).encode() + b"\n"
        wfile.write(b"%x\r\n" % len(data) + data + b"\r\n")
        wfile.flush()

    def _stream(self, rfile, wfile, plan: Plan) -> None:
        count = 0
        try:
            while True:
                size = int(rfile.readline().strip() or b"0", 16)
                if size == 0:
                    wfile.write(b"0\r\n\r\n")
                    return
                chunk = rfile.read(size)
                rfile.read(2)
                ts = int(chunk.split(b";")[0].split(b":")[1])
                count += 1
                if plan.close_after is not None and count > plan.close_after:
                    return
                if plan.silent:
                    continue
                self._ack(wfile, "BUFFERING", ts)
                if ts in plan.error_ack:
                    self._ack(wfile, "ERROR", ts, plan.error_ack[ts])
                    if plan.close_on_error:
                        wfile.write(b"0\r\n\r\n")
                        return
                    continue
                self._ack(wfile, "RECEIVED", ts)
                if plan.received_only_after is not None and count > plan.received_only_after:
                    self.stored.append(ts)  # KVS has it: it will persist it, the ack is lost
                    return
                self.stored.append(ts)
                self._ack(wfile, "PERSISTED", ts)
        except (TimeoutError, ConnectionError, ValueError, IndexError):
            return

    def _verify(self, path: str, headers: dict[str, str]) -> bool:
        """Recomputes SigV4 by hand: canonical request with the EMPTY payload hash."""
        auth = headers.get("authorization", "")
        try:
            fields = dict(part.strip().split("=", 1) for part in auth.split(" ", 1)[1].split(","))
        except (IndexError, ValueError):
            return False
        signed = fields["SignedHeaders"].split(";")
        if "x-amz-content-sha256" in headers:
            return False
        canonical = "\n".join(
            ["POST", path, ""]
            + [f"{name}:{' '.join(headers[name].split())}" for name in signed]
            + ["", ";".join(signed), hashlib.sha256(b"").hexdigest()]
        )
        date = headers["x-amz-date"]
        scope = f"{date[:8]}/{self.region}/kinesisvideo/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        key = ("AWS4" + self.secret_key).encode()
        for part in (date[:8], self.region, "kinesisvideo", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, fields["Signature"])


class FixedEndpoints:
    """Stands in for DataEndpoints (GetDataEndpoint is exercised against the local stack)."""

    def __init__(self, url: str) -> None:
        self.url, self.asked, self.forgotten = url, 0, 0

    def get(self, stream_name: str) -> str:
        self.asked += 1
        return self.url

    def forget(self, stream_name: str) -> None:
        self.forgotten += 1


def run_isolated(main) -> None:
    """asyncio.run(main()) on a thread of its own: in the whole suite the browser tests'
    Playwright (sync API) keeps an event loop running on the main thread, where asyncio.run
    refuses to start another. What main raises is raised here."""
    import asyncio
    import threading

    failed: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(main())
        except BaseException as error:  # handed to the caller's thread
            failed.append(error)

    thread = threading.Thread(target=target, name="kvs-test-loop")
    thread.start()
    thread.join()
    if failed:
        raise failed[0]
