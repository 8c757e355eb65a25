"""What every server-drawn SVG map shares: path data for any shapely geometry and a round scale-bar length."""
from __future__ import annotations

from collections.abc import Callable

from shapely.geometry.base import BaseGeometry

SCALE_STEPS = (100, 200, 500, 1000, 2000, 5000, 10000, 20000)  # metres


def nice_length(m: float, at_least: float = 100) -> float:
    """The first round length (metres) of at least `m` for a scale bar, never below `at_least`."""
    for step in SCALE_STEPS:
        if step >= at_least and step >= m:
            return step
    return 50000


def path_data(geom: BaseGeometry, xy: Callable[[float, float], tuple[float, float]]) -> str:
    """SVG path data of polygons and lines (collections of any depth), each point mapped to pixels by `xy`."""
    parts = []
    for g in getattr(geom, "geoms", [geom]):
        if g.geom_type == "Polygon":
            for ring in (g.exterior, *g.interiors):
                parts.append("M" + " L".join("%.1f,%.1f" % xy(x, y) for x, y in ring.coords) + " Z")
        elif g.geom_type in ("LineString", "LinearRing"):
            parts.append("M" + " L".join("%.1f,%.1f" % xy(x, y) for x, y in g.coords))
        elif hasattr(g, "geoms"):
            parts.append(path_data(g, xy))
    return " ".join(p for p in parts if p)
