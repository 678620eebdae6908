"""Camera owners' side of a footage request (`/api/public/footage`), reached by the signed link
the owner was texted or emailed (`/cameras/request#t=<token>&r=<request id>`).

The link's token travels in the `X-Owner-Link` header and is checked for the scope
`request:<id>` (rtcc.cameras.owner_links): a portal link or another request's link is a 403,
an expired link a 410. An owner views the request, declines it, or approves it and uploads
clips: the api opens a multipart upload and signs one UploadPart URL per part, the browser PUTs
the parts straight to S3, then asks the api to complete the upload with the parts' ETags; the
clip is queued for intake (hash, type check). A second answer is a 409; past the request's
expiry, a 410.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.audit import AuditEvent, AuditLog

router = APIGatewayRouter()

_TAGS = ["footage-public"]
_REQUEST = Annotated[str, Path(min_length=1, max_length=40, description="Footage request id")]
_UPLOAD = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="Upload id")]


def _owner(request_id: str) -> str:
    from rtcc.cameras.footage_service import owner_of

    return owner_of(router.current_event.get_header_value("X-Owner-Link"), request_id)


def _audit(owner_id: str, action: str, request_id: str, detail: dict | None = None) -> None:
    """Owners' answers go in the log under their owner id (never their contact)."""
    request = router.current_event.request_context.request_id
    AuditLog().append(
        AuditEvent(f"owner:{owner_id}", "owner", action, request_id, request_id=request, detail=detail or {})
    )


@router.get("/api/public/footage/<request_id>", summary="A footage request, as its owner sees it", tags=_TAGS)
def view(request_id: _REQUEST) -> dict:
    from rtcc.cameras.footage_service import owner_view

    return owner_view(request_id, _owner(request_id), datetime.now(UTC))


def _answer(request_id: str, status: str) -> dict:
    from rtcc.cameras.footage_service import owner_answer

    owner_id = _owner(request_id)
    _audit(owner_id, f"footage.request.{status[:-1]}", request_id)
    owner_answer(request_id, owner_id, status, datetime.now(UTC))
    return {"request_id": request_id, "status": status}


@router.post("/api/public/footage/<request_id>/decline", summary="Decline a footage request", tags=_TAGS)
def decline(request_id: _REQUEST) -> dict:
    return _answer(request_id, "declined")


@router.post("/api/public/footage/<request_id>/approve", summary="Approve a footage request", tags=_TAGS)
def approve(request_id: _REQUEST) -> dict:
    return _answer(request_id, "approved")


@router.post(
    "/api/public/footage/<request_id>/uploads",
    summary="Start a clip upload: presigned UploadPart URLs",
    tags=_TAGS,
)
def start_upload(request_id: _REQUEST, body: dict) -> Response[dict]:
    from rtcc.cameras.footage_service import open_upload

    owner_id = _owner(request_id)
    started = open_upload(request_id, owner_id, body, datetime.now(UTC))
    _audit(
        owner_id,
        "evidence.upload.start",
        request_id,
        {"upload": started["upload"], "parts": len(started["parts"])},
    )
    return Response(201, content_types.APPLICATION_JSON, started)


@router.post(
    "/api/public/footage/<request_id>/uploads/<upload>/complete",
    summary="Complete a clip upload with its parts' ETags (queued for intake)",
    tags=_TAGS,
)
def complete(request_id: _REQUEST, upload: _UPLOAD, body: dict) -> Response[dict]:
    from rtcc.cameras.footage_service import complete_upload

    owner_id = _owner(request_id)
    _audit(owner_id, "evidence.upload.complete", request_id, {"upload": upload})
    done = complete_upload(request_id, owner_id, upload, body, datetime.now(UTC))
    return Response(202, content_types.APPLICATION_JSON, done)
