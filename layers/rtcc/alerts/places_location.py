"""`PlaceSearch` over Amazon Location Service: SearchPlaceIndexForText on the deploy
config's place index (`RTCC_ALERTS_PLACE_INDEX`). The api function's role may call exactly
that action on exactly that index (infra/constructs/alerts.py); locally `rtcc dev` answers
the same REST call (rtcc.local.places) under the same IAM."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from rtcc.alerts.places import Place, PlaceSearchError

logger = logging.getLogger(__name__)


class LocationPlaceSearch:
    def __init__(self, index_name: str, client: Any = None) -> None:
        self.index_name = index_name
        self._client = client

    def _location(self) -> Any:
        if self._client is None:
            from rtcc.aws_clients import client

            self._client = client("location")
        return self._client

    def search_text(
        self, text: str, bbox: tuple[float, float, float, float], max_results: int, language: str
    ) -> Sequence[Place]:
        try:
            answer = self._location().search_place_index_for_text(
                IndexName=self.index_name,
                Text=text,
                FilterBBox=list(bbox),
                MaxResults=max_results,
                Language=language,
            )
        except (ClientError, BotoCoreError) as exc:
            # Logged without the query: what a resident typed may be their home address.
            code = exc.response["Error"]["Code"] if isinstance(exc, ClientError) else type(exc).__name__
            logger.warning("place search failed: %s", code)
            raise PlaceSearchError(code) from None
        return [p for p in (_place(r) for r in answer.get("Results", [])) if p is not None]


def _place(result: dict[str, Any]) -> Place | None:
    place = result.get("Place") or {}
    point = (place.get("Geometry") or {}).get("Point") or []
    label = place.get("Label")
    if len(point) != 2 or not label:
        return None
    return Place(label=str(label), lon=float(point[0]), lat=float(point[1]))
