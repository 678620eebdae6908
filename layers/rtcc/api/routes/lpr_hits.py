"""Officers' hotlist hits (`/api/lpr/hits`): a day's hits, one hit, and the verdict on it;
supervisors' acceptance and rejection rates (`/api/lpr/reports/rates`).

Verdicts are audited before they are written (AuditedWrite): who decided what, and the case
number a hit was attached to; never the plate. A stale revision is a 409, a refused field a
400 naming it (rtcc.lpr.hit_review).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.api.security import AuditedWrite, audit, principal, require
from rtcc.auth import Role
from rtcc.errors import Conflict, DomainError, NotFound
from rtcc.lpr.verification import DecisionConflict, DecisionRefused, Rate
from rtcc.models.lpr_hits import VerdictIn

router = APIGatewayRouter()

_OFFICERS = [require(Role.OFFICER)]
_SUPERVISORS = [require(Role.SUPERVISOR)]
_HIT_ID = Annotated[str, Path(pattern=r"^H\d{8}T\d{9}Z-[0-9a-f]{8}$", description="Hit id")]
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _store() -> Any:
    from rtcc.lpr.hits_dynamodb import DynamoReviewStore

    return DynamoReviewStore()


@router.get("/api/lpr/hits", middlewares=_OFFICERS, summary="A day's hotlist hits", tags=["lpr"])
def list_hits(
    day: Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD (UTC)")] = None,
) -> dict:
    from rtcc.lpr.hit_review import hit_view

    if day is None:
        day = datetime.now(UTC).strftime("%Y-%m-%d")
    try:
        if not _DAY.match(day):
            raise ValueError
        datetime.strptime(day, "%Y-%m-%d")
    except ValueError:
        raise DomainError("a UTC day as YYYY-MM-DD", field="day") from None
    from rtcc.feed import LiveFeed

    # Taken before the read and reaching back a little (rtcc.feed.SETTLE): a hit stored
    # while this page was read arrives on the feed, not lost between the two.
    feed_cursor = LiveFeed().start()
    return {"day": day, "hits": [hit_view(h) for h in _store().day(day)], "feed_cursor": feed_cursor}


@router.get("/api/lpr/hits/<hit_id>", middlewares=_OFFICERS, summary="One hotlist hit", tags=["lpr"])
def get_hit(hit_id: _HIT_ID) -> dict:
    from rtcc.lpr.hit_review import day_of, hit_view

    hit = _store().get(day_of(hit_id) or "", hit_id)
    if hit is None:
        raise NotFound("no such hit (or past its retention)", field="hit_id")
    # One vehicle at one place and time, opened on its own (a text's link, a feed item): a
    # sensitive read, audited like a tip's view. The day's list is the watch view, not audited.
    audit(router, "lpr.hit.view", hit_id)  # type: ignore[arg-type]
    return {"hit": hit_view(hit)}


@router.post(
    "/api/lpr/hits/<hit_id>/verdict", middlewares=_OFFICERS, summary="Accept or reject a hit", tags=["lpr"]
)
def decide_hit(hit_id: _HIT_ID, body: VerdictIn) -> dict:
    from rtcc.lpr.counts_dynamodb import DynamoCounts
    from rtcc.lpr.hit_review import VerdictRequest, hit_view, review

    who = principal(router)  # type: ignore[arg-type]
    request = VerdictRequest(body.verdict, body.revision, body.reason, body.note, body.case_number)
    detail = {"verdict": body.verdict, "reason": body.reason, "revision": body.revision}
    try:
        with AuditedWrite(router, "lpr.hit.verdict", hit_id) as entry:  # type: ignore[arg-type]
            store = _AuditedStore(_store(), entry, detail, body.case_number)
            hit = review(store, DynamoCounts(), hit_id, request, who.username, datetime.now(UTC))
    except LookupError:
        raise NotFound("no such hit (or past its retention)", field="hit_id") from None
    except DecisionConflict as conflict:
        raise Conflict(str(conflict).split(": ", 1)[-1], field=conflict.field) from None
    except DecisionRefused as refused:
        raise DomainError(str(refused).split(": ", 1)[-1], field=refused.field) from None
    return {"hit": hit_view(hit)}


class _AuditedStore:
    """The review store with the audit entry appended right before the write: a verdict the
    domain refuses (400) writes nothing and leaves no entry."""

    def __init__(self, store: Any, entry: AuditedWrite, detail: dict, case_number: str | None) -> None:
        self.store, self.entry, self.detail, self.case_number = store, entry, detail, case_number

    def get(self, day: str, hit_id: str) -> Any:
        return self.store.get(day, hit_id)

    def decide(self, hit: Any, decisions: Any, case_number: str | None) -> Any:
        self.entry.intend(detail=self.detail, case_number=self.case_number)
        return self.store.decide(hit, decisions, case_number)


def _rows(rates: dict[str, Rate], key: str) -> list[dict]:
    return [
        {key: ident, "accepted": r.accepted, "rejected": r.rejected, "acceptance": r.acceptance,
         "rejection": r.rejection}
        for ident, r in sorted(rates.items())
    ]  # fmt: skip


@router.get(
    "/api/lpr/reports/rates",
    middlewares=_SUPERVISORS,
    summary="Acceptance and rejection rates per list and per reader",
    tags=["lpr"],
)
def hit_rates() -> dict:
    from rtcc.lpr.counts_dynamodb import DynamoCounts

    rates = DynamoCounts().rates()
    return {"lists": _rows(rates.by_list, "list_id"), "readers": _rows(rates.by_reader, "reader_id")}
