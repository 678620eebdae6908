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
