"""The on-disk buffer: bounded by minutes, survives a reopen, fragments leave only when PERSISTED."""

from __future__ import annotations

import threading

from kvs_ingest.ringbuffer import RingBuffer

T0 = 1_767_000_000_000


def _fill(buffer: RingBuffer, count: int, step: int = 2000) -> None:
    for n in range(count):
        buffer.append(T0 + n * step, step, b"fragment-%d" % n, 320, 240)


def test_nothing_leaves_until_persisted(tmp_path):
    buffer = RingBuffer(tmp_path, minutes=10)
    _fill(buffer, 5)
    assert [e.producer_ts_ms for e in buffer.pending()] == [T0 + n * 2000 for n in range(5)]
    assert buffer.pending()[2].read() == b"fragment-2"
    buffer.mark_received(T0)  # RECEIVED is not PERSISTED: still on disk
    assert len(buffer) == 5 and len(list(tmp_path.iterdir())) == 5
    assert buffer.remove(T0 + 2000) and not buffer.remove(T0 + 2000)
    assert len(buffer) == 4 and buffer.get(T0 + 2000) is None
    assert [e.producer_ts_ms for e in buffer.pending(after_ts=T0 + 2000)] == [T0 + 4000, T0 + 6000, T0 + 8000]


def test_bounded_by_minutes_of_video_oldest_dropped_and_counted(tmp_path):
    buffer = RingBuffer(tmp_path, minutes=1)
    _fill(buffer, 45)  # 90 s of 2 s fragments into a 60 s window
    assert len(buffer) == 30 and buffer.dropped == 15
    assert buffer.pending()[0].producer_ts_ms == T0 + 15 * 2000
    assert buffer.span_ms() == 60_000
    assert len(list(tmp_path.iterdir())) == 30


def test_a_received_fragment_leaving_the_window_is_not_counted_lost(tmp_path):
    buffer = RingBuffer(tmp_path, minutes=1)
    _fill(buffer, 1)
    buffer.mark_received(T0)
    buffer.append(T0 + 61_000, 2000, b"late")
    assert buffer.dropped == 0 and len(buffer) == 1


def test_survives_a_reopen_with_the_same_order_and_received_marks(tmp_path):
    buffer = RingBuffer(tmp_path, minutes=10)
    _fill(buffer, 4)
    buffer.remove(T0)
    buffer.mark_received(T0 + 2000)
    (tmp_path / "000000000000001-1-0x0.mkv.tmp").write_bytes(b"half")  # a crash mid-write
    (tmp_path / "notes.txt").write_text("not a fragment")
    again = RingBuffer(tmp_path, minutes=10)
    assert [e.producer_ts_ms for e in again.pending()] == [T0 + 4000, T0 + 6000]
    assert len(again) == 3 and again.get(T0 + 2000).received
    entry = again.get(T0 + 4000)
    assert (entry.duration_ms, entry.width, entry.height, entry.read()) == (2000, 320, 240, b"fragment-2")
    assert not (tmp_path / "000000000000001-1-0x0.mkv.tmp").exists()


def test_append_wakes_a_waiting_uploader(tmp_path):
    buffer = RingBuffer(tmp_path, minutes=10)
    heard = []
    buffer.add_listener(lambda: heard.append(1))
    assert not buffer.wait_for_data(None, timeout=0.05)
    threading.Timer(0.05, lambda: buffer.append(T0, 2000, b"x")).start()
    assert buffer.wait_for_data(None, timeout=5)
    assert heard == [1]


# --- As an attacker: a camera (or a hostile RTSP server) filling the disk, another local user
# planting links or owning the directory.


def test_bounded_by_bytes_too_so_huge_frames_cannot_fill_the_disk(tmp_path):
    buffer = RingBuffer(tmp_path, minutes=10, max_bytes=100)
    for n in range(5):  # well inside the 10 minutes, but 200 bytes
        buffer.append(T0 + n * 2000, 2000, bytes(40))
    assert [e.producer_ts_ms for e in buffer.pending()] == [T0 + 6000, T0 + 8000]
    assert buffer.dropped == 3 and buffer.stored_bytes == 80
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) <= 100


def test_a_fragment_too_large_to_buffer_is_refused_before_it_is_written(tmp_path, monkeypatch):
    import kvs_ingest.ringbuffer as ringbuffer

    buffer = RingBuffer(tmp_path, minutes=10, max_bytes=1000)
    assert buffer.append(T0, 2000, bytes(1001)) is None
    monkeypatch.setattr(ringbuffer, "MAX_FRAGMENT_BYTES", 10)  # KVS's 50 MB, scaled down
    assert buffer.append(T0 + 2000, 2000, bytes(11)) is None
    assert buffer.oversize == 2 and len(buffer) == 0 and list(tmp_path.iterdir()) == []


def test_a_reopen_with_a_smaller_byte_bound_evicts_the_oldest(tmp_path):
    _fill(RingBuffer(tmp_path, minutes=10), 4)  # 4 x 10 bytes
    again = RingBuffer(tmp_path, minutes=10, max_bytes=25)
    assert [e.producer_ts_ms for e in again.pending()] == [T0 + 4000, T0 + 6000]
    assert len(list(tmp_path.iterdir())) == 2


def test_fragments_are_private_to_the_agent_whatever_the_umask(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        directory = tmp_path / "cam"
        buffer = RingBuffer(directory, minutes=10)
        _fill(buffer, 1)
        buffer.mark_received(T0)
    finally:
        os.umask(old)
    assert directory.stat().st_mode & 0o777 == 0o700
    assert [p.stat().st_mode & 0o777 for p in directory.iterdir()] == [0o600]


def test_a_symlinked_or_foreign_buffer_directory_is_refused(tmp_path):
    import os

    import pytest

    from kvs_ingest.ringbuffer import BufferDirError

    elsewhere = tmp_path / "attacker"
    elsewhere.mkdir()
    (tmp_path / "cam").symlink_to(elsewhere)
    with pytest.raises(BufferDirError, match="symbolic link"):
        RingBuffer(tmp_path / "cam")
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # world-writable, no sticky bit: anyone could swap the camera's directory
    with pytest.raises(BufferDirError, match="another user"):
        RingBuffer(shared / "cam")
    shared.chmod(0o1777)  # /tmp-like: the sticky bit keeps others from renaming ours
    RingBuffer(shared / "cam")
    if os.geteuid() == 0:  # only root can give a directory away
        foreign = tmp_path / "foreign"
        foreign.mkdir()
        os.chown(foreign, 4242, 4242)
        with pytest.raises(BufferDirError, match="belongs to another user"):
            RingBuffer(foreign)


def test_planted_links_are_never_followed_for_writing_or_sent(tmp_path):
    secret = tmp_path / "key.pem"
    secret.write_bytes(b"PRIVATE KEY")
    directory = tmp_path / "cam"
    RingBuffer(directory)
    # A link named like a fragment (would send the key to KVS) and one named like its temporary
    # file (would overwrite the key).
    (directory / f"{T0:015d}-2000-1x1.mkv").symlink_to(secret)
    (directory / f"{T0 + 2000:015d}-2000-0x0.mkv.tmp").symlink_to(secret)
    buffer = RingBuffer(directory)
    assert buffer.pending() == []
    buffer.append(T0 + 2000, 2000, b"video")
    assert secret.read_bytes() == b"PRIVATE KEY"
    assert [e.read() for e in buffer.pending()] == [b"video"]
