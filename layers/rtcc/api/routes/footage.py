"""Footage request routes for officers (`/api/footage`): send a request to the owners of the
cameras in a circle, list requests, one request with its notices and evidence, export a case.

Who may send requests is the city's choice (rtcc.cameras.settings `requesters`: officers or
supervisors only). Sending and exporting are audited before they happen (AuditedWrite: sending
with the circle's centre and radius); reading the list or a request's evidence is audited as a
sensitive read. An officer sends at most `requests_per_hour` an hour (429). Rules and wiring:
rtcc.cameras.footage_service.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.api.security import AuditedWrite, audit, principal, require
from rtcc.auth import Role

router = APIGatewayRouter()

_TAGS = ["footage"]
_REQUEST = Annotated[str, Path(pattern=r"^fr-[0-9]{8}-[0-9a-f]{12}$", description="Footage request id")]
_EXPORT = Annotated[str, Path(pattern=r"^ex-[0-9]{8}T[0-9]{6}-[0-9a-f]{8}$", description="Export id")]


def _requesters(app, next_middleware) -> Response:  # noqa: ANN001 - Powertools' middleware shape
    """The lowest role that may send requests, read per request (a setting, not a constant)."""
    from rtcc.cameras.settings import cameras_settings

    return require(Role(cameras_settings().requesters))(app, next_middleware)


def _me() -> str:
    return principal(router).username  # type: ignore[arg-type]


@router.post("/api/footage", middlewares=[_requesters], summary="Send a footage request", tags=_TAGS)
def create(body: dict) -> Response[dict]:
    from rtcc.cameras import footage_service as service

    now = datetime.now(UTC)
    ask, plan = service.plan_request(body, now)  # 400 naming the field before anything is written
    service.count_request(_me(), now)  # 429 past the officer's hourly number; bad input counts not
    detail = {
        "lat": ask.lat,
        "lon": ask.lon,
        "radius_m": ask.radius_m,
        "start": ask.start.isoformat(),
        "end": ask.end.isoformat(),
        "cameras": plan.cameras,
        "owners": len(plan.notify),
        "unreachable": len(plan.unreachable),
        "asked_before": len(plan.asked_before),
    }
    with AuditedWrite(router, "footage.request.create", ask.case_number) as entry:  # type: ignore[arg-type]
        entry.intend(case_number=ask.case_number, detail=detail)
        record = service.create_request(ask, plan, _me(), now)
    out = {"request": service.request_out(record, now), "asked_before": len(plan.asked_before)}
    return Response(201, content_types.APPLICATION_JSON, out)


@router.get(
    "/api/footage", middlewares=[require(Role.OFFICER)], summary="Recent footage requests", tags=_TAGS
)
def list_requests() -> dict:
    from rtcc.cameras.footage_service import list_requests as recent

    requests = recent(datetime.now(UTC))
    # The list shows case numbers, places and reasons: a read of the requests, recorded.
    audit(router, "footage.request.list", "footage-requests", detail={"count": len(requests)})  # type: ignore[arg-type]
    return {"requests": requests}


@router.get(
    "/api/footage/signing-key",
    middlewares=[require(Role.OFFICER)],
    summary="The public key evidence exports' manifests are signed with (PEM)",
    tags=_TAGS,
)
def signing_key() -> dict:
    """What a court checks an export against (`rtcc evidence verify --public-key`), obtained
    from the city rather than from the zip, which a forger could fill with their own key."""
    from rtcc.cameras.evidence_signature import KmsManifestSigner, fingerprint

    key_id, pem = KmsManifestSigner().public_key()
    return {"key_id": key_id, "public_key_pem": pem.decode(), "fingerprint_sha256": fingerprint(pem)}


@router.get(
    "/api/footage/<request_id>",
    middlewares=[require(Role.OFFICER)],
    summary="A footage request with its notices, evidence and exports",
    tags=_TAGS,
)
def one(request_id: _REQUEST) -> dict:
    from rtcc.cameras.footage_service import request_detail

    detail = request_detail(request_id, datetime.now(UTC))
    audit(router, "footage.request.view", request_id, case_number=detail["request"]["case_number"])  # type: ignore[arg-type]
    return detail


@router.post(
    "/api/footage/<request_id>/exports",
    middlewares=[_requesters],
    summary="Export the case's evidence (zip + manifest, queued)",
    tags=_TAGS,
)
def export(request_id: _REQUEST) -> Response[dict]:
    from rtcc.cameras import footage_service as service

    case = service.db.get_request(request_id).case_number
    with AuditedWrite(router, "evidence.export.request", request_id) as entry:  # type: ignore[arg-type]
        entry.intend(case_number=case)
        record = service.start_export(request_id, _me(), datetime.now(UTC))
    return Response(202, content_types.APPLICATION_JSON, {"export": service.export_out(record)})


@router.post(
    "/api/footage/<request_id>/exports/<export_id>/download",
    middlewares=[_requesters],
    summary="A fresh 15-minute link to a ready export's zip (audited)",
    tags=_TAGS,
)
def download(request_id: _REQUEST, export_id: _EXPORT) -> dict:
    """Only the roles that may request footage download it, each download a custody entry."""
    from rtcc.cameras import footage_service as service

    case, link = service.export_download(request_id, export_id, datetime.now(UTC))
    audit(
        router,  # type: ignore[arg-type]
        "evidence.export.download",
        export_id,
        case_number=case,
        detail={"request": request_id, "sha256": link["sha256"]},
    )
    return link
