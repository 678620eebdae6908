"""Alert zones: the city's polygons (wards, precincts, neighborhoods) and its ZIP codes.

A city ships its zones as one GeoJSON FeatureCollection (the deploy config's
`alerts.zones_geojson`); ZIP codes come from the config's `alerts.zip_codes` (Nixle-style "text
a ZIP to opt in") or, with a shape, as features whose id is `zip:01013`. A ZIP without a shape
can be subscribed to and sent to, but no map pin lands in it.

Point-in-zone uses shapely (GEOS) behind an STRtree, not hand-written ray casting: a pin is
tested only against the few polygons whose bounding boxes contain it. Geometry is refused at
load time (a clear error naming the feature), so a broken city file stops `cdk synth`, not a
send.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from shapely import STRtree
from shapely.errors import GEOSException
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

ZIP_PREFIX = "zip:"
ZIP_KIND = "zip"
# US ZIP codes: five digits (ZIP+4 narrows to a delivery route, finer than any alert zone).
_ZIP = re.compile(r"^\d{5}$")
# Zone ids become DynamoDB key parts and URL path segments: no spaces, slashes or colons
# (the colon is reserved for the `zip:` namespace).
_ZONE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_KIND = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_POLYGONAL = ("Polygon", "MultiPolygon")
DEMO_CITY = "demo_city.geojson"


class ZoneError(ValueError):
    """A zone file or zone id that cannot be used; the message names the feature or zone."""


@dataclass(frozen=True)
class Zone:
    zone_id: str
    name: str
    kind: str  # "ward", "precinct", "neighborhood", "zip", ...
    geometry: BaseGeometry | None  # None: a ZIP code without a shape

    @property
    def is_zip(self) -> bool:
        return self.zone_id.startswith(ZIP_PREFIX)


def zip_zone_id(code: str) -> str:
    """`01013` (or `zip:01013`, or ` 01013 `) -> `zip:01013`; refuses anything but five digits."""
    raw = str(code).strip()
    raw = raw[len(ZIP_PREFIX) :] if raw.lower().startswith(ZIP_PREFIX) else raw
    if not _ZIP.match(raw):
        raise ZoneError(f"{code!r} is not a five-digit ZIP code")
    return ZIP_PREFIX + raw


def _feature_id(feature: Mapping[str, Any], index: int) -> str:
    props = feature.get("properties") or {}
    raw = feature.get("id", props.get("id"))
    if raw is None or isinstance(raw, bool) or str(raw).strip() == "":
        raise ZoneError(f"feature #{index}: no id (set the feature's `id` or `properties.id`)")
    zone_id = str(raw).strip()
    if zone_id.lower().startswith(ZIP_PREFIX):
        return zip_zone_id(zone_id)
    if not _ZONE_ID.match(zone_id):
        raise ZoneError(
            f"feature {zone_id!r}: an id is letters, digits, '.', '_' or '-' (at most 64), "
            "with `zip:` only for ZIP codes"
        )
    return zone_id


def _geometry(zone_id: str, raw: Any) -> BaseGeometry:
    if not isinstance(raw, Mapping) or raw.get("type") not in _POLYGONAL:
        kind = raw.get("type") if isinstance(raw, Mapping) else type(raw).__name__
        raise ZoneError(f"feature {zone_id!r}: geometry must be a Polygon or MultiPolygon, not {kind}")
    try:
        geom = shape(raw)
    except (GEOSException, ValueError, TypeError, IndexError, KeyError) as exc:
        raise ZoneError(f"feature {zone_id!r}: malformed coordinates ({exc})") from None
    if geom.is_empty:
        raise ZoneError(f"feature {zone_id!r}: the geometry is empty")
    minx, miny, maxx, maxy = geom.bounds
    # GeoJSON is WGS 84 longitude, latitude (RFC 7946). Projected coordinates (state plane,
    # feet) or swapped pairs would load "fine" and then match no pin: refuse them here.
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ZoneError(
            f"feature {zone_id!r}: coordinates are not longitude, latitude in degrees "
            "(GeoJSON is WGS 84; reproject the file, e.g. ogr2ogr -t_srs EPSG:4326)"
        )
    if not geom.is_valid:
        raise ZoneError(f"feature {zone_id!r}: invalid polygon: {explain_validity(geom)}")
    return geom


def _zone_from_feature(feature: Any, index: int) -> Zone:
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        raise ZoneError(f"feature #{index}: not a GeoJSON Feature")
    zone_id = _feature_id(feature, index)
    props = feature.get("properties") or {}
    name = props.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ZoneError(f"feature {zone_id!r}: `properties.name` is required (residents pick zones by name)")
    default_kind = ZIP_KIND if zone_id.startswith(ZIP_PREFIX) else "zone"
    kind = str(props.get("kind") or default_kind).strip().lower()
    if not _KIND.match(kind):
        raise ZoneError(f"feature {zone_id!r}: `properties.kind` {kind!r} is not a word such as 'ward'")
    return Zone(zone_id, name.strip(), kind, _geometry(zone_id, feature.get("geometry")))


class ZoneMap:
    """Every zone a resident can subscribe to and an alert can target, by id and by location."""

    def __init__(self, zones: Iterable[Zone]) -> None:
        self._zones: dict[str, Zone] = {}
        for zone in zones:
            if zone.zone_id in self._zones:
                raise ZoneError(f"zone id {zone.zone_id!r} appears twice")
            self._zones[zone.zone_id] = zone
        self._shaped = [z for z in self._zones.values() if z.geometry is not None]
        self._tree = STRtree([z.geometry for z in self._shaped])

    @classmethod
    def from_geojson(cls, collection: Any, zip_codes: Iterable[str] = ()) -> ZoneMap:
        """Zones from a parsed FeatureCollection, plus ZIP codes without a shape."""
        if not isinstance(collection, Mapping) or collection.get("type") != "FeatureCollection":
            raise ZoneError("zones: the file must be a GeoJSON FeatureCollection")
        features = collection.get("features")
        if not isinstance(features, list):
            raise ZoneError("zones: the FeatureCollection has no `features` list")
        zones = [_zone_from_feature(f, i) for i, f in enumerate(features)]
        shaped_zips = {z.zone_id for z in zones if z.is_zip}
        for code in zip_codes:
            zone_id = zip_zone_id(code)
            if zone_id not in shaped_zips:
                zones.append(Zone(zone_id, zone_id[len(ZIP_PREFIX) :], ZIP_KIND, None))
                shaped_zips.add(zone_id)  # a ZIP listed twice is one zone
        return cls(zones)

    @classmethod
    def from_file(cls, path: str | Path, zip_codes: Iterable[str] = ()) -> ZoneMap:
        try:
            collection = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ZoneError(f"zones: {path} does not exist") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ZoneError(f"zones: {path} is not JSON ({exc})") from None
        return cls.from_geojson(collection, zip_codes)

    @classmethod
    def demo(cls) -> ZoneMap:
        """The small demo city `rtcc dev` loads (around the example config's map center)."""
        text = resources.files("rtcc.alerts").joinpath(DEMO_CITY).read_text(encoding="utf-8")
        return cls.from_geojson(json.loads(text))

    def zones_at(self, lat: float, lon: float) -> tuple[Zone, ...]:
        """Every shaped zone containing the point (a pin on a shared border is in both)."""
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ZoneError(f"({lat}, {lon}) is not a latitude, longitude in degrees")
        hits = self._tree.query(Point(lon, lat), predicate="intersects")
        return tuple(sorted((self._shaped[i] for i in hits), key=_list_order))

    def zone(self, zone_id: str) -> Zone:
        try:
            return self._zones[zone_id]
        except KeyError:
            raise ZoneError(f"unknown zone {zone_id!r}") from None

    def list(self) -> tuple[Zone, ...]:
        """All zones, grouped by kind then name (the order the signup page lists them in)."""
        return tuple(sorted(self._zones.values(), key=_list_order))

    def __contains__(self, zone_id: object) -> bool:
        return zone_id in self._zones

    def __len__(self) -> int:
        return len(self._zones)


def _list_order(zone: Zone) -> tuple[str, str, str]:
    return (zone.kind, zone.name.lower(), zone.zone_id)


#: The outlines the /signup map draws: simplified to about 10 m (degrees) and rounded to about
#: 1 m. A city's survey outlines can have tens of thousands of points, all sent to every
#: visitor of a public page; a pin on a city map needs a fraction of them. Topology is kept
#: (no ring crosses itself or another), as for the CAP feed's polygons (rtcc.alerts.cap).
OUTLINE_TOLERANCE = 1e-4
OUTLINE_DECIMALS = 5


@lru_cache(maxsize=1024)  # the zones are fixed for the process: simplified once each
def display_outline(geometry: BaseGeometry) -> dict[str, Any]:
    """A zone's outline as GeoJSON for the signup page's map (holes kept, for drawing)."""
    simple = geometry.simplify(OUTLINE_TOLERANCE, preserve_topology=True)
    return _rounded(mapping(simple))


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, OUTLINE_DECIMALS)
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value
