"""Chinese web coordinate systems (WGS84, GCJ-02, BD-09) and measurement in EPSG:4549.

All conversions accept floats or numpy arrays for ``lon, lat`` and return ``(lon, lat)`` of the
same kind. Points outside China's bounding box pass through unchanged. The inverse conversions
(GCJ-02 -> WGS84, BD-09 -> GCJ-02) are solved by fixed-point iteration, so round trips are exact to
well below a millimetre.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer

__all__ = [
    "SOURCE_SYSTEMS", "MEASURE_EPSG", "SQM_PER_MU",
    "in_china", "wgs84_to_gcj02", "gcj02_to_wgs84", "gcj02_to_bd09", "bd09_to_gcj02",
    "wgs84_to_bd09", "bd09_to_wgs84", "to_wgs84", "geometry_to_wgs84",
    "to_measure", "from_measure", "lonlat_to_measure", "measure_to_lonlat", "area_km2", "area_mu",
]

SOURCE_SYSTEMS = ("wgs84", "cgcs2000", "gcj02", "bd09")
MEASURE_EPSG = 4549  # CGCS2000 / 3-degree Gauss-Kruger CM 120E
SQM_PER_MU = 666.67  # 1 亩 in square metres

# GCJ-02 uses the Krasovsky 1940 ellipsoid.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0
_TOL = 1e-9  # degrees; residual at which the iterative inverses stop
_MAX_ITER = 50

# Simple bounding box used by the public GCJ-02 implementations.
_LON_MIN, _LON_MAX = 72.004, 137.8347
_LAT_MIN, _LAT_MAX = 0.8293, 55.8271


def _prepare(lon, lat):
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return x, y, scalar


def _finish(x, y, scalar):
    if scalar:
        return float(x), float(y)
    return x, y


def in_china(lon, lat):
    """True where (lon, lat) lies inside the bounding box in which the Chinese offsets apply."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    inside = (lon >= _LON_MIN) & (lon <= _LON_MAX) & (lat >= _LAT_MIN) & (lat <= _LAT_MAX)
    return bool(inside) if inside.ndim == 0 else inside


def _gcj_offset(lon, lat):
    """GCJ-02 obfuscation offset (dlon, dlat) in degrees at WGS84 (lon, lat)."""
    x = lon - 105.0
    y = lat - 35.0
    sx = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx + common
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx + common
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = dlon * 180.0 / (_A / sqrt_magic * np.cos(rad) * np.pi)
    return dlon, dlat


def _gcj_forward(x, y):
    dlon, dlat = _gcj_offset(x, y)
    return x + dlon, y + dlat


def _bd_forward(x, y):
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_approx_inverse(bx, by):
    x = bx - 0.0065
    y = by - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _invert(forward, tx, ty, gx, gy):
    """Solve forward(x, y) == (tx, ty) by fixed-point iteration from the guess (gx, gy)."""
    x, y = gx.copy(), gy.copy()
    for _ in range(_MAX_ITER):
        fx, fy = forward(x, y)
        rx, ry = fx - tx, fy - ty
        x -= rx
        y -= ry
        resid = np.maximum(np.abs(rx), np.abs(ry))
        if not np.any(resid[np.isfinite(resid)] >= _TOL):
            break
    return x, y


def _apply(lon, lat, convert):
    """Run ``convert`` on the points inside China; leave the rest unchanged."""
    x, y, scalar = _prepare(lon, lat)
    ox, oy = x.copy(), y.copy()
    mask = np.asarray(in_china(x, y))
    if mask.any():
        cx, cy = convert(x[mask], y[mask])
        ox[mask], oy[mask] = cx, cy
    return _finish(ox, oy, scalar)


def wgs84_to_gcj02(lon, lat):
    """WGS84 -> GCJ-02 (Amap, Tencent)."""
    return _apply(lon, lat, _gcj_forward)


