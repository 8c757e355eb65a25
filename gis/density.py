"""Kernel density of enterprises in EPSG:4549 (metres), as a grid, contour polygons or a PNG overlay.

Kernel: isotropic Gaussian, K_h(d) = exp(-d² / 2h²) / (2π h²), so the surface is "firms per km²"
(or employees per km² when weighted). Default bandwidth: Scott's rule on the projected coordinates,
h = σ n_eff^(-1/6) with σ = sqrt((var x + var y) / 2) (for two dimensions Silverman's rule gives the
same factor); n_eff = (Σw)² / Σw² when weighted.

The sum is exact, not binned: the Gaussian factorises, Σ_i w_i φ(gx - x_i) φ(gy - y_i) = Φx^T diag(w) Φy,
so one grid costs a matrix product over chunks of points, O(n (nx + ny) + n nx ny) with BLAS.
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import numpy as np
import shapely
from scipy import ndimage

from gis.crs import from_measure, lonlat_to_measure, measure_to_lonlat
from gis.errors import InvalidInput

__all__ = ["Grid", "RAMP", "scott_bandwidth", "make_grid", "kde_grid", "contour_polygons", "raster_png"]

MAX_CELLS_PER_SIDE = 300
_CHUNK = 20000


def scott_bandwidth(x, y, weights=None) -> float:
    """Scott's rule bandwidth in metres for projected coordinates x, y."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size < 2:
        raise InvalidInput("a default bandwidth needs at least two points")
    if weights is None:
        var = (x.var(ddof=1) + y.var(ddof=1)) / 2
        n_eff = x.size
    else:
        w = np.asarray(weights, dtype=float)
        if w.sum() <= 0:
            raise InvalidInput("the weights sum to zero")
        wn = w / w.sum()
        var = (np.sum(wn * (x - np.sum(wn * x)) ** 2) + np.sum(wn * (y - np.sum(wn * y)) ** 2)) / 2
        n_eff = 1.0 / np.sum(wn * wn)
    h = float(np.sqrt(var) * n_eff ** (-1 / 6))
    if not h > 0:
        raise InvalidInput("all points coincide: give a bandwidth")
    return h


@dataclass(frozen=True)
class Grid:
    """Cell-centre coordinates of a regular grid in EPSG:4549 metres."""

    x: np.ndarray  # (nx,) ascending eastings
    y: np.ndarray  # (ny,) ascending northings
    cell: float

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        half = self.cell / 2
        return self.x[0] - half, self.y[0] - half, self.x[-1] + half, self.y[-1] + half


def make_grid(bounds, cell_m: float) -> Grid:
    """Grid over (minx, miny, maxx, maxy) metres; the cell grows if a side would pass MAX_CELLS_PER_SIDE."""
    minx, miny, maxx, maxy = map(float, bounds)
    if not (maxx > minx and maxy > miny):
        raise InvalidInput("empty grid bounds")
    if not cell_m > 0:
        raise InvalidInput("the cell size must be positive")
    cell = max(float(cell_m), (maxx - minx) / MAX_CELLS_PER_SIDE, (maxy - miny) / MAX_CELLS_PER_SIDE)
    nx = max(1, int(np.ceil((maxx - minx) / cell)))
    ny = max(1, int(np.ceil((maxy - miny) / cell)))
    return Grid(minx + cell * (np.arange(nx) + 0.5), miny + cell * (np.arange(ny) + 0.5), cell)


def kde_grid(x, y, grid: Grid, bandwidth: float, weights=None) -> np.ndarray:
    """Density (per km²) at the grid's cell centres, shape (ny, nx); exact Gaussian sum."""
    h = float(bandwidth)
    if not h > 0 or not np.isfinite(h):
        raise InvalidInput("the bandwidth must be a positive number of metres")
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.ones(x.size) if weights is None else np.nan_to_num(np.asarray(weights, dtype=float))
    out = np.zeros((grid.y.size, grid.x.size))
    for s in range(0, x.size, _CHUNK):
        sl = slice(s, s + _CHUNK)
        fx = np.exp(-0.5 * ((grid.x[None, :] - x[sl, None]) / h) ** 2)  # (chunk, nx)
        fy = np.exp(-0.5 * ((grid.y[None, :] - y[sl, None]) / h) ** 2)  # (chunk, ny)
        out += (fy * w[sl, None]).T @ fx
    return out / (2 * np.pi * h * h) * 1e6


