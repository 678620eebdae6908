"""Which geohash cells a camera question reads, ring by ring: the pure planning behind both
the in-process index (rtcc.cameras.geo_index) and the DynamoDB one (rtcc.cameras.locator_dynamodb).

A camera is indexed once, under its precision-9 geohash; a cell of any coarser precision is
a prefix of it, so one index answers every precision (DynamoDB: partition key the
precision-6 cell, sort key the precision-9 geohash, `begins_with` for precision 7).

- nearest: rings of cells around the point's cell (ring 0 the cell itself, ring r the cells
  r steps away), each ring read only while the next ring could still hold something nearer
  than the k-th camera found; precision 7 first (about 150 m x 115 m in a mid-latitude city),
  precision 6 after three rings so an empty outskirt costs a bounded number of reads, and
  never past the radius. Reads grow with the answer and the density around the point, never
  with the registry.
- within / in_box: the cells covering the area's bounding box at the finest precision that
  keeps their number under a bound (`box_plan`).

Cells come from rtcc.lpr.geocells (the same geohash the plate reads' area index uses).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from rtcc.cameras.geometry import metres_per_degree
from rtcc.errors import Invalid
from rtcc.lpr.geocells import BBox, cell_size, count_cells, cover, encode

#: The stored key: precise enough that every coarser cell is its prefix.
KEY_PRECISION = 9
#: The partition (DynamoDB hash key) of the cells table: about 600 m x 800 m at mid latitudes,
#: so a Query reads a small partition (DynamoDB reads only the `begins_with` range anyway; the
#: local emulator reads the whole partition) and a busy district's questions spread over
#: many partition keys instead of one.
AREA_PRECISION = 6
#: Nearest starts here, then goes coarser (see `nearest_plan`); never coarser than a partition.
NEAR_PRECISIONS = (7, 6)
#: Rings read at one precision before going one coarser: a 7x7 block of cells.
RINGS_PER_PRECISION = 3
#: At most this many cells answer a box or a circle (each one Query): at precision 6 a box of
#: about 5 km x 6 km; the map asks for a smaller one once zoomed to a district.
MAX_BOX_CELLS = 64
#: A `within` circle's cells (footage requests; the 5 km settings maximum is ~220 cells).
MAX_CIRCLE_CELLS = 512
#: At most this many cells a nearest question's plan may name: each is a Query, and through
#: the local stack ~750 of them (a 5 km radius in an empty area at 70 degrees) took 18 s, too
#: near a client's 30 s. A 5 km radius needs ~390 up to 60 degrees, ~470 at 65. Near a pole a
#: degree of longitude shrinks to nothing and the rings would never pass the radius: refused
#: (422) instead of a question without end.
MAX_NEAREST_CELLS = 512
#: Lower bounds are taken a little short: the flat estimate of a ring's distance and the
#: great-circle distance differ by far less than this over a few kilometres.
_SAFETY = 0.995


@dataclass(frozen=True)
class Ring:
    precision: int
    index: int  # 0: the point's own cell
    cells: tuple[str, ...]
    beyond_m: float  # no camera in a later ring is nearer than this (metres)


def _grid(lat: float, lon: float, precision: int) -> tuple[int, int]:
    dlat, dlon = cell_size(precision)
    return math.floor((lat + 90) / dlat), math.floor((lon + 180) / dlon)


def _cell(row: int, col: int, precision: int) -> str | None:
    dlat, dlon = cell_size(precision)
    rows, cols = round(180 / dlat), round(360 / dlon)
    if not 0 <= row < rows:
        return None  # past a pole
    col %= cols  # across the antimeridian
    return encode(-90 + (row + 0.5) * dlat, -180 + (col + 0.5) * dlon, precision)


def ring_cells(lat: float, lon: float, index: int, precision: int) -> tuple[str, ...]:
    """The cells exactly `index` steps (Chebyshev) from the point's cell, each once."""
    row, col = _grid(lat, lon, precision)
    if index == 0:
        offsets = [(0, 0)]
    else:
        span = range(-index, index + 1)
        offsets = [(dr, dc) for dr in span for dc in span if max(abs(dr), abs(dc)) == index]
    cells = (_cell(row + dr, col + dc, precision) for dr, dc in offsets)
    return tuple(dict.fromkeys(c for c in cells if c is not None))


