"""bench/lpr.py at a small size: the figures it reports hold together (no scan, probes within
the bound, listed plates found), so a full run's numbers mean what the README says."""

from __future__ import annotations

import random

from bench import lpr


def test_the_bench_matches_its_listed_plates_without_a_scan(monkeypatch) -> None:
    monkeypatch.setattr(lpr, "PARTIALS", 50)
    rng = random.Random(1)
    entries = lpr.hotlist(rng, 3_000)
    assert sum("*" in e.plate or "?" in e.plate for e in entries) == 50
    result = lpr.matching(entries, lpr.reads(rng, entries, 2_000))
    assert result["scans"] == 0
    assert result["most_probes_per_candidate"] <= result["probe_bound_per_candidate"]
    assert result["candidates"] == 2_000 * lpr.CANDIDATES  # five different guesses each
    assert result["hits"] > 0
