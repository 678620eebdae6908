"""The on-disk fragment buffer between the camera and KVS.

Every fragment is written to disk before it is sent and deleted only when KVS acknowledges
it PERSISTED, so an outage of the network, of KVS or of the agent itself (a restart reads
the directory back) loses nothing that fits in the window. The window is bounded by
minutes of video (producer time, newest minus oldest): past it the oldest fragments are
dropped and counted, because an edge box's disk is finite and a camera keeps filming.

One file per fragment, named by its producer timestamp so that the directory listing is the
send order: `<producer_ts_ms:015d>-<duration_ms>-<width>x<height>.mkv`. Files are written to
a temporary name, fsynced and renamed, so a crash never leaves half a fragment to resend.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

_NAME = re.compile(r"^(\d{15})-(\d+)-(\d+)x(\d+)\.mkv(\.received)?$")
#: Suffix of a fragment KVS said RECEIVED on a connection that then dropped before PERSISTED:
#: not resent (KVS has it; a resend would store it twice, as the producer SDK avoids by
#: rolling back only to the last RECEIVED fragment), kept until the window passes it.
RECEIVED = ".received"


@dataclass(frozen=True)
class Entry:
    producer_ts_ms: int
    duration_ms: int
    width: int
    height: int
    path: Path
    received: bool = False

    def read(self) -> bytes:
        return self.path.read_bytes()


class RingBuffer:
    def __init__(self, directory: str | Path, minutes: float = 10) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        self.window_ms = int(minutes * 60_000)
        self.dropped = 0
        self._lock = threading.Condition()
        self._entries: dict[int, Entry] = {}
        self._listeners: list = []
        self._load()

    def _load(self) -> None:
        for path in self.directory.iterdir():
            match = _NAME.match(path.name)
            if match is None:
                if path.name.endswith(".tmp"):
                    path.unlink(missing_ok=True)  # a write the last run did not finish
                continue
            ts, duration, width, height = (int(group) for group in match.groups()[:4])
            self._entries[ts] = Entry(ts, duration, width, height, path, received=bool(match.group(5)))

    def append(
        self, producer_ts_ms: int, duration_ms: int, data: bytes, width: int = 0, height: int = 0
    ) -> Entry:
        name = f"{producer_ts_ms:015d}-{duration_ms}-{width}x{height}.mkv"
        path = self.directory / name
        tmp = path.with_name(name + ".tmp")
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        entry = Entry(producer_ts_ms, duration_ms, width, height, path)
        with self._lock:
            self._entries[producer_ts_ms] = entry
            self._evict(producer_ts_ms)
            self._lock.notify_all()
        for callback in list(self._listeners):
            callback()
        return entry

    def append_fragment(self, fragment) -> Entry:
        """A kvs_ingest.fragmenter.Fragment (producer_ts_ms, duration_ms, data, width, height)."""
        return self.append(
            fragment.producer_ts_ms, fragment.duration_ms, fragment.data, fragment.width, fragment.height
        )

    def _evict(self, newest_ts: int) -> None:
        for ts in sorted(self._entries):
            if newest_ts - ts < self.window_ms:
                break
            entry = self._entries.pop(ts)
            entry.path.unlink(missing_ok=True)
            self.dropped += 0 if entry.received else 1

    def pending(self, after_ts: int | None = None) -> list[Entry]:
        """Fragments to send: not PERSISTED nor RECEIVED, oldest first (after after_ts if given)."""
        with self._lock:
            keys = sorted(
                ts
                for ts, entry in self._entries.items()
                if not entry.received and (after_ts is None or ts > after_ts)
            )
            return [self._entries[ts] for ts in keys]

    def get(self, producer_ts_ms: int) -> Entry | None:
        with self._lock:
            return self._entries.get(producer_ts_ms)

    def remove(self, producer_ts_ms: int) -> bool:
        """PERSISTED (or a fragment KVS refused for its content): it leaves the buffer."""
        with self._lock:
            entry = self._entries.pop(producer_ts_ms, None)
        if entry is None:
            return False
        entry.path.unlink(missing_ok=True)
        return True

    def mark_received(self, producer_ts_ms: int) -> None:
        """RECEIVED on a connection that ended before PERSISTED: never resent (see RECEIVED)."""
        with self._lock:
            entry = self._entries.get(producer_ts_ms)
            if entry is None or entry.received:
                return
            path = entry.path.with_name(entry.path.name + RECEIVED)
            os.replace(entry.path, path)
            self._entries[producer_ts_ms] = Entry(
                entry.producer_ts_ms, entry.duration_ms, entry.width, entry.height, path, received=True
            )

    def add_listener(self, callback) -> None:
        """callback() runs (in the appending thread) after each append."""
        self._listeners.append(callback)

    def wait_for_data(self, after_ts: int | None, timeout: float) -> bool:
        """Blocks until a fragment newer than after_ts is buffered (or timeout)."""
        with self._lock:
            return self._lock.wait_for(
                lambda: any(
                    not entry.received and (after_ts is None or ts > after_ts)
                    for ts, entry in self._entries.items()
                ),
                timeout=timeout,
            )

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def span_ms(self) -> int:
        """Milliseconds of video buffered, oldest fragment's start to newest's end."""
        with self._lock:
            if not self._entries:
                return 0
            oldest, newest = min(self._entries), max(self._entries)
            return newest + self._entries[newest].duration_ms - oldest
