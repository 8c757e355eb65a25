"""Folium maps of the layout, built from the layer registry, with every asset served locally."""
from __future__ import annotations

import html
import json

import folium
import folium.plugins
from branca.element import Element
from shapely.geometry import shape

from app.core import assets as vendor
from app.core.settings import Settings
from app.pages.basemap import basemap_layers
from gis.labels import group_label_points, inner_bands, label_point
from layers.registry import (
    CLUSTER_COLOURS,
    FIELD_TITLES_EN,
    LAYERS,
    MAP_LABELS,
    VALUE_WORDS,
    ZONE_KIND_COLOURS,
    Layer,
    palette,
    zone_colour,
)
from layers.words import words
from plan.industries import PLAN_INDUSTRIES, children_of

QINGPU_CENTER = (31.12, 121.09)
QINGPU_BOUNDS = [[30.94, 120.85], [31.30, 121.32]]

# What the public map shows, bottom to top, and which layers start switched on.
MAP_LAYERS = ("district", "towns", "zones", "corridor_routes", "stations")
ZONE_KIND_NAMES = {"core": ("一核", "Core"), "corridor": ("一线", "Corridor"), "cluster": ("组团", "Clusters"),
                   "park": ("园区", "Parks")}


class LocalMap(folium.Map):
    """folium.Map whose Leaflet comes from the app, not a CDN (and without the unused extras)."""
    default_js = [("leaflet", vendor.LEAFLET_JS)]
    default_css = [("leaflet_css", vendor.LEAFLET_CSS)]


class PublicMap(LocalMap):
    """The public map: Leaflet plus marker clustering, vector tiles and the page's own script, all local."""
    default_js = [*LocalMap.default_js, ("markerclusterjs", vendor.MARKERCLUSTER_JS),
                  ("vectorgrid", vendor.VECTORGRID_JS), ("html_to_image", vendor.HTML_TO_IMAGE_JS),
                  ("qp_map_js", "/static/map.js")]
    default_css = [*LocalMap.default_css, *((f"markercluster_css{i}", h) for i, h in enumerate(vendor.MARKERCLUSTER_CSS)),
                   ("qp_map_css", "/static/map.css")]


class LocalMarkerCluster(folium.plugins.MarkerCluster):
    default_js = [("markerclusterjs", vendor.MARKERCLUSTER_JS)]
    default_css = [(f"markercluster_css{i}", href) for i, href in enumerate(vendor.MARKERCLUSTER_CSS)]


def bilingual(zh: str | None, en: str | None) -> str:
    """A label in both languages; the page's language switch shows one of them."""
    zh_html = html.escape(zh or en or "")
    en_html = html.escape(en or zh or "")
    return f'<span class="lang-zh">{zh_html}</span><span class="lang-en">{en_html}</span>'


# Fields a reader has no use for in a popup (ordering, internal bookkeeping).
POPUP_SKIP = {"rank", "id", "code"}


def names_of(collections: dict[str, dict]) -> dict[str, dict[str, tuple[str, str]]]:
    """{layer id: {feature id: (name_zh, name_en)}} of the towns and zones, for popups that name them."""
    out = {}
    for layer_id in ("towns", "zones"):
        feats = collections.get(layer_id, {}).get("features", [])
        out[layer_id] = {str(f.get("id", f["properties"].get("id"))): (f["properties"].get("name_zh"),
                                                                         f["properties"].get("name_en"))
                         for f in feats}
    return out


def _value_html(field, value, names: dict) -> str:
    zh, en = words(field, value, names)
    return bilingual(zh, en)


def _with_labels(layer: Layer, collection: dict, names: dict | None = None) -> dict:
    for feature in collection["features"]:
        p = feature["properties"]
        p["label"] = bilingual(p.get(layer.label_zh), p.get(layer.label_en))
        p["details"] = _details(layer, p, names or {})
    return collection


def _details(layer: Layer, props: dict, names: dict) -> str:
    rows = []
    for f in layer.fields:
        if f.name in POPUP_SKIP or f.name in (layer.label_zh, layer.label_en, "name_zh", "name_en"):
            continue
        if f.name in props and props[f.name] not in (None, "", []):
            title = bilingual(f.title, FIELD_TITLES_EN.get(f.name, f.title))
            rows.append(f"<tr><th>{title}</th><td>{_value_html(f, props[f.name], names)}</td></tr>")
    return f"<b>{props['label']}</b><table class='qp-details'>{''.join(rows)}</table>"


def _style_for(layer: Layer):
    style = dict(layer.style)
    by, colors = style.pop("by", None), style.pop("colors", None)
    by_id, opacity_by = style.pop("by_id", None) or {}, style.pop("fillOpacityBy", None) or {}

    def style_function(feature):
        s = dict(style)
        if by:
            value = feature["properties"].get(by)
            color = by_id.get(str(feature.get("id"))) or colors.get(value, "#555555")
            s.update(color=color, fillColor=color)
            if value in opacity_by:
                s["fillOpacity"] = opacity_by[value]
        return s
    return style_function


