"""Static SVG maps for an investor brief, drawn from the geometries (EPSG:4549 metres), no tiles.

Two views: the whole district (its outline, the towns, the core and the clusters tinted, Line 17 and its
stations, the roads of the corridor, the site as a marker) and the site's surroundings (the parcel, the
outlines of the zones around it with their names, the stations and roads in reach, a scale bar). Each has
a legend whose swatches are drawn with the same colours as the map. Labels are placed at a point inside
their feature and dropped where they would overlap one already placed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import shapely
from shapely.geometry.base import BaseGeometry

from gis.svg import nice_length, path_data

ROUTE_STYLE = {"metro": ("#d7191c", 3.0), "expressway": ("#f08c00", 3.0), "highway": ("#a6611a", 2.2),
               "avenue": ("#7b3294", 1.8)}
ZONE_STYLE = {"core": "#e6550d", "corridor": "#3182bd", "cluster": "#31a354", "park": "#756bb1"}
SITE_COLOR = "#c51b8a"


@dataclass
class MapData:
    """What a brief map shows, in EPSG:4549. ``zones``: (name, kind, geometry); ``routes``: (name, mode,
    line); ``stations``: (name, point); ``towns``: (name, polygon)."""

    district: BaseGeometry
    site: BaseGeometry
    site_label: str
    zones: list[tuple[str, str, BaseGeometry]] = field(default_factory=list)
    routes: list[tuple[str, str, BaseGeometry]] = field(default_factory=list)
    stations: list[tuple[str, BaseGeometry]] = field(default_factory=list)
    towns: list[tuple[str, BaseGeometry]] = field(default_factory=list)



class _Canvas:
    def __init__(self, bounds, width: int, height: int):
        minx, miny, maxx, maxy = bounds
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        half_w, half_h = (maxx - minx) / 2, (maxy - miny) / 2
        if half_w / half_h < width / height:  # keep the aspect of the box, widen the narrower side
            half_w = half_h * width / height
        else:
            half_h = half_w * height / width
        self.frame = shapely.box(cx - half_w, cy - half_h, cx + half_w, cy + half_h)
        self.cx, self.cy, self.hw, self.hh = cx, cy, half_w, half_h
        self.k = width / (2 * half_w)
        self.width, self.height = width, height
        self.out: list[str] = []
        self.taken: list[tuple[float, float, float, float]] = []

    def xy(self, x, y) -> tuple[float, float]:
        return (x - self.cx + self.hw) * self.k, (self.cy + self.hh - y) * self.k

    def path(self, geom) -> str:
        """SVG path data, simplified to half a pixel: finer detail cannot show and only slows the PDF."""
        return path_data(geom.simplify(0.5 / self.k, preserve_topology=True), self.xy)


    def label(self, x: float, y: float, text: str, size: float = 10, color: str = "#222", weight: str = "normal",
              anchor: str = "start", force: bool = False) -> bool:
        """Place a label at (x, y), or failing that on the other side of its point or below it; drop it when
        every place would overlap an earlier label or leave the frame."""
        w = size * (0.62 * sum(1 if ord(c) < 128 else 1.65 for c in text))
        if not force:
            tries = (((0, 0), (-w - 14, 0), (0, size + 10), (-w - 14, size + 10)) if anchor == "start" else
                     ((0, 0), (0, size + 6), (0, -size - 6), (0, 2 * size + 12), (0, -2 * size - 12)))
            for dx, dy in tries:
                if self._place(x + dx, y + dy, w, text, size, color, weight, anchor, False):
                    return True
            return False
        return self._place(x, y, w, text, size, color, weight, anchor, force)

    def _place(self, x, y, w, text, size, color, weight, anchor, force) -> bool:
        x0 = x - (w / 2 if anchor == "middle" else 0)
        box = (x0 - 2, y - size - 1, x0 + w + 2, y + 3)
        inside = box[0] >= 0 and box[1] >= 0 and box[2] <= self.width and box[3] <= self.height
        clash = any(not (box[2] < b[0] or box[0] > b[2] or box[3] < b[1] or box[1] > b[3]) for b in self.taken)
        if not force and (clash or not inside):
            return False
        self.taken.append(box)
        # a pale plate behind the text rather than a stroked halo: PDF renderers differ on paint-order
        self.out.append(f'<rect x="{box[0]:.1f}" y="{box[1]:.1f}" width="{box[2] - box[0]:.1f}" '
                        f'height="{box[3] - box[1]:.1f}" rx="2" fill="#fff" fill-opacity="0.75"/>'
                        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{color}" font-weight="{weight}" '
                        f'text-anchor="{anchor}">{escape(text)}</text>')
        return True

    def svg(self, legend: list[tuple[str, str]], scale: bool = True) -> str:
        w, h = self.width, self.height
        head = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
                f'font-family="Noto Sans CJK SC, Noto Sans, sans-serif" role="img">',
                f'<rect width="{w}" height="{h}" fill="#eef3f7"/>']
        tail = []
        if scale:
            bar = nice_length(self.hw / 2.5)
            px = bar * self.k
            tail.append(f'<g transform="translate(12,{h - 14})"><rect width="{px:.1f}" height="4" fill="#333"/>'
                        f'<text y="-4" font-size="10" fill="#333">{bar / 1000:g} km</text></g>')
        tail.append(f'<g transform="translate({w - 20},24)"><path d="M0,-13 L6,6 L0,2 L-6,6 Z" fill="#333"/>'
                    f'<text x="-4" y="18" font-size="10">N</text></g>')
        if legend:
            lh = 14
            lw = 34 + max(10 * 0.6 * sum(1 if ord(ch) < 128 else 1.65 for ch in t) for _s, t in legend)
            tail.append(f'<g transform="translate({w - lw - 4:.0f},{h - 10 - lh * len(legend)})">'
                        f'<rect x="-6" y="-12" width="{lw:.0f}" height="{lh * len(legend) + 8}" fill="#fff" '
                        f'fill-opacity="0.88" stroke="#bbb"/>')
            for n, (swatch, text) in enumerate(legend):
                tail.append(f'<g transform="translate(0,{n * lh})">{swatch}'
                            f'<text x="24" y="0" font-size="10" fill="#222">{escape(text)}</text></g>')
            tail.append("</g>")
        return "".join(head + self.out + tail + ["</svg>"])


def _line_swatch(color: str, width: float, dash: str = "") -> str:
    d = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<line x1="0" y1="-4" x2="18" y2="-4" stroke="{color}" stroke-width="{width}"{d}/>'


def _fill_swatch(color: str, opacity: float = 0.25, stroke: str | None = None) -> str:
    return (f'<rect x="0" y="-9" width="18" height="10" fill="{color}" fill-opacity="{opacity}" '
            f'stroke="{stroke or color}"/>')


def _draw_routes(c: _Canvas, routes, labels: dict[str, str]) -> list[tuple[str, str]]:
    legend = []
    for name, mode, line in routes:
        color, width = ROUTE_STYLE.get(mode, ("#555", 1.5))
        clipped = line.intersection(c.frame)
        if clipped.is_empty:
            continue
        c.out.append(f'<path d="{c.path(clipped)}" fill="none" stroke="{color}" stroke-width="{width}" '
                     f'stroke-linecap="round"/>')
        legend.append((_line_swatch(color, width), labels.get(name, name)))
    return legend


def district_map(m: MapData, labels: dict[str, str], width: int = 560, height: int = 420) -> str:
    """The site in its district. ``labels``: words for the legend (keys ``district``, ``town``, ``site``,
    ``station``, a zone kind, or a route name) in the brief's language."""
    minx, miny, maxx, maxy = m.district.bounds
    pad = (maxx - minx) * 0.03
    c = _Canvas((minx - pad, miny - pad, maxx + pad, maxy + pad), width, height)
    c.out.append(f'<path d="{c.path(m.district)}" fill="#fbfaf5" stroke="#444" stroke-width="1.4"/>')
    for _name, geom in m.towns:
        c.out.append(f'<path d="{c.path(geom.boundary)}" fill="none" stroke="#b0b0b0" stroke-width="0.6"/>')
    kinds_shown = []
    for name, kind, geom in m.zones:
        if kind not in ("core", "cluster"):
            continue
        color = ZONE_STYLE[kind]
        c.out.append(f'<path d="{c.path(geom)}" fill="{color}" fill-opacity="0.13" stroke="{color}" '
                     f'stroke-width="0.8" stroke-opacity="0.7"/>')
        if kind not in kinds_shown:
            kinds_shown.append(kind)
    legend = [(_fill_swatch("#fbfaf5", 1, "#444"), labels["district"])]
    legend += [(_fill_swatch(ZONE_STYLE[k], 0.2), labels[k]) for k in kinds_shown]
    legend += _draw_routes(c, m.routes, labels)
    # the site first, so that its label is never dropped for another one
    p = m.site.representative_point()
    sx, sy = c.xy(p.x, p.y)
    c.out.append(f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="9" fill="{SITE_COLOR}" fill-opacity="0.25"/>'
                 f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="4.5" fill="{SITE_COLOR}" stroke="#fff" stroke-width="1.5"/>')
    c.label(sx + 11, sy + 4, m.site_label, 12, SITE_COLOR, "bold", force=True)
    near = sorted(m.stations, key=lambda s: s[1].distance(m.site))
    for name, pt in m.stations:
        x, y = c.xy(pt.x, pt.y)
        c.out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="#fff" stroke="#d7191c" stroke-width="1.3"/>')
    for name, pt in near[:1] + [s for s in m.stations if not near or s is not near[0]]:
        x, y = c.xy(pt.x, pt.y)
        c.label(x + 4, y - 4, name, 9, "#a50f15")
    for name, kind, geom in m.zones:
        if kind in ("core", "cluster"):
            q = geom.representative_point()
            x, y = c.xy(q.x, q.y)
            c.label(x, y, name, 9.5, ZONE_STYLE[kind], "bold", "middle")
    for name, geom in m.towns:
        q = geom.representative_point()
        x, y = c.xy(q.x, q.y)
        c.label(x, y + 12, name, 8, "#777", anchor="middle")
    legend.append(('<circle cx="9" cy="-4" r="2.6" fill="#fff" stroke="#d7191c" stroke-width="1.3"/>',
                   labels["station"]))
    legend.append((f'<circle cx="9" cy="-4" r="4.5" fill="{SITE_COLOR}"/>', labels["site"]))
    return c.svg(legend)


def local_map(m: MapData, labels: dict[str, str], width: int = 560, height: int = 360,
              min_half_m: float = 1500, max_half_m: float = 6000) -> str:
    """The site and its surroundings, wide enough to show the nearest station (within ``max_half_m``)."""
    ctr = m.site.centroid
    minx, miny, maxx, maxy = m.site.bounds
    half = max(min_half_m, (maxx - minx) * 0.9, (maxy - miny) * 0.9)
    if m.stations:
        half = max(half, min(min(p.distance(m.site) for _n, p in m.stations) * 1.15, max_half_m))
    c = _Canvas((ctr.x - half, ctr.y - half, ctr.x + half, ctr.y + half), width, height)
    outside = c.frame.difference(m.district)
    if not outside.is_empty:
        c.out.append(f'<path d="{c.path(outside)}" fill="#d9d9d9" fill-opacity="0.6"/>')
    shown_kinds = []
    for name, kind, geom in m.zones:
        clipped = geom.boundary.intersection(c.frame)
        if clipped.is_empty:
            continue
        color = ZONE_STYLE.get(kind, "#555")
        c.out.append(f'<path d="{c.path(clipped)}" fill="none" stroke="{color}" stroke-width="1.2" '
                     f'stroke-dasharray="6 3"/>')
        if kind not in shown_kinds:
            shown_kinds.append(kind)
    legend = _draw_routes(c, m.routes, labels)
    c.out.append(f'<path d="{c.path(m.site)}" fill="{SITE_COLOR}" fill-opacity="0.45" stroke="{SITE_COLOR}" '
                 f'stroke-width="2"/>')
    p = m.site.representative_point()
    sx, sy = c.xy(p.x, p.y)
    c.label(sx + 8, sy - 8, m.site_label, 12, SITE_COLOR, "bold", force=True)
    for name, pt in m.stations:
        if c.frame.contains(pt):
            x, y = c.xy(pt.x, pt.y)
            c.out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="#fff" stroke="#d7191c" stroke-width="2"/>')
            c.label(x + 7, y - 6, name, 10, "#a50f15")
    for name, kind, geom in m.zones:
        inner = geom.intersection(c.frame)
        if inner.is_empty or inner.area < c.frame.area * 0.01:
            continue
        q = inner.representative_point()
        x, y = c.xy(q.x, q.y)
        c.label(x, y, name, 9.5, ZONE_STYLE.get(kind, "#555"), "bold", "middle")
    legend = [(_fill_swatch(SITE_COLOR, 0.45), labels["site"]),
              ('<circle cx="9" cy="-4" r="4" fill="#fff" stroke="#d7191c" stroke-width="2"/>', labels["station"])] \
        + [(_line_swatch(ZONE_STYLE.get(k, "#555"), 1.2, "6 3"), labels[k]) for k in shown_kinds] + legend
    if not outside.is_empty:
        legend.append((_fill_swatch("#d9d9d9", 0.6, "#d9d9d9"), labels["outside"]))
    return c.svg(legend)
