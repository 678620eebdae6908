"""An in-process camera index: the same cells and the same algorithm as the DynamoDB one
(rtcc.cameras.locator), held in dicts. The bench measures the algorithm with it, and the
tests compare it with brute force."""

from __future__ import annotations

from collections import defaultdict

from rtcc.cameras import cells as plan
from rtcc.cameras.locator import CellLocator
from rtcc.cameras.model import CameraSpot
from rtcc.lpr.geocells import encode


class CameraGeoIndex(CellLocator):
    def __init__(self, spots: list[CameraSpot] | None = None) -> None:
        # One dict per precision nearest and boxes read at: a cell -> its cameras by id.
        self._cells: dict[int, dict[str, dict[str, CameraSpot]]] = {
            p: defaultdict(dict) for p in plan.NEAR_PRECISIONS
        }
        self._where: dict[str, str] = {}  # camera id -> its precision-9 geohash
        for spot in spots or ():
            self.put(spot)

    def __len__(self) -> int:
        return len(self._where)

    def put(self, spot: CameraSpot) -> None:
        """Adds a camera, or moves/updates it."""
        self.remove(spot.camera_id)
        geohash = encode(spot.lat, spot.lon, plan.KEY_PRECISION)
        self._where[spot.camera_id] = geohash
        for precision, cells in self._cells.items():
            cells[geohash[:precision]][spot.camera_id] = spot

    def remove(self, camera_id: str) -> None:
        geohash = self._where.pop(camera_id, None)
        if geohash is None:
            return
        for precision, cells in self._cells.items():
            cells[geohash[:precision]].pop(camera_id, None)

    def read_cells(self, precision: int, cells: tuple[str, ...]) -> list[CameraSpot]:
        index = self._cells[precision]
        return [spot for cell in cells if cell in index for spot in index[cell].values()]
