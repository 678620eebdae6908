"""Purpose-bound searches of plate reads (`/api/lpr/search`), for officers investigating.

A search names a configured purpose and a case number or it is refused (400 naming the
field: rtcc.lpr.search.plan); the audit entry (who, purpose, case, the query; never the
results) is appended before any read is looked up, so no search runs unrecorded. Reads come
from key Queries with a bounded sort-key range (rtcc.lpr.search_dynamodb), and a read past
retention is never returned.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.api.security import audit, principal, require
from rtcc.auth import Role
from rtcc.errors import DomainError
from rtcc.models.lpr_hits import SearchIn

router = APIGatewayRouter()

_OFFICERS = [require(Role.OFFICER)]


@router.get(
    "/api/lpr/search/purposes", middlewares=_OFFICERS, summary="The purposes a search may name", tags=["lpr"]
)
def search_purposes() -> dict:
    from rtcc.lpr.settings import lpr_settings

    return {"purposes": sorted(lpr_settings().purposes)}


def _time(value: str | None) -> datetime | None:
    """The time, or None for a missing or unreadable one: plan() then refuses it naming the
    field, after the purpose and the case number (what a search needs first)."""
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def _request(body: SearchIn, user: str):  # noqa: ANN202 - rtcc.lpr.search.SearchRequest, imported late
    from rtcc.lpr.geocells import BBox
    from rtcc.lpr.search import SearchRequest

    area = None
    if body.area is not None:
        if len(body.area) != 4:
            raise DomainError("[south, west, north, east]", field="area")
        try:
            area = BBox(*body.area)
        except ValueError as error:
            raise DomainError(str(error).removeprefix("area: "), field="area") from None
    return SearchRequest(
        user=user,
        purpose=body.purpose or "",
        case_number=body.case_number or "",
        start=_time(body.start),  # type: ignore[arg-type] - None is refused by plan()
        end=_time(body.end),  # type: ignore[arg-type]
        plate=body.plate or None,
        mode=body.mode,  # type: ignore[arg-type] - plan() turns the text into a PlateMode or refuses it
        reader_id=body.reader_id or None,
        area=area,
    )


@router.post("/api/lpr/search", middlewares=_OFFICERS, summary="Search plate reads (audited)", tags=["lpr"])
def search_reads(body: SearchIn) -> dict:
    from rtcc.lpr.counts_dynamodb import DynamoCounts
    from rtcc.lpr.search import SearchRefused, audit_detail, plan
    from rtcc.lpr.search_dynamodb import read_view, run
    from rtcc.lpr.settings import lpr_settings

    who = principal(router)  # type: ignore[arg-type]
    settings, now = lpr_settings(), datetime.now(UTC)
    request = _request(body, who.username)
    try:
        search = plan(request, settings.search_rules, now)
    except SearchRefused as refused:
        raise DomainError(refused.reason, field=refused.field) from None
    # Recorded before anything is read: a search that fails halfway is still on the record.
    detail = audit_detail(request, search)
    audit(router, "lpr.search", f"case:{request.case_number}", purpose=request.purpose,  # type: ignore[arg-type]
          case_number=request.case_number, detail=detail)  # fmt: skip
    DynamoCounts().search(now, request.purpose)
    reads, truncated = run(search, settings.retention, now)
    return {"reads": [read_view(r) for r in reads], "lookups": len(search.lookups), "truncated": truncated}
