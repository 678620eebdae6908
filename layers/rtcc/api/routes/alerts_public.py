"""Public alerts routes (no login): the `/signup` page's zones and signup, and the
`/alerts/manage` page's read, change and delete of one subscription.

A signup is answered 202 {"status": "check your phone"} whatever the number's state, after
the same work (seal, queue) whatever the number's state, so neither the answer nor its time
tells whether a number is subscribed (rtcc.alerts.signup). Only what
the request itself got wrong is answered otherwise: 422 with the field and a `code` the
page turns into a sentence in the resident's language.

The manage link's token travels in an `Authorization: Manage <token>` header: the page reads
it from the link's fragment, which browsers never send, so it lands in no URL, access log
or Referer.
"""

from __future__ import annotations

import json
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from shapely.geometry.base import BaseGeometry

from rtcc.alerts.model import Tier
from rtcc.alerts.signup import PublicSignup, SignupRefused, SignupRequest, ZoneChoice
from rtcc.alerts.subscriptions import ManageView
from rtcc.alerts.zones import display_outline
from rtcc.errors import Forbidden
from rtcc.models.alerts_public import (
    DeletedOut,
    PreferencesIn,
    SignupIn,
    SignupOut,
    SubscriptionOut,
    ZoneOut,
    ZonesOut,
)

router = APIGatewayRouter()

_TAGS = ["alerts-public"]
_MANAGE = "Manage "
_ZONES_CACHE = {"Cache-Control": "public, max-age=300"}
_AUTH = Annotated[str | None, Header(alias="Authorization", description="Manage <token from the link>")]


def _service() -> PublicSignup:
    """The signup over the deployed adapters (DynamoDB, KMS, the alerts line); unit tests
    replace it with in-memory ports."""
    from rtcc.alerts.signup_wiring import public_signup

    return public_signup()


@router.exception_handler(SignupRefused)
def _refused(exc: SignupRefused) -> Response:
    # The app's DomainError answer, plus the field and a code the page has a sentence for.
    body = {"statusCode": exc.status, "message": exc.message, "field": exc.field, "code": exc.code}
    return Response(exc.status, content_types.APPLICATION_JSON, json.dumps(body))


def _where(body: PreferencesIn) -> ZoneChoice:
    return ZoneChoice(tuple(body.zones), body.zip or None, body.lat, body.lon)


def _token(authorization: str | None) -> str:
    if not authorization or not authorization.startswith(_MANAGE):
        raise Forbidden("send the manage link's token as 'Authorization: Manage <token>'", field="token")
    return authorization[len(_MANAGE) :].strip()


def _out(view: ManageView) -> SubscriptionOut:
    prefs = view.prefs
    return SubscriptionOut(
        status=str(view.status),  # type: ignore[arg-type]
        zones=list(prefs.zones),
        categories=list(prefs.categories),
        tiers=[str(t) for t in prefs.tiers],
        language=prefs.language,
    )


def _outline(geometry: BaseGeometry | None) -> dict | None:
    return display_outline(geometry) if geometry else None  # a ZIP without a shape: none


@router.get(
    "/api/public/alerts/zones", summary="Zones, categories and tiers residents can sign up for", tags=_TAGS
)
def zones() -> Response[ZonesOut]:
    subs = _service().subscriptions
    zones = [
        ZoneOut(id=z.zone_id, name=z.name, kind=z.kind, outline=_outline(z.geometry))
        for z in subs.zones.list()
    ]
    out = ZonesOut(
        program=subs.policy.program_name,
        zones=zones,
        categories=list(subs.policy.categories),
        tiers=[t.value for t in Tier],
    )
    # The same for every visitor until a deploy changes the zones: browsers and CloudFront
    # may keep it a few minutes instead of asking the api function on every page view.
    return Response(200, content_types.APPLICATION_JSON, out.model_dump(mode="json"), headers=_ZONES_CACHE)


@router.post(
    "/api/public/alerts/signup",
    summary="Sign a number up for alerts (answered the same whatever the number's state)",
    tags=_TAGS,
    responses={202: {"description": "Check your phone"}, 422: {"description": "A field to fix"}},
)
def sign_up(body: SignupIn) -> Response[SignupOut]:
    request = SignupRequest(
        phone=body.phone,
        where=_where(body),
        categories=tuple(body.categories),
        tiers=tuple(body.tiers),
        language=body.language,
    )  # body.consent_text is not evidence: the server's own catalog text is (PublicSignup.disclosure)
    _service().sign_up(request)
    return Response(202, content_types.APPLICATION_JSON, SignupOut())


@router.get("/api/public/alerts/subscription", summary="Read a subscription (manage link)", tags=_TAGS)
def read_subscription(authorization: _AUTH = None) -> SubscriptionOut:
    return _out(_service().view(_token(authorization)))


@router.put("/api/public/alerts/subscription", summary="Change a subscription (manage link)", tags=_TAGS)
def change_subscription(body: PreferencesIn, authorization: _AUTH = None) -> SubscriptionOut:
    view = _service().update(_token(authorization), _where(body), body.categories, body.tiers, body.language)
    return _out(view)


@router.delete("/api/public/alerts/subscription", summary="Delete a subscription (manage link)", tags=_TAGS)
def delete_subscription(authorization: _AUTH = None) -> DeletedOut:
    _service().delete(_token(authorization))
    return DeletedOut()
