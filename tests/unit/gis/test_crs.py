"""Unit tests for gis.crs: GCJ-02 / BD-09 conversions and EPSG:4549 measurement."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from gis import crs

STATIONS = Path("/work/shared/data/transit/metro_line17_stations_wgs84.geojson")


@pytest.fixture(scope="module")
def qingpu_grid():
    lon, lat = np.meshgrid(np.linspace(120.85, 121.32, 40), np.linspace(30.94, 31.30, 30))
    return lon.ravel(), lat.ravel()


def test_gcj_round_trip_over_qingpu(qingpu_grid):
    lon, lat = qingpu_grid
    back_lon, back_lat = crs.gcj02_to_wgs84(*crs.wgs84_to_gcj02(lon, lat))
    assert np.max(np.abs(back_lon - lon)) < 1e-8
    assert np.max(np.abs(back_lat - lat)) < 1e-8


def test_bd_round_trip_over_qingpu(qingpu_grid):
    lon, lat = qingpu_grid
    back_lon, back_lat = crs.bd09_to_wgs84(*crs.wgs84_to_bd09(lon, lat))
    assert np.max(np.abs(back_lon - lon)) < 1e-8
    assert np.max(np.abs(back_lat - lat)) < 1e-8


def test_gcj_offset_in_qingpu_is_hundreds_of_metres(qingpu_grid):
    lon, lat = qingpu_grid
    x0, y0 = crs.lonlat_to_measure(lon, lat)
    x1, y1 = crs.lonlat_to_measure(*crs.wgs84_to_gcj02(lon, lat))
    offset = np.hypot(x1 - x0, y1 - y0)
    assert offset.min() > 100 and offset.max() < 700


def test_vectorised_equals_scalar(qingpu_grid):
    lon, lat = qingpu_grid
    funcs = [crs.wgs84_to_gcj02, crs.gcj02_to_wgs84, crs.gcj02_to_bd09,
             crs.bd09_to_gcj02, crs.wgs84_to_bd09, crs.bd09_to_wgs84]
    for fn in funcs:
        vx, vy = fn(lon, lat)
        assert isinstance(vx, np.ndarray) and vx.shape == lon.shape
        for i in range(0, len(lon), 97):
            sx, sy = fn(float(lon[i]), float(lat[i]))
            assert isinstance(sx, float) and isinstance(sy, float)
            assert sx == pytest.approx(vx[i], abs=1e-10) and sy == pytest.approx(vy[i], abs=1e-10)


def test_outside_china_passes_through():
    for fn in (crs.wgs84_to_gcj02, crs.gcj02_to_wgs84, crs.wgs84_to_bd09, crs.bd09_to_wgs84):
        assert fn(2.35, 48.85) == (2.35, 48.85)  # Paris
    lon, lat = crs.wgs84_to_gcj02(np.array([2.35, 121.1]), np.array([48.85, 31.1]))
    assert (lon[0], lat[0]) == (2.35, 48.85)
    assert lon[1] != 121.1


def test_geometry_to_wgs84_matches_scalar():
    gx, gy = 121.12, 31.16
    for source, fn in (("gcj02", crs.gcj02_to_wgs84), ("bd09", crs.bd09_to_wgs84)):
        p = crs.geometry_to_wgs84(Point(gx, gy), source)
        assert (p.x, p.y) == pytest.approx(fn(gx, gy), abs=1e-12)
    poly = crs.geometry_to_wgs84(box(121.0, 31.0, 121.1, 31.1), "gcj02")
    assert poly.geom_type == "Polygon" and poly.is_valid
    first = poly.exterior.coords[0]
    assert first == pytest.approx(crs.gcj02_to_wgs84(121.1, 31.0), abs=1e-12)


def test_geometry_to_wgs84_identity_and_z():
    line = LineString([(121.0, 31.0, 5.0), (121.1, 31.1, 7.0)])
    assert crs.geometry_to_wgs84(line, "cgcs2000").equals_exact(line, 0)
    out = crs.geometry_to_wgs84(line, "gcj02")
    assert shapely.has_z(out)
    assert [c[2] for c in out.coords] == [5.0, 7.0]


def test_to_wgs84_dispatch_and_unknown_source():
    assert crs.to_wgs84(121.1, 31.1, "wgs84") == (121.1, 31.1)
    assert crs.to_wgs84(121.1, 31.1, "cgcs2000") == (121.1, 31.1)
    assert crs.to_wgs84(121.1, 31.1, "gcj02") == crs.gcj02_to_wgs84(121.1, 31.1)
    assert crs.to_wgs84(121.1, 31.1, "bd09") == crs.bd09_to_wgs84(121.1, 31.1)
    with pytest.raises(ValueError, match="gcj02"):
        crs.to_wgs84(121.1, 31.1, "mars")
    with pytest.raises(ValueError, match="unknown coordinate system"):
        crs.geometry_to_wgs84(Point(121.1, 31.1), "epsg:3857")


def test_square_km_area():
    x0, y0 = crs.lonlat_to_measure(121.1, 31.15)
    square_m = box(x0, y0, x0 + 1000.0, y0 + 1000.0)
    square_wgs = crs.from_measure(square_m)
    assert square_wgs.bounds[0] == pytest.approx(121.1, abs=1e-9)
    assert crs.area_km2(square_wgs) == pytest.approx(1.0, abs=1e-6)
    assert crs.area_mu(square_wgs) == pytest.approx(1e6 / crs.SQM_PER_MU, rel=1e-6)


def test_measure_round_trip_and_axis_order():
    x, y = crs.lonlat_to_measure(np.array([120.9, 121.3]), np.array([31.0, 31.3]))
    assert np.all((x > 400_000) & (x < 700_000))  # easting (false easting 500 km at 120E)
    assert np.all((y > 3_400_000) & (y < 3_500_000))  # northing
    lon, lat = crs.measure_to_lonlat(x, y)
    assert lon == pytest.approx([120.9, 121.3], abs=1e-9)
    assert lat == pytest.approx([31.0, 31.3], abs=1e-9)
    poly = Polygon([(121.0, 31.0), (121.1, 31.0), (121.1, 31.1)])
    assert crs.from_measure(crs.to_measure(poly)).equals_exact(poly, 1e-9)


@pytest.mark.skipif(not STATIONS.exists(), reason="shared metro data not present")
def test_line17_stations_gcj_to_wgs_matches_reference():
    features = json.loads(STATIONS.read_text(encoding="utf-8"))["features"]
    assert features
    glon = np.array([f["properties"]["gcj02_lon"] for f in features])
    glat = np.array([f["properties"]["gcj02_lat"] for f in features])
    ref = np.array([f["geometry"]["coordinates"][:2] for f in features])
    lon, lat = crs.gcj02_to_wgs84(glon, glat)
    x0, y0 = crs.lonlat_to_measure(ref[:, 0], ref[:, 1])
    x1, y1 = crs.lonlat_to_measure(lon, lat)
    assert np.max(np.hypot(x1 - x0, y1 - y0)) < 1.0
    assert not math.isnan(float(np.max(lon)))
