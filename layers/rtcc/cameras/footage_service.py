"""Footage requests end to end: what the routes call (officers' `/api/footage`, owners'
`/api/public/footage`). Domain rules in rtcc.cameras.footage and rtcc.cameras.evidence; tables,
bucket and queues in rtcc.cameras.footage_dynamodb and rtcc.cameras.evidence_s3; the registry,
owner links and receipts are the registry's (rtcc.cameras.locator_dynamodb, owner_links,
receipts_dynamodb).

Owners see their request by a signed link scoped to it (`request:<id>`): the link is the only
credential, so every owner route checks it first and answers for that owner's notice only.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from rtcc.cameras import evidence, footage
from rtcc.cameras import footage_dynamodb as db
from rtcc.cameras.settings import cameras_settings
from rtcc.errors import Conflict, DomainError, Forbidden
from rtcc.settings import get_settings
from rtcc.store.footage import EvidenceExportRecord, EvidenceRecord, FootageNoticeRecord, FootageRequestRecord


def rules() -> footage.RequestRules:
    s = cameras_settings()
    return footage.RequestRules(
        s.request_max_radius_m,
        s.request_max_hours,
        s.request_days,
        max_owners=s.request_max_owners,
        lookback_days=s.request_lookback_days,
    )


def agency() -> str:
    return get_settings().city_name or "the police department"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def owner_reach(owner_id: str) -> str:
    """ "verified", "unverified" or "paused": from the owner's record as stored in the clear
    (its verified flags and status); the api never opens the sealed contact itself."""
    from rtcc.cameras.owners_dynamodb import OwnerBook

    owner = OwnerBook().get(owner_id)
    if owner is None:
        return "unverified"
    if owner.status == "paused":
        return "paused"
    return "verified" if owner.status == "active" and owner.verified else "unverified"


def record_receipts(
    request: FootageRequestRecord, owner_ids: list[str], action: str, camera: str | None = None
) -> None:
    from rtcc.cameras.receipts import Receipt
    from rtcc.cameras.receipts_dynamodb import receipt_book

    book, now = receipt_book(), _iso(datetime.now(UTC))
    for owner_id in owner_ids:
        book.record(
            Receipt(owner_id, camera, action, request.agency, request.case_number, request.request_id, now)
        )


# --- officers ------------------------------------------------------------------------------
def plan_request(body: object, now: datetime) -> tuple[footage.FootageAsk, footage.OwnerPlan]:
    """Validate (400 at the field), then find the circle's cameras and who to ask: not the
    owners an earlier request for the same case asked (rtcc.cameras.footage_limits_dynamodb)."""
    from rtcc.cameras.footage_limits_dynamodb import asked_before
    from rtcc.cameras.locator_dynamodb import camera_locator

    limits = rules()
    ask = footage.validate_ask(body, limits, now)
    found = [near.camera for near in camera_locator().within(ask.lat, ask.lon, ask.radius_m).cameras]
    owners = footage.owners_in(found, limits.max_owners)  # too many: 400 before any lookup
    asked = asked_before(ask.case_number, owners)
    return ask, footage.plan_owners(found, owner_reach, asked, limits.max_owners)


def count_request(who: str, now: datetime) -> None:
    """One more request of `who` this hour, or 429 (settings `requests_per_hour`)."""
    from rtcc.cameras.footage_limits_dynamodb import take_request

    take_request(who, cameras_settings().requests_per_hour, now)


def create_request(
    ask: footage.FootageAsk, plan: footage.OwnerPlan, who: str, now: datetime
) -> FootageRequestRecord:
    from rtcc.cameras.footage_limits_dynamodb import mark_asked

    request_id, expires = footage.new_request_id(now), _iso(footage.expires_at(now, rules()))
    record = FootageRequestRecord(
        f"{now:%Y-%m}",
        request_id,
        case_number=ask.case_number,
        reason=ask.reason,
        lat=ask.lat,
        lon=ask.lon,
        radius_m=ask.radius_m,
        start=_iso(ask.start),
        end=_iso(ask.end),
        incident_id=ask.incident_id,
        agency=agency(),
        requested_by=who,
        created_at=_iso(now),
        expires_at=expires,
        cameras=plan.cameras,
        owners=len(plan.notify),
        unreachable=len(plan.unreachable),
        paused=len(plan.paused),
    )
    notices = [
        FootageNoticeRecord(request_id, owner_id, camera_ids=cams, created_at=_iso(now), expires_at=expires)
        for owner_id, cams in plan.notify.items()
    ]
    db.save_request(record, notices)
    # Before the texts go out: a crash between the two asks nobody twice, at worst once less.
    mark_asked(ask.case_number, plan.notify, request_id, _iso(now))
    db.send(db.NOTICES_QUEUE, ({"request_id": request_id, "owner_id": o} for o in plan.notify))
    record_receipts(record, list(plan.notify), "requested")
    return record


def request_out(record: FootageRequestRecord, now: datetime) -> dict[str, Any]:
    expired = datetime.fromisoformat(record.expires_at) <= now
    return {
        "request_id": record.request_id,
        "case_number": record.case_number,
        "reason": record.reason,
        "lat": record.lat,
        "lon": record.lon,
        "radius_m": int(record.radius_m),
        "start": record.start,
        "end": record.end,
        "incident_id": record.incident_id,
        "agency": record.agency,
        "requested_by": record.requested_by,
        "created_at": record.created_at,
        "expires_at": record.expires_at,
        "status": "expired" if expired else "open",
        "cameras": int(record.cameras),
        "owners": int(record.owners),
        "unreachable": int(record.unreachable),
        "paused": int(record.paused),
    }


def list_requests(now: datetime, limit: int = 50) -> list[dict[str, Any]]:
    this_month = now.replace(day=1)
    months = [f"{this_month:%Y-%m}", f"{this_month - timedelta(days=1):%Y-%m}"]
    return [request_out(r, now) for r in db.recent_requests(months, limit)]


def evidence_out(item: EvidenceRecord) -> dict[str, Any]:
    return {
        "evidence_id": item.evidence_id,
        "owner_id": item.owner_id,
        "camera_id": item.camera_id,
        "status": item.status,
        "file_name": item.file_name,
        "sha256": item.sha256,
        "size": item.size,
        "content_type": item.content_type,
        "version_id": item.version_id,
        "received_at": item.received_at,
        "refused": item.refused,
    }


def export_out(item: EvidenceExportRecord) -> dict[str, Any]:
    return {
        "export_id": item.export_id,
        "status": item.status,
        "files": item.files,
        "sha256": item.sha256,
        "requested_at": item.requested_at,
        "requested_by": item.requested_by,
        "done_at": item.done_at,
    }


def request_detail(request_id: str, now: datetime) -> dict[str, Any]:
    record = db.get_request(request_id)
    notices = [
        {
            "owner_id": n.owner_id,
            "status": footage.notice_state(n.status, n.expires_at, now),
            "cameras": list(n.camera_ids),
            "notified": n.notified_at is not None,
            "channel": n.channel,
            "answered_at": n.answered_at,
        }
        for n in db.notices_of(request_id)
    ]
    return {
        "request": request_out(record, now),
        "notices": notices,
        "evidence": [evidence_out(e) for e in db.evidence_of(record.case_number, request_id)],
        "exports": [export_out(e) for e in db.exports_of(record.case_number) if e.request_id == request_id],
    }


def start_export(request_id: str, who: str, now: datetime) -> EvidenceExportRecord:
    record = db.get_request(request_id)
    if not any(e.status == "received" for e in db.evidence_of(record.case_number)):
        raise Conflict("no evidence received for this case yet", field="case_number")
    if any(e.status == "queued" for e in db.exports_of(record.case_number)):
        raise Conflict("an export of this case is already queued", field="case_number")
    export = EvidenceExportRecord(
        record.case_number,
        f"ex-{now:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}",
        request_id=request_id,
        status="queued",
        requested_by=who,
        requested_at=_iso(now),
    )
    db.save_export(export)
    db.send(db.EXPORTS_QUEUE, [{"case_number": record.case_number, "export_id": export.export_id}])
    return export


def export_download(request_id: str, export_id: str, now: datetime) -> tuple[str, dict[str, Any]]:
    """A fresh short-lived GET of a ready export's zip, signed per ask (never stored or listed:
    the case's evidence leaves only through this audited door). Returns the case and the link."""
    from rtcc.cameras import evidence_s3

    record = db.get_request(request_id)
    export = db.get_export(record.case_number, export_id)
    if export.request_id != request_id:
        raise Forbidden("this export belongs to another request", field="export_id")
    if export.status != "ready" or not export.s3_key:
        raise Conflict(f"this export is {export.status}", field="export_id")
    expires = now + timedelta(seconds=evidence_s3.EXPORT_URL_S)
    url = evidence_s3.export_url(str(export.s3_key), str(export.version_id or ""))
    return record.case_number, {
        "export_id": export_id,
        "url": url,
        "url_expires_at": _iso(expires),
        "sha256": export.sha256,
    }


