"""Retry delays: exponential with full jitter, and a long wait for errors retrying cannot fix.

Full jitter (a uniform draw in [0, min(cap, base * 2**attempt)]) spreads a city's agents out
after a shared outage instead of having them all reconnect in the same second. Refused
credentials and a missing stream are not transient: the agent says so once, clearly, and waits
minutes between attempts, never a tight loop that would hammer the credentials endpoint.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


def full_jitter(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """A delay in [0, min(cap, base * 2**attempt)] seconds."""
    ceiling = min(cap, base * (2 ** min(attempt, 32)))
    return (rng or random).uniform(0.0, ceiling)


@dataclass
class Backoff:
    base: float = 0.5
    cap: float = 30.0
    #: Wrong credentials, a deleted stream, a KMS key the stream cannot use: minutes, not seconds.
    long_wait: float = 300.0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def next_delay(self) -> float:
        delay = full_jitter(self.attempt, self.base, self.cap, self.rng)
        self.attempt += 1
        return delay

    def long_delay(self) -> float:
        """Between long_wait/2 and long_wait: jittered too, never shorter than half of it."""
        self.attempt += 1
        return self.rng.uniform(self.long_wait / 2, self.long_wait)

    def reset(self) -> None:
        self.attempt = 0
