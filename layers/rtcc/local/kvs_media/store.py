"""The stand-in's fragments, on disk: one directory per stream (its name and creation time), each fragment a
self-contained Matroska document named by its fragment number, and an append-only
index (one JSON line per fragment) read back when the stand-in starts again."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

#: KVS's fragment numbers are 47-digit strings; ours keep the length and grow with time.
_NUMBER_PREFIX = "91343852333181432"
_SAFE_NAME = re.compile(r"^[a-zA-Z0-9_.-]{1,256}$")


@dataclass(frozen=True)
class StoredFragment:
    fragment_number: str
    producer_ts_ms: int
    server_ts_ms: int
    duration_ms: int
    size: int
    width: int
    height: int
    codec_private: str  # hex: fragments sharing it share an MP4 init segment

    @property
    def end_ms(self) -> int:
        return self.producer_ts_ms + self.duration_ms


class FragmentStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._index: dict[str, list[StoredFragment]] = {}
        self._sequence = 0

    def _dir(self, stream: str) -> Path:
        if not _SAFE_NAME.match(stream):  # KVS's own stream-name pattern
            raise ValueError("stream name")
        return self.root / stream

    def _load(self, stream: str) -> list[StoredFragment]:
        if stream not in self._index:
            index = self._dir(stream) / "index.jsonl"
            lines = index.read_text().splitlines() if index.exists() else []
            self._index[stream] = [StoredFragment(**json.loads(line)) for line in lines if line]
        return self._index[stream]

    def next_number(self) -> str:
        with self._lock:
            self._sequence = (self._sequence + 1) % 10**17
            return f"{_NUMBER_PREFIX}{time.time_ns() // 1000:016d}{self._sequence:014d}"

    def put(self, stream: str, fragment: StoredFragment, document: bytes) -> None:
        folder = self._dir(stream)
        with self._lock:
            fragments = self._load(stream)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{fragment.fragment_number}.mkv"
            partial = path.with_suffix(".part")
            partial.write_bytes(document)
            os.replace(partial, path)  # the index never names a half-written file
            with open(folder / "index.jsonl", "a") as index:
                index.write(json.dumps(asdict(fragment)) + "\n")
            fragments.append(fragment)

    def fragments(self, stream: str) -> list[StoredFragment]:
        """Every stored fragment of `stream`, in producer-time order."""
        with self._lock:
            return sorted(self._load(stream), key=lambda f: (f.producer_ts_ms, f.fragment_number))

    def read(self, stream: str, fragment_number: str) -> bytes | None:
        if not fragment_number.isdigit():
            return None
        path = self._dir(stream) / f"{fragment_number}.mkv"
        return path.read_bytes() if path.exists() else None

    def expire(self, stream: str, retention_hours: int, now_ms: int) -> None:
        """Drops what is older than the stream's retention (server time), as KVS does."""
        cutoff = now_ms - retention_hours * 3_600_000
        with self._lock:
            fragments = self._load(stream)
            keep = [f for f in fragments if f.server_ts_ms >= cutoff]
            if len(keep) == len(fragments):
                return
            folder = self._dir(stream)
            for gone in fragments:
                if gone.server_ts_ms < cutoff:
                    (folder / f"{gone.fragment_number}.mkv").unlink(missing_ok=True)
            lines = "".join(json.dumps(asdict(f)) + "\n" for f in keep)
            (folder / "index.jsonl.tmp").write_text(lines)
            os.replace(folder / "index.jsonl.tmp", folder / "index.jsonl")
            self._index[stream] = keep
