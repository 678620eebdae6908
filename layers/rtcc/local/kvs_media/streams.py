"""The streams the stand-in serves are moto's (created through the emulator's control
plane): looked up in moto's process-wide state, as rtcc.local.kvs does for tags."""

from __future__ import annotations

from dataclasses import dataclass

from moto.core.models import DEFAULT_ACCOUNT_ID


@dataclass(frozen=True)
class StreamInfo:
    name: str
    arn: str
    retention_hours: int
    version: str  # new with each creation (moto gives every stream the same ARN suffix)

    @property
    def key(self) -> str:
        """Where its fragments are kept: by name and version, so a stream deleted and created
        again under its name starts empty, as in KVS."""
        return f"{self.name}.{self.version}"


def find_stream(region: str, name: str | None = None, arn: str | None = None) -> StreamInfo | None:
    from moto.kinesisvideo.models import kinesisvideo_backends

    backend = kinesisvideo_backends[DEFAULT_ACCOUNT_ID][region]
    for stream in list(backend.streams.values()):
        if (arn and stream.arn == arn) or (name and not arn and stream.stream_name == name):
            retention = int(stream.data_retention_in_hours or 0)
            return StreamInfo(stream.stream_name, stream.arn, retention, str(stream.version))
    return None
