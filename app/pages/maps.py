"""Folium maps of the layout, built from the layer registry, with every asset served locally."""
from __future__ import annotations

import html
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import folium
import folium.plugins
from branca.element import Element

from app.core import assets as vendor
from app.core.settings import Settings
from app.pages.basemap import basemap_layers
from layers.registry import FIELD_TITLES_EN, LAYERS, VALUE_WORDS, ZONE_COLORS, Layer
from plan.industries import PLAN_INDUSTRY_BY_ID

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
                  ("vectorgrid", vendor.VECTORGRID_JS), ("qp_map_js", "/static/map.js")]
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


SHANGHAI = ZoneInfo("Asia/Shanghai")
# Fields a reader has no use for in a popup (ordering, internal bookkeeping).
POPUP_SKIP = {"rank", "id"}
# Fields holding ids of other things, and the name lookup each uses.
ID_FIELDS = {"member_towns": "towns", "parent_zone": "zones", "primary_zone": "zones", "zones": "zones", "town": "towns"}
INDUSTRY_FIELDS = {"target_industries", "plan_industry"}


def names_of(collections: dict[str, dict]) -> dict[str, dict[str, tuple[str, str]]]:
    """{layer id: {feature id: (name_zh, name_en)}} of the towns and zones, for popups that name them."""
    out = {}
    for layer_id in ("towns", "zones"):
        feats = collections.get(layer_id, {}).get("features", [])
        out[layer_id] = {str(f.get("id", f["properties"].get("id"))): (f["properties"].get("name_zh"),
                                                                         f["properties"].get("name_en"))
                         for f in feats}
    return out


def _word(field_name: str, value, names: dict) -> tuple[str, str]:
    """One value as (Chinese, English) words."""
    if isinstance(value, bool):
        return ("是", "yes") if value else ("否", "no")
    if field_name in INDUSTRY_FIELDS and value in PLAN_INDUSTRY_BY_ID:
        p = PLAN_INDUSTRY_BY_ID[value]
        return p.zh, p.en
    if field_name in ID_FIELDS and str(value) in names.get(ID_FIELDS[field_name], {}):
        zh, en = names[ID_FIELDS[field_name]][str(value)]
        return zh or en, en or zh
    if (field_name, value) in VALUE_WORDS:
        return VALUE_WORDS[(field_name, value)]
    if isinstance(value, float):
        text = f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.0f}"
        return text, text
    return str(value), str(value)


def _value_html(field, value, names: dict) -> str:
    if field.type == "datetime" and isinstance(value, str):
        try:
            local = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(SHANGHAI)
        except ValueError:
            return html.escape(value)
        return html.escape(local.strftime("%Y-%m-%d %H:%M")) + " " + bilingual("北京时间", "China Standard Time")
    values = value if isinstance(value, list) else [value]
    words = [_word(field.name, v, names) for v in values]
    return bilingual("、".join(w[0] for w in words), ", ".join(w[1] for w in words))


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

    def style_function(feature):
        s = dict(style)
        if by:
            color = colors.get(feature["properties"].get(by), "#555555")
            s.update(color=color, fillColor=color)
        return s
    return style_function


def _add_layer(m: folium.Map, layer: Layer, collection: dict, show: bool = True,
               title: tuple[str, str] | None = None, names: dict | None = None) -> None:
    group = folium.FeatureGroup(name=bilingual(*(title or (layer.title_zh, layer.title_en))), show=show)
    data = _with_labels(layer, collection, names)
    kwargs = dict(tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False, sticky=True),
                  popup=folium.GeoJsonPopup(fields=["details"], labels=False))
    if layer.geometry_type == "Point":
        style = dict(layer.style)
        kwargs["marker"] = folium.CircleMarker(radius=style.pop("radius", 5), **style)
    else:
        kwargs["style_function"] = _style_for(layer)
        kwargs["highlight_function"] = lambda f: {"weight": 4}
    folium.GeoJson(data, name=layer.id, **kwargs).add_to(group)
    group.add_to(m)


