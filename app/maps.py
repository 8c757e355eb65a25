"""Folium maps of the layout, built from the layer registry, with every asset served locally."""
from __future__ import annotations

import html
import json

import folium
import folium.plugins
from branca.element import Element

from app import vendor
from app.settings import Settings
from layers.registry import LAYERS, ZONE_COLORS, Layer

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


class LocalMarkerCluster(folium.plugins.MarkerCluster):
    default_js = [("markerclusterjs", vendor.MARKERCLUSTER_JS)]
    default_css = [(f"markercluster_css{i}", href) for i, href in enumerate(vendor.MARKERCLUSTER_CSS)]


def bilingual(zh: str | None, en: str | None) -> str:
    """A label in both languages; the page's language switch shows one of them."""
    zh_html = html.escape(zh or en or "")
    en_html = html.escape(en or zh or "")
    return f'<span class="lang-zh">{zh_html}</span><span class="lang-en">{en_html}</span>'


def _with_labels(layer: Layer, collection: dict) -> dict:
    for feature in collection["features"]:
        p = feature["properties"]
        p["label"] = bilingual(p.get(layer.label_zh), p.get(layer.label_en))
        p["details"] = _details(layer, p)
    return collection


def _details(layer: Layer, props: dict) -> str:
    rows = []
    for f in layer.fields:
        if f.name in props and props[f.name] not in (None, "", []) and f.name not in (layer.label_zh, layer.label_en):
            value = props[f.name]
            if isinstance(value, list):
                value = "、".join(str(v) for v in value)
            elif isinstance(value, float):
                value = f"{value:,.2f}"
            rows.append(f"<tr><th>{html.escape(f.title)}</th><td>{html.escape(str(value))}</td></tr>")
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


def _add_layer(m: folium.Map, layer: Layer, collection: dict, show: bool = True) -> None:
    group = folium.FeatureGroup(name=bilingual(layer.title_zh, layer.title_en), show=show)
    data = _with_labels(layer, collection)
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


def _legend() -> str:
    items = "".join(
        f'<div><i style="background:{ZONE_COLORS[k]}"></i>{bilingual(*ZONE_KIND_NAMES[k])}</div>' for k in ZONE_COLORS)
    routes = LAYERS["corridor_routes"].style["colors"]
    names = {"metro": ("轨交17号线", "Metro Line 17"), "expressway": ("G50高速", "G50 expressway"),
             "highway": ("沪青平公路", "Huqingping Highway"), "avenue": ("崧泽大道", "Songze Avenue")}
    lines = "".join(f'<div><i class="line" style="background:{routes[k]}"></i>{bilingual(*names[k])}</div>'
                    for k in names)
    return (f'<div id="qp-legend" class="qp-panel"><div class="qp-title">{bilingual("图例", "Legend")}</div>'
            f'{items}{lines}<div><i class="dot"></i>{bilingual("车站", "Station")}</div>'
            f'<div class="qp-note">{bilingual("镇街、通道与园区边界为示意", "Towns, routes and parks are schematic")}</div>'
            f'</div>')


PAGE_CSS = """
<style>
html, body {margin:0; height:100%; font-family: "Noto Sans CJK SC","Microsoft YaHei",system-ui,sans-serif;}
body.lang-en .lang-zh, body:not(.lang-en) .lang-en {display:none;}
.qp-panel {position:absolute; z-index:1000; background:rgba(255,255,255,.93); border-radius:6px;
  box-shadow:0 1px 5px rgba(0,0,0,.35); padding:8px 10px; font-size:13px; line-height:1.5;}
#qp-legend {bottom:28px; right:10px; max-width:46vw;}
#qp-legend i {display:inline-block; width:14px; height:14px; margin-right:6px; vertical-align:-2px; opacity:.8;}
#qp-legend i.line {height:4px; vertical-align:3px;}
#qp-legend i.dot {border-radius:50%; border:2px solid #e31a1c; background:#fff; width:8px; height:8px;}
.qp-title {font-weight:600; margin-bottom:4px;}
.qp-note {color:#666; font-size:11px; margin-top:4px;}
#qp-header {top:10px; left:54px; right:auto; display:flex; gap:8px; align-items:center;}
#qp-header h1 {font-size:15px; margin:0;}
#qp-lang {cursor:pointer; border:1px solid #999; border-radius:4px; background:#fff; padding:2px 8px;}
table.qp-details th {text-align:left; padding-right:8px; font-weight:500; color:#555;}
@media (max-width: 600px) { #qp-legend {font-size:11px; max-width:60vw;} #qp-header h1 {font-size:13px;} }
</style>
"""

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
    if settings.basemap == "osm":
        folium.TileLayer("OpenStreetMap", name=bilingual("OpenStreetMap 底图", "OpenStreetMap basemap")).add_to(m)
    elif settings.basemap == "tianditu" and settings.tianditu_key:
        for layer, label in (("vec", ("天地图 矢量", "Tianditu vector")), ("cva", ("天地图 注记", "Tianditu labels"))):
            folium.TileLayer(
                tiles=f"https://t0.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                      f"&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}"
                      f"&TILEROW={{y}}&TILECOL={{x}}&tk={settings.tianditu_key}",
                attr="天地图", name=bilingual(*label), overlay=layer == "cva").add_to(m)


def layout_map(collections: dict[str, dict], settings: Settings, title: tuple[str, str], note: str = "") -> str:
    """The public map's HTML: the layout layers, legend, layer switcher, language switch, scale bar."""
    m = LocalMap(location=QINGPU_CENTER, zoom_start=11, tiles=None, control_scale=True, min_zoom=8, max_zoom=19)
    m.fit_bounds(QINGPU_BOUNDS)
    _basemap(m, settings)
    for layer_id in MAP_LAYERS:
        if layer_id in collections:
            _add_layer(m, LAYERS[layer_id], collections[layer_id])
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    root = m.get_root()
    root.header.add_child(Element('<meta name="viewport" content="width=device-width, initial-scale=1">'))
    root.header.add_child(Element(f"<title>{html.escape(title[0])} {html.escape(title[1])}</title>"))
    root.header.add_child(Element(PAGE_CSS))
    root.header.add_child(Element(LANG_JS))
    header = (f'<div id="qp-header" class="qp-panel"><h1>{bilingual(*title)}</h1>'
              f'<button id="qp-lang" type="button" title="中文 / English">中文 / EN</button>'
              f'{html.escape(note) and f"<span class=qp-note>{html.escape(note)}</span>"}</div>')
    root.html.add_child(Element(header + _legend()))
    root.html.add_child(Element(f"<script>window.QP_MAP_LAYERS = {json.dumps(list(collections))};</script>"))
    return root.render()