def _add_layer(m: folium.Map, layer: Layer, collection: dict, show: bool = True,
               title: tuple[str, str] | None = None, names: dict | None = None, bands: dict | None = None) -> dict:
    """One layer as a switchable group; returns the JS names of its group and GeoJSON layer (the page's
    script finds everything under a click in them and ties labels to the group's switch)."""
    group = folium.FeatureGroup(name=bilingual(*(title or (layer.title_zh, layer.title_en))), show=show)
    data = _with_labels(layer, collection, names)
    # No popup per layer: a click opens one popup listing everything under it (map.js).
    kwargs = dict(tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False, sticky=True))
    if layer.geometry_type == "Point":
        style = dict(layer.style)
        kwargs["marker"] = folium.CircleMarker(radius=style.pop("radius", 5), **style)
    else:
        kwargs["style_function"] = _style_for(layer)
        kwargs["highlight_function"] = lambda f: {"weight": 4}
    geojson = folium.GeoJson(data, name=layer.id, **kwargs)
    geojson.add_to(group)
    if bands and bands["features"]:  # drawn over the fills, under nothing interactive
        folium.GeoJson(bands, name=f"{layer.id}-bands", interactive=False,
                       style_function=lambda f: {"stroke": False, "fillColor": f["properties"]["colour"],
                                                 "fillOpacity": 0.9}).add_to(group)
    group.add_to(m)
    return {"layer": layer.id, "group": group.get_name(), "geojson": geojson.get_name(),
            "point": layer.geometry_type == "Point"}


def _add_zone_groups(m: folium.Map, collection: dict, names: dict) -> list[dict]:
    """Zones as four switchable groups: the core, the corridor, the clusters, the parks."""
    layer = LAYERS["zones"]
    out = []
    for kind, (zh, en) in ZONE_KIND_NAMES.items():
        features = [f for f in collection["features"] if f["properties"].get("kind") == kind]
        if features:
            bands = None
            if kind == "cluster":  # nested clusters: each one's colour as a band inside its own boundary
                bands = {"type": "FeatureCollection", "features": [
                    {"type": "Feature", "geometry": g, "properties": {"colour": zone_colour(str(f.get("id")), kind)}}
                    for f, g in zip(features, inner_bands([f["geometry"] for f in features])) if g]}
            ref = _add_layer(m, layer, {"type": "FeatureCollection", "features": features},
                             title=(f"{zh} {ZONE_KIND_TITLES[kind][0]}", f"{en}: {ZONE_KIND_TITLES[kind][1]}"),
                             names=names, bands=bands)
            out.append({**ref, "kind": kind})
    return out


def map_labels(collections: dict[str, dict], refs: list[dict]) -> list[dict]:
    """The labels MAP_LABELS asks for: text in both languages, a point inside each feature, its zooms,
    priority and the JS group whose switch shows it."""
    out = []
    for spec in MAP_LABELS:
        layer = LAYERS[spec["layer"]]
        feats = [f for f in collections.get(spec["layer"], {}).get("features", [])
                 if f.get("geometry") and ("kind" not in spec or f["properties"].get("kind") == spec["kind"])]
        if not feats:
            continue
        ref = next((r for r in refs if r["layer"] == spec["layer"] and r.get("kind") in (None, spec.get("kind"))),
                   None)
        if spec.get("group"):
            points = group_label_points([f["geometry"] for f in feats])
        else:
            points = [label_point(shape(f["geometry"])) for f in feats]
        for f, (x, y) in zip(feats, points):
            p = f["properties"]
            zh, en = p.get(layer.label_zh) or p.get("name_zh"), p.get(layer.label_en) or p.get("name_en")
            colour = (CLUSTER_COLOURS.get(str(f.get("id"))) if spec["layer"] == "zones" else None)
            out.append({"id": str(f.get("id")), "zh": zh or en or "", "en": en or zh or "",
                        "lat": round(y, 6), "lon": round(x, 6),
                        "minZoom": spec["min_zoom"], "maxZoom": spec["max_zoom"], "priority": spec["priority"],
                        "cls": spec["class"], "colour": colour, "group": ref["group"] if ref else None})
    return out


ZONE_KIND_TITLES = {"core": ("新兴产业创新制造核", "innovation and manufacturing core"),
                    "corridor": ("长三角数字干线", "digital corridor"), "cluster": ("五大组团", "town clusters"),
                    "park": ("产业园区", "industrial parks")}


ROUTE_NAMES = {"metro": ("轨交17号线", "Metro Line 17"), "expressway": ("G50高速", "G50 expressway"),
               "highway": ("沪青平公路", "Huqingping Highway"), "avenue": ("崧泽大道", "Songze Avenue")}


