"""Publishing the audit chain's head where nobody can change it afterwards.

A hash chain proves only that it agrees with itself: whoever can write the table can
rewrite an entry and recompute every hash after it, or cut the tail off. So every hour
the `audit-anchor` function writes the current head to the anchors bucket, which is
under S3 Object Lock in compliance mode: until the retention ends, no one (an account
administrator included) can delete or overwrite an anchor.

The anchor is the object key itself, `anchors/<chain>/<seq:012d>-<sha256>.json`, so
verification reads every anchor with a bucket listing alone. `AuditLog.verify` then
checks each against the chain: a rewritten entry at or below an anchor, or a tail cut
off below one, fails there. An anchor someone added by hand matches nothing and fails
too. Before publishing, the chain since the previous anchor is verified against the
write-once copy of its entries (rtcc.audit_archive): a forged head is refused, never
anchored. Nothing here calls AWS: the bucket is behind `AnchorStore`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Protocol

from rtcc.audit import Anchor, AuditEntry, AuditLog, VerifyResult, utc_now

logger = logging.getLogger(__name__)

PREFIX = "anchors/"
_KEY = re.compile(r"^anchors/(?P<chain>[^/]+)/(?P<seq>\d{12})-(?P<hash>[0-9a-f]{64})\.json$")


class AnchorStore(Protocol):
    def put(self, key: str, body: bytes) -> None: ...

    def exists(self, key: str) -> bool: ...

    def keys(self, prefix: str, start_after: str | None = None) -> Iterable[str]:
        """Keys under `prefix` in key order, only those after `start_after` when given."""
        ...


def anchor_key(chain: str, anchor: Anchor) -> str:
    return f"{PREFIX}{chain}/{anchor.seq:012d}-{anchor.entry_hash}.json"


def parse_key(key: str) -> tuple[str, Anchor] | None:
    match = _KEY.match(key)
    if not match:
        return None
    return match["chain"], Anchor(int(match["seq"]), match["hash"])


class AnchorRefused(Exception):
    """The chain since the previous anchor does not verify (or differs from its
    write-once copy): publishing its head would vouch for a forgery."""

    def __init__(self, result: VerifyResult) -> None:
        super().__init__(f"entry {result.first_broken_seq}: {result.reason}")
        self.result = result


def publish(
    log: AuditLog, store: AnchorStore, copy: Callable[[int], Iterable[AuditEntry]] | None = None
) -> Anchor | None:
    """Verify the chain from the newest published anchor to the head (against
    `copy(after_seq)`, the write-once copy of the entries after after_seq), then write the verified
    head as an anchor (once per head): with a copy, the newest entry that has one. The
    previous anchor when nothing newer is copied yet, None for an empty chain; AnchorRefused, with
    nothing written, when the chain does not verify."""
    published = recorded(store, log.chain)
    previous = published[-1] if published else None
    after = previous.seq - 1 if previous else 0
    result = log.verify(copy=copy(after) if copy else None, start=previous)
    if not result.ok:
        raise AnchorRefused(result)
    # Only up to the newest entry compared equal to its copy: an entry not copied yet (its
    # minute of grace) could have been rewritten before the copy lands, and an anchor on it
    # would lock the forgery in. The rest is anchored at the next run.
    seq, digest = (result.copied_seq, result.copied_hash) if copy else (result.head_seq, result.head_hash)
    if seq == 0:
        return previous
    anchor = Anchor(seq, digest)
    key = anchor_key(log.chain, anchor)
    if not store.exists(key):
        entry = next(log.entries(after_seq=anchor.seq - 1, limit=1))
        body = {
            "chain": log.chain,
            "seq": anchor.seq,
            "entry_hash": anchor.entry_hash,
            "entry_at": entry.at,
            "verified_from_seq": result.from_seq,
            "published_at": utc_now(),
        }
        store.put(key, json.dumps(body, sort_keys=True).encode())
    return anchor


def recorded(store: AnchorStore, chain: str) -> tuple[Anchor, ...]:
    """Every anchor published for `chain`, oldest first."""
    anchors = []
    for key in store.keys(f"{PREFIX}{chain}/"):
        parsed = parse_key(key)
        if parsed is None or parsed[0] != chain:
            logger.warning("audit anchors: ignoring an object that is not an anchor: %s", key)
            continue
        anchors.append(parsed[1])
    return tuple(sorted(anchors, key=lambda a: a.seq))


class LatestAnchor:
    """The newest published anchor of a chain, for a public page read many times an hour.

    Keys sort by seq (zero-padded), so after one full listing each later call lists only
    what came after the newest key it has seen: one short request however many anchors
    years of publishing have left in the bucket."""

    def __init__(self, store: AnchorStore, chain: str) -> None:
        self.store = store
        self.chain = chain
        self._newest_key: str | None = None
        self._count = 0

    def get(self) -> tuple[Anchor, int] | None:
        """(newest anchor, how many are published), or None before the first."""
        for key in self.store.keys(f"{PREFIX}{self.chain}/", start_after=self._newest_key):
            parsed = parse_key(key)
            if parsed is not None and parsed[0] == self.chain:
                self._newest_key = key
                self._count += 1
        if self._newest_key is None:
            return None
        parsed = parse_key(self._newest_key)
        assert parsed is not None
        return parsed[1], self._count


# --- the daily full check ---------------------------------------------------------------
# Each hourly run verifies only since the previous anchor, and `GET /api/audit/verify` only
# since the newest one: a rewrite below them would wait for a manual `rtcc audit verify`.
# So once a day (the first hourly run of each UTC day, again each hour until one passes)
# the anchor function verifies the whole chain against every anchor and the whole copy,
# and records the outcome as `checks/<chain>/<at>-<ok|failed>.json`, a prefix only it
# may write (and Object Lock keeps).
CHECKS_PREFIX = "checks/"
_CHECK_KEY = re.compile(r"^checks/(?P<chain>[^/]+)/(?P<at>[0-9T:.\-]+Z)-(?P<outcome>ok|failed)\.json$")


@dataclass(frozen=True)
class FullCheck:
    at: str
    ok: bool


def full_check_due(store: AnchorStore, chain: str, now: str) -> bool:
    """True until a full check passed on `now`'s UTC day."""
    today = f"{CHECKS_PREFIX}{chain}/{now[:10]}"
    return not any(key.endswith("-ok.json") for key in store.keys(today))


def full_check(
    log: AuditLog, store: AnchorStore, copy: Callable[[int], Iterable[AuditEntry]]
) -> VerifyResult:
    """Verify the whole chain against every published anchor and the whole write-once
    copy, and record the outcome (a failure too: its time and reason are evidence)."""
    result = log.verify(recorded(store, log.chain), copy=copy(0))
    at = utc_now()
    body = {k: v for k, v in asdict(result).items() if k != "head_hash"} | {"at": at, "chain": log.chain}
    store.put(
        f"{CHECKS_PREFIX}{log.chain}/{at}-{'ok' if result.ok else 'failed'}.json", json.dumps(body).encode()
    )
    return result


def latest_full_check(store: AnchorStore, chain: str, since: str) -> FullCheck | None:
    """The newest recorded full check at or after `since` (an ISO date or time): a listing
    of the days since then, never a read of every check ever run."""
    newest = None
    for key in store.keys(f"{CHECKS_PREFIX}{chain}/", start_after=f"{CHECKS_PREFIX}{chain}/{since}"):
        match = _CHECK_KEY.match(key)
        if match and match["chain"] == chain:
            newest = FullCheck(match["at"], match["outcome"] == "ok")
    return newest
