"""The camera locator over DynamoDB's `camera-cells`: one Query per cell a question's plan
names (rtcc.cameras.cells), on the base table's keys: partition the precision-6 cell, a finer
cell a `begins_with` on the sort key. Never a Scan, never an index. The ranking and the
stopping rule are the one in rtcc.cameras.locator."""

from __future__ import annotations

from rtcc.cameras.cells import AREA_PRECISION
from rtcc.cameras.locator import CellLocator
from rtcc.cameras.model import CameraSpot
from rtcc.cameras.registry_dynamodb import spot_of
from rtcc.store.camera_registry import CameraCellRecord


class DynamoCameraLocator(CellLocator):
    def read_cells(self, precision: int, cells: tuple[str, ...]) -> list[CameraSpot]:
        out: list[CameraSpot] = []
        for cell in cells:
            area = cell[:AREA_PRECISION]
            condition = CameraCellRecord.key.startswith(cell) if precision > AREA_PRECISION else None
            out.extend(spot_of(r) for r in CameraCellRecord.query(area, range_key_condition=condition))
        return out


def camera_locator() -> DynamoCameraLocator:
    return DynamoCameraLocator()
