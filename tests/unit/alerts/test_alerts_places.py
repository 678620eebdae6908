"""Address search on /signup (rtcc.alerts.places, rtcc.api.routes.alerts_places): a query
bounded to the city, a few results each with the zones a pin there selects, `enabled: false`
without a place index, the Location adapter's exact call, and `rtcc dev`'s stand-in of
SearchPlaceIndexForText (its shapes, validation and the IAM action it is checked as)."""

from __future__ import annotations

import io
import json
import uuid

import boto3
import pytest
from botocore.stub import Stubber
from rtcc.alerts.places import AddressSearch, Place, PlaceSearchError, city_bounds
from rtcc.alerts.places_location import LocationPlaceSearch
from rtcc.alerts.zones import ZoneMap
from rtcc.api.app import build_app
from rtcc.api.routes import alerts_places
from rtcc.local.iam.requests import RawRequest, calls
from rtcc.local.places import DEMO_PLACE_INDEX, PlacesStandIn, search_text

from tests.unit.test_api import _Ctx

DEMO_BOX = (-122.355, 47.59, -122.31, 47.622)


class FakeProvider:
    def __init__(self, places: list[Place] | None = None, fail: bool = False) -> None:
        self.places = places or []
        self.fail = fail
        self.asked: list[tuple] = []

    def search_text(self, text, bbox, max_results, language):
        self.asked.append((text, bbox, max_results, language))
        if self.fail:
            raise PlaceSearchError("ThrottlingException")
        return self.places


@pytest.fixture
def app_with(monkeypatch: pytest.MonkeyPatch):
    def make(provider: FakeProvider | None):
        search = AddressSearch(provider, ZoneMap.demo())
        monkeypatch.setattr(alerts_places, "_search", lambda: search)
        app = build_app()
        app._include(alerts_places.__name__)  # as a request under /api/public/alerts/places does
        return app

    return make


def places(app, **params):
    """GET /api/public/alerts/places with a query string, through the API app."""
    path = "/api/public/alerts/places"
    event = {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": params or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in params.items()} or None,
        "pathParameters": None,
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "stage": "test",
            "path": path,
            "httpMethod": "GET",
        },
    }
    response = app.resolve(event, _Ctx())
    return response["statusCode"], json.loads(response["body"])


def test_city_bounds_wrap_every_shaped_zone() -> None:
    assert city_bounds(ZoneMap.demo()) == pytest.approx(DEMO_BOX)
    assert city_bounds(ZoneMap.from_geojson({"type": "FeatureCollection", "features": []}, ["98101"])) is None


def test_without_a_place_index_search_is_off_and_no_provider_is_asked(app_with) -> None:
    app = app_with(None)
    assert places(app) == (200, {"enabled": False, "results": []})
    assert places(app, q="100 Pine") == (200, {"enabled": False, "results": []})


def test_a_query_is_bounded_to_the_city_and_answers_the_zones_a_pin_there_selects(app_with) -> None:
    inside = Place("100 Pine Street", -122.330, 47.608)
    elsewhere = Place("100 Pine Street, Another City", -122.9, 47.0)  # a provider ignoring the box
    provider = FakeProvider([inside, elsewhere])
    app = app_with(provider)
    assert places(app) == (200, {"enabled": True, "results": []})
    assert provider.asked == []  # the page's "is it on?" costs no billed request
    status, body = places(app, q="  100   Pine ", lang="es-MX")
    assert status == 200 and body["enabled"] is True
    assert body["results"] == [
        {
            "label": "100 Pine Street",
            "lon": -122.330,
            "lat": 47.608,
            "zones": ["downtown", "ward-2", "zip:98101"],
        }
    ]
    ((text, bbox, max_results, language),) = provider.asked
    assert text == "100 Pine" and bbox == pytest.approx(DEMO_BOX) and max_results == 5 and language == "es"


@pytest.mark.parametrize(("query", "code"), [("12", "too_short"), ("x" * 101, "too_long")])
def test_a_query_too_short_or_too_long_is_a_422_with_a_code(app_with, query: str, code: str) -> None:
    provider = FakeProvider()
    status, body = places(app_with(provider), q=query)
    assert status == 422 and body["field"] == "q" and body["code"] == code
    assert provider.asked == []


def test_an_absurdly_long_query_is_refused_by_validation(app_with) -> None:
    status, _ = places(app_with(FakeProvider()), q="x" * 500)
    assert status == 422


def test_a_provider_failure_is_a_503_the_page_can_explain(app_with) -> None:
    status, body = places(app_with(FakeProvider(fail=True)), q="100 Pine")
    assert status == 503 and "pin" in body["message"]


