"""The local outbox's status steps run on a few workers, not a thread per message: a
fan-out of thousands once left 16,000 threads waiting on the gateway and slowed the whole
local stack. Each message still moves queued -> sent -> delivered, its callbacks in order."""

from __future__ import annotations

import threading
import time

import pytest
from rtcc.sms import gateway as gateway_module
from rtcc.sms.gateway import OutboxSmsGateway
from rtcc.sms.status_schedule import WORKERS, StatusSchedule

MESSAGES = 600


def _wait(check, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _status_workers() -> set[threading.Thread]:
    """This outbox's own workers: the count of all threads also moves with the local stack
    the full suite runs in the same process, so it cannot be compared."""
    return {thread for thread in threading.enumerate() if thread.name == "outbox-status"}


def test_a_fan_out_adds_a_few_workers_not_a_thread_per_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gateway_module, "STATUS_STEP_S", 0.01)
    posted: list[tuple[str, str]] = []
    lock = threading.Lock()

    def record(url, token, sid, status, from_, to, error=None) -> None:
        time.sleep(0.001)  # a callback takes the gateway a while
        with lock:
            posted.append((sid, status))

    monkeypatch.setattr(gateway_module, "post_status_callback", record)
    outbox = OutboxSmsGateway()
    before = _status_workers()
    sids = [
        outbox.send(
            f"+1413555{i:04d}", "+15550100", "hi", status_callback="http://127.0.0.1:9/s" if i % 2 else None
        )
        for i in range(MESSAGES)
    ]
    assert len(_status_workers() - before) <= WORKERS
    _wait(lambda: all(outbox.status(sid) == "delivered" for sid in sids))
    assert len(_status_workers() - before) <= WORKERS
    by_sid: dict[str, list[str]] = {}
    for sid, status in posted:
        by_sid.setdefault(sid, []).append(status)
    assert set(by_sid) == set(sids[1::2])  # callbacks only for messages that asked for them
    assert all(steps == ["queued", "sent", "delivered"] for steps in by_sid.values())


def test_a_failing_step_does_not_stop_the_workers() -> None:
    done: list[int] = []

    def run(job: int) -> None:
        if job == 0:
            raise RuntimeError("boom")
        done.append(job)

    schedule: StatusSchedule[int] = StatusSchedule(run, workers=1)
    for job in range(3):
        schedule.after(0.0, job)
    _wait(lambda: done == [1, 2])
    assert schedule.pending() == 0
