"""Snapped polygons survive a trip through 7-decimal GeoJSON bit for bit, and stay valid."""
import json

import shapely
from shapely.geometry import Polygon, shape

from gis.precision import snap


def _through_geojson(geom):
    text = json.dumps(json.loads(shapely.to_geojson(geom, indent=None)))
    data = json.loads(text)
    rounded = json.loads(json.dumps(data, default=str), parse_float=lambda s: round(float(s), 7))
    return shape({"type": rounded["type"], "coordinates": rounded["coordinates"]})


def test_snapped_coordinates_are_their_own_7_decimal_text():
    poly = Polygon([(121.123456789, 31.987654321), (121.2, 31.9), (121.25, 31.999999999), (121.123456789, 31.987654321)])
    snapped = snap(poly)
    for x, y in snapped.exterior.coords:
        assert float(f"{x:.7f}") == x and float(f"{y:.7f}") == y


def test_a_polygon_that_rounding_would_break_stays_valid():
    # Two vertices 3e-8 apart: plain rounding to 7 decimals merges them into a spike.
    poly = Polygon([(121.0, 31.0), (121.1, 31.0), (121.10000003, 31.05), (121.1, 31.05000004), (121.0, 31.1)])
    assert poly.is_valid
    snapped = snap(poly)
    assert snapped.is_valid and abs(snapped.area - poly.area) < 1e-8
    assert snap(snapped).equals_exact(snapped, 0)
