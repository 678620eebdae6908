"""Address search for the `/signup` page: a resident types a street address and picks it
instead of dropping a pin; the zones containing the picked point are the ones a pin there
would select.

The search itself is a port (`PlaceSearch`): deployed, Amazon Location Service's
SearchPlaceIndexForText on the place index the deploy config names
(`rtcc.alerts.places_location`); locally the same API answered by `rtcc dev`'s stand-in
over a demo gazetteer. Without a place index the search is off and the page offers pin,
ZIP and list only.

What reaches the provider is only the typed text, bounded to the city (FilterBBox from the
zones' outline, so "Main St" finds this city's and not every Main St in the country), and
no more than a handful of results come back. The resident's number never goes near it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from rtcc.alerts.zones import ZoneMap

#: Shortest query worth a provider call (a billed request): "12" or "Ma" matches half the city.
MIN_QUERY = 3
#: Longest query accepted; Location's own limit is 200, an address is far shorter.
MAX_QUERY = 100
#: A short list a resident reads on a phone; each result is also a billed lookup's worth of data.
MAX_RESULTS = 5


class PlaceSearchError(Exception):
    """The provider failed (throttled, unavailable, misconfigured): the page says search is
    unavailable and the pin, ZIP and list still work."""


class QueryRefused(ValueError):
    """The query itself cannot be searched (too short or too long)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Place:
    label: str
    lon: float
    lat: float


@dataclass(frozen=True)
class PlaceHit:
    place: Place
    zones: tuple[str, ...]  # ids of the zones containing the point, as a pin there


class PlaceSearch(Protocol):
    def search_text(
        self, text: str, bbox: tuple[float, float, float, float], max_results: int, language: str
    ) -> Sequence[Place]: ...


def city_bounds(zones: ZoneMap) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) around every shaped zone; None when the city has only
    shapeless ZIP codes (then no point could select a zone, and search is pointless)."""
    boxes = [z.geometry.bounds for z in zones.list() if z.geometry is not None]
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def clean_query(raw: str) -> str:
    """Whitespace collapsed; refused when too short to be an address or too long to be one."""
    text = " ".join(str(raw).split())
    if len(text) < MIN_QUERY:
        raise QueryRefused(f"type at least {MIN_QUERY} characters of the address", "too_short")
    if len(text) > MAX_QUERY:
        raise QueryRefused(f"an address is at most {MAX_QUERY} characters", "too_long")
    return text


class AddressSearch:
    """Text -> a few places inside the city, each with the zones a pin there would select."""

    def __init__(self, search: PlaceSearch | None, zones: ZoneMap) -> None:
        self._search = search
        self._zones = zones
        self._bbox = city_bounds(zones)

    @property
    def enabled(self) -> bool:
        return self._search is not None and self._bbox is not None

    def find(self, raw_query: str, language: str = "en") -> list[PlaceHit]:
        if not self.enabled:
            return []
        text = clean_query(raw_query)
        assert self._search is not None and self._bbox is not None
        places = self._search.search_text(text, self._bbox, MAX_RESULTS, language)
        return [self._hit(place) for place in list(places)[:MAX_RESULTS] if self._inside(place)]

    def _inside(self, place: Place) -> bool:
        # FilterBBox already bounds the provider; a result outside it (a provider quirk, or
        # a bad coordinate) must not be offered as if it were in the city.
        west, south, east, north = self._bbox  # type: ignore[misc]
        return west <= place.lon <= east and south <= place.lat <= north

    def _hit(self, place: Place) -> PlaceHit:
        zones = tuple(z.zone_id for z in self._zones.zones_at(place.lat, place.lon))
        return PlaceHit(place, zones)
