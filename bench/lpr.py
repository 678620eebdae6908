"""Benchmark: license-plate matching (issue 11), the engine in process.

1. Matching: a 1,000,000-entry hotlist (7-character plates across three lists, 10% with an
   expiry, and 1,000 partial BOLO plates in nine shapes officers enter: "ABC1*", "*1234",
   "AB?12?3", "*A1B2*" ...) indexed by `HotlistIndex`; 100,000 reads with 5 different
   candidates each (2% of them a listed plate, look-alikes swapped) matched in batches of 500
   on one thread. Reports reads per second, wall and CPU (target >= 100,000/s), the same
   reads against the full plates alone (what the partial plates' probes cost), the index's
   memory (RSS growth while it is built, the entries themselves excluded), the probes per
   candidate against the documented bound, and scans: 0 (the `ProbeCount` hook counts every
   lookup; a scan would show as probes beyond the bound).
2. Import: a 1,000,000-row AutoVu hotlist FILE (semicolon-delimited, with a header) parsed by
   rtcc.lpr.hotlists.parse_autovu when that module is present (else split here, and the
   result says so) and switched over in a `Hotlists` holder: seconds to parse, to build the
   index, and to swap (one reference assignment).
The local-stack parts are bench/lpr_stack.py (100,000 rows imported through the API) and
bench/lpr_hits.py (read posted -> hit on the officer's feed). Sizes: BENCH_LPR_ENTRIES,
BENCH_LPR_READS. Writes bench/results/lpr.json, prints one line.
"""

from __future__ import annotations

import gc
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "layers"))

from rtcc.lpr.matching import HotlistIndex, Hotlists, ProbeCount  # noqa: E402
from rtcc.lpr.model import Candidate, HotlistEntry, Read  # noqa: E402
from rtcc.lpr.plates import OCR_CLASSES  # noqa: E402

from bench.common import write_result  # noqa: E402

ENTRIES = int(os.environ.get("BENCH_LPR_ENTRIES", "1000000"))
READS = int(os.environ.get("BENCH_LPR_READS", "100000"))
CANDIDATES = 5
BATCH = 500  # reads per match_many call: the ingest's batch limit
PARTIALS = 1000
TARGET_READS_PER_S = 100_000.0
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LETTERS, DIGITS = "ABCDEFGHJKLMNPRSTUVWXYZ", "0123456789"
STATES = ("MA", "NH", "RI", "CT", "NY", "ME", "VT", "QC")
#: The partial plates officers enter, as templates: L a letter, D a digit, kept literally.
#: Each keeps at least 4 plate characters, as a witness's partial plate usually does (a
#: 3-character one flags about one car in a thousand; P3's importer refuses fewer than 3).
PARTIAL_SHAPES = ("LLLD*", "*DDDD", "LL*DDD", "LL?DD?D", "?LLDDDD", "LLL?DD", "*LDLD*", "D?LL?DD", "LLLDD*")


def plate(rng: random.Random) -> str:
    """A plate in one of four 7-character layouts (ABC1234, 1ABC234 ...): 20 to 280 million
    plates each, so a million listed plates are as sparse among the reads as in a state's."""
    layout = rng.choice(("LLLDDDD", "DLLLDDD", "DDDLLLL", "LLDDDDD"))
    return "".join(rng.choice(LETTERS if c == "L" else DIGITS) for c in layout)


def partial(rng: random.Random) -> str:
    shape = rng.choice(PARTIAL_SHAPES)
    return "".join(rng.choice(LETTERS) if c == "L" else rng.choice(DIGITS) if c == "D" else c for c in shape)