def gcj02_to_wgs84(lon, lat):
    """GCJ-02 -> WGS84, exact to a residual below 1e-9 degrees."""
    def inverse(tx, ty):
        dlon, dlat = _gcj_offset(tx, ty)
        return _invert(_gcj_forward, tx, ty, tx - dlon, ty - dlat)
    return _apply(lon, lat, inverse)


def gcj02_to_bd09(lon, lat):
    """GCJ-02 -> BD-09 (Baidu)."""
    return _apply(lon, lat, _bd_forward)


def bd09_to_gcj02(lon, lat):
    """BD-09 -> GCJ-02, the closed-form inverse refined by iteration."""
    def inverse(tx, ty):
        gx, gy = _bd_approx_inverse(tx, ty)
        return _invert(_bd_forward, tx, ty, gx, gy)
    return _apply(lon, lat, inverse)


def wgs84_to_bd09(lon, lat):
    """WGS84 -> BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat):
    """BD-09 -> WGS84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _identity(lon, lat):
    x, y, scalar = _prepare(lon, lat)
    return _finish(x.copy(), y.copy(), scalar)


# CGCS2000 differs from WGS84 by centimetres; the project treats them as the same.
_TO_WGS84 = {
    "wgs84": _identity,
    "cgcs2000": _identity,
    "gcj02": gcj02_to_wgs84,
    "bd09": bd09_to_wgs84,
}


def _converter(source: str):
    key = source.strip().lower() if isinstance(source, str) else source
    try:
        return _TO_WGS84[key]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown coordinate system {source!r}; expected one of: {', '.join(SOURCE_SYSTEMS)}"
        ) from None


def to_wgs84(lon, lat, source: str):
    """Convert (lon, lat) from ``source`` (one of SOURCE_SYSTEMS) to WGS84."""
    return _converter(source)(lon, lat)


def _coords_func(fn):
    """Wrap a (lon, lat) -> (x, y) function as a shapely.transform coordinate function."""
    def apply(coords):
        out = np.array(coords, dtype=float, copy=True)
        if len(out):
            x, y = fn(out[:, 0], out[:, 1])
            out[:, 0], out[:, 1] = x, y
        return out
    return apply


def geometry_to_wgs84(geom, source: str):
    """Convert any shapely geometry (or array of geometries) from ``source`` to WGS84."""
    fn = _converter(source)
    return shapely.transform(geom, _coords_func(fn), include_z=None)


@lru_cache(maxsize=None)
def _transformer(forward: bool) -> Transformer:
    # WGS84 is taken as CGCS2000 (EPSG:4490), so this is a pure projection, no datum shift.
    src, dst = (4490, MEASURE_EPSG) if forward else (MEASURE_EPSG, 4490)
    return Transformer.from_crs(src, dst, always_xy=True)


def lonlat_to_measure(lon, lat):
    """Project lon/lat (floats or arrays) to EPSG:4549 easting/northing (x, y) in metres."""
    x, y, scalar = _prepare(lon, lat)
    return _finish(*_transformer(True).transform(x, y), scalar)


def measure_to_lonlat(x, y):
    """Unproject EPSG:4549 easting/northing in metres to lon/lat."""
    x, y, scalar = _prepare(x, y)
    return _finish(*_transformer(False).transform(x, y), scalar)


def to_measure(geom):
    """Project a WGS84 geometry to EPSG:4549 (metres)."""
    return shapely.transform(geom, _coords_func(_transformer(True).transform), include_z=None)


def from_measure(geom):
    """Unproject an EPSG:4549 geometry back to WGS84 lon/lat."""
    return shapely.transform(geom, _coords_func(_transformer(False).transform), include_z=None)


def area_km2(geom) -> float:
    """Area in km² of a WGS84 geometry, measured in EPSG:4549."""
    return float(shapely.area(to_measure(geom))) / 1e6


def area_mu(geom) -> float:
    """Area in 亩 of a WGS84 geometry, measured in EPSG:4549."""
    return float(shapely.area(to_measure(geom))) / SQM_PER_MU
