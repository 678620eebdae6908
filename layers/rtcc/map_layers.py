"""The operations map's layers: each capability declares the ones it draws
(`Capability.map_layers`: name -> "module:function"), the platform serves them
(`GET /api/map/layers`, `GET /api/map/layers/{name}?bbox=s,w,n,e`, rtcc.api.routes.map).

A layer function is `function(principal, bbox) -> list[GeoJSON Feature dict]`: the features
inside the box the caller may see, at most `MAX_FEATURES` (it reads a bounded number of
items: key lookups and Queries sized by the box or by a fixed limit, never a scan of a
growing table). A sensitive layer audits its read itself, as its capability's own list
route does. The box is checked here once: finite, south < north, west < east, and no wider
than `MAX_SPAN_DEG` each way (a map of a city, not of a continent).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from typing import Any

from rtcc.errors import DomainError, NotFound
from rtcc.lpr.geocells import BBox

#: The most features one layer answers with (the console clusters them).
MAX_FEATURES = 500
#: The widest box a layer is asked for, degrees of latitude and of longitude (~110 km).
MAX_SPAN_DEG = 1.0

Layer = Callable[[Any, BBox], list[dict[str, Any]]]


def declared_layers() -> dict[str, tuple[str, str]]:
    """name -> (capability, "module:function"), every declared capability's layers."""
    from rtcc.topology import DECLARED

    layers: dict[str, tuple[str, str]] = {}
    for capability in DECLARED:
        for name, target in capability.map_layers.items():
            if name in layers:
                raise ValueError(f"map layer {name!r} is declared twice")
            layers[name] = (capability.name, target)
    return layers


def layer_function(name: str) -> Layer:
    target = declared_layers().get(name)
    if target is None:
        raise NotFound("no such map layer", field="name")
    module, _, function = target[1].partition(":")
    return getattr(importlib.import_module(module), function)


def parse_bbox(text: str | None) -> BBox:
    """`s,w,n,e` in WGS84 degrees, or a 400 naming `bbox`."""
    parts = (text or "").split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise DomainError("four numbers: south,west,north,east (WGS84 degrees)", field="bbox")
    try:
        box = BBox(*values)
    except ValueError as error:
        raise DomainError(str(error).split(": ", 1)[-1], field="bbox") from None
    if box.north - box.south > MAX_SPAN_DEG or box.east - box.west > MAX_SPAN_DEG:
        raise DomainError(f"at most {MAX_SPAN_DEG} degrees each way: zoom in", field="bbox")
    return box


def point(
    lat: float, lon: float, properties: dict[str, Any], feature_id: str, decimals: int = 6
) -> dict[str, Any]:
    """A GeoJSON Point feature (GeoJSON orders lon, lat), its degrees rounded to `decimals`
    (6: ~0.1 m, a fixed thing's place; a layer drawing people's places passes fewer)."""
    return {
        "type": "Feature",
        "id": feature_id,
        "geometry": {"type": "Point", "coordinates": [round(lon, decimals), round(lat, decimals)]},
        "properties": properties,
    }
