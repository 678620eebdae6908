"""Audit log routes: read with filters, verify the chain (auditor, admin); the latest
published anchor (public)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.anchor_store import S3AnchorStore
from rtcc.anchors import LatestAnchor, recorded
from rtcc.api.security import audit, require
from rtcc.audit import AuditLog
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


@router.get("/api/audit/verify", middlewares=_READERS, summary="Recompute the hash chain", tags=["audit"])
def verify_audit() -> AuditVerification:
    log = AuditLog()
    anchors = recorded(S3AnchorStore(), log.chain)
    result = log.verify(anchors)
    audit(router, "audit.verify", "audit-log", detail={"ok": result.ok})  # type: ignore[arg-type]
    return AuditVerification(
        anchors_checked=len(anchors),
        latest_anchor_seq=anchors[-1].seq if anchors else None,
        ok=result.ok,
        checked=result.checked,
        first_broken_seq=result.first_broken_seq,
        reason=result.reason,
        head_seq=result.head_seq,
        head_hash=result.head_hash,
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
