"""A small print-ready SVG map of what a draft changes: the district, each changed zone before (dashed)
and after (solid), the area gained (green) and lost (red), the enterprises that move, a scale bar and a
north arrow. Geometries come in EPSG:4549 metres, so it needs no tiles and works offline."""
from __future__ import annotations

from html import escape

import shapely
from shapely.geometry.base import BaseGeometry

from gis.svg import nice_length, path_data

GAINED, LOST, BEFORE, AFTER, FIRM = "#1a9850", "#d73027", "#666666", "#1f4e79", "#54278f"



def change_map_svg(district: BaseGeometry | None, before: list[tuple[str, BaseGeometry]],
                   after: list[tuple[str, BaseGeometry]], gained: list[BaseGeometry], lost: list[BaseGeometry],
                   firms: list[tuple[str, float, float]], width: int = 640, height: int = 440) -> str:
    """SVG text. ``before``/``after``: (label, polygon) of the changed zones; ``firms``: (name, x, y).
    The frame fits the changed zones (or the district when nothing is drawn)."""
    shapes = [g for _n, g in before + after if g is not None and not g.is_empty]
    extent = shapely.union_all(shapes) if shapes else district
    if extent is None or extent.is_empty:
        return ""
    minx, miny, maxx, maxy = extent.bounds
    pad = max(maxx - minx, maxy - miny, 2000) * 0.06
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    scale = min(width / (maxx - minx), height / (maxy - miny))
    ox = (width - (maxx - minx) * scale) / 2
    oy = (height - (maxy - miny) * scale) / 2

    def xy(x, y) -> tuple[float, float]:
        return ox + (x - minx) * scale, oy + (maxy - y) * scale

    def path(geom) -> str:
        return path_data(geom, xy)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
           f'style="max-width:{width}px" font-family="sans-serif" font-size="11" role="img">',
           f'<rect width="{width}" height="{height}" fill="#f7f5ef" stroke="#999"/>']
    if district is not None:
        out.append(f'<path d="{path(district)}" fill="#ffffff" stroke="#333" stroke-width="1.2" '
                   f'stroke-dasharray="6 4"><title>青浦区 district</title></path>')
    for geoms, colour, label in ((gained, GAINED, "增加 gained"), (lost, LOST, "减少 lost")):
        for g in geoms:
            if g is not None and not g.is_empty:
                out.append(f'<path d="{path(g)}" fill="{colour}" fill-opacity="0.45" stroke="none" '
                           f'fill-rule="evenodd"><title>{label}</title></path>')
    for name, g in before:
        if g is not None:
            out.append(f'<path d="{path(g)}" fill="none" stroke="{BEFORE}" stroke-width="1.2" '
                       f'stroke-dasharray="4 3"><title>{escape(name)}（原 before）</title></path>')
    for name, g in after:
        if g is not None:
            out.append(f'<path d="{path(g)}" fill="none" stroke="{AFTER}" stroke-width="2">'
                       f'<title>{escape(name)}（方案 after）</title></path>')
    for name, x, y in firms:
        px, py = xy(x, y)
        out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{FIRM}">'
                   f'<title>{escape(name)}</title></circle>')
    for name, g in after or before:
        if g is not None and not g.is_empty:
            c = g.representative_point()
            px, py = xy(c.x, c.y)
            out.append(f'<text x="{px:.1f}" y="{py:.1f}" '
                       f'text-anchor="middle" fill="{AFTER}" stroke="#fff" stroke-width="3" paint-order="stroke">'
                       f'{escape(name)}</text>')
    bar_m = nice_length((maxx - minx) / 5, at_least=200)
    bar_px = bar_m * scale
    out.append(f'<g transform="translate(12,{height - 18})"><rect width="{bar_px:.1f}" height="5" fill="#333"/>'
               f'<text y="-4">{bar_m / 1000:g} km</text></g>')
    out.append(f'<g transform="translate({width - 24},28)"><path d="M0,-16 L6,4 L0,0 L-6,4 Z" fill="#333"/>'
               f'<text y="16" text-anchor="middle">N</text></g>')
    legend = [(GAINED, "增加 gained"), (LOST, "减少 lost"), (AFTER, "方案边界 draft"), (BEFORE, "原边界 before"),
              (FIRM, "变动企业 moving firms")]
    for i, (colour, label) in enumerate(legend):
        out.append(f'<g transform="translate(12,{14 + 16 * i})"><rect width="12" height="10" fill="{colour}" '
                   f'fill-opacity="0.7"/><text x="18" y="9">{label}</text></g>')
    out.append("</svg>")
    return "".join(out)
