"""The sender's rate, shared by every dispatcher: at most `rate` messages per second leave
through one sending number (or Messaging Service), however many dispatchers run.

Time is cut into slots aligned on the wall clock (so dispatchers in different processes
agree on them without talking): a slot lasts `max(min_slot_seconds, 1 / rate)` and admits
`floor(rate * slot_seconds)` sends. A dispatcher takes a slot's permits from a shared
`SlotCounter` (in process for tests and the bench; a DynamoDB item per (sender, slot) with
an atomic ADD when deployed, `rtcc.alerts.dynamodb.DynamoDbSlotCounter`); one that finds the
current slot full waits for the next. Sub-second slots keep any one-second window within
rate + one slot's cap even when every dispatcher starts at once (a one-second slot would
allow 2 x rate across a boundary).

Each process takes from a slot as many permits as it has threads waiting (up to the cap) and
hands them to those threads, so the shared counter sees about one write per slot per process,
not one per message. Permits left unused when the slot ends are lost (the rate only ever
comes out lower). Wall clocks of Lambda hosts
are NTP-synchronised to milliseconds; the slot width (100 ms at least) dwarfs that.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Permit:
    """Leave to start one send, counted in `slot`."""

    slot: int


class RateLimiter(Protocol):
    def acquire(self) -> Permit:
        """Block until one more send may start without exceeding the rate."""
        ...

    def refund(self, permit: Permit) -> None:
        """The send never reached the provider's queue (refused with a transient error):
        give its permit back if its slot is still open."""
        ...


class SlotCounter(Protocol):
    """The shared count of sends per (sender, slot)."""

    def take(self, sender: str, slot: int, want: int, cap: int, slot_end: float) -> int:
        """Add up to `want` to the slot's count without passing `cap`; returns how many were
        granted (0 when the slot is full). `slot_end` (epoch seconds) lets a store expire it."""
        ...


@dataclass(frozen=True)
class SlotPlan:
    """How `rate` messages per second are cut into slots."""

    seconds: float
    cap: int

    @classmethod
    def for_rate(cls, rate: float, min_slot_seconds: float = 0.1) -> SlotPlan:
        if not rate > 0:
            raise ValueError("rate: messages per second must be positive")
        seconds = max(min_slot_seconds, 1.0 / rate)
        # The epsilon keeps 100/s x 0.1 s at 10, not 9 (float rounding).
        return cls(seconds=seconds, cap=max(1, math.floor(rate * seconds + 1e-9)))

    def slot_at(self, now: float) -> int:
        # The epsilon puts the slot's start time in that slot (0.8 / 0.1 is 7.999...).
        return math.floor(now / self.seconds + 1e-9)

    def start_of(self, slot: int) -> float:
        return slot * self.seconds


class SlotRateLimiter:
    """A `RateLimiter` over a shared `SlotCounter`; one per dispatcher process."""

    def __init__(
        self,
        counter: SlotCounter,
        sender: str,
        rate: float,
        *,
        min_slot_seconds: float = 0.1,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.counter = counter
        self.sender = sender
        self.plan = SlotPlan.for_rate(rate, min_slot_seconds)
        self._clock = clock
        self._sleep = sleep
        # One thread at a time refills from the shared counter: the others queue on the lock
        # instead of all writing to the same DynamoDB item at the start of a slot.
        self._lock = threading.Lock()
        self._slot = -1
        self._left = 0
        self._waiting_lock = threading.Lock()
        self._waiting = 0  # threads in acquire(), including the one refilling

    def acquire(self) -> Permit:
        permit = self.acquire_within(None)
        assert permit is not None  # no deadline: waits as long as it takes
        return permit

    def acquire_within(self, max_wait: float | None) -> Permit | None:
        """A permit, or None when none comes free within `max_wait` seconds (None: wait as
        long as it takes). For a sender that can put its work back (a queued message) rather
        than hold a thread while the lane is busy."""
        deadline = None if max_wait is None else self._clock() + max_wait
        with self._waiting_lock:
            self._waiting += 1
        try:
            return self._acquire(deadline)
        finally:
            with self._waiting_lock:
                self._waiting -= 1

    def _acquire(self, deadline: float | None) -> Permit | None:
        with self._lock:
            while True:
                slot = self.plan.slot_at(self._clock())
                if slot == self._slot and self._left > 0:
                    self._left -= 1
                    return Permit(slot)
                # Take only as many as there are threads asking: permits taken and not used
                # (a batch ending, its last threads idle) would be lost to the other processes.
                want = max(1, min(self.plan.cap, self._waiting))
                granted = self.counter.take(
                    self.sender, slot, want, self.plan.cap, self.plan.start_of(slot + 1)
                )
                self._slot, self._left = slot, granted
                if granted:
                    self._left -= 1
                    return Permit(slot)
                if deadline is not None and self.plan.start_of(slot + 1) > deadline:
                    return None
                self._wait_for(slot + 1)

    def refund(self, permit: Permit) -> None:
        # Only a permit of the slot this process is handing out can still be used: it goes
        # back to the local pool (no shared write). A past slot's permit is simply lost.
        with self._lock:
            if permit.slot == self._slot == self.plan.slot_at(self._clock()):
                self._left += 1

    def _wait_for(self, slot: int) -> None:
        wait = self.plan.start_of(slot) - self._clock()
        if wait > 0:
            self._sleep(wait)


class InProcessSlotCounter:
    """`SlotCounter` in memory, for tests, the bench and a single process (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._used: dict[tuple[str, int], int] = {}

    def take(self, sender: str, slot: int, want: int, cap: int, slot_end: float) -> int:
        with self._lock:
            used = self._used.get((sender, slot), 0)
            granted = max(0, min(want, cap - used))
            self._used[(sender, slot)] = used + granted
            self._forget_before(sender, slot)
            return granted

    def _forget_before(self, sender: str, slot: int) -> None:
        # Past slots are never taken from again; keep the dict small over a long run.
        if len(self._used) > 64:
            for key in [k for k in self._used if k[0] == sender and k[1] < slot - 1]:
                del self._used[key]
