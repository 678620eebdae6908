"""Amazon Location Service's SearchPlaceIndexForText, served by `rtcc dev` beside moto
(which has no Location service), over a small demo gazetteer of invented addresses inside
the demo city's zones (rtcc/alerts/demo_city.geojson).

It answers the real REST call (`POST /places/v0/indexes/{IndexName}/search/text`, the
request and response shapes of the Location API reference, its validation and its errors)
so the api function's unchanged boto3 `location` client talks to it. It sits behind the
IAM enforcer like every emulated service: the call is checked as
`geo:SearchPlaceIndexForText` on the index's ARN against the api role's deployed policy
(rtcc.local.iam.requests) before it gets here.

Only the index named `DEMO_PLACE_INDEX` exists; the synthesized template the local stack
enforces is built with that index in its config (rtcc.local.iam.snapshot).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

DEMO_PLACE_INDEX = "rtcc-demo-places"

_PATH = re.compile(r"^/places/v0/indexes/([^/]+)/search/text$")

#: (label, lon, lat): invented addresses, each inside the zones its comment names.
DEMO_GAZETTEER: tuple[tuple[str, float, float], ...] = (
    ("100 Pine Street, Demo City, WA 98101, USA", -122.330, 47.608),  # Downtown, Ward 2, 98101
    ("250 Pine Street, Demo City, WA 98101, USA", -122.336, 47.609),  # Downtown, Ward 1, 98101
    ("12 Market Square, Demo City, WA 98104, USA", -122.333, 47.603),  # Downtown, Ward 1, 98104
    ("480 River Road, Demo City, WA 98101, USA", -122.331, 47.614),  # Riverside, Ward 2, 98101
    ("77 Willow Lane, Demo City, WA, USA", -122.329, 47.619),  # Riverside, Ward 2
    ("9 Harbor Way, Demo City, WA, USA", -122.350, 47.600),  # Harbor, Ward 1
    ("300 Harbor Way, Demo City, WA, USA", -122.348, 47.615),  # Harbor, Ward 1
    ("15 Cobblestone Street, Demo City, WA 98104, USA", -122.335, 47.597),  # Old Town, Ward 1, 98104
    ("820 Mill Avenue, Demo City, WA, USA", -122.318, 47.594),  # Old Town, Ward 2
    ("40 Summit Avenue, Demo City, WA, USA", -122.316, 47.612),  # Hillcrest, Ward 2
    ("1 Ayuntamiento Plaza, Demo City, WA 98104, USA", -122.327, 47.601),  # Downtown, Ward 2, 98104
)


class ValidationError(Exception):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _fold(text: str) -> str:
    """Case- and accent-insensitive, as a geocoder matches ("cobblestone" finds "Cobblestone")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", _fold(text))


def _matches(query: list[str], label: str) -> bool:
    # Every typed word begins a word of the label: "25 pine" and "pine st" both find
    # "250 Pine Street", as a type-ahead would.
    words = _tokens(label)
    return all(any(w.startswith(q) for w in words) for q in query)


def _validated(body: dict[str, Any]) -> tuple[str, int, list[float] | None]:
    text = body.get("Text")
    if not isinstance(text, str) or not 1 <= len(text) <= 200:
        raise ValidationError("Text must be 1 to 200 characters", "Text")
    max_results = body.get("MaxResults", 50)
    if not isinstance(max_results, int) or not 1 <= max_results <= 50:
        raise ValidationError("MaxResults must be between 1 and 50", "MaxResults")
    bbox = body.get("FilterBBox")
    if bbox is not None and (not isinstance(bbox, list) or len(bbox) != 4):
        raise ValidationError("FilterBBox must be [west, south, east, north]", "FilterBBox")
    if bbox is not None and body.get("BiasPosition") is not None:
        raise ValidationError("BiasPosition and FilterBBox are mutually exclusive", "BiasPosition")
    return text, max_results, bbox


def _in_box(lon: float, lat: float, bbox: list[float] | None) -> bool:
    return bbox is None or (bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3])


def search_text(body: dict[str, Any], gazetteer: Iterable[tuple[str, float, float]] = DEMO_GAZETTEER) -> dict:
    """The SearchPlaceIndexForText response for `body` (raises ValidationError)."""
    text, max_results, bbox = _validated(body)
    query = _tokens(text)
    found = [(label, lon, lat) for label, lon, lat in gazetteer if _in_box(lon, lat, bbox)]
    found = [entry for entry in found if query and _matches(query, entry[0])][:max_results]
    summary: dict[str, Any] = {"Text": text, "MaxResults": max_results, "DataSource": "Esri"}
    if bbox is not None:
        summary["FilterBBox"] = bbox
    if body.get("Language"):
        summary["Language"] = body["Language"]
    results = [
        {
            "Place": {"Label": label, "Geometry": {"Point": [lon, lat]}, "Country": "USA"},
            "Relevance": 1.0,
            "PlaceId": "demo-" + hashlib.sha256(label.encode()).hexdigest()[:16],
        }
        for label, lon, lat in found
    ]
    return {"Summary": summary, "Results": results}


class PlacesStandIn:
    """WSGI: answers Location's place search, hands everything else to `app` (moto)."""

    def __init__(self, app: Callable, indexes: Iterable[str] = (DEMO_PLACE_INDEX,)) -> None:
        self.app = app
        self.indexes = frozenset(indexes)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        match = _PATH.match(environ.get("PATH_INFO", ""))
        if match is None or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        status, headers, body = self._answer(match.group(1), environ)
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _answer(self, index: str, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
        if index not in self.indexes:
            return _error("404 Not Found", "ResourceNotFoundException", f"Place index {index} not found")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            answer = search_text(body)
        except ValueError as exc:
            field = getattr(exc, "field", "body")
            return _error("400 Bad Request", "ValidationException", str(exc), field)
        except ValidationError as exc:
            return _error("400 Bad Request", "ValidationException", str(exc), exc.field)
        return "200 OK", [("Content-Type", "application/json")], json.dumps(answer).encode()


def _error(status: str, code: str, message: str, field: str | None = None) -> tuple[str, list, bytes]:
    body: dict[str, Any] = {"message": message}
    if field is not None:
        body["reason"] = "FieldValidationFailed"
        body["fieldList"] = [{"name": field, "message": message}]
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
    return status, headers, json.dumps(body).encode()