# --- owners (by their link) ----------------------------------------------------------------
def owner_of(token: str | None, request_id: str) -> str:
    """The owner a request link names, or 401/403/410 (rtcc.cameras.owner_links)."""
    from rtcc.cameras import owner_links
    from rtcc.errors import Unauthorized

    footage.month_of(request_id)  # 404 for what is not a request id, before any crypto
    try:
        owner_id = owner_links.verify(token, f"request:{request_id}")
    except Unauthorized:
        # A genuine portal link is the owner's, but not for this: say so (403), not "forged".
        try:
            owner_links.verify(token, "portal")
        except DomainError:
            raise Unauthorized("not a valid request link", field="X-Owner-Link") from None
        raise Forbidden("this link is not for this request", field="X-Owner-Link") from None
    return _still_registered(owner_id)


def _still_registered(owner_id: str) -> str:
    """A signed link outlives its owner: after "delete everything" it must open nothing (410)."""
    from rtcc.cameras.owners_dynamodb import OwnerBook
    from rtcc.errors import Gone

    if OwnerBook().get(owner_id) is None:  # one GetItem of camera-owners
        raise Gone("this registration no longer exists", field="X-Owner-Link")
    return owner_id


def owner_view(request_id: str, owner_id: str, now: datetime) -> dict[str, Any]:
    record, notice = db.get_request(request_id), db.get_notice(request_id, owner_id)
    return {
        "request": {
            "request_id": request_id,
            "case_number": record.case_number,
            "agency": record.agency,
            "reason": record.reason,
            "lat": record.lat,
            "lon": record.lon,
            "radius_m": int(record.radius_m),
            "start": record.start,
            "end": record.end,
            "expires_at": record.expires_at,
        },
        "status": footage.notice_state(notice.status, notice.expires_at, now),
        "cameras": list(notice.camera_ids),
        "uploads": [
            evidence_out(e) for e in db.evidence_of(record.case_number, request_id) if e.owner_id == owner_id
        ],
        "max_clip_mb": cameras_settings().max_clip_mb,
    }


