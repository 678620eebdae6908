"""GET /api/public/alerts/zones (review 10, finding 12a): a city's survey outlines are sent
simplified (topology kept) to every visitor of the public /signup page, and the answer may be
cached a few minutes."""

from __future__ import annotations

import math

import pytest
from rtcc.alerts.zones import ZoneMap
from rtcc.api.app import build_app
from rtcc.api.routes import alerts_public
from shapely.geometry import shape

from tests.unit.alerts.test_alerts_public_routes import call, world  # noqa: F401 - the fixture

CENTER = (-122.33, 47.60)


def _dense_ward(points: int = 20_000) -> dict:
    """A ward as a survey file draws it: a round outline of 20,000 points, with a hole."""

    def ring(radius: float, n: int) -> list[list[float]]:
        pts = [
            [
                CENTER[0] + radius * math.cos(2 * math.pi * i / n),
                CENTER[1] + radius * math.sin(2 * math.pi * i / n),
            ]
            for i in range(n)
        ]
        return [*pts, pts[0]]

    return {
        "type": "Feature",
        "id": "ward-9",
        "properties": {"name": "Ward 9", "kind": "ward"},
        "geometry": {"type": "Polygon", "coordinates": [ring(0.02, points), ring(0.002, 500)]},
    }


@pytest.fixture
def dense(world, monkeypatch: pytest.MonkeyPatch):  # noqa: F811 - the imported fixture
    _, service, _, _ = world
    service.subscriptions.zones = ZoneMap.from_geojson(
        {"type": "FeatureCollection", "features": [_dense_ward()]}
    )
    app = build_app()
    app._include(alerts_public.__name__)
    return app


def test_outlines_are_simplified_and_keep_their_shape(dense) -> None:
    status, body = call(dense, "GET", "/api/public/alerts/zones")
    assert status == 200
    [zone] = body["zones"]
    outline = zone["outline"]
    assert len(outline["coordinates"][0]) < 2_000  # a fraction of the survey's 20,000 points
    assert len(outline["coordinates"]) == 2  # the hole is kept
    served, original = shape(outline), shape(_dense_ward()["geometry"])
    assert served.is_valid
    assert served.symmetric_difference(original).area < 0.01 * original.area
    assert all(len(str(c).split(".")[1]) <= 5 for c in outline["coordinates"][0][0])  # ~1 m


def test_the_zones_answer_may_be_cached_a_few_minutes(world) -> None:  # noqa: F811
    app, *_ = world
    event_headers = _headers(app)
    assert event_headers.get("Cache-Control") == "public, max-age=300"


def _headers(app) -> dict[str, str]:
    import uuid

    from tests.unit.test_api import _Ctx

    path = "/api/public/alerts/zones"
    event = {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
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
    flat = dict(response.get("headers") or {})
    for key, values in (response.get("multiValueHeaders") or {}).items():
        flat.setdefault(key, values[-1])
    return flat