def hotlist(rng: random.Random, count: int) -> list[HotlistEntry]:
    lists = ("stolen",) * 7 + ("wanted",) * 2 + ("amber",)
    entries = []
    for i in range(count - PARTIALS):
        expires = NOW + timedelta(days=rng.randint(-30, 300)) if i % 10 == 0 else None
        entries.append(
            HotlistEntry(rng.choice(lists), f"e{i}", plate(rng), rng.choice(STATES), expires_at=expires)
        )
    for i in range(PARTIALS):
        entries.append(HotlistEntry("bolo", f"b{i}", partial(rng), None, priority=10))
    return entries


def confuse(rng: random.Random, text: str) -> str:
    classes = {c: g for g in OCR_CLASSES for c in g}
    return "".join(rng.choice(classes[c]) if c in classes and rng.random() < 0.5 else c for c in text)


def reads(rng: random.Random, entries: list[HotlistEntry], count: int) -> list[Read]:
    out = []
    for i in range(count):
        best = confuse(rng, rng.choice(entries).plate.replace("*", "").replace("?", "7"))
        if rng.random() >= 0.02:
            best = plate(rng)
        cands = tuple(Candidate(p, 90.0 - 5 * k) for k, p in enumerate(candidates(rng, best)))
        out.append(Read("bench", f"r{i}", best, NOW, rng.choice(STATES), 90.0, cands, f"cam-{i % 40}"))
    return out


def candidates(rng: random.Random, best: str) -> list[str]:
    """The recogniser's top 5, all different: look-alike swaps and single-character slips."""
    found = dict.fromkeys([best])
    while len(found) < CANDIDATES:
        i = rng.randrange(len(best))
        slip = best[:i] + rng.choice(LETTERS + DIGITS) + best[i + 1 :]
        found.setdefault(confuse(rng, best) if rng.random() < 0.5 else slip)
    return list(found)


def rss() -> int:
    """Resident bytes now (Linux /proc; the peak from getrusage elsewhere)."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run(index: HotlistIndex, sample: list[Read]) -> tuple[ProbeCount, int, float, float]:
    """Every read through the index in batches of BATCH: probes, hits, wall and CPU seconds."""
    count, hits = ProbeCount(), 0
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(sample), BATCH):
        hits += sum(map(len, index.match_many(sample[i : i + BATCH], NOW, count)))
    return count, hits, time.perf_counter() - started, time.process_time() - cpu


def matching(entries: list[HotlistEntry], sample: list[Read]) -> dict:
    """Part 1: build the index, then every read through it on this one thread."""
    gc.collect()
    before, started = rss(), time.perf_counter()
    index = HotlistIndex(entries, version="bench")
    built = time.perf_counter() - started
    gc.collect()
    index_bytes = rss() - before
    # As a long-lived matcher would after loading its index: the millions of immutable
    # index objects leave the collector's generations, so a collection does not walk them.
    gc.freeze()
    count, hits, elapsed, cpu = run(index, sample)
    # The same reads against the full plates alone: what the partial plates' probes cost.
    plain = HotlistIndex([e for e in entries if "*" not in e.plate and "?" not in e.plate])
    plain_elapsed = run(plain, sample)[2]
    gc.unfreeze()
    bound = max(index.shape_count(n) for n in range(1, 11))  # the worst length's shapes
    return {
        "entries": len(entries),
        "partial_entries": PARTIALS,
        "reads": len(sample),
        "batch": BATCH,
        "candidates": count.candidates,
        "hits": hits,
        "seconds": round(elapsed, 3),
        "reads_per_s": round(len(sample) / elapsed, 1),
        "full_plates_only_reads_per_s": round(len(sample) / plain_elapsed, 1),
        "cpu_seconds": round(cpu, 3),
        "reads_per_cpu_s": round(len(sample) / cpu, 1),  # the same on a machine shared with others
        "index_build_s": round(built, 2),
        "index_mib": round(index_bytes / 2**20, 1),
        "probes_per_candidate": round(count.probes / count.candidates, 2),
        "probe_bound_per_candidate": bound,
        "regex_checks_per_candidate": round(count.checks / count.candidates, 3),
        "most_probes_per_candidate": count.most,
        # A scan would show as probes growing with the entries: none beyond the shape bound.
        "scans": int(count.most > bound),
        "target_reads_per_s": TARGET_READS_PER_S,
    }


def write_file(path: Path, entries: list[HotlistEntry]) -> None:
    """The AutoVu layout: a header, then PlateNumber;PlateState;Category per row."""
    with path.open("w", encoding="utf-8", newline="\r\n") as out:
        out.write("PlateNumber;PlateState;Category\n")
        for e in entries:
            out.write(f"{e.plate};{e.state or ''};{e.list_id}\n")


def parse(path: Path) -> tuple[list[HotlistEntry], int, str]:
    """Entries and rejected rows of the file: P3's parser when present, else a plain split."""
    try:
        from rtcc.lpr.hotlists import ImportOptions, parse_autovu
    except ImportError:
        return _split(path), 0, "split in bench (rtcc.lpr.hotlists absent)"
    entries, rejected = [], 0
    with path.open("rb") as source:
        for row in parse_autovu(source, ImportOptions(list_id="import", max_bytes=2**31)):
            if isinstance(row, HotlistEntry):
                entries.append(row)
            else:
                rejected += 1
    return entries, rejected, "rtcc.lpr.hotlists.parse_autovu"