def _mask_polygon(mask: np.ndarray, grid: Grid):
    """Union of the grid cells where mask is true (row runs merged into boxes first), in metres."""
    half = grid.cell / 2
    boxes = []
    for r in range(mask.shape[0]):
        row = np.concatenate(([False], mask[r], [False]))
        edges = np.flatnonzero(row[1:] != row[:-1])
        for a, b in zip(edges[::2], edges[1::2]):
            boxes.append(shapely.box(grid.x[a] - half, grid.y[r] - half, grid.x[b - 1] + half, grid.y[r] + half))
    return shapely.union_all(boxes) if boxes else None


def contour_polygons(surface: np.ndarray, grid: Grid, levels) -> list[tuple[float, object]]:
    """(level, WGS84 polygon) for each level: the area where the density is at least the level.

    Boundaries follow the grid cells (a staircase at the cell size), which keeps them exact about
    which cells pass the level; bands nest, so draw them lowest level first.
    """
    out = []
    for level in levels:
        poly = _mask_polygon(surface >= level, grid)
        if poly is not None and not poly.is_empty:
            out.append((float(level), from_measure(poly)))
    return out


# A light-to-dark ramp (yellow -> orange -> red -> purple), alpha rising with density (pages draw its legend).
RAMP = np.array([[255, 255, 204], [254, 217, 118], [253, 141, 60], [227, 26, 28], [128, 0, 38]], dtype=float)


def _colour(values: np.ndarray, vmax: float) -> np.ndarray:
    t = np.clip(values / vmax, 0, 1) if vmax > 0 else np.zeros_like(values)
    pos = t * (len(RAMP) - 1)
    lo = np.floor(pos).astype(int).clip(0, len(RAMP) - 2)
    frac = (pos - lo)[..., None]
    rgb = RAMP[lo] * (1 - frac) + RAMP[lo + 1] * frac
    alpha = np.where(t < 0.02, 0, 60 + 170 * t)  # near-zero density stays transparent
    return np.concatenate([rgb, alpha[..., None]], axis=-1).round().astype(np.uint8)


def _png(rgba: np.ndarray) -> bytes:
    h, w, _ = rgba.shape
    raw = b"".join(b"\x00" + rgba[r].tobytes() for r in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def raster_png(surface: np.ndarray, grid: Grid) -> tuple[bytes, list[list[float]], float]:
    """The surface as an RGBA PNG on a regular lon/lat grid (for a Leaflet image overlay).

    The EPSG:4549 grid is resampled bilinearly at the projected position of each lon/lat pixel, so
    the image sits where it should on a web map. Returns (png, [[south, west], [north, east]], vmax).
    """
    minx, miny, maxx, maxy = grid.bounds
    corners_lon, corners_lat = measure_to_lonlat(np.array([minx, maxx, minx, maxx]), np.array([miny, miny, maxy, maxy]))
    west, east = float(np.min(corners_lon)), float(np.max(corners_lon))
    south, north = float(np.min(corners_lat)), float(np.max(corners_lat))
    ny, nx = surface.shape
    lon = np.linspace(west, east, nx)
    lat = np.linspace(north, south, ny)  # image rows run north to south
    glon, glat = np.meshgrid(lon, lat)
    px, py = lonlat_to_measure(glon, glat)
    col = (px - grid.x[0]) / grid.cell
    row = (py - grid.y[0]) / grid.cell
    values = ndimage.map_coordinates(surface, [row, col], order=1, mode="constant", cval=0.0)
    vmax = float(surface.max())
    return _png(_colour(values, vmax)), [[south, west], [north, east]], vmax