def _swatch(colour: str, label: str, cls: str = "") -> str:
    return f'<div><i class="{cls}" style="background:{colour};border-color:{colour}"></i>{label}</div>'


DATA_NOTE = bilingual("镇街、通道与园区边界为示意；企业为示例数据",
                      "Towns, routes and parks are schematic; enterprises are demo data")


def _legend(collections: dict[str, dict], enterprises: dict | None) -> str:
    """The legend of what is drawn: the core, the corridor, each cluster by name in its own colour, parks,
    routes, stations, the enterprises as they are drawn (counted clusters or merged dots); overlays add theirs."""
    zones = collections.get("zones", {}).get("features", [])
    items = [_swatch(ZONE_KIND_COLOURS["core"], bilingual("一核 新兴产业创新制造核", "Core: innovation and manufacturing")),
             _swatch(ZONE_KIND_COLOURS["corridor"], bilingual("一线 长三角数字干线", "Corridor: Yangtze Delta digital trunk"))]
    clusters = [f for f in zones if f["properties"].get("kind") == "cluster"]
    if clusters:
        items.append(f'<div class="qp-sub">{bilingual("五大组团", "Town clusters")}</div>')
        for f in clusters:
            p = f["properties"]
            items.append(_swatch(CLUSTER_COLOURS.get(str(f.get("id")), ZONE_KIND_COLOURS["cluster"]),
                                 bilingual(p.get("name_zh"), p.get("name_en")), "qp-cluster"))
    items.append(f'<div><i class="park" style="border-color:{ZONE_KIND_COLOURS["park"]}"></i>'
                 f'{bilingual("产业园区", "Industrial parks")}</div>')
    routes = LAYERS["corridor_routes"].style["colors"]
    items += [f'<div><i class="line" style="background:{routes[k]}"></i>{bilingual(*ROUTE_NAMES[k])}</div>'
              for k in ROUTE_NAMES]
    items.append(f'<div><i class="dot"></i>{bilingual("轨交17号线车站", "Line 17 station")}</div>')
    if enterprises and enterprises.get("mode") == "cluster":
        merged = bilingual("企业聚合：数字为企业数，放大后分开", "Enterprises merged: the number counts them; zoom in to split")
        items.append(f'<div><i class="count">12</i>{merged}</div>'
                     f'<div><i class="dot ent"></i>{bilingual("单个企业", "One enterprise")}</div>')
    elif enterprises:
        merged = bilingual("企业：低缩放时合并，圆越大企业越多", "Enterprises: merged at low zoom, bigger dot = more firms")
        items.append(f'<div><i class="dot ent big"></i>{merged}</div>')
    return (f'<details id="qp-legend" class="qp-panel" open><summary class="qp-title">{bilingual("图例", "Legend")}'
            f'</summary>{"".join(items)}'
            f'<div id="qp-legend-overlays"></div>'
            f'<div class="qp-note">{DATA_NOTE}</div>'
            f'</details>')


INDUSTRY_FAMILIES = {p.id: [p.id, *children_of(p.id)] for p in PLAN_INDUSTRIES}


def _search_box(collections: dict[str, dict]) -> str:
    """Search, and the filters: a plan industry (with its children) and a zone, for the enterprises and
    every overlay drawn from them."""
    inds = "".join(f'<option value="{p.id}">{"　" if p.parent else ""}{html.escape(p.zh)} {html.escape(p.en)}</option>'
                   for p in PLAN_INDUSTRIES)
    zones = "".join(f'<option value="{html.escape(str(f["id"]))}">{html.escape(f["properties"].get("name_zh") or "")} '
                    f'{html.escape(f["properties"].get("name_en") or "")}</option>'
                    for f in collections.get("zones", {}).get("features", []) if f["properties"].get("kind") != "park")
    return ('<div id="qp-search" class="qp-panel"><input id="qp-search-input" type="search" autocomplete="off" '
            'placeholder="搜索企业或地名 Search enterprise or place" aria-label="搜索 Search">'
            '<ul id="qp-search-results"></ul>'
            '<div id="qp-filters"><label><span class="lang-zh">产业</span><span class="lang-en">Industry</span> '
            f'<select id="qp-industry"><option value="">全部 All</option>{inds}</select></label>'
            '<label><span class="lang-zh">分区</span><span class="lang-en">Zone</span> '
            f'<select id="qp-zone"><option value="">全区 Whole district</option>{zones}</select></label></div>'
            '<div id="qp-filter-note" class="qp-note"></div></div>')


def _print_frame(title: tuple[str, str]) -> str:
    """What only the printed map (and the PNG) shows: the title, the data note and the time of printing."""
    return (f'<div id="qp-print-head">{bilingual(*title)}<div class="qp-note" id="qp-print-note"></div></div>')


