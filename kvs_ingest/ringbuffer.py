"""The on-disk fragment buffer between the camera and KVS.

Every fragment is written to disk before it is sent and deleted only when KVS acknowledges
it PERSISTED, so an outage of the network, of KVS or of the agent itself (a restart reads
the directory back) loses nothing that fits in the window. The window is bounded by
minutes of video (producer time, newest minus oldest): past it the oldest fragments are
dropped and counted, because an edge box's disk is finite and a camera keeps filming. It is
bounded by bytes too (`max_bytes`): minutes alone would let a camera (or a hostile RTSP server)
sending huge frames fill the disk, and a fragment larger than KVS accepts (50 MB, error 4001)
is refused before it is written.

The directory holds a camera's video and is read back and sent as that camera's evidence, so
it must be the agent's own: created 0700, refused when it is a symbolic link or belongs to
another user, and its parent refused when it is another user's or world-writable without the
sticky bit (others could swap the directory). Fragment files are created 0600 with
O_EXCL|O_NOFOLLOW and read with O_NOFOLLOW, so a planted link can neither redirect a write nor
have another file sent to KVS.

One file per fragment, named by its producer timestamp so that the directory listing is the
send order: `<producer_ts_ms:015d>-<duration_ms>-<width>x<height>.mkv`. Files are written to
a temporary name, fsynced and renamed, so a crash never leaves half a fragment to resend.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

_NAME = re.compile(r"^(\d{15})-(\d+)-(\d+)x(\d+)\.mkv(\.received)?$")
#: Suffix of a fragment KVS said RECEIVED on a connection that then dropped before PERSISTED:
#: not resent (KVS has it; a resend would store it twice, as the producer SDK avoids by
#: rolling back only to the last RECEIVED fragment), kept until the window passes it.
RECEIVED = ".received"
#: KVS refuses a fragment over 50 MB (error 4001): no use storing one.
MAX_FRAGMENT_BYTES = 50 * 1024 * 1024
#: Per camera: 10 minutes of a 4K camera at ~25 Mbit/s.
DEFAULT_MAX_BYTES = 2 * 1024**3

log = logging.getLogger("kvs_ingest.ringbuffer")


class BufferDirError(OSError):
    """A buffer directory the agent cannot trust (a link, another user's, writable by others)."""


def _private_directory(directory: Path) -> None:
    """Creates `directory` 0700 or checks the existing one is the agent's own (see module doc)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    parent = os.stat(directory.parent)
    sticky = parent.st_mode & stat.S_ISVTX
    # Group-writable is left alone: a user's private group (umask 002) is the admin's own choice.
    if parent.st_uid not in (0, os.geteuid()) or (parent.st_mode & stat.S_IWOTH and not sticky):
        raise BufferDirError(f"buffer directory {directory.parent} may be written by another user")
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        raise BufferDirError(f"buffer directory {directory} is a symbolic link or not a directory") from None
    try:
        if os.fstat(fd).st_uid != os.geteuid():
            raise BufferDirError(f"buffer directory {directory} belongs to another user")
        os.fchmod(fd, 0o700)
    finally:
        os.close(fd)


def _write_new(path: Path, data: bytes) -> None:
    """Writes a fragment 0600 under a temporary name (never through a planted link), fsynced, renamed."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)  # a leftover of a crash at this very timestamp
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _read_nofollow(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


@dataclass(frozen=True)
class Entry:
    producer_ts_ms: int
    duration_ms: int
    width: int
    height: int
    path: Path
    received: bool = False
    size: int = 0

    def read(self) -> bytes:
        return _read_nofollow(self.path)


class RingBuffer:
    def __init__(
        self, directory: str | Path, minutes: float = 10, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self.directory = Path(directory)
        _private_directory(self.directory)
        self.window_ms = int(minutes * 60_000)
        self.max_bytes = max_bytes
        self.dropped = 0
        #: Fragments refused for their size (over MAX_FRAGMENT_BYTES or max_bytes).
        self.oversize = 0
        self._lock = threading.Condition()
        self._entries: dict[int, Entry] = {}
        self._listeners: list = []
        self._load()

    def _load(self) -> None:
        for path in self.directory.iterdir():
            match = _NAME.match(path.name)
            info = path.lstat()
            if match is None or not stat.S_ISREG(info.st_mode):
                if path.name.endswith(".tmp") and not stat.S_ISDIR(info.st_mode):
                    path.unlink(missing_ok=True)  # a write the last run did not finish
                continue  # (a link or a device named like a fragment is never sent)
            ts, duration, width, height = (int(group) for group in match.groups()[:4])
            received = bool(match.group(5))
            self._entries[ts] = Entry(ts, duration, width, height, path, received, info.st_size)
        if self._entries:  # a smaller window or max_bytes than the last run's
            self._evict(max(self._entries), 0)

    @property
    def stored_bytes(self) -> int:
        with self._lock:
            return sum(entry.size for entry in self._entries.values())

    def append(
        self, producer_ts_ms: int, duration_ms: int, data: bytes, width: int = 0, height: int = 0
    ) -> Entry | None:
        """Stores a fragment (None, counted in `oversize`, when it is too large to buffer)."""
        if len(data) > min(MAX_FRAGMENT_BYTES, self.max_bytes):
            self.oversize += 1
            log.warning(
                "%s: a %d-byte fragment is too large to buffer; dropped", self.directory.name, len(data)
            )
            return None
        name = f"{producer_ts_ms:015d}-{duration_ms}-{width}x{height}.mkv"
        path = self.directory / name
        with self._lock:  # room first: the disk never holds more than max_bytes
            self._evict(producer_ts_ms, len(data))
        _write_new(path, data)
        entry = Entry(producer_ts_ms, duration_ms, width, height, path, size=len(data))
        with self._lock:
            self._entries[producer_ts_ms] = entry
            self._evict(producer_ts_ms, 0)
            self._lock.notify_all()
        for callback in list(self._listeners):
            callback()
        return entry

    def append_fragment(self, fragment) -> Entry:
        """A kvs_ingest.fragmenter.Fragment (producer_ts_ms, duration_ms, data, width, height)."""
        return self.append(
            fragment.producer_ts_ms, fragment.duration_ms, fragment.data, fragment.width, fragment.height
        )

    def _evict(self, newest_ts: int, incoming: int) -> None:
        """Drops the oldest fragments past the window, or while `incoming` more bytes would not fit."""
        total = sum(entry.size for entry in self._entries.values()) + incoming
        for ts in sorted(self._entries):
            if newest_ts - ts < self.window_ms and total <= self.max_bytes:
                break
            entry = self._entries.pop(ts)
            entry.path.unlink(missing_ok=True)
            total -= entry.size
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
                entry.producer_ts_ms, entry.duration_ms, entry.width, entry.height, path, True, entry.size
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

    def newest_end_ms(self) -> int | None:
        """The end (producer time) of the newest fragment held, sent or not; None when empty."""
        with self._lock:
            if not self._entries:
                return None
            newest = max(self._entries)
            return newest + self._entries[newest].duration_ms

    def span_ms(self) -> int:
        """Milliseconds of video buffered, oldest fragment's start to newest's end."""
        with self._lock:
            if not self._entries:
                return 0
            oldest, newest = min(self._entries), max(self._entries)
            return newest + self._entries[newest].duration_ms - oldest
