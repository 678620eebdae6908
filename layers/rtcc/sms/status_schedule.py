"""When the local outbox posts its status callbacks: a schedule worked by a few threads.

Twilio posts a message's status callbacks from its own servers, seconds apart. The stand-in
once started a thread per message that slept between steps and posted each; in a fan-out
of thousands the gateway (one process with the whole local stack) answered callbacks more
slowly than texts were sent, the sleeping and waiting threads piled up (16,000 after 9,000
texts), and every part of the stack slowed as they competed for the interpreter. Here each
step is an entry in a time-ordered heap, and a fixed number of workers take the due ones:
the backlog is data, not threads. A message's next step is scheduled only once its previous
callback was posted, so its callbacks keep their order (queued, sent, delivered).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

Job = TypeVar("Job")

#: Workers posting callbacks. The local gateway serves them one function invocation at a
#: time per function, so more workers would only wait for it.
WORKERS = 4


class StatusSchedule(Generic[Job]):
    def __init__(self, run: Callable[[Job], None], workers: int = WORKERS) -> None:
        self._run = run
        self._heap: list[tuple[float, int, Job]] = []
        self._ready = threading.Condition()
        self._order = itertools.count()  # ties at the same time keep their submission order
        self._workers = workers
        self._started = 0

    def after(self, delay_s: float, job: Job) -> None:
        """Run `job` once, `delay_s` from now, on one of the workers."""
        with self._ready:
            heapq.heappush(self._heap, (time.monotonic() + delay_s, next(self._order), job))
            while self._started < self._workers:  # started on first use: importing costs nothing
                self._started += 1
                threading.Thread(target=self._work, name="outbox-status", daemon=True).start()
            self._ready.notify()

    def pending(self) -> int:
        with self._ready:
            return len(self._heap)

    def _next_due(self) -> Job:
        with self._ready:
            while True:
                wait = self._heap[0][0] - time.monotonic() if self._heap else None
                if wait is not None and wait <= 0:
                    return heapq.heappop(self._heap)[2]
                self._ready.wait(timeout=wait)

    def _work(self) -> None:
        while True:
            job = self._next_due()
            try:
                self._run(job)
            except Exception:  # a worker must outlive one bad step, or the outbox goes quiet
                logger.exception("outbox status step failed")