def _add_zone_groups(m: folium.Map, collection: dict, names: dict) -> None:
    """Zones as four switchable groups: the core, the corridor, the clusters, the parks."""
    layer = LAYERS["zones"]
    for kind, (zh, en) in ZONE_KIND_NAMES.items():
        features = [f for f in collection["features"] if f["properties"].get("kind") == kind]
        if features:
            _add_layer(m, layer, {"type": "FeatureCollection", "features": features},
                       title=(f"{zh} {ZONE_KIND_TITLES[kind][0]}", f"{en}: {ZONE_KIND_TITLES[kind][1]}"), names=names)


ZONE_KIND_TITLES = {"core": ("新兴产业创新制造核", "innovation and manufacturing core"),
                    "corridor": ("长三角数字干线", "digital corridor"), "cluster": ("五大组团", "town clusters"),
                    "park": ("产业园区", "industrial parks")}


def _legend() -> str:
    items = "".join(
        f'<div><i style="background:{ZONE_COLORS[k]}"></i>{bilingual(*ZONE_KIND_NAMES[k])}</div>' for k in ZONE_COLORS)
    routes = LAYERS["corridor_routes"].style["colors"]
    names = {"metro": ("轨交17号线", "Metro Line 17"), "expressway": ("G50高速", "G50 expressway"),
             "highway": ("沪青平公路", "Huqingping Highway"), "avenue": ("崧泽大道", "Songze Avenue")}
    lines = "".join(f'<div><i class="line" style="background:{routes[k]}"></i>{bilingual(*names[k])}</div>'
                    for k in names)
    return (f'<details id="qp-legend" class="qp-panel" open><summary class="qp-title">{bilingual("图例", "Legend")}'
            f'</summary>{items}{lines}<div><i class="dot"></i>{bilingual("车站", "Station")}</div>'
            f'<div><i class="dot ent"></i>{bilingual("企业（数字为聚合数量）", "Enterprises (numbers: merged count)")}</div>'
            f'<div id="qp-legend-overlays"></div>'
            f'<div class="qp-note">{bilingual("镇街、通道与园区边界为示意", "Towns, routes and parks are schematic")}</div>'
            f'</details>')


SEARCH_BOX = (
    '<div id="qp-search" class="qp-panel"><input id="qp-search-input" type="search" autocomplete="off" '
    'placeholder="搜索企业或地名 Search enterprise or place" aria-label="搜索 Search">'
    '<ul id="qp-search-results"></ul></div>')


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
  }
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
    for layer_id in MAP_LAYERS:
        if layer_id not in collections:
            continue
        if layer_id == "zones":
            _add_zone_groups(m, collections[layer_id], names)
        else:
            _add_layer(m, LAYERS[layer_id], collections[layer_id], names=names)
    control = folium.LayerControl(collapsed=False, position="topright").add_to(m)
    root = m.get_root()
    root.header.add_child(Element('<meta name="viewport" content="width=device-width, initial-scale=1">'))
    root.header.add_child(Element(f"<title>{html.escape(title[0])} {html.escape(title[1])}</title>"))
    root.header.add_child(Element(LANG_JS))
    header = (f'<div id="qp-header" class="qp-panel"><h1>{bilingual(*title)}</h1>'
              f'<button id="qp-lang" type="button" title="中文 / English">中文 / EN</button>'
              f'{html.escape(note) and f"<span class=qp-note>{html.escape(note)}</span>"}</div>')
    root.html.add_child(Element(header + SEARCH_BOX + _legend()))
    config = {"layers": list(collections), "enterprises": enterprises, "overlays": overlays or [],
              "searchUrl": "/search", "enterpriseTitle": bilingual("企业", "Enterprises")}
    # folium writes the map and the control into this same script later on: run once they exist.
    root.script.add_child(Element(
        "document.addEventListener('DOMContentLoaded', function () { "
        f"qpInitMap({m.get_name()}, {control.get_name()}, {json.dumps(config, ensure_ascii=False)}); }});"))
    return root.render()
