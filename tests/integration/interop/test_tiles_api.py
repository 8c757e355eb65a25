"""OGC API – Tiles resources and the MapLibre style, over HTTP and through GDAL's OGCAPI driver."""
import math

import pyogrio
import pytest

from layers.registry import CLUSTER_COLOURS, ZONE_KIND_COLOURS

MVT = "application/vnd.mapbox-vector-tile"
REL = "http://www.opengis.net/def/rel/ogc/1.0/"


def test_web_mercator_quad_is_a_tms_2_document(client):
    listing = client.get("/tileMatrixSets").json()
    assert [t["id"] for t in listing["tileMatrixSets"]] == ["WebMercatorQuad"]
    tms = client.get("/tileMatrixSets/WebMercatorQuad").json()
    assert tms["crs"].endswith("/EPSG/0/3857")
    z0, z10 = tms["tileMatrices"][0], tms["tileMatrices"][10]
    assert z0["matrixWidth"] == 1 and z10["matrixWidth"] == 1024
    assert z0["scaleDenominator"] == pytest.approx(559082264.0287178, rel=1e-9)
    assert z0["pointOfOrigin"] == pytest.approx([-20037508.3427892, 20037508.3427892])
    assert client.get("/tileMatrixSets/NoSuch").status_code == 404


@pytest.mark.parametrize("listing", ["/collections/zones/tiles", "/tiles"])
def test_tileset_lists_link_to_metadata_with_a_templated_tile_link(client, listing):
    sets = client.get(listing).json()["tilesets"]
    assert len(sets) == 1 and sets[0]["dataType"] == "vector"
    self_href = next(link["href"] for link in sets[0]["links"] if link["rel"] == "self")
    meta = client.get(self_href.replace("http://testserver", "")).json()
    assert meta["tileMatrixSetURI"].endswith("/WebMercatorQuad")
    item = next(link for link in meta["links"] if link["rel"] == "item")
    assert item["templated"] and item["type"] == MVT
    tile_url = item["href"].replace("http://testserver", "").format(tileMatrix=10, tileCol=857, tileRow=418)
    res = client.get(tile_url)
    assert res.status_code == 200 and res.headers["content-type"] == MVT and len(res.content) > 0
    scheme = next(link["href"] for link in meta["links"] if link["rel"] == REL + "tiling-scheme")
    assert client.get(scheme.replace("http://testserver", "")).json()["id"] == "WebMercatorQuad"


def test_the_landing_page_links_tilesets_tiling_schemes_and_the_style(client):
    links = {link["rel"]: link["href"] for link in client.get("/").json()["links"]}
    assert links[REL + "tilesets-vector"].endswith("/tiles")
    assert links[REL + "tiling-schemes"].endswith("/tileMatrixSets")
    assert links[REL + "style"].endswith("/styles/default")


def test_conformance_lists_the_tiles_classes_served(client):
    classes = client.get("/conformance").json()["conformsTo"]
    for c in ("core", "tileset", "tilesets-list", "geodata-tilesets", "dataset-tilesets", "mvt"):
        assert f"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/{c}" in classes


def test_the_style_uses_the_registry_colours_and_the_tilejson(client):
    style = client.get("/styles/default").json()
    assert style["version"] == 8
    source = style["sources"]["qingpu"]
    tilejson = client.get(source["url"].replace("http://testserver", "")).json()
    source_layers = {v["id"] for v in tilejson["vector_layers"]}
    drawn = [layer for layer in style["layers"] if layer["type"] != "background"]
    assert {layer["source-layer"] for layer in drawn} == source_layers
    fills = {layer["id"]: layer for layer in drawn if layer["source-layer"] == "zones" and layer["type"] == "fill"}
    # each cluster its own colour, every other zone the colour of its kind, split by a filter on the id
    own, by_kind = fills["zones-fill-own"], fills["zones-fill"]
    assert own["filter"] == ["in", "id", *CLUSTER_COLOURS] and by_kind["filter"] == ["!in", "id", *CLUSTER_COLOURS]
    assert _match_table(own["paint"]["fill-color"], "id") == CLUSTER_COLOURS
    assert _match_table(by_kind["paint"]["fill-color"], "kind") == ZONE_KIND_COLOURS
    # every match in the forms QGIS 3.22's converter reads: labels in arrays, a literal fallback
    for layer in drawn:
        for value in layer["paint"].values():
            if isinstance(value, list) and value[:1] == ["match"]:
                labels, outputs = value[2:-1:2], value[3:-1:2]
                assert all(isinstance(x, list) and len(x) == 1 for x in labels), layer["id"]
                assert not any(isinstance(x, list) for x in [*outputs, value[-1]]), layer["id"]
    assert "sites" not in source_layers  # the public style shows what the public may see


def _match_table(expression, prop: str) -> dict:
    assert expression[:2] == ["match", ["get", prop]]
    return {label[0]: out for label, out in zip(expression[2:-1:2], expression[3:-1:2])}


def _web_mercator(lon, lat):
    r = 6378137.0
    return r * math.radians(lon), r * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def test_gdal_opens_the_zone_tiles_through_the_ogcapi_driver(live_server):
    url = f"OGCAPI:{live_server}/collections/zones"
    assert [name for name, _ in pyogrio.list_layers(url)][:1] == ["Zoom level 0"]
    # GDAL's vector-tiles path takes the area from the MINX.. open options in the tile CRS (it does not
    # reproject the collection's CRS84 bbox), so a client names the district in EPSG:3857.
    (minx, miny), (maxx, maxy) = _web_mercator(121.0, 31.05), _web_mercator(121.2, 31.2)
    area = {"MINX": str(minx), "MINY": str(miny), "MAXX": str(maxx), "MAXY": str(maxy)}
    df = pyogrio.read_dataframe(url, layer="Zoom level 12", **area)
    assert len(df) > 0 and {"kind", "name_zh"} <= set(df.columns)
    assert set(df["kind"]) <= set(ZONE_KIND_COLOURS) and "cluster" in set(df["kind"])