def owner_answer(request_id: str, owner_id: str, status: str, now: datetime) -> None:
    record, notice = db.get_request(request_id), db.get_notice(request_id, owner_id)
    db.answer(notice, status, now)
    record_receipts(record, [owner_id], status)


def open_upload(request_id: str, owner_id: str, body: object, now: datetime) -> dict[str, Any]:
    """An approved owner's clip: the evidence item, the multipart upload and its part URLs."""
    from rtcc.cameras import evidence_s3

    record, notice = db.get_request(request_id), db.get_notice(request_id, owner_id)
    state = footage.notice_state(notice.status, notice.expires_at, now)
    if state == "expired":
        raise footage.Gone("this request has expired", field="request")
    if state != "approved":
        raise Conflict(f"uploads follow an approval (this request is {state})", field="request")
    plan = evidence.plan_upload(body, cameras_settings().max_clip_mb)
    mine = [e for e in db.evidence_of(record.case_number, request_id) if e.owner_id == owner_id]
    if len(mine) >= evidence.MAX_UPLOADS_PER_NOTICE:
        raise Conflict(f"at most {evidence.MAX_UPLOADS_PER_NOTICE} clips per request", field="uploads")
    camera = body.get("camera_id") if isinstance(body, dict) else None
    if camera is not None and camera not in notice.camera_ids:
        raise DomainError("not one of your cameras this request names", field="camera_id")
    upload_hex = secrets.token_hex(8)
    key = evidence_s3.clip_key(request_id, upload_hex, plan.content_type)
    upload_id = evidence_s3.start_upload(key, plan.content_type)
    db.start_evidence(
        EvidenceRecord(
            record.case_number,
            f"{request_id}#{upload_hex}",
            request_id=request_id,
            owner_id=owner_id,
            camera_id=camera,
            status="uploading",
            file_name=plan.file_name,
            declared_type=plan.content_type,
            declared_bytes=plan.size,
            parts=plan.parts,
            s3_key=key,
            upload_id=upload_id,
            started_at=_iso(now),
        )
    )
    urls = evidence_s3.part_urls(key, upload_id, plan.parts)
    return {
        "upload": upload_hex,
        "part_size": plan.part_size,
        "parts": urls,
        "expires_in_s": evidence_s3.PART_URL_S,
    }


def _check_sent_size(item: EvidenceRecord) -> None:
    """The bytes really sent against the declared size and the limit, before anything is made:
    too many or too few and the upload is aborted (no object, nothing locked) and the item
    recorded as refused with the sizes; a 400 at `size`."""
    from rtcc.cameras import evidence_s3

    sent = evidence_s3.uploaded_bytes(item.s3_key, str(item.upload_id))
    problem = evidence.size_problem(sent, int(item.declared_bytes), cameras_settings().max_clip_mb)
    if problem is None:
        return
    evidence_s3.abort_upload(item.s3_key, str(item.upload_id))
    db.step_evidence(item, "uploading", status="refused", refused=problem, size=sent, upload_id=None)
    raise DomainError(f"refused: {problem}", field="size")


def complete_upload(request_id: str, owner_id: str, upload_hex: str, body: object, now: datetime) -> dict:
    """The api completes the multipart upload with the browser's ETags, then queues intake."""
    from botocore.exceptions import ClientError

    from rtcc.cameras import evidence_s3

    record = db.get_request(request_id)
    item = db.get_evidence(record.case_number, f"{request_id}#{upload_hex}")
    if item.owner_id != owner_id:
        raise Forbidden("not your upload", field="upload")
    if item.status != "uploading":
        raise Conflict(f"this upload is already {item.status}", field="upload")
    parts = evidence.check_parts(body.get("parts") if isinstance(body, dict) else None, int(item.parts))
    _check_sent_size(item)
    try:
        version = evidence_s3.complete_upload(item.s3_key, str(item.upload_id), parts)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        raise DomainError(
            f"S3 refused the parts ({code}): send the failed parts again", field="parts"
        ) from None
    db.step_evidence(item, "uploading", status="arrived", version_id=version, upload_id=None)
    db.send(db.ARRIVALS_QUEUE, [{"case_number": record.case_number, "evidence_id": item.evidence_id}])
    return {"upload": upload_hex, "status": "arrived"}
