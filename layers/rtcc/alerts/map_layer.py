"""Alert zones as an operations-map layer (rtcc.map_layers): the configured zones whose
outline meets the box, simplified as the /signup page draws them. Zones are public (the
signup page lists them); ZIP codes without a shape have nothing to draw."""

from __future__ import annotations

from typing import Any

from shapely.geometry import box as shapely_box

from rtcc.lpr.geocells import BBox


def zones_layer(principal: Any, bbox: BBox) -> list[dict[str, Any]]:
    from rtcc.alerts.zone_config import configured_zones
    from rtcc.alerts.zones import display_outline

    area = shapely_box(bbox.west, bbox.south, bbox.east, bbox.north)
    return [
        {
            "type": "Feature",
            "id": z.zone_id,
            "geometry": display_outline(z.geometry),
            "properties": {"zone_id": z.zone_id, "name": z.name, "kind": z.kind},
        }
        for z in configured_zones().list()
        if z.geometry is not None and z.geometry.intersects(area)
    ]
