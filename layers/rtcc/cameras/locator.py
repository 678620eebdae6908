"""Which cameras are near a point: the port (`CameraLocator`) and the one algorithm every
index answers it with (`CellLocator`), over cells read ring by ring (rtcc.cameras.cells).

Ranking, "facing ones preferred among near-equals": a camera facing the point (the point
within ±fov/2 of its bearing) ranks by its distance; one not facing it (or with no bearing
given) ranks as if it stood half as far again plus 10 m away (`NOT_FACING_FACTOR`,
`NOT_FACING_EXTRA_M`). So a camera facing an incident 140 m off comes before one 100 m off
looking the other way, but not before one 50 m off. Distances reported are the true ones;
the radius is a true distance too. Paused cameras are left out: their owner stopped sharing.

Never a scan: a question reads the cells its plan names and stops as soon as no unread ring
could change the answer (the next ring's nearest possible camera is past the k-th ranked).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from rtcc.cameras import cells as plan
from rtcc.cameras.geometry import distance_m, faces
from rtcc.cameras.model import DEFAULT_FOV_DEG, CameraSpot, NearbyCamera, NearbyResult
from rtcc.lpr.geocells import BBox

NOT_FACING_FACTOR = 1.5
NOT_FACING_EXTRA_M = 10.0


class CameraLocator(Protocol):
    def nearest(self, lat: float, lon: float, *, count: int, radius_m: float) -> NearbyResult: ...

    def within(self, lat: float, lon: float, radius_m: float) -> NearbyResult: ...

    def in_box(self, bbox: BBox, limit: int) -> list[CameraSpot]: ...


def rank_m(nearby: NearbyCamera) -> float:
    """The distance a camera ranks by (see the module's docstring); never below the true one."""
    if nearby.facing:
        return nearby.distance_m
    return nearby.distance_m * NOT_FACING_FACTOR + NOT_FACING_EXTRA_M


def _measure(spot: CameraSpot, lat: float, lon: float, fov: float) -> NearbyCamera:
    return NearbyCamera(
        spot,
        distance_m(spot.lat, spot.lon, lat, lon),
        faces(spot.lat, spot.lon, spot.bearing_deg, lat, lon, fov),
    )


class CellLocator:
    """`CameraLocator` over any store of cells: a subclass says how to read cells."""

    fov_deg: float = DEFAULT_FOV_DEG

    def read_cells(self, precision: int, cells: tuple[str, ...]) -> list[CameraSpot]:
        """Every camera indexed in these cells (of this precision): the one I/O step."""
        raise NotImplementedError

    def nearest(self, lat: float, lon: float, *, count: int, radius_m: float) -> NearbyResult:
        found: dict[str, NearbyCamera] = {}
        items = 0
        for ring in plan.nearest_plan(lat, lon, radius_m):
            spots = self.read_cells(ring.precision, ring.cells)
            items += len(spots)
            for spot in spots:
                if spot.camera_id in found or spot.status == "paused":
                    continue
                near = _measure(spot, lat, lon, self.fov_deg)
                if near.distance_m <= radius_m:
                    found[spot.camera_id] = near
            ranked = sorted(found.values(), key=lambda n: (rank_m(n), n.camera.camera_id))
            if len(ranked) >= count and rank_m(ranked[count - 1]) <= ring.beyond_m:
                break
        ranked = sorted(found.values(), key=lambda n: (rank_m(n), n.camera.camera_id))
        return NearbyResult(ranked[:count], items)

    def within(self, lat: float, lon: float, radius_m: float) -> NearbyResult:
        """Every shared (not paused) camera within the circle, nearest first."""
        # A footage request's circle (up to the widest request radius) may take more cells
        # than a map's box: it is asked once per request, not on every pan.
        precision, cells = plan.box_plan(plan.circle_box(lat, lon, radius_m), plan.MAX_CIRCLE_CELLS)
        spots = self.read_cells(precision, cells)
        near = (_measure(s, lat, lon, self.fov_deg) for s in _once(spots) if s.status != "paused")
        inside = sorted((n for n in near if n.distance_m <= radius_m), key=lambda n: n.distance_m)
        return NearbyResult(inside, len(spots))

    def in_box(self, bbox: BBox, limit: int) -> list[CameraSpot]:
        """Up to `limit` cameras in the box (paused ones too: the map shows them as paused)."""
        precision, cells = plan.box_plan(bbox)
        out: list[CameraSpot] = []
        for cell in cells:
            out.extend(s for s in self.read_cells(precision, (cell,)) if bbox.contains(s.lat, s.lon))
            if len(out) >= limit:
                break
        return list(_once(out))[:limit]


def _once(spots: Iterable[CameraSpot]) -> list[CameraSpot]:
    return list({s.camera_id: s for s in spots}.values())
