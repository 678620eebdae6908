"""Backoff: full jitter within its bounds, and long waits that are never short."""

from __future__ import annotations

import random

from kvs_ingest.backoff import Backoff, full_jitter


def test_full_jitter_stays_within_zero_and_the_capped_exponential():
    rng = random.Random(7)
    for attempt in range(40):
        ceiling = min(30.0, 0.5 * 2**attempt)
        draws = [full_jitter(attempt, 0.5, 30.0, rng) for _ in range(300)]
        assert all(0.0 <= d <= ceiling for d in draws)
        # Full jitter spreads over the whole range, not just near the ceiling.
        assert min(draws) < ceiling * 0.1 and max(draws) > ceiling * 0.9


def test_the_delay_grows_with_attempts_and_reset_starts_over():
    backoff = Backoff(base=1.0, cap=8.0, rng=random.Random(3))
    ceilings = [1, 2, 4, 8, 8, 8]
    for ceiling in ceilings:
        assert 0 <= backoff.next_delay() <= ceiling
    assert backoff.attempt == len(ceilings)
    backoff.reset()
    assert backoff.attempt == 0 and backoff.next_delay() <= 1.0


def test_the_long_wait_is_between_half_and_all_of_it():
    backoff = Backoff(long_wait=300, rng=random.Random(5))
    draws = [backoff.long_delay() for _ in range(500)]
    assert all(150 <= d <= 300 for d in draws) and max(draws) - min(draws) > 100