def _split(path: Path) -> list[HotlistEntry]:
    with path.open(encoding="utf-8-sig") as lines:
        next(lines)
        rows = (line.rstrip("\r\n").split(";") for line in lines)
        return [HotlistEntry("import", f"{p}:{s}", p, s or None, c) for p, s, c in rows]


def importing(entries: list[HotlistEntry]) -> dict:
    """Part 2: the file parsed, indexed, switched over; the previous version serves meanwhile."""
    full = [e for e in entries if "*" not in e.plate and "?" not in e.plate]
    hotlists = Hotlists(HotlistIndex(full[:1000], version="import-0"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hotlist.csv"
        write_file(path, full)
        size = path.stat().st_size
        started = time.perf_counter()
        parsed, rejected, parser = parse(path)
    parsed_at = time.perf_counter()
    index, lists = HotlistIndex(parsed, version="import-1"), {"import": tuple(parsed)}
    built_at = time.perf_counter()
    hotlists.swap(index, lists)  # the switch-over itself: matches see import-0 until here
    swapped_at = time.perf_counter()
    return {
        "rows": len(full),
        "file_mib": round(size / 2**20, 1),
        "parser": parser,
        "entries": len(parsed),
        "rejected": rejected,
        "parse_s": round(parsed_at - started, 2),
        "index_s": round(built_at - parsed_at, 2),
        "swap_us": round((swapped_at - built_at) * 1e6, 1),
        "switch_over_s": round(swapped_at - started, 2),
    }


def main() -> int:
    rng = random.Random(11)
    entries = hotlist(rng, ENTRIES)
    part1 = matching(entries, reads(rng, entries, READS))
    part2 = importing(entries)
    summary = (
        f"lpr: {part1['reads_per_s']:,.0f} reads/s ({part1['entries']:,} entries, {CANDIDATES} candidates, "
        f"target {TARGET_READS_PER_S:,.0f}; {part1['full_plates_only_reads_per_s']:,.0f}/s without the "
        f"partial plates), index {part1['index_mib']} MiB, "
        f"{part1['probes_per_candidate']} probes/candidate (bound {part1['probe_bound_per_candidate']}), "
        f"scans {part1['scans']}; import {part2['rows']:,} rows: switch-over {part2['switch_over_s']} s "
        f"(parse {part2['parse_s']} s, index {part2['index_s']} s, swap {part2['swap_us']} us)"
    )
    write_result("lpr", {"matching": part1, "import": part2}, summary=summary)
    return 0 if part1["reads_per_s"] >= TARGET_READS_PER_S and part1["scans"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
