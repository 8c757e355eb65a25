"""An edit shows at once in tiles and analytics, also when another app process serves them."""
import urllib.request

import mapbox_vector_tile
from sqlalchemy import text

from app.core.users import add_user

ZONE = "park-liantang-industrial"
# The z12 tile that holds the park (121.05 E, 31.02 N).
TILE = "/collections/zones/tiles/WebMercatorQuad/12/3425/1676"


def _get(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url) as res:
        return res.read(), res.headers.get("ETag")


def _names(tile: bytes) -> set[str]:
    layers = mapbox_vector_tile.decode(tile)
    return {f["properties"].get("name_en") for layer in layers.values() for f in layer["features"]}


def test_a_zone_edit_reaches_the_other_process_tiles_and_analytics_at_once(client, engine, live_server):
    add_user(engine, "fresh-planner", "planner", "fresh-tiles-1")
    token = client.post("/auth/token", data={"username": "fresh-planner", "password": "fresh-tiles-1"}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    tile_before, etag_before = _get(live_server + TILE)
    assert "Liantang Industrial Park" in _names(tile_before)
    zones_before, _ = _get(live_server + "/analytics/zones")

    feature = client.get(f"/collections/zones/items/{ZONE}")
    body = feature.json()
    body["properties"]["name_en"] = "Liantang Industrial Park (renamed)"
    body["comment"] = "freshness test"
    res = client.put(f"/collections/zones/items/{ZONE}", json=body,
                     headers={**headers, "If-Match": feature.headers["etag"]})
    assert res.status_code == 200, res.text

    tile_after, etag_after = _get(live_server + TILE)  # served by the other process, cached there before
    assert etag_after != etag_before
    assert "Liantang Industrial Park (renamed)" in _names(tile_after)
    zones_after, _ = _get(live_server + "/analytics/zones")
    assert zones_after != zones_before  # carries the new data version

    with engine.connect() as conn:
        version = conn.execute(text("SELECT version FROM zones WHERE id = :id"), {"id": ZONE}).scalar_one()
    back = dict(body, comment="freshness test undo")
    back["properties"]["name_en"] = "Liantang Industrial Park"
    assert client.put(f"/collections/zones/items/{ZONE}", json=back,
                      headers={**headers, "If-Match": f'"zone-{ZONE}-v{version}"'}).status_code == 200
