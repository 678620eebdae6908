"""Geohash cells: the area index of plate reads.

A read is indexed under the one precision-5 geohash cell (about 4.9 km x 4.9 km) it was
seen in; an area search becomes one key lookup per cell the box touches, so its cost is
bounded by the box's size, never by the number of reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"
#: The precision reads are indexed at: a city is a handful of cells, a cell a few km.
CELL_PRECISION = 5


@dataclass(frozen=True)
class BBox:
    south: float
    west: float
    north: float
    east: float

    def __post_init__(self) -> None:
        values = (self.south, self.west, self.north, self.east)
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
            raise ValueError("area: finite numbers required")
        if not (-90 <= self.south < self.north <= 90):
            raise ValueError("area: south must be below north, both within -90..90")
        if not (-180 <= self.west < self.east <= 180):
            # A box across the antimeridian would need two; no city straddles it.
            raise ValueError("area: west must be left of east, both within -180..180")

    def contains(self, lat: float | None, lon: float | None) -> bool:
        if lat is None or lon is None:
            return False
        return self.south <= lat <= self.north and self.west <= lon <= self.east


def encode(lat: float, lon: float, precision: int = CELL_PRECISION) -> str:
    """The standard geohash of a point (interleaved lon/lat bits, base 32)."""
    lat_lo, lat_hi, lon_lo, lon_hi = -90.0, 90.0, -180.0, 180.0
    bits, even, out, value = 0, True, [], 0
    while len(out) < precision:
        if even:
            mid = (lon_lo + lon_hi) / 2
            value, lon_lo, lon_hi = (value << 1 | 1, mid, lon_hi) if lon >= mid else (value << 1, lon_lo, mid)
        else:
            mid = (lat_lo + lat_hi) / 2
            value, lat_lo, lat_hi = (value << 1 | 1, mid, lat_hi) if lat >= mid else (value << 1, lat_lo, mid)
        even, bits = not even, bits + 1
        if bits == 5:
            out.append(_BASE32[value])
            bits, value = 0, 0
    return "".join(out)


def cell_size(precision: int = CELL_PRECISION) -> tuple[float, float]:
    """(degrees of latitude, degrees of longitude) one cell spans."""
    lon_bits = (5 * precision + 1) // 2
    lat_bits = 5 * precision // 2
    return 180 / 2**lat_bits, 360 / 2**lon_bits


def _steps(lo: float, hi: float, size: float, origin: float) -> range:
    # Widened by a hair so a box edge on (or a rounding error off) a cell boundary takes
    # the neighbouring cell too: an extra lookup is harmless, a missed cell loses reads.
    slack = 1e-9
    first = max(math.floor((lo - origin) / size - slack), 0)
    last = min(math.floor((hi - origin) / size + slack), round((-origin * 2) / size) - 1)
    return range(first, last + 1)


def count_cells(box: BBox, precision: int = CELL_PRECISION) -> int:
    """How many cells cover the box, computed without listing them (a hostile box the size
    of a continent is refused before anything is enumerated)."""
    dlat, dlon = cell_size(precision)
    return len(_steps(box.south, box.north, dlat, -90)) * len(_steps(box.west, box.east, dlon, -180))


def cover(box: BBox, precision: int = CELL_PRECISION) -> tuple[str, ...]:
    """Every cell the box touches, each once, in a stable order."""
    dlat, dlon = cell_size(precision)
    rows, cols = _steps(box.south, box.north, dlat, -90), _steps(box.west, box.east, dlon, -180)
    centres = ((-90 + (r + 0.5) * dlat, -180 + (c + 0.5) * dlon) for r in rows for c in cols)
    return tuple(encode(lat, lon, precision) for lat, lon in centres)
