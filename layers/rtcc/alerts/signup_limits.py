"""How often the signup page may make the alerts line text anyone.

The page is public: anyone can type anyone's number. So every text a signup is due (a
confirmation, a manage link) is counted before anything is written or sent
(rtcc.alerts.signup_confirm):
- against its number, keyed by the number's keyed hash (never the number): at most
  `per_number` (3) in `number_window_s` (24 h) from the first; past that the signup is
  dropped (no write, no text), so one number cannot be text-bombed from the page;
- against the whole city: at most `per_hour` in an hour, a breaker against a flood spread
  over many numbers; past it signups are dropped too, counted (metric `AlertSignupTexts`,
  outcome `breaker`) and alarmed on.
A repeat that texts nothing (inside the duplicate window) counts nothing.
Either way the page's answer is the same 202: the limits are the phone's business, never
the page's.

Each count is one atomic counter with a window (`WindowCounters`): DynamoDB deployed
(`rtcc.alerts.signup_limits_dynamodb`), in memory for units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class WindowCounters(Protocol):
    def take(self, key: str, limit: int, window_s: int, now: float) -> bool:
        """Count one under `key` if fewer than `limit` were counted in its window (which
        starts at the first count and lasts `window_s`); False, counting nothing, if not."""
        ...

    def give_back(self, key: str, now: float) -> None:
        """Uncount one counted in `key`'s running window (never below zero)."""
        ...


@dataclass(frozen=True)
class SignupLimits:
    counters: WindowCounters
    per_hour: int  # the whole city's signups an hour
    per_number: int = 3
    number_window_s: int = 86_400

    def refusal(self, number_mac: str, now: float) -> str | None:
        """None if this signup may go on (and counts it); else why not: "capped" (its
        number's cap) or "breaker" (the city's). The number first: a number past its cap
        spends nothing of the city's hour."""
        if not self.counters.take(f"number#{number_mac}", self.per_number, self.number_window_s, now):
            return "capped"
        if not self.counters.take("city", self.per_hour, 3600, now):
            return "breaker"
        return None

    def give_back(self, number_mac: str, now: float) -> None:
        """Uncount a signup counted by `refusal` that sends nothing after all (the line was
        busy: the ticket goes back to the queue and is counted again when it returns)."""
        self.counters.give_back(f"number#{number_mac}", now)
        self.counters.give_back("city", now)


class MemoryWindowCounters:
    """`WindowCounters` in a dict, with DynamoDB's semantics (rtcc.alerts.signup_limits_dynamodb)."""

    def __init__(self) -> None:
        self.counts: dict[str, tuple[int, float]] = {}  # key -> (count, window end)

    def take(self, key: str, limit: int, window_s: int, now: float) -> bool:
        n, until = self.counts.get(key, (0, now))
        if until <= now:
            n, until = 0, now + window_s
        if n >= limit:
            return False
        self.counts[key] = (n + 1, until)
        return True

    def give_back(self, key: str, now: float) -> None:
        n, until = self.counts.get(key, (0, now))
        if until > now and n > 0:
            self.counts[key] = (n - 1, until)
