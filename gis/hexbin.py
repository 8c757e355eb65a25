"""H3 hexagonal binning of enterprise points.

One indexing path, measured as the fastest correct one in bench/bench_analytics.py: the h3 4.x
integer API ``h3.api.basic_int.latlng_to_cell(lat, lon, res)`` on WGS84 degrees, mapped over the
coordinate lists straight into ``np.fromiter`` (a C call per point, no string building, no
intermediate list; about 0.65 µs a point, against ~1 µs for the string API). h3-py 4 has no
array-at-once indexing call; numpy.frompyfunc and a generator expression measure the same or slower.
Cells are uint64 internally and become H3 hex strings only for the cells that are returned.
Aggregation per cell is numpy (unique + bincount), so it costs far less than the indexing.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import repeat

import h3
import numpy as np
from h3.api import basic_int

from gis.errors import InvalidInput

__all__ = ["RESOLUTIONS", "HexBins", "cells_for_points", "bin_points", "study_area_cells",
           "cell_polygon", "cell_strings", "k1_neighbours"]

# 7: ~5.2 km² cells (district overview), 8: ~0.74 km² (default), 9: ~0.11 km² (park scale).
RESOLUTIONS = (7, 8, 9)


def _check_resolution(resolution: int) -> int:
    if resolution not in RESOLUTIONS:
        raise InvalidInput(f"resolution must be one of {', '.join(map(str, RESOLUTIONS))}, not {resolution!r}")
    return int(resolution)


def cells_for_points(lon, lat, resolution: int) -> np.ndarray:
    """The uint64 H3 cell of each WGS84 point (lon, lat arrays in degrees)."""
    res = _check_resolution(resolution)
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if lon.shape != lat.shape:
        raise InvalidInput("lon and lat must have the same shape")
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise InvalidInput("lon and lat must be finite")
    return np.fromiter(map(basic_int.latlng_to_cell, lat.ravel().tolist(), lon.ravel().tolist(), repeat(res, lon.size)),
                       dtype=np.uint64, count=lon.size)


@dataclass(frozen=True)
class HexBins:
    """Per-cell sums; ``cells`` are sorted uint64 H3 indexes."""

    resolution: int
    cells: np.ndarray
    count: np.ndarray
    employees: np.ndarray
    output: np.ndarray | None = None


def bin_points(lon, lat, resolution: int, employees=None, output=None) -> HexBins:
    """Count points (and sum employees / output, NaN counted as 0) per H3 cell."""
    cells = cells_for_points(lon, lat, resolution)
    unique, inverse = np.unique(cells, return_inverse=True)
    size = unique.size

    def total(values):
        if values is None:
            return np.zeros(size)
        v = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
        return np.bincount(inverse, weights=v, minlength=size)

    count = np.bincount(inverse, minlength=size).astype(np.int64)
    return HexBins(int(resolution), unique, count, total(employees), None if output is None else total(output))


def study_area_cells(area_geojson: dict, resolution: int, extra_cells=()) -> np.ndarray:
    """Sorted uint64 cells whose centre lies in the area (a GeoJSON Polygon/MultiPolygon mapping
    in WGS84), united with ``extra_cells`` (cells holding points just outside the outline)."""
    res = _check_resolution(resolution)
    shape = h3.geo_to_h3shape(area_geojson)
    inside = np.array([h3.str_to_int(c) for c in h3.h3shape_to_cells(shape, res)], dtype=np.uint64)
    return np.union1d(inside, np.asarray(extra_cells, dtype=np.uint64))


def cell_strings(cells) -> list[str]:
    return [h3.int_to_str(int(c)) for c in cells]


def cell_polygon(cell: int) -> dict:
    """The cell's hexagon as a GeoJSON Polygon in lon/lat (closed ring)."""
    ring = [[round(lon, 7), round(lat, 7)] for lat, lon in basic_int.cell_to_boundary(int(cell))]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def k1_neighbours(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Binary k=1 adjacency restricted to ``cells`` (sorted uint64): edge arrays (i, j), i != j.

    Neighbours outside the set are dropped, so cells on the edge of the study area have fewer.
    """
    cells = np.asarray(cells, dtype=np.uint64)
    rows, cols = [], []
    for i, c in enumerate(cells.tolist()):
        ring = np.fromiter((n for n in basic_int.grid_ring(c, 1)), dtype=np.uint64)
        pos = np.searchsorted(cells, ring)
        pos[pos >= cells.size] = 0
        hit = cells[pos] == ring
        rows.extend([i] * int(hit.sum()))
        cols.extend(pos[hit].tolist())
    return np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)


@dataclass(frozen=True)
class CountClasses:
    """Classes of cell counts: class i holds counts lower[i]..upper[i]; `ramp` places each class on a
    colour ramp of `ramp_size` steps (spread out when ties leave fewer classes than asked for)."""
    lower: tuple[int, ...]
    upper: tuple[int, ...]
    ramp: tuple[int, ...]
    method: str = "quantiles"

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(f"{lo}" if lo == hi else f"{lo}–{hi}" for lo, hi in zip(self.lower, self.upper))

    def classify(self, counts) -> np.ndarray:
        """The class index of each count (counts above the top class go to the top class)."""
        idx = np.searchsorted(np.asarray(self.upper), np.asarray(counts), side="left")
        return np.minimum(idx, len(self.upper) - 1)


def quantile_classes(counts, k: int = 5, ramp_size: int = 5) -> CountClasses:
    """Up to k classes of integer counts with about equally many cells in each (quantile breaks, rounded
    up to whole counts; classes that would repeat a break are merged)."""
    c = np.asarray(counts, dtype=np.int64)
    if c.size == 0:
        return CountClasses((), (), ())
    uppers = np.unique(np.ceil(np.quantile(c, np.arange(1, k + 1) / k, method="inverted_cdf")).astype(np.int64))
    lowers = np.concatenate([[c.min()], uppers[:-1] + 1])
    n = uppers.size
    ramp = tuple(int(round(i * (ramp_size - 1) / (n - 1))) if n > 1 else ramp_size - 1 for i in range(n))
    return CountClasses(tuple(int(v) for v in lowers), tuple(int(v) for v in uppers), ramp)
