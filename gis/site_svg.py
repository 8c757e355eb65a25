"""A small print-ready SVG map of one site: the parcel, the nearest Line 17 stations, the highways and
zone outlines around it, a scale bar and a north arrow. Drawn from the geometries in EPSG:4549, so it
needs no tiles and works offline."""
from __future__ import annotations

from html import escape

import shapely
from shapely.geometry.base import BaseGeometry

from gis.svg import nice_length, path_data

ROUTE_COLORS = {"metro": "#e31a1c", "expressway": "#ff7f00", "highway": "#b15928", "avenue": "#6a3d9a"}



def site_map_svg(site_m: BaseGeometry, stations: list[tuple[str, BaseGeometry]],
                 routes: list[tuple[str, str, BaseGeometry]], zones: list[tuple[str, BaseGeometry]],
                 width: int = 520, height: int = 360, min_half_extent_m: float = 1500) -> str:
    """SVG text. ``stations``: (name, point); ``routes``: (name, mode, line); ``zones``: (name, polygon),
    all in EPSG:4549. The frame centres on the site and widens to show the nearest station."""
    cx, cy = site_m.centroid.x, site_m.centroid.y
    minx, miny, maxx, maxy = site_m.bounds
    half = max(min_half_extent_m, (maxx - minx) * 0.8, (maxy - miny) * 0.8)
    if stations:
        nearest = min(p.distance(site_m) for _n, p in stations)
        half = max(half, min(nearest * 1.2, 12000))
    half_w, half_h = (half * width / height, half) if width >= height else (half, half * height / width)
    frame = shapely.box(cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    sx = width / (2 * half_w)

    def xy(x, y) -> tuple[float, float]:
        return (x - cx + half_w) * sx, (cy + half_h - y) * sx

    def path(geom) -> str:
        return path_data(geom, xy)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="#f7f5ef" stroke="#999"/>']
    for name, geom in zones:
        clipped = geom.boundary.intersection(frame)  # outline first, so the frame edge is not drawn
        if not clipped.is_empty:
            out.append(f'<path d="{path(clipped)}" '
                       f'fill="none" stroke="#41ab5d" stroke-dasharray="5 3" stroke-width="1">'
                       f'<title>{escape(name)}</title></path>')
    for name, mode, line in routes:
        clipped = line.intersection(frame)
        if not clipped.is_empty:
            out.append(f'<path d="{path(clipped)}" fill="none" stroke="{ROUTE_COLORS.get(mode, "#555")}" '
                       f'stroke-width="3" opacity="0.8"><title>{escape(name)}</title></path>')
    out.append(f'<path d="{path(site_m)}" '
               f'fill="#1f78b4" fill-opacity="0.45" stroke="#08306b" stroke-width="2"/>')
    for name, p in stations:
        if frame.contains(p):
            x, y = ("%.1f" % v for v in xy(p.x, p.y))
            out.append(f'<circle cx="{x}" cy="{y}" r="5" fill="#fff" stroke="#e31a1c" stroke-width="2"/>'
                       f'<text x="{float(x) + 7:.1f}" y="{float(y) - 6:.1f}" fill="#b10026">{escape(name)}</text>')
    bar = nice_length(half_w / 2.5)
    px = bar * sx
    out.append(f'<g transform="translate(12,{height - 18})"><rect width="{px:.1f}" height="5" fill="#333"/>'
               f'<text y="-4">{bar / 1000:g} km</text></g>')
    out.append(f'<g transform="translate({width - 24},22)"><path d="M0,-12 L6,6 L0,2 L-6,6 Z" fill="#333"/>'
               f'<text x="-4" y="18">N</text></g>')
    out.append("</svg>")
    return "".join(out)
