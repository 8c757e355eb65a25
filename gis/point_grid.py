"""A count pyramid of points on the WebMercatorQuad grid, for low-zoom vector tiles of big point layers.

Each level z holds the non-empty cells of CELLS x CELLS per tile with their point counts, keyed by
the Morton (Z-order) code of the cell. Because Morton order keeps every tile's cells together, the
cells of tile z/x/y are one contiguous slice found by binary search, whatever the zoom: a tile of a
million points costs a slice, not a scan. Levels are built bottom-up in one pass each (parent key =
child key >> 2), so the whole pyramid of a million points takes well under a second.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CELL_BITS = 6  # 64 x 64 cells per tile: 4 px on a 256-px tile
CELLS = 1 << CELL_BITS


def _spread(v: np.ndarray) -> np.ndarray:
    """Insert a zero bit between the bits of 32-bit integers (for Morton codes)."""
    v = v.astype(np.uint64) & np.uint64(0xFFFFFFFF)
    for shift, mask in ((16, 0x0000FFFF0000FFFF), (8, 0x00FF00FF00FF00FF), (4, 0x0F0F0F0F0F0F0F0F),
                        (2, 0x3333333333333333), (1, 0x5555555555555555)):
        v = (v | (v << np.uint64(shift))) & np.uint64(mask)
    return v


def _compact(v: np.ndarray) -> np.ndarray:
    v = v.astype(np.uint64) & np.uint64(0x5555555555555555)
    for shift, mask in ((1, 0x3333333333333333), (2, 0x0F0F0F0F0F0F0F0F), (4, 0x00FF00FF00FF00FF),
                        (8, 0x0000FFFF0000FFFF), (16, 0x00000000FFFFFFFF)):
        v = (v | (v >> np.uint64(shift))) & np.uint64(mask)
    return v


def morton(x, y) -> np.ndarray:
    return _spread(np.asarray(x)) | (_spread(np.asarray(y)) << np.uint64(1))


def mercator_unit(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitude/latitude as WebMercatorQuad fractions 0..1 (x east, y south, as tiles count)."""
    lat = np.clip(lat, -85.05112878, 85.05112878)
    x = (np.asarray(lon, dtype=float) + 180.0) / 360.0
    y = (1.0 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2.0
    return np.clip(x, 0, 1 - 1e-15), np.clip(y, 0, 1 - 1e-15)


@dataclass
class PointGrid:
    max_zoom: int
    keys: list[np.ndarray]  # per zoom: sorted Morton codes of the non-empty cells
    counts: list[np.ndarray]  # per zoom: points in each cell

    @classmethod
    def build(cls, lon: np.ndarray, lat: np.ndarray, max_zoom: int) -> "PointGrid":
        bits = max_zoom + CELL_BITS
        x, y = mercator_unit(lon, lat)
        cx = np.floor(x * (1 << bits)).astype(np.uint64)
        cy = np.floor(y * (1 << bits)).astype(np.uint64)
        keys = np.sort(morton(cx, cy))
        keys, counts = _collapse(keys, np.ones(len(keys), dtype=np.int64))
        levels_k, levels_c = [keys], [counts]
        for _ in range(max_zoom):
            keys, counts = _collapse(levels_k[-1] >> np.uint64(2), levels_c[-1])
            levels_k.append(keys)
            levels_c.append(counts)
        return cls(max_zoom, levels_k[::-1], levels_c[::-1])

    def updated(self, lon: np.ndarray, lat: np.ndarray, delta: np.ndarray) -> "PointGrid":
        """A new pyramid with ``delta`` (+1 a point added, -1 removed) applied at each position: the same
        as building it again from the changed set of points, in time proportional to the cells touched
        plus one copy of each level. This one is left as it was (other threads may be reading it)."""
        if len(delta) == 0:
            return self
        bits = self.max_zoom + CELL_BITS
        x, y = mercator_unit(np.asarray(lon, float), np.asarray(lat, float))
        finest = morton(np.floor(x * (1 << bits)).astype(np.uint64), np.floor(y * (1 << bits)).astype(np.uint64))
        order = np.argsort(finest, kind="stable")
        keys, counts = _collapse(finest[order], np.asarray(delta, dtype=np.int64)[order])
        levels_k, levels_c = [], []
        for level in range(self.max_zoom, -1, -1):  # finest first, as the keys are
            levels_k_, levels_c_ = _merge(self.keys[level], self.counts[level], keys, counts)
            levels_k.append(levels_k_)
            levels_c.append(levels_c_)
            keys, counts = _collapse(keys >> np.uint64(2), counts)
        return PointGrid(self.max_zoom, levels_k[::-1], levels_c[::-1])

    def tile(self, z: int, x: int, y: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cells of tile z/x/y: column and row (0..CELLS-1, rows from the top) and point counts."""
        keys, counts = self.keys[z], self.counts[z]
        first = int(morton(np.uint64(x), np.uint64(y))) << (2 * CELL_BITS)
        lo, hi = np.searchsorted(keys, [first, first + (1 << (2 * CELL_BITS))])
        local = keys[lo:hi] & np.uint64((1 << (2 * CELL_BITS)) - 1)
        return _compact(local).astype(np.int64), _compact(local >> np.uint64(1)).astype(np.int64), counts[lo:hi]

    @property
    def nbytes(self) -> int:
        return sum(k.nbytes + c.nbytes for k, c in zip(self.keys, self.counts))


def _collapse(sorted_keys: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge runs of equal keys (the input is sorted), summing their counts."""
    if len(sorted_keys) == 0:
        return sorted_keys, counts
    starts = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
    return sorted_keys[starts], np.add.reduceat(counts, starts)


def _merge(keys: np.ndarray, counts: np.ndarray, add_keys: np.ndarray, add_counts: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """Sorted cells with signed count changes added (both sorted by key); cells left at zero go."""
    at = np.searchsorted(keys, add_keys)
    known = at < len(keys)
    known[known] = keys[at[known]] == add_keys[known]
    counts = counts.copy()
    np.add.at(counts, at[known], add_counts[known])
    fresh = ~known
    if fresh.any():
        if np.any(add_counts[fresh] < 0):
            raise ValueError("a point removed from a cell that holds none")
        keys = np.insert(keys, at[fresh], add_keys[fresh])
        counts = np.insert(counts, at[fresh], add_counts[fresh])
    if np.any(counts < 0):
        raise ValueError("a point removed from a cell that holds none")
    kept = counts > 0
    return (keys, counts) if kept.all() else (keys[kept], counts[kept])
