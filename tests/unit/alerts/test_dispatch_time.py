"""Review finding 1: at a long code's rate a page can outlive its invocation. The dispatcher
waits for the rate before claiming, stops a reserve before the invocation's end and hands the
unsent rest back unclaimed, so nothing is left `claimed` to end `unknown`; pages are sized
from the rate and the function's timeout."""

from __future__ import annotations

import threading
import time

from rtcc.alerts.dispatch import MAX_PAGE, AlertDispatcher, DispatchPolicy, page_size
from rtcc.alerts.fakes import FakeAlerts, FakeProvider
from rtcc.alerts.ledger import InMemoryLedger, Status
from rtcc.alerts.ratelimit import InProcessSlotCounter, SlotRateLimiter

from tests.unit.alerts.test_dispatch import ALERT, Flaky, batch, recipients


class CountingLimiter(SlotRateLimiter):
    def __init__(self, rate: float) -> None:
        super().__init__(InProcessSlotCounter(), "+15550100200", rate)
        self.granted = 0
        self._count_lock = threading.Lock()

    def acquire(self):
        permit = super().acquire()
        with self._count_lock:
            self.granted += 1
        return permit


class WatchedLedger(InMemoryLedger):
    """Records, at each claim, how many permits had been granted by then."""

    def __init__(self, limiter: CountingLimiter) -> None:
        super().__init__()
        self.limiter, self.claims_ahead_of_permits = limiter, 0
        self._claims = 0

    def claim(self, alert_id, subscriber_id, zone, owner, now):
        with self.limiter._count_lock:
            self._claims += 1
            if self._claims > self.limiter.granted:
                self.claims_ahead_of_permits += 1
        return super().claim(alert_id, subscriber_id, zone, owner, now)


def test_the_rate_permit_is_taken_before_the_claim() -> None:
    # 8 workers at 20 messages/s: before the fix they all claimed at once, then queued for
    # permits, holding claims an invocation's end would turn into `unknown`.
    limiter = CountingLimiter(20.0)
    ledger, provider = WatchedLedger(limiter), FakeProvider()
    d = AlertDispatcher(ledger, limiter, provider, FakeAlerts(ALERT), DispatchPolicy(workers=8))
    report = d.dispatch(batch(recipients(16)))
    assert report.sent == 16
    assert ledger.claims_ahead_of_permits == 0


def test_near_the_invocation_end_the_unsent_rest_goes_back_unclaimed_and_is_sent_once() -> None:
    # 10 messages/s, 1.3 s left with a 0.5 s reserve: about 8 go out, the rest is handed back.
    limiter = SlotRateLimiter(InProcessSlotCounter(), "+15550100200", 10.0)
    ledger, provider = InMemoryLedger(), FakeProvider()
    d = AlertDispatcher(
        ledger, limiter, provider, FakeAlerts(ALERT), DispatchPolicy(workers=4, reserve_seconds=0.5)
    )
    deadline = time.time() + 1.3
    rs = recipients(40)
    first = d.dispatch(batch(rs), remaining=lambda: deadline - time.time())
    assert 0 < first.sent < 40 and first.sent + len(first.redeliver) == 40
    statuses = {
        ledger.get(ALERT.alert_id, r.subscriber_id) and ledger.get(ALERT.alert_id, r.subscriber_id).status
        for r in first.redeliver
    }
    assert statuses <= {None}  # never claimed: nothing to end `unknown`
    second = d.dispatch(batch(tuple(first.redeliver)))
    assert second.sent == len(first.redeliver) and first.unknown == second.unknown == 0
    assert sum(provider.accepted.values()) == 40 and set(provider.accepted.values()) == {1}


def test_a_recipient_between_retries_at_the_end_releases_its_claim() -> None:
    ledger, provider = InMemoryLedger(), Flaky(failures=1, code=20503, status=503)
    limiter = SlotRateLimiter(InProcessSlotCounter(), "+15550100200", 100_000.0)
    policy = DispatchPolicy(workers=1, reserve_seconds=10.0, backoff_base=0.001, backoff_cap=0.01)
    d = AlertDispatcher(ledger, limiter, provider, FakeAlerts(ALERT), policy)
    left = iter([60.0, 60.0] + [5.0] * 10)  # time runs short after the first try fails
    first = d.dispatch(batch(recipients(1)), remaining=lambda: next(left))
    assert first.sent == 0 and [r.subscriber_id for r in first.redeliver] == ["sub-00000"]
    assert ledger.get(ALERT.alert_id, "sub-00000").status == Status.RETRY
    second = d.dispatch(batch(tuple(first.redeliver)))
    assert second.sent == 1 and provider.tries["sub-00000"] == 2


def test_pages_fit_one_invocation_at_the_sender_rate() -> None:
    assert page_size(1.0) == 210  # (900 s - 60 s reserve) x 1/s shared by 4 dispatchers
    assert page_size(3.0) == 500 == MAX_PAGE  # toll-free and faster: the message's own cap
    assert page_size(0.1) == 21
    assert page_size(0.001) == 1


def test_the_function_hands_the_unsent_rest_of_a_late_page_back_to_the_queue(monkeypatch) -> None:
    from functions import alert_dispatch

    requeued: list = []
    monkeypatch.setattr(alert_dispatch, "_requeue", requeued.append)
    monkeypatch.setattr(alert_dispatch, "count", lambda *a: None)

    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 30_000  # under the minute kept in reserve

    class Record:
        message_id, body = "m1", batch(recipients(5)).to_message()

    ledger, provider = InMemoryLedger(), FakeProvider()
    limiter = SlotRateLimiter(InProcessSlotCounter(), "+15550100200", 1000.0)
    d = AlertDispatcher(ledger, limiter, provider, FakeAlerts(ALERT), DispatchPolicy(workers=2))
    outcome = alert_dispatch.record_handler(Record(), lambda_context=Context(), dispatcher=d)
    assert outcome["sent"] == 0 and outcome["redelivered"] == 5 and not provider.accepted
    assert [len(b.recipients) for b in requeued] == [5]
    assert all(ledger.get(ALERT.alert_id, r.subscriber_id) is None for r in recipients(5))
