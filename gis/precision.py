"""One coordinate grid for stored polygons, so that what the API serves round-trips.

The API writes coordinates with 7 decimals (about 1 cm). A polygon stored at full precision
can turn invalid when rounded (two vertices meeting); snapping it to the same grid on
write, which keeps it valid, means a client can send back what it read.
"""
from __future__ import annotations

import shapely
from shapely.geometry.base import BaseGeometry

GRID_DEGREES = 1e-7
DECIMALS = 7


def snap(geom: BaseGeometry) -> BaseGeometry:
    return shapely.set_precision(geom, GRID_DEGREES)
