"""Counting firms within a radius of many sites: cheap guaranteed bounds from a grid, exact counts from a
k-d tree only where the bounds leave the score open.

Bounds: the firms in grid cells that lie wholly inside the square inscribed in the circle are surely
within the radius (lower bound); the firms in cells touching the circumscribed square include every firm
within it (upper bound). Both are two look-ups in a summed-area table, whatever the density.
All coordinates are metres (EPSG:4549).
"""
from __future__ import annotations

import threading

import numpy as np
from scipy.spatial import cKDTree


class FirmCounter:
    """The k-d tree and the summed-area grid are each made on first use (a counter whose bounds are never
    asked for, as the upstream/downstream split of a few shown sites, never builds its grid)."""

    def __init__(self, points: np.ndarray, cell_m: float = 100.0):
        self.points = np.asarray(points, dtype=float).reshape(-1, 2)
        self.cell = cell_m
        self._tree = self._sat = None
        self._lock = threading.Lock()
        self.grid_carried = False

    @property
    def tree(self):
        if self._tree is None and len(self.points):
            with self._lock:
                if self._tree is None:
                    self._tree = cKDTree(self.points, leafsize=32)
        return self._tree

    @property
    def sat(self) -> np.ndarray:
        if self._sat is None:
            with self._lock:
                if self._sat is None:
                    self.origin = self.points.min(axis=0) - self.cell
                    extent = self.points.max(axis=0) + self.cell - self.origin
                    nx, ny = (np.ceil(extent / self.cell).astype(int) + 1)
                    ix, iy = self._cell(self.points)
                    grid = np.zeros((ny, nx), dtype=np.int64)
                    np.add.at(grid, (iy, ix), 1)
                    sat = np.zeros((ny + 1, nx + 1), dtype=np.int64)  # summed-area table, zero-padded
                    sat[1:, 1:] = grid.cumsum(axis=0).cumsum(axis=1)
                    self._sat = sat
        return self._sat

    def updated(self, points: np.ndarray, removed: np.ndarray, added: np.ndarray) -> "FirmCounter":
        """The counter of ``points`` (these points without ``removed``, with ``added``): its grid made
        from this one's by adding and taking away those points' cells when the extent is unchanged (the
        same integers a count from scratch gives), else on first use; its k-d tree on first use."""
        out = FirmCounter(points, self.cell)
        if self._sat is None or not len(out.points) or len(self.points) == 0:
            return out
        if not ((out.points.min(axis=0) == self.points.min(axis=0)).all()
                and (out.points.max(axis=0) == self.points.max(axis=0)).all()):
            return out
        out.origin = self.origin
        change = np.zeros((self._sat.shape[0] - 1, self._sat.shape[1] - 1), dtype=np.int64)
        for xy, step in ((np.asarray(removed, dtype=float).reshape(-1, 2), -1),
                         (np.asarray(added, dtype=float).reshape(-1, 2), 1)):
            ix, iy = out._cell(xy)
            np.add.at(change, (iy, ix), step)
        sat = self._sat.copy()
        sat[1:, 1:] += change.cumsum(axis=0).cumsum(axis=1)  # the changed cells' own summed-area table
        out._sat = sat
        out.grid_carried = True  # same origin and shape: bounds away from the changed cells are this one's
        return out

    def _cell(self, xy):
        ij = np.floor((xy - self.origin) / self.cell).astype(int)
        return ij[:, 0], ij[:, 1]

    def _cells_sum(self, i0, j0, i1, j1) -> np.ndarray:
        """Firms in cells [i0, i1) x [j0, j1) (clipped to the grid)."""
        ny, nx = self.sat.shape[0] - 1, self.sat.shape[1] - 1
        i0, i1 = np.clip(i0, 0, nx), np.clip(i1, 0, nx)
        j0, j1 = np.clip(j0, 0, ny), np.clip(j1, 0, ny)
        i1, j1 = np.maximum(i1, i0), np.maximum(j1, j0)
        s = self.sat
        return s[j1, i1] - s[j0, i1] - s[j1, i0] + s[j0, i0]

    def bounds(self, xy: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) bounds of the number of firms within ``radius`` of each point of ``xy``."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if not len(self.points) or len(xy) == 0:
            zero = np.zeros(len(xy))
            return zero, zero
        _ = self.sat  # made on first use, with its origin
        rel = (xy - self.origin) / self.cell
        inner, outer = radius / np.sqrt(2) / self.cell, radius / self.cell
        lo = self._cells_sum(np.ceil(rel[:, 0] - inner).astype(int), np.ceil(rel[:, 1] - inner).astype(int),
                             np.floor(rel[:, 0] + inner).astype(int), np.floor(rel[:, 1] + inner).astype(int))
        hi = self._cells_sum(np.floor(rel[:, 0] - outer).astype(int), np.floor(rel[:, 1] - outer).astype(int),
                             np.floor(rel[:, 0] + outer).astype(int) + 1, np.floor(rel[:, 1] + outer).astype(int) + 1)
        return lo.astype(float), hi.astype(float)

    def exact(self, xy: np.ndarray, radius: float) -> np.ndarray:
        """Firms within ``radius`` (distance ≤ radius) of each point."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if self.tree is None or len(xy) == 0:
            return np.zeros(len(xy))
        # queried row by row of 1 km bands, west to east: neighbouring queries walk the same nodes (about
        # 1.2x faster than in the callers' order; the counts are the same in any order)
        order = np.lexsort((xy[:, 0], np.floor(xy[:, 1] / 1000.0)))
        out = np.empty(len(xy))
        out[order] = self.tree.query_ball_point(xy[order], r=radius, return_length=True)
        return out


class SitePoints:
    """Sites' measuring points (EPSG:4549; NaN for a site without one), to adjust counts already made when
    firms move: a firm within ``radius`` of a site is the same pair, by the same squared distance, as that
    site's firm within ``radius`` (the k-d tree's counts equal this brute force: see the tests)."""

    BRUTE_FORCE = 256  # up to this many moved points, each compared with every site (about 1 ms each)

    def __init__(self, xy: np.ndarray):
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        self.rows = np.flatnonzero(np.isfinite(xy).all(axis=1))
        self.xy = xy[self.rows]
        self._tree = None

    def near(self, points: np.ndarray, reach: float) -> np.ndarray:
        """Rows of the sites within ``reach`` of any of ``points`` along both axes (a square, not a circle)."""
        points = np.asarray(points, dtype=float).reshape(-1, 2)
        if not len(self.rows) or not len(points):
            return self.rows[:0]
        found = self._index().query_ball_point(points, r=reach, p=np.inf)  # p=inf: the square
        return self.rows[np.unique(np.concatenate([np.asarray(f, dtype=np.int64) for f in found]))]

    def _index(self) -> cKDTree:
        if self._tree is None:
            self._tree = cKDTree(self.xy, leafsize=32)
        return self._tree

    def add_counts(self, counts: np.ndarray, points: np.ndarray, deltas: np.ndarray, radius: float) -> None:
        """``counts[i] += delta`` for every site i within ``radius`` of each point (in place)."""
        points = np.asarray(points, dtype=float).reshape(-1, 2)
        if not len(self.rows) or not len(points):
            return
        if len(points) <= self.BRUTE_FORCE:
            near = (np.flatnonzero(((self.xy - p) ** 2).sum(axis=1) <= radius * radius) for p in points)
        else:
            near = self._index().query_ball_point(points, r=radius)
        for found, delta in zip(near, deltas):
            counts[self.rows[found]] += delta
