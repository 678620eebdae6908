"""Public camera registry routes (no login): the `/cameras` page's registration and codes,
links sent again, and the `/cameras/owner` portal behind a signed link (rtcc.cameras.desk).

The portal's link token travels in the `X-Owner-Link` header: the page reads it from the
link's fragment (`/cameras/owner#t=<token>`), which browsers never send, so it lands in no
URL, access log or Referer. Bodies (exactly; unknown fields are 422):

- POST /api/public/cameras/owners {kind: resident|business, name?, phone?, email?, language: en|es}
  -> 201 {owner_id, verify: ["phone", "email"]}: a code is on its way to each contact;
- POST /api/public/cameras/owners/{owner_id}/verify {channel: phone|email, code: "123456"}
  -> 200 {portal_token}; wrong code 422 (field code, tries left), too many 429, expired 410,
  the contact already another owner's 409;
- POST /api/public/cameras/owners/{owner_id}/codes {channel} -> 202 (a new code);
- POST /api/public/cameras/links {phone} or {email} -> 202 {status: "sent if registered"} always;
- GET /api/public/cameras/portal -> {owner: {owner_id, kind, language, status, channels,
  verified}, cameras: [camera], receipts: [{camera_id, action, agency, case_number,
  request_id, at}], requests: [{request_id, agency, case_number, status: "pending",
  expires_at, link_token}]}; camera = {camera_id, name, type, lat, lon, bearing_deg, level,
  policy, status}; a request's page is `/cameras/request#t=<link_token>&r=<request_id>`;
- POST /api/public/cameras/portal/cameras {name, type, lat, lon, bearing_deg?, level:
  register|integrate, policy: request|incident|always} -> 201 {camera}; outside the city 422 (field lat);
- PUT /api/public/cameras/portal/cameras/{camera_id} (same body) -> 200 {camera};
- DELETE /api/public/cameras/portal/cameras/{camera_id} -> 200 {deleted: true};
- POST /api/public/cameras/portal/pause {paused: bool} -> 200 {status: paused|active};
- DELETE /api/public/cameras/portal -> 200 {deleted: true, cameras: n, receipts: n, notices: n}
  (the owner's unanswered footage notices deleted too; answered ones and evidence delivered
  stay with their case: rtcc.cameras.owner_requests).
Link errors: malformed or forged 401, expired 410, the owner gone 410 (field token).

Every write about an owner is audited (actor `owner:<id>`, no contact, no token).
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Header, Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.audit import AuditEvent, AuditLog
from rtcc.cameras.desk import CameraDesk, camera_out
from rtcc.models.cameras_public import CameraIn, CodeIn, LinkIn, OwnerIn, PauseIn, VerifyIn

router = APIGatewayRouter()

_TAGS = ["cameras-public"]
_LINK = Annotated[str | None, Header(alias="X-Owner-Link", description="The token from the owner's link")]
_OWNER = Annotated[str, Path(pattern=r"^own-[0-9a-f]{16}$", description="Owner id")]
_CAMERA = Annotated[str, Path(pattern=r"^cam-[0-9a-f]{12}$", description="Camera id")]


def _audit(action: str, owner_id: str, detail: dict) -> None:
    AuditLog().append(
        AuditEvent(
            actor=f"owner:{owner_id}",
            role="public",
            action=action,
            target=owner_id,
            request_id=router.current_event.request_context.request_id,
            detail=detail,
        )
    )


def _desk() -> CameraDesk:
    from rtcc.cameras.desk_wiring import public_desk

    return public_desk(_audit)


def _json(status: int, body: dict) -> Response[dict]:
    return Response(status, content_types.APPLICATION_JSON, body)


@router.post("/api/public/cameras/owners", summary="Register as a camera owner (codes sent)", tags=_TAGS)
def register(body: OwnerIn) -> Response[dict]:
    owner_id, channels = _desk().register(body.kind, body.name, body.phone, body.email, body.language)
    return _json(201, {"owner_id": owner_id, "verify": channels})


@router.post(
    "/api/public/cameras/owners/<owner_id>/verify", summary="Prove a contact with its code", tags=_TAGS
)
def verify(owner_id: _OWNER, body: VerifyIn) -> dict:
    return {"portal_token": _desk().verify(owner_id, body.channel, body.code)}


@router.post("/api/public/cameras/owners/<owner_id>/codes", summary="Send a new code", tags=_TAGS)
def resend(owner_id: _OWNER, body: CodeIn) -> Response[dict]:
    _desk().resend_code(owner_id, body.channel)
    return _json(202, {"status": "code sent"})


@router.post(
    "/api/public/cameras/links", summary="Send my portal link again (answered the same always)", tags=_TAGS
)
def links(body: LinkIn) -> Response[dict]:
    from rtcc.errors import Invalid

    if bool(body.phone) == bool(body.email):
        raise Invalid("give a phone number or an email address (one)", field="phone")
    _desk().request_link(body.phone, body.email)
    return _json(202, {"status": "sent if registered"})


@router.get("/api/public/cameras/portal", summary="The owner's cameras and receipts", tags=_TAGS)
def portal(x_owner_link: _LINK = None) -> dict:
    from datetime import UTC, datetime

    from rtcc.cameras import owner_links
    from rtcc.cameras.owner_requests import open_requests
    from rtcc.cameras.owner_requests_dynamodb import owner_notices
    from rtcc.cameras.settings import cameras_settings

    out = _desk().portal(x_owner_link)
    hours = cameras_settings().owner_link_hours
    link = lambda owner_id, scope: owner_links.issue(owner_id, scope, hours)  # noqa: E731
    out["requests"] = open_requests(out["owner"]["owner_id"], owner_notices(), link, datetime.now(UTC))
    return out


@router.post("/api/public/cameras/portal/cameras", summary="Add a camera", tags=_TAGS)
def add_camera(body: CameraIn, x_owner_link: _LINK = None) -> Response[dict]:
    spot = _desk().add_camera(x_owner_link, body.model_dump())
    return _json(201, {"camera": camera_out(spot)})


@router.put("/api/public/cameras/portal/cameras/<camera_id>", summary="Change a camera", tags=_TAGS)
def update_camera(camera_id: _CAMERA, body: CameraIn, x_owner_link: _LINK = None) -> dict:
    return {"camera": camera_out(_desk().update_camera(x_owner_link, camera_id, body.model_dump()))}


@router.delete("/api/public/cameras/portal/cameras/<camera_id>", summary="Delete a camera", tags=_TAGS)
def delete_camera(camera_id: _CAMERA, x_owner_link: _LINK = None) -> dict:
    _desk().delete_camera(x_owner_link, camera_id)
    return {"deleted": True}


@router.post(
    "/api/public/cameras/portal/pause", summary="Pause or resume sharing of every camera", tags=_TAGS
)
def pause(body: PauseIn, x_owner_link: _LINK = None) -> dict:
    return {"status": _desk().pause(x_owner_link, body.paused)}


@router.delete("/api/public/cameras/portal", summary="Delete the owner and everything of theirs", tags=_TAGS)
def delete_everything(x_owner_link: _LINK = None) -> dict:
    from rtcc.cameras.owner_requests import forget_notices
    from rtcc.cameras.owner_requests_dynamodb import owner_notices

    desk = _desk()
    # Before the receipts go: they are how the owner's notices are found.
    notices = forget_notices(desk.owner(x_owner_link).owner_id, owner_notices())
    return {**desk.delete_everything(x_owner_link), "notices": notices}
