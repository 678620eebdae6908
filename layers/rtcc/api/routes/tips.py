"""Tips routes: the officer inbox (officer and up) and the public web-tip endpoints.

Public endpoints live under /api/public/ (a public API Gateway resource) and identify the
tipster only by tip code + passphrase, sent in the body so they never land in access logs.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.api.security import AuditedWrite, audit, principal, require
from rtcc.auth import Role
from rtcc.models.tips import (
    TIP_CODE_PATTERN,
    TIP_CODES_PATTERN,
    AddInformationIn,
    AddInformationOut,
    FollowUpIn,
    FollowUpOut,
    TipBlockOut,
    TipDetail,
    TipExport,
    TipFeed,
    TipList,
    TipMediaOut,
    TipMessageOut,
    TipNote,
    TipOptions,
    TipReplyIn,
    TipReplyOut,
    TipSummaries,
    TipSummary,
    TipUpdate,
    UploadConfirmedOut,
    UploadFormOut,
    WebTipCreatedOut,
    WebTipIn,
)
from rtcc.tips.adapters import default_ports
from rtcc.tips.codes import normalize_tip_code
from rtcc.tips.inbox import (
    CATEGORIES,
    DISPOSITIONS,
    PRIORITIES,
    STATUSES,
    ReplyNotQueued,
    TipChanges,
    TipFilter,
    TipInbox,
)
from rtcc.tips.records import TipUnlockFailed, iso, now_utc
from rtcc.tips.views import MessageView, TipView
from rtcc.tips.web_intake import UNLOCK_FAILED, AttachmentRequest, WebIntake, public_thread

router = APIGatewayRouter()

_OFFICERS = [require(Role.OFFICER)]
_SUPERVISORS = [require(Role.SUPERVISOR)]
_CODE = Annotated[str, Path(pattern=TIP_CODE_PATTERN, description="Tip code, e.g. T-4F7K")]


def _inbox() -> TipInbox:
    ports = default_ports()
    return TipInbox(ports.store, ports.queues)


def _web() -> WebIntake:
    ports = default_ports()
    return WebIntake(ports.store, ports.queues)


def _summary(tip: TipView) -> TipSummary:
    fields = {k: v for k, v in asdict(tip).items() if k in TipSummary.model_fields}
    return TipSummary(**{**fields, "keywords": list(tip.keywords), "has_location": tip.has_location})


def _message(m: MessageView) -> TipMessageOut:
    fields = {k: v for k, v in asdict(m).items() if k in TipMessageOut.model_fields}
    return TipMessageOut(**{**fields, "media_ids": list(m.media_ids)})


def _detail(inbox: TipInbox, code: str) -> TipDetail:
    # A block shows to supervisors only, on the tip it was made from: an officer who saw
    # it on every tip of a blocked number would learn which tips share a sender.
    supervisor = principal(router).has_any([Role.SUPERVISOR])  # type: ignore[arg-type]
    view = inbox.detail(code, show_block=supervisor)
    tip = view.tip
    return TipDetail(
        **_summary(tip).model_dump(),
        version=tip.version,
        latitude=tip.latitude,
        longitude=tip.longitude,
        closed_at=tip.closed_at,
        purge_on=tip.purge_on,
        blocked=view.blocked,
        messages=[_message(m) for m in view.messages],
        media=[TipMediaOut(**m) for m in view.media],
        notes=[TipNote(**n) for n in tip.notes],
    )


# --- officer inbox ---------------------------------------------------------------------------
@router.get(
    "/api/tips/options",
    middlewares=_OFFICERS,
    summary="Values the inbox filters and forms offer",
    tags=["tips"],
)
def tip_options() -> TipOptions:
    return TipOptions(
        statuses=list(STATUSES),
        priorities=list(PRIORITIES),
        categories=list(CATEGORIES),
        dispositions=list(DISPOSITIONS),
    )


@router.get("/api/tips", middlewares=_OFFICERS, summary="List tips, newest activity first", tags=["tips"])
def list_tips(
    status: Annotated[str | None, Query(pattern="^(new|triaged|assigned|closed)$")] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    priority: Annotated[str | None, Query(pattern="^(low|normal|high|urgent)$")] = None,
    since: Annotated[
        str | None, Query(max_length=40, description="UTC ISO 8601: activity at or after")
    ] = None,
    until: Annotated[str | None, Query(max_length=40, description="UTC ISO 8601: activity before")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Words that must all appear in the tip")
    ] = None,
    before: Annotated[
        str | None, Query(max_length=80, description="`next_before` of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TipList:
    page = _inbox().list(
        TipFilter(
            status=status,
            category=category,
            priority=priority,
            since=since,
            until=until,
            q=q,
            before=before,
            limit=limit,
        )
    )
    if q and q.strip():
        # The list shows previews of what matched: a search is a read of tips. The entry says
        # that one happened and how much it found, never what was searched for.
        audit(
            router,  # type: ignore[arg-type]
            "tip.search",
            "tips",
            detail={"results": len(page.tips), "more": page.next_before is not None},
        )
    return TipList(
        tips=[_summary(t) for t in page.tips], next_before=page.next_before, feed_cursor=page.feed_cursor
    )


@router.get(
    "/api/tips/feed",
    middlewares=_OFFICERS,
    summary="Tips with activity since a cursor (the live feed's channel 'tips', as tips)",
    tags=["tips"],
)
def tip_feed(after: Annotated[str, Query(min_length=10, max_length=80)]) -> TipFeed:
    page = _inbox().feed(after)
    return TipFeed(tips=[_summary(t) for t in page.tips], cursor=page.cursor, reset=page.reset)


@router.get(
    "/api/tips/summaries",
    middlewares=_OFFICERS,
    summary="List rows of the tips named (what the console shows for the live feed's items)",
    tags=["tips"],
)
def tip_summaries(
    # 100 codes of up to 10 characters and their commas (TIP_CODES_PATTERN).
    codes: Annotated[str, Query(pattern=TIP_CODES_PATTERN, max_length=1099, description="T-4F7K,T-9XK2,...")],
) -> TipSummaries:
    # The list's rows (no thread, no notes), but for tips named by code, old ones included:
    # a targeted read, audited like a search (how many, not which).
    tips = _inbox().summaries(codes.split(","))
    audit(router, "tip.summaries", "tips", detail={"asked": codes.count(",") + 1, "results": len(tips)})  # type: ignore[arg-type]
    return TipSummaries(tips=[_summary(t) for t in tips])


@router.get(
    "/api/tips/<code>", middlewares=_OFFICERS, summary="A tip with its thread and media", tags=["tips"]
)
def get_tip(code: _CODE) -> TipDetail:
    detail = _detail(_inbox(), code)
    audit(router, "tip.view", code)  # type: ignore[arg-type]
    return detail


@router.patch(
    "/api/tips/<code>",
    middlewares=_OFFICERS,
    summary="Triage: status, assignment, category, ...",
    tags=["tips"],
)
def update_tip(code: _CODE, body: TipUpdate) -> TipDetail:
    who = principal(router)  # type: ignore[arg-type]
    sent = body.model_fields_set - {"version"}
    changes = TipChanges(
        status=body.status,
        priority=body.priority,
        category=body.category,
        disposition=body.disposition,
        assignee=body.assignee,
        case_number=body.case_number,
        note=body.note,
        spam_suspected=body.spam_suspected,
        cleared={name for name in sent if getattr(body, name) is None},
    )
    inbox = _inbox()
    # The entry goes in right before the save, with exactly what will change (AuditedWrite).
    with AuditedWrite(router, "tip.update", code) as entry:  # type: ignore[arg-type]
        _, changed = inbox.update(
            code,
            changes,
            who.username,
            body.version,
            before_write=lambda tip, fields: entry.intend(
                case_number=tip.case_number, detail={"fields": fields, "status": tip.status}
            ),
        )
    if not changed:
        # The answer is the whole tip (thread, notes, media links): an unchanged PATCH is a view.
        audit(router, "tip.view", code, detail={"via": "update"})  # type: ignore[arg-type]
    return _detail(inbox, code)


@router.post("/api/tips/<code>/replies", middlewares=_OFFICERS, summary="Reply to the tipster", tags=["tips"])
def reply_to_tipster(code: _CODE, body: TipReplyIn) -> TipReplyOut:
    who = principal(router)  # type: ignore[arg-type]
    with AuditedWrite(router, "tip.reply", code) as entry:  # type: ignore[arg-type]
        try:
            message = _inbox().reply(
                code,
                body.text,
                who.username,
                before_write=lambda m: entry.intend(detail={"channel": m.channel}),
            )
        except ReplyNotQueued:
            # Stored (as failed, shown in the thread) but not sent: the entry stands, a
            # second one says it was not queued; answered like any other domain error.
            entry.applied()
            audit(router, "tip.reply.not_queued", code)  # type: ignore[arg-type]
            raise
    return TipReplyOut(message=_message(message))


@router.post(
    "/api/tips/<code>/block", middlewares=_SUPERVISORS, summary="Block this tip's sender", tags=["tips"]
)
def block_sender(code: _CODE) -> TipBlockOut:
    who = principal(router)  # type: ignore[arg-type]
    with AuditedWrite(router, "tip.block", code) as entry:  # type: ignore[arg-type]
        _inbox().set_blocked(code, True, who.username, before_write=entry.intend)
    return TipBlockOut(code=code, blocked=True)


@router.delete(
    "/api/tips/<code>/block", middlewares=_SUPERVISORS, summary="Unblock this tip's sender", tags=["tips"]
)
def unblock_sender(code: _CODE) -> TipBlockOut:
    who = principal(router)  # type: ignore[arg-type]
    with AuditedWrite(router, "tip.unblock", code) as entry:  # type: ignore[arg-type]
        _inbox().set_blocked(code, False, who.username, before_write=entry.intend)
    return TipBlockOut(code=code, blocked=False)


@router.get(
    "/api/tips/<code>/export",
    middlewares=_OFFICERS,
    summary="Export a tip (JSON, with media hashes)",
    tags=["tips"],
)
def export_tip(code: _CODE) -> TipExport:
    who = principal(router)  # type: ignore[arg-type]
    detail = _detail(_inbox(), code)
    audit(router, "tip.export", code, case_number=detail.case_number)  # type: ignore[arg-type]
    return TipExport(exported_at=iso(now_utc()), exported_by=who.username, tip=detail)


# --- public web tips ---------------------------------------------------------------------------
def _code(value: str) -> str:
    code = normalize_tip_code(value)
    if code is None:
        # Same answer as a wrong passphrase: the endpoint does not confirm which codes exist.
        raise TipUnlockFailed(UNLOCK_FAILED)
    return code


def _uploads(forms) -> list[UploadFormOut]:  # noqa: ANN001
    return [
        UploadFormOut(media_id=f.media_id, url=f.url, fields=f.fields, expires_at=f.expires_at) for f in forms
    ]


@router.post("/api/public/tips", summary="Submit an anonymous web tip (no login)", tags=["tips-public"])
def create_web_tip(body: WebTipIn) -> WebTipCreatedOut:
    created = _web().create(
        body.text,
        body.latitude,
        body.longitude,
        [AttachmentRequest(a.content_type, a.size) for a in body.attachments],
    )
    return WebTipCreatedOut(
        code=created.code, passphrase=created.passphrase, uploads=_uploads(created.uploads)
    )


@router.post(
    "/api/public/tips/follow-up", summary="Read a web tip's thread (code + passphrase)", tags=["tips-public"]
)
def follow_up(body: FollowUpIn) -> FollowUpOut:
    code = _code(body.code)
    tip, messages, media = _web().thread(code, body.passphrase)
    return FollowUpOut(code=code, open=tip.status != "closed", thread=public_thread(messages, media))


@router.post("/api/public/tips/messages", summary="Add information to a web tip", tags=["tips-public"])
def add_information(body: AddInformationIn) -> AddInformationOut:
    code = _code(body.code)
    forms = _web().add_information(
        code,
        body.passphrase,
        body.text,
        [AttachmentRequest(a.content_type, a.size) for a in body.attachments],
    )
    return AddInformationOut(code=code, uploads=_uploads(forms))


@router.post(
    "/api/public/tips/uploads/<media_id>/confirm",
    summary="Tell us an attachment upload finished",
    tags=["tips-public"],
)
def confirm_upload(
    media_id: Annotated[str, Path(pattern=r"^W[0-9a-f]{16}$")], body: FollowUpIn
) -> UploadConfirmedOut:
    code = _code(body.code)
    media = _web().confirm_upload(code, body.passphrase, media_id)
    return UploadConfirmedOut(media_id=media_id, state=media.state)
