"""The sender's rate holds across concurrent dispatchers sharing one slot counter."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from rtcc.alerts.dispatch import AlertDispatcher, DispatchBatch, DispatchPolicy
from rtcc.alerts.fakes import FakeAlerts, FakeProvider
from rtcc.alerts.ledger import InMemoryLedger
from rtcc.alerts.model import Alert, Recipient, Tier
from rtcc.alerts.ratelimit import InProcessSlotCounter, SlotPlan, SlotRateLimiter

ALERT = Alert(
    alert_id="a-storm",
    tier=Tier.EMERGENCY,
    headline={"en": "Storm"},
    texts={"en": "Shelter in place."},
    zones=("ward-1",),
    categories=(),
    sent_at=datetime(2026, 12, 1, 20, 0, tzinfo=UTC),
    expires_at=None,
    sender="supervisor1",
)
RATE = 100.0
SENDER = "+15550100200"


def test_slots_admit_the_rate_and_never_more() -> None:
    assert SlotPlan.for_rate(100) == SlotPlan(seconds=0.1, cap=10)
    assert SlotPlan.for_rate(1) == SlotPlan(seconds=1.0, cap=1)
    slow = SlotPlan.for_rate(3)  # one send per third of a second
    assert slow.cap == 1 and abs(slow.seconds - 1 / 3) < 1e-9
    assert SlotPlan.for_rate(2.5).cap / SlotPlan.for_rate(2.5).seconds <= 2.5


def test_a_full_slot_grants_nothing_and_the_limiter_waits_for_the_next() -> None:
    counter = InProcessSlotCounter()
    assert counter.take(SENDER, 7, 10, 10, 0.0) == 10
    assert counter.take(SENDER, 7, 10, 10, 0.0) == 0
    assert counter.take("+15550100999", 7, 4, 10, 0.0) == 4  # another sender has its own rate
    now = [0.75]  # slot 7 of a 100/s plan, already full
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        now[0] += seconds

    limiter = SlotRateLimiter(counter, SENDER, RATE, clock=lambda: now[0], sleep=sleep)
    assert limiter.acquire().slot == 8
    assert len(waited) == 1 and abs(waited[0] - 0.05) < 1e-9


def test_four_concurrent_dispatchers_stay_under_the_sender_rate() -> None:
    counter, ledger = InProcessSlotCounter(), InMemoryLedger()
    provider = FakeProvider(latency=0.001)  # accepts anything: only the limiter holds the rate
    policy = DispatchPolicy(workers=16)
    dispatchers = [
        AlertDispatcher(ledger, SlotRateLimiter(counter, SENDER, RATE), provider, FakeAlerts(ALERT), policy)
        for _ in range(4)
    ]
    pages = [tuple(Recipient(f"sub-{d}-{i:03d}", "en") for i in range(75)) for d in range(4)]
    start = threading.Barrier(4)

    def run(d: AlertDispatcher, page: tuple[Recipient, ...]) -> None:
        start.wait()
        d.dispatch(DispatchBatch(ALERT.alert_id, "ward-1", page))

    threads = [threading.Thread(target=run, args=args) for args in zip(dispatchers, pages, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times = sorted(provider.accept_times)
    assert len(times) == 300
    # Any one-second window of permits holds at most the rate plus one slot (10): the slots are
    # 100 ms, so a window can straddle eleven of them. The provider sees sends a little after
    # their permits (a thread descheduled on a busy machine): one slot more of tolerance.
    # Without the shared counter it is ~4x the rate.
    busiest = max(sum(1 for t in times[i:] if t < start_t + 1.0) for i, start_t in enumerate(times))
    assert busiest <= RATE + 2 * SlotPlan.for_rate(RATE).cap
    # ...and the dispatchers together use the rate: 300 sends take about 3 s, not much more.
    achieved = (len(times) - 1) / (times[-1] - times[0])
    assert achieved >= 0.85 * RATE
