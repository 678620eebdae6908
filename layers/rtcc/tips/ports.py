"""What tips logic needs from the outside world, as protocols.

`rtcc.tips.adapters` implements them with KMS, SQS, S3 and Twilio's media API; tests
use the same adapters against the moto server, or small fakes where a port's failure is
what is being tested.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rtcc.tips.jobs import AlertJob, ForgetInboundJob, ForgetReplyJob, MediaJob, ReplyJob


class ContactSealer(Protocol):
    """Encrypts a tipster's number for the vault; only the reply side decrypts."""

    def seal(self, number: str, code: str) -> bytes: ...

    def unseal(self, ciphertext: bytes, code: str) -> str: ...


class TipMac(Protocol):
    """A keyed MAC (HMAC-SHA256) under a key the caller can use but never read: the
    tipster pseudonym and the MessageSid receipts (rtcc.tips.pseudonym)."""

    def mac(self, message: bytes) -> bytes: ...


class TipQueues(Protocol):
    """Work that must not happen inside a request: media copying, outgoing SMS."""

    def send_media_jobs(self, jobs: Sequence[MediaJob]) -> None: ...

    def send_outbound(
        self, job: ReplyJob | AlertJob | ForgetInboundJob | ForgetReplyJob, delay_s: int = 0
    ) -> None:
        """Queue one job; `delay_s` (at most 900, SQS's limit) holds it back that long."""
        ...


@dataclass(frozen=True)
class FetchedMedia:
    data: bytes
    content_type: str


class MediaTooLarge(Exception):
    """The source announced or streamed more than the limit; `size` is what we know."""

    def __init__(self, size: int | None) -> None:
        super().__init__(f"larger than allowed ({size if size is not None else 'unknown'} bytes)")
        self.size = size


class MediaRefused(Exception):
    """A download we will not attempt (host not allowed, bad scheme): not retried."""


class MediaSource(Protocol):
    """Where a media item comes from: Twilio's media API, or the web upload area in S3."""

    def fetch(self, location: str, max_bytes: int) -> FetchedMedia: ...

    def delete(self, location: str) -> None: ...


class MediaStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str, sha256: str) -> None: ...

    def delete(self, key: str) -> None: ...

    def presigned_get(self, key: str, expires_s: int) -> str: ...

    def presigned_post(
        self, key: str, content_type: str, max_bytes: int, expires_s: int
    ) -> dict[str, Any]: ...
