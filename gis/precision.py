"""One coordinate grid for stored polygons, so that what the API serves round-trips exactly.

The API writes coordinates with 7 decimals (about 1 cm). A polygon stored at full precision
can turn invalid when rounded (two vertices meeting), and even a valid one comes back a bit
different. So polygons are snapped on write: GEOS puts them on the 1e-7° grid keeping them
valid, then each coordinate becomes the double that its 7-decimal text parses to — exactly
what a client reads and may send back.
"""
from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

GRID_DEGREES = 1e-7
DECIMALS = 7


def _as_printed(coords: np.ndarray) -> np.ndarray:
    # float(f"{v:.7f}") is correctly rounded; numpy's round is not always.
    return np.array([float(f"{v:.{DECIMALS}f}") for v in coords.ravel()]).reshape(coords.shape)


def snap(geom: BaseGeometry) -> BaseGeometry:
    """On the grid, valid, and in normal form (GEOS may re-orient rings), so snapping twice
    changes nothing."""
    return shapely.normalize(shapely.transform(shapely.set_precision(geom, GRID_DEGREES), _as_printed))