def beyond_ring_m(lat: float, lon: float, index: int, precision: int) -> float:
    """A lower bound of the distance from the point to anything outside the block of rings
    0..index (metres): the nearest edge of that block, longitude taken at the block's most
    poleward latitude (where a degree of longitude is shortest)."""
    dlat, dlon = cell_size(precision)
    row, col = _grid(lat, lon, precision)
    south, north = -90 + (row - index) * dlat, -90 + (row + index + 1) * dlat
    west, east = -180 + (col - index) * dlon, -180 + (col + index + 1) * dlon
    per_lat, _ = metres_per_degree(lat)
    _, per_lon = metres_per_degree(max(abs(south), abs(north)))
    gaps = (
        (lat - south) * per_lat,
        (north - lat) * per_lat,
        (lon - west) * per_lon,
        (east - lon) * per_lon,
    )
    return max(min(gaps), 0.0) * _SAFETY


def nearest_plan(lat: float, lon: float, radius_m: float) -> tuple[Ring, ...]:
    """Rings to read for a nearest question, in order; the caller stops as soon as it has its
    k cameras and the next ring's `beyond_m` of the previous ring is past the k-th distance.
    Ends once a ring lies wholly past the radius. A coarser precision's rings start again at
    its ring 0 (cells already read may be read again: the caller keeps each camera once).
    Planned whole before any read (pure arithmetic): Invalid (422, field `radius_m`) when it
    would name more than `MAX_NEAREST_CELLS` cells, so no question can run without end."""
    planned: list[Ring] = []
    total = 0
    for ring in _rings(lat, lon, radius_m):
        total += len(ring.cells)
        if total > MAX_NEAREST_CELLS:
            raise Invalid(
                f"too wide for the camera index at this latitude (more than {MAX_NEAREST_CELLS} "
                "cells): a smaller radius, or a point nearer the equator than the poles",
                field="radius_m",
            )
        planned.append(ring)
    return tuple(planned)


def _rings(lat: float, lon: float, radius_m: float) -> Iterator[Ring]:
    for precision in NEAR_PRECISIONS:
        last = precision == NEAR_PRECISIONS[-1]
        index = 0
        while last or index < RINGS_PER_PRECISION:
            # Ring `index` holds nothing nearer than the edge of the block inside it.
            inner = 0.0 if index == 0 else beyond_ring_m(lat, lon, index - 1, precision)
            if inner > radius_m:
                return
            yield Ring(
                precision,
                index,
                ring_cells(lat, lon, index, precision),
                beyond_ring_m(lat, lon, index, precision),
            )
            index += 1


def box_plan(box: BBox, max_cells: int = MAX_BOX_CELLS) -> tuple[int, tuple[str, ...]]:
    """(precision, cells) covering the box: the finest precision (7, else 6) that needs at
    most `max_cells` cells. Invalid (422, field `bbox`) when even precision 6 needs more (an
    area bigger than a district or two: refused, not enumerated; the map zooms in)."""
    for precision in NEAR_PRECISIONS:
        if count_cells(box, precision) <= max_cells:
            return precision, cover(box, precision)
    raise Invalid(
        f"too large for the camera index (more than {max_cells} cells of about 1 km): zoom in", field="bbox"
    )


def circle_box(lat: float, lon: float, radius_m: float) -> BBox:
    """The bounding box of a circle (clamped to the map's edges)."""
    per_lat, _ = metres_per_degree(lat)
    dlat = radius_m / per_lat
    _, per_lon = metres_per_degree(min(89.9, abs(lat) + dlat))
    dlon = min(radius_m / per_lon, 179.99)
    return BBox(max(lat - dlat, -90), max(lon - dlon, -180), min(lat + dlat, 90), min(lon + dlon, 180))


def camera_key(lat: float, lon: float, camera_id: str) -> tuple[str, str]:
    """(area, key) a camera is indexed under: the precision-6 cell and "<geohash 9>#<id>"."""
    geohash = encode(lat, lon, KEY_PRECISION)
    return geohash[:AREA_PRECISION], f"{geohash}#{camera_id}"
