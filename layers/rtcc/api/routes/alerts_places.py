"""`GET /api/public/alerts/places?q=`: the `/signup` page's address search (public, no login).

Without `q` it only says whether search is on (`{"enabled": false}` when the deploy config
names no place index: the page then hides the search box). With `q` it answers a few
places inside the city, each with the zones a pin there would select. Like every
`/api/public` route it sits behind the web ACL's per-address rate limit (infra/constructs/
waf.py), which also caps what a scripted caller can spend on the billed provider.

Nothing here is logged: a typed address may be the resident's home.
"""

from __future__ import annotations

import json
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, Field

from rtcc.alerts.places import MAX_QUERY, AddressSearch, PlaceSearchError, QueryRefused
from rtcc.errors import Unavailable

router = APIGatewayRouter()


class PlaceOut(BaseModel):
    label: str
    lon: float
    lat: float
    zones: list[str] = Field(description="Ids of the zones containing the point, as a pin there selects")


class PlacesOut(BaseModel):
    enabled: bool = Field(description="False: no place index is configured; pick by pin, ZIP or list")
    results: list[PlaceOut] = Field(default_factory=list)


def _search() -> AddressSearch:
    """Over Amazon Location when a place index is configured; unit tests replace it."""
    from rtcc.alerts.places_location import LocationPlaceSearch
    from rtcc.alerts.settings import alerts_settings
    from rtcc.alerts.zone_config import configured_zones

    index = alerts_settings().place_index
    return AddressSearch(LocationPlaceSearch(index) if index else None, configured_zones())


@router.exception_handler(QueryRefused)
def _refused(exc: QueryRefused) -> Response:
    # A code the page turns into a sentence in the resident's language, as the signup's.
    body = {"statusCode": 422, "message": f"q: {exc}", "field": "q", "code": exc.code}
    return Response(422, content_types.APPLICATION_JSON, json.dumps(body))


@router.get(
    "/api/public/alerts/places",
    summary="Find an address inside the city and the zones it is in (address search on /signup)",
    tags=["alerts-public"],
    responses={422: {"description": "q too short or too long"}, 503: {"description": "Search unavailable"}},
)
def places(
    q: Annotated[str | None, Query(max_length=MAX_QUERY * 2, description="What the resident typed")] = None,
    lang: Annotated[str, Query(min_length=2, max_length=20, pattern=r"^[A-Za-z-]+$")] = "en",
) -> PlacesOut:
    search = _search()
    if not search.enabled or q is None:
        return PlacesOut(enabled=search.enabled)
    try:
        hits = search.find(q, lang.split("-", 1)[0].lower())
    except PlaceSearchError:
        raise Unavailable(
            "address search is unavailable; drop a pin, type a ZIP code or pick from the list"
        ) from None
    results = [
        PlaceOut(label=h.place.label, lon=h.place.lon, lat=h.place.lat, zones=list(h.zones)) for h in hits
    ]
    return PlacesOut(enabled=True, results=results)