def test_the_location_adapter_sends_exactly_the_search_and_reads_label_and_point() -> None:
    client = boto3.client(
        "location", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    stub = Stubber(client)
    stub.add_response(
        "search_place_index_for_text",
        {
            "Summary": {"Text": "100 Pine", "DataSource": "Esri"},
            "Results": [
                {"Place": {"Label": "100 Pine Street", "Geometry": {"Point": [-122.33, 47.608]}}},
                {"Place": {"Geometry": {"Point": [-122.33, 47.608]}}},  # no label: not offered
            ],
        },
        {
            "IndexName": "city-places",
            "Text": "100 Pine",
            "FilterBBox": list(DEMO_BOX),
            "MaxResults": 5,
            "Language": "es",
        },
    )
    stub.add_client_error("search_place_index_for_text", "AccessDeniedException", http_status_code=403)
    with stub:
        search = LocationPlaceSearch("city-places", client)
        assert search.search_text("100 Pine", DEMO_BOX, 5, "es") == [
            Place("100 Pine Street", -122.33, 47.608)
        ]
        with pytest.raises(PlaceSearchError, match="AccessDeniedException"):
            search.search_text("100 Pine", DEMO_BOX, 5, "en")


# --- rtcc dev's stand-in --------------------------------------------------------------------


def test_the_stand_in_matches_word_prefixes_inside_the_box_only() -> None:
    found = search_text({"Text": "25 PINE", "MaxResults": 5, "FilterBBox": list(DEMO_BOX)})
    assert [r["Place"]["Label"] for r in found["Results"]] == ["250 Pine Street, Demo City, WA 98101, USA"]
    assert found["Results"][0]["Place"]["Geometry"]["Point"] == [-122.336, 47.609]
    assert found["Summary"]["FilterBBox"] == list(DEMO_BOX)
    assert search_text({"Text": "pine", "FilterBBox": [0, 0, 1, 1]})["Results"] == []
    assert len(search_text({"Text": "street", "MaxResults": 2})["Results"]) == 2


def _wsgi(stand_in: PlacesStandIn, path: str, body: dict) -> tuple[str, dict, dict]:
    raw = json.dumps(body).encode()
    seen: dict = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
    }
    out = b"".join(stand_in(environ, start_response))
    return seen["status"], seen["headers"], json.loads(out)


def test_the_stand_in_answers_locations_errors_and_passes_the_rest_to_moto() -> None:
    passed = []
    stand_in = PlacesStandIn(lambda environ, start: passed.append(environ["PATH_INFO"]) or [b""])
    path = f"/places/v0/indexes/{DEMO_PLACE_INDEX}/search/text"
    status, _, body = _wsgi(stand_in, path, {"Text": "harbor"})
    assert status.startswith("200") and len(body["Results"]) == 2
    status, headers, _ = _wsgi(stand_in, "/places/v0/indexes/other/search/text", {"Text": "harbor"})
    assert status.startswith("404") and headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    status, headers, body = _wsgi(stand_in, path, {"Text": "", "MaxResults": 5})
    assert status.startswith("400") and headers["x-amzn-ErrorType"] == "ValidationException"
    assert body["fieldList"][0]["name"] == "Text"
    status, _, _ = _wsgi(stand_in, path, {"Text": "a", "FilterBBox": [0, 0, 1, 1], "BiasPosition": [0, 0]})
    assert status.startswith("400")
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "CONTENT_LENGTH": "0", "wsgi.input": io.BytesIO()}
    stand_in(environ, lambda *a: None)
    assert passed == ["/"]


def test_the_enforcer_reads_a_place_search_as_its_iam_action_on_the_index() -> None:
    request = RawRequest(
        "POST",
        f"/places/v0/indexes/{DEMO_PLACE_INDEX}/search/text",
        {},
        {
            "authorization": "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/geo/aws4_request, "
            + "SignedHeaders=h"
        },
        b'{"Text": "pine"}',
    )
    (found,) = calls(request, account="123456789012", region="us-east-1", lookups=None)  # type: ignore[arg-type]
    assert found.action == "geo:SearchPlaceIndexForText"
    assert found.resource == f"arn:aws:geo:us-east-1:123456789012:place-index/{DEMO_PLACE_INDEX}"
    other = RawRequest("GET", "/maps/v0/maps/x/style-descriptor", {}, request.headers)
    assert calls(other, account="123456789012", region="us-east-1", lookups=None) == []  # type: ignore[arg-type]


def _search_url(endpoint: str | None, monkeypatch: pytest.MonkeyPatch) -> str:
    """The URL rtcc.aws_clients' `location` client sends a place search to (not sent)."""
    from botocore.awsrequest import AWSResponse
    from rtcc.aws_clients import client
    from rtcc.settings import reload_settings

    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LOCATION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUNITTESTEXAMPLE0")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "unit-test-secret")
    monkeypatch.setenv("RTCC_REGION", "us-east-1")
    if endpoint:
        monkeypatch.setenv("RTCC_AWS_ENDPOINT_URL", endpoint)
    else:
        monkeypatch.delenv("RTCC_AWS_ENDPOINT_URL", raising=False)
    reload_settings()
    seen: list[str] = []

    def capture(request, **_):
        seen.append(request.url)
        return AWSResponse(request.url, 200, {}, None)

    try:
        location = client("location")
        location.meta.events.register("before-send", capture)
        with pytest.raises(Exception):  # noqa: B017 - the empty answer does not parse; the URL is what counts
            location.search_place_index_for_text(IndexName="city-places", Text="100 Pine")
    finally:
        monkeypatch.undo()
        reload_settings()
    return seen[0]


def test_the_location_client_reaches_the_local_emulator_and_the_deployed_endpoint(monkeypatch) -> None:
    # Location prefixes the host with "places."; "places.127.0.0.1" would resolve to nothing.
    local = _search_url("http://127.0.0.1:4566", monkeypatch)
    assert local == "http://127.0.0.1:4566/places/v0/indexes/city-places/search/text"
    deployed = _search_url(None, monkeypatch)
    assert deployed.startswith("https://places.geo.us-east-1.amazonaws.com/places/v0/indexes/city-places/")
