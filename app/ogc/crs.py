"""The coordinate reference systems the OGC API offers (Part 2), with their axis order.

Storage is WGS84 lon/lat (SRID 4326). CRS84 is lon/lat; EPSG:4326 and EPSG:4490 are lat/lon and
EPSG:4549 is northing/easting, as their EPSG definitions say and the OGC requires: coordinates in
responses, bbox (with bbox-crs) and filter geometries (with filter-crs) follow that order.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import shapely
import shapely.geometry
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from app.core.errors import bad_request


@dataclass(frozen=True)
class OgcCrs:
    uri: str
    srid: int
    swapped: bool  # first axis is north (lat or northing)
    decimals: int  # coordinate precision in responses
    geographic: bool

    def output_sql(self, geom: str = "t.geom") -> str:
        """SQL for a stored geometry expressed in this CRS, in its axis order."""
        out = geom if self.srid == 4326 else f"ST_Transform({geom}, {self.srid})"
        return f"ST_FlipCoordinates({out})" if self.swapped else out

    def to_storage(self, geom: BaseGeometry) -> BaseGeometry:
        """A geometry given in this CRS (its axis order) as WGS84 lon/lat."""
        if self.swapped:
            geom = _swap(geom)
        if self.srid == 4326:
            return geom
        return shapely.transform(geom, _to_wgs84(self.srid), interleaved=False)


CRS84 = OgcCrs("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326, False, 7, True)
SUPPORTED = (
    CRS84,
    OgcCrs("http://www.opengis.net/def/crs/EPSG/0/4326", 4326, True, 7, True),
    OgcCrs("http://www.opengis.net/def/crs/EPSG/0/4490", 4490, True, 7, True),
    OgcCrs("http://www.opengis.net/def/crs/EPSG/0/4549", 4549, True, 3, False),
)
_BY_NAME = {c.uri: c for c in SUPPORTED}
# Short spellings people type; the URIs above are what the API advertises.
_BY_NAME.update({"CRS84": CRS84, "OGC:CRS84": CRS84, "[OGC:CRS84]": CRS84})
for _c in SUPPORTED[1:]:
    _BY_NAME[f"EPSG:{_c.srid}"] = _BY_NAME[f"[EPSG:{_c.srid}]"] = _c
URIS = [c.uri for c in SUPPORTED]


def parse_crs(raw: str | None, param: str) -> OgcCrs:
    if raw is None:
        return CRS84
    crs = _BY_NAME.get(raw.strip())
    if crs is None:
        raise bad_request(f"{param} '{raw}' is not supported; use one of {', '.join(URIS)}")
    return crs


@lru_cache
def _to_wgs84(srid: int):
    t = Transformer.from_crs(srid, 4326, always_xy=True)
    return lambda x, y: t.transform(x, y)


def _swap(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: xy[:, ::-1])



def bbox_polygon(raw: str, crs: OgcCrs) -> tuple[BaseGeometry, tuple[float, float, float, float]]:
    """A bbox parameter (four numbers in the axis order of crs) as a WGS84 polygon and its bounds."""
    axes = "minLat,minLon,maxLat,maxLon" if crs.swapped and crs.geographic else (
        "minNorthing,minEasting,maxNorthing,maxEasting" if crs.swapped else "minLon,minLat,maxLon,maxLat")
    parts = raw.split(",")
    if len(parts) == 6:  # with heights (Part 1 allows them): the layers are flat, so only the heights' order matters
        try:
            low, high = float(parts[2]), float(parts[5])
        except ValueError:
            raise bad_request(f"bbox heights must be numbers; got '{raw}'")
        if not low <= high:
            raise bad_request("bbox minimum height exceeds its maximum")
        parts = [parts[0], parts[1], parts[3], parts[4]]
    elif len(parts) != 4:
        raise bad_request(f"bbox must be four numbers {axes} (or six with heights); got {len(parts)} value(s)")
    try:
        a1, b1, a2, b2 = (float(p) for p in parts)
    except ValueError:
        raise bad_request(f"bbox must be four numbers {axes}; got '{raw}'")
    if any(v != v or v in (float("inf"), float("-inf")) for v in (a1, b1, a2, b2)):
        raise bad_request("bbox values must be finite numbers")
    if a1 > a2 or b1 > b2:
        raise bad_request(f"bbox minimum exceeds its maximum (order is {axes})")
    if crs.geographic:
        lon1, lat1, lon2, lat2 = (b1, a1, b2, a2) if crs.swapped else (a1, b1, a2, b2)
        if not (-180 <= lon1 <= 180 and -180 <= lon2 <= 180 and -90 <= lat1 <= 90 and -90 <= lat2 <= 90):
            raise bad_request("bbox is outside -180..180 longitude / -90..90 latitude")
    box = shapely.geometry.box(a1, b1, a2, b2)
    if not crs.geographic:
        box = shapely.segmentize(box, max(a2 - a1, b2 - b1, 1.0) / 16)  # follow the curved edges
    poly = crs.to_storage(box)
    return poly, poly.bounds