def map_words(names: dict) -> dict:
    """What the page's script needs to put ids and codes in words: names of towns and zones, plan
    industries, coded values and the English field titles."""
    values: dict[str, dict] = {}
    for (fname, value), pair in VALUE_WORDS.items():
        values.setdefault(fname, {})[value] = list(pair)
    return {"towns": {k: list(v) for k, v in names.get("towns", {}).items()},
            "zones": {k: list(v) for k, v in names.get("zones", {}).items()},
            "industries": {p.id: [p.zh, p.en] for p in PLAN_INDUSTRIES}, "values": values,
            "titlesEn": FIELD_TITLES_EN}


LANG_JS = """
<script>
(function () {
  var saved = null;
  try { saved = localStorage.getItem('qp-lang'); } catch (e) {}
  var params = new URLSearchParams(location.search);
  var lang = params.get('lang') || saved || 'zh';
  function apply(l) {
    document.body.classList.toggle('lang-en', l === 'en');
    document.documentElement.lang = l === 'en' ? 'en' : 'zh-CN';
    try { localStorage.setItem('qp-lang', l); } catch (e) {}
    lang = l;
    document.dispatchEvent(new CustomEvent('qp-lang', {detail: l}));
  }
  window.qpLang = function () { return lang; };
  document.addEventListener('DOMContentLoaded', function () {
    apply(lang);
    var btn = document.getElementById('qp-lang');
    if (btn) btn.addEventListener('click', function () { apply(lang === 'en' ? 'zh' : 'en'); });
  });
})();
</script>
"""


def _basemap(m: folium.Map, settings: Settings) -> None:
    for layer in basemap_layers(settings):
        folium.TileLayer(tiles=layer["url"], attr=layer["attribution"], name=bilingual(layer["name_zh"], layer["name_en"]),
                         overlay=layer["overlay"]).add_to(m)


def layout_map(collections: dict[str, dict], settings: Settings, title: tuple[str, str], note: str = "",
               enterprises: dict | None = None, overlays: list[dict] | None = None) -> str:
    """The public map's HTML: layout layers, enterprises, overlays, legend, layer switcher, search,
    language switch and scale bar.

    `collections` maps layer ids to GeoJSON FeatureCollections (the caller chooses them: e.g. the
    zones as they were at some time); `enterprises` says how the browser loads enterprises
    ({"mode": "cluster", "url": items URL} or {"mode": "tiles", "url": tile URL template}, plus
    "count" and "fields"); `overlays` are registry MAP_OVERLAYS entries the caller may see.
    """
    m = PublicMap(location=QINGPU_CENTER, zoom_start=11, tiles=None, control_scale=True, min_zoom=8, max_zoom=19)
    m.fit_bounds(QINGPU_BOUNDS)
    _basemap(m, settings)
    names = names_of(collections)
    refs = []
    for layer_id in MAP_LAYERS:
        if layer_id not in collections:
            continue
        if layer_id == "zones":
            refs += _add_zone_groups(m, collections[layer_id], names)
        else:
            refs.append(_add_layer(m, LAYERS[layer_id], collections[layer_id], names=names))
    control = folium.LayerControl(collapsed=False, position="topright").add_to(m)
    root = m.get_root()
    root.header.add_child(Element('<meta name="viewport" content="width=device-width, initial-scale=1">'))
    root.header.add_child(Element(f"<title>{html.escape(title[0])} {html.escape(title[1])}</title>"))
    root.header.add_child(Element(LANG_JS))
    header = (f'<div id="qp-header" class="qp-panel"><h1>{bilingual(*title)}</h1>'
              f'<button id="qp-lang" type="button" title="中文 / English">中文 / EN</button>'
              f'<button id="qp-print" type="button" title="打印或存为 PDF / Print or save as PDF">'
              f'{bilingual("打印", "Print")}</button>'
              f'<button id="qp-png" type="button" title="下载地图图片 / Download the map as a picture">PNG</button>'
              f'{html.escape(note) and f"<span class=qp-note>{html.escape(note)}</span>"}</div>')
    root.html.add_child(Element(header + _search_box(collections) + _legend(collections, enterprises)
                                + _print_frame(title)))
    config = {"layers": list(collections), "refs": refs, "labels": map_labels(collections, refs),
              "enterprises": enterprises, "overlays": overlays or [], "words": map_words(names),
              "palette": palette(), "industryFamilies": INDUSTRY_FAMILIES,
              "searchUrl": "/search", "enterpriseTitle": bilingual("企业", "Enterprises")}
    # folium writes the map and the control into this same script later on: run once they exist.
    root.script.add_child(Element(
        "document.addEventListener('DOMContentLoaded', function () { "
        f"qpInitMap({m.get_name()}, {control.get_name()}, {json.dumps(config, ensure_ascii=False)}); }});"))
    return root.render()
