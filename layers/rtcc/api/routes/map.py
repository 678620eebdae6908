"""The operations map's layers (`/api/map`), served by the platform from every capability's
declaration (`Capability.map_layers`, rtcc.map_layers): the list of layers, and one layer's
GeoJSON features inside a box. Each layer function reads a bounded number of items and
audits its read when its capability's own list route does (tips with a place)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.api.security import principal, require
from rtcc.auth import Role

router = APIGatewayRouter()

_OFFICERS = [require(Role.OFFICER)]
_NAME = Annotated[str, Path(pattern=r"^[a-z][a-z0-9-]{0,31}$", description="Layer name")]


@router.get("/api/map/layers", middlewares=_OFFICERS, summary="The operations map's layers", tags=["map"])
def list_layers() -> dict:
    from rtcc.map_layers import MAX_FEATURES, declared_layers

    layers = [{"name": name, "capability": cap} for name, (cap, _) in declared_layers().items()]
    return {"layers": layers, "max_features": MAX_FEATURES}


@router.get(
    "/api/map/layers/<name>", middlewares=_OFFICERS, summary="One layer's features in a box", tags=["map"]
)
def get_layer(
    name: _NAME,
    bbox: Annotated[str, Query(max_length=120, description="south,west,north,east (WGS84 degrees)")],
) -> dict:
    from rtcc.map_layers import MAX_FEATURES, layer_function, parse_bbox

    function = layer_function(name)
    box = parse_bbox(bbox)
    features = function(principal(router), box)  # type: ignore[arg-type]
    return {
        "type": "FeatureCollection",
        "layer": name,
        "features": features[:MAX_FEATURES],
        "truncated": len(features) > MAX_FEATURES,
    }
