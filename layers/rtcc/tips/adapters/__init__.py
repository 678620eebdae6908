"""Adapters behind the tips ports: AWS (KMS, SQS, S3) and Twilio (signatures, TwiML, media).

This is the only part of `rtcc.tips` that imports boto3 or twilio.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rtcc.tips.ports import ContactSealer, MediaSource, MediaStore, TipMac, TipQueues


@dataclass(frozen=True)
class TipPorts:
    sealer: ContactSealer
    queues: TipQueues
    store: MediaStore
    sources: dict[str, MediaSource]
    mac: TipMac  # the webhook's pseudonyms and receipt keys


@lru_cache(maxsize=1)
def default_ports() -> TipPorts:
    """The deployed wiring (also `rtcc dev`'s: the endpoint override points it at moto).
    Cached per process; tests that change settings call `default_ports.cache_clear()`."""
    from rtcc.tips.adapters.aws import KmsContactSealer, KmsMac, S3MediaStore, S3UploadSource, SqsTipQueues
    from rtcc.tips.adapters.twilio_media import TwilioMediaSource

    store = S3MediaStore()
    return TipPorts(
        sealer=KmsContactSealer(),
        queues=SqsTipQueues(),
        store=store,
        sources={"twilio": TwilioMediaSource(), "upload": S3UploadSource()},
        mac=KmsMac(),
    )
