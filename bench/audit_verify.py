"""Benchmark: verify a 1,000,000-entry audit chain, with the entry-by-entry comparison
against its write-once copy, in process (issue 8 #3).

Generates the chain (as `AuditLog.append` would: each entry's hash over its fields and
the previous hash), stores it as the archiver does (JSON lines, one object per batch of
BENCH_AUDIT_BATCH entries in an in-memory stand-in for the Object Lock bucket), then times
`rtcc.audit.verify_entries` over the chain (decoded from the same JSON the table's pages
would carry) and `rtcc.audit_archive.copied_entries`: both sides decoded, every link and
hash recomputed, every entry compared with its copy. No AWS call: the time is the CPU
cost of verification itself, what `rtcc audit verify` adds to reading the table and bucket.
Writes bench/results/audit_verify.json and prints one line.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "layers"))

from rtcc.audit import GENESIS_HASH, AuditEntry, entry_hash, verify_entries  # noqa: E402
from rtcc.audit_archive import archive, copied_entries, decode  # noqa: E402

from bench.common import write_result  # noqa: E402

ENTRIES = int(os.environ.get("BENCH_AUDIT_ENTRIES", "1000000"))
BATCH = int(os.environ.get("BENCH_AUDIT_BATCH", "500"))  # the archiver's stream batch size
AT = "2026-01-01T00:00:00.000Z"


class MemoryStore:
    """The anchors bucket's entries/ prefix, in memory."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, body: bytes) -> None:
        self.objects[key] = body

    def get(self, key: str) -> bytes:
        return self.objects[key]

    def exists(self, key: str) -> bool:
        return key in self.objects

    def keys(self, prefix: str, start_after: str | None = None) -> list[str]:
        return sorted(
            k for k in self.objects if k.startswith(prefix) and (not start_after or k > start_after)
        )


def generate(n: int) -> Iterator[AuditEntry]:
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        fields = {
            "seq": seq,
            "at": AT,
            "actor": f"officer-{seq % 40}",
            "role": "officer",
            "action": "tip.view",
            "target": f"tip/T-{seq % 9973:05d}",
            "purpose": "triage",
            "case_number": None,
            "request_id": f"req-{seq}",
            "detail": {"status": "open"},
            "prev_hash": prev,
        }
        fields["entry_hash"] = prev = entry_hash(fields)
        yield AuditEntry(**fields)


def build(store: MemoryStore) -> None:
    batch: list[AuditEntry] = []
    for entry in generate(ENTRIES):
        batch.append(entry)
        if len(batch) == BATCH:
            archive(store, "main", batch)
            batch = []
    if batch:
        archive(store, "main", batch)


def chain(store: MemoryStore) -> Iterator[AuditEntry]:
    """The chain as the table's pages would yield it (decoded, in seq order)."""
    for key in store.keys("entries/main/"):
        yield from decode(store.get(key))


def main() -> None:
    store = MemoryStore()
    started = time.perf_counter()
    build(store)
    built_s = time.perf_counter() - started
    started = time.perf_counter()
    result = verify_entries(chain(store), copy=copied_entries(store, "main"))
    seconds = time.perf_counter() - started
    assert result.ok and result.checked == ENTRIES, result
    rate = ENTRIES / seconds
    write_result(
        "audit_verify",
        {
            "entries": ENTRIES,
            "copy_objects": len(store.objects),
            "verify_seconds": round(seconds, 2),
            "entries_per_second": round(rate),
            "generate_seconds": round(built_s, 2),
            "load_average": os.getloadavg()[0],
        },
        summary=f"audit verify: {ENTRIES:,} entries with the write-once copy compared in {seconds:.1f} s "
        f"({rate:,.0f} entries/s; {len(store.objects):,} copy objects of {BATCH}; "
        f"load {os.getloadavg()[0]:.1f})",
    )


if __name__ == "__main__":
    main()
