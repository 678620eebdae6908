"""Audit log routes: read with filters, verify the chain (auditor, admin); the latest
published anchor (public)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.anchor_store import S3AnchorStore
from rtcc.anchors import LatestAnchor, latest_full_check, recorded
from rtcc.api.security import audit, require
from rtcc.audit import AuditLog
from rtcc.audit_archive import copied_entries
from rtcc.auth import Role
from rtcc.errors import NotFound
from rtcc.models.platform import AuditEntryOut, AuditPage, AuditVerification, PublicAnchor

router = APIGatewayRouter()

_READERS = [require(Role.AUDITOR, Role.ADMIN)]


@router.get("/api/audit", middlewares=_READERS, summary="Read audit entries", tags=["audit"])
def read_audit(
    actor: Annotated[str | None, Query(max_length=128)] = None,
    action: Annotated[str | None, Query(max_length=128)] = None,
    target: Annotated[
        str | None, Query(max_length=256, description="Exact target or a prefix ending in *")
    ] = None,
    since: Annotated[str | None, Query(description="UTC ISO 8601; entries at or after")] = None,
    until: Annotated[str | None, Query(description="UTC ISO 8601; entries before")] = None,
    after_seq: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    newest_first: Annotated[bool, Query()] = False,
) -> AuditPage:
    log = AuditLog()
    page: list[AuditEntryOut] = []
    last_seq: int | None = None
    more = False
    # The chain partition is read in key order from the cursor (newest first: the cursor
    # bounds from above); filters apply as it streams, and the page stops at `limit`
    # matches so a reader cannot pull the whole log at once.
    if newest_first:
        entries = log.entries(before_seq=after_seq or None, newest_first=True)
    else:
        entries = log.entries(after_seq=after_seq)
    for entry in entries:
        if len(page) == limit:
            more = True
            break
        last_seq = entry.seq
        if actor and entry.actor != actor:
            continue
        if action and entry.action != action:
            continue
        if target and not (
            entry.target.startswith(target[:-1]) if target.endswith("*") else entry.target == target
        ):
            continue
        if since and entry.at < since:
            continue
        if until and entry.at >= until:
            continue
        page.append(AuditEntryOut(**entry.as_dict()))
    audit(router, "audit.read", "audit-log", detail={"returned": len(page)})  # type: ignore[arg-type]
    return AuditPage(entries=page, next_after_seq=last_seq if more else None)


@router.get(
    "/api/audit/verify",
    middlewares=_READERS,
    summary="Verify the chain since the newest anchor against its write-once copy",
    description="Incremental: from the newest published anchor (verified against the write-once copy "
    "before it was published) to the head, each entry's links and hash and its equality with the "
    "copy. `from_seq`..`head_seq` is the range covered; the whole chain is verified daily by the "
    "audit-anchor function (`full_check_at`, `full_check_ok`) and by `rtcc audit verify`.",
    tags=["audit"],
)
def verify_audit() -> AuditVerification:
    log, store = AuditLog(), S3AnchorStore()
    anchors = recorded(store, log.chain)
    start = anchors[-1] if anchors else None
    after = start.seq - 1 if start else 0
    result = log.verify(copy=copied_entries(store, log.chain, after_seq=after), start=start)
    # What lies before the newest anchor is covered by the daily full check: say when it ran.
    week_ago = (datetime.now(UTC) - timedelta(days=7)).date().isoformat()
    full = latest_full_check(store, log.chain, since=week_ago)
    audit(  # type: ignore[arg-type]
        router, "audit.verify", "audit-log", detail={"ok": result.ok, "from_seq": result.from_seq}
    )
    return AuditVerification(
        anchors_checked=1 if start else 0,
        latest_anchor_seq=start.seq if start else None,
        from_seq=result.from_seq,
        uncopied=result.uncopied,
        ok=result.ok,
        checked=result.checked,
        first_broken_seq=result.first_broken_seq,
        reason=result.reason,
        head_seq=result.head_seq,
        head_hash=result.head_hash,
        full_check_at=full.at if full else None,
        full_check_ok=full.ok if full else None,
    )


@router.get(
    "/api/public/audit/anchor",
    summary="The newest published head of the audit chain (public)",
    description="Anyone may record this (seq and hash) and later ask the city to run "
    "`rtcc audit verify --expect SEQ:SHA256`: a chain cut short or rewritten at or below it fails. "
    "Published hourly to an Object Lock bucket; it names no person, record or action.",
    tags=["audit"],
)
def latest_anchor() -> PublicAnchor:
    found = _latest().get()
    if found is None:
        raise NotFound("anchor: nothing has been published yet")
    anchor, count = found
    return PublicAnchor(chain=_latest().chain, seq=anchor.seq, entry_hash=anchor.entry_hash, anchors=count)


@lru_cache(maxsize=1)
def _latest() -> LatestAnchor:
    # One per container: later requests list only anchors newer than the last one seen.
    return LatestAnchor(S3AnchorStore(), AuditLog().chain)
