"""QINGPU_BASEMAP=local: the app serves an MBTiles file (or a folder of tiles) itself, and /edit and /map use it."""
import json
import re
import sqlite3

from fastapi.testclient import TestClient

from app.core.settings import load_settings
from app.main import create_app

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32  # the signature is what the server sniffs


def _mbtiles(path, z, x, y):
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob)")
    db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, PNG))  # MBTiles rows are TMS
    db.commit()
    db.close()


def test_an_mbtiles_basemap_is_served_by_the_app(database_url, tmp_path):
    path = tmp_path / "qingpu.mbtiles"
    _mbtiles(path, 12, 3426, 1672)
    settings = load_settings().with_database(database_url).model_copy(
        update={"basemap": "local", "basemap_tiles": str(path), "basemap_attribution": "区规划院底图"})
    with TestClient(create_app(settings)) as client:
        res = client.get("/basemap/tiles/12/3426/1672")
        assert res.status_code == 200 and res.headers["content-type"] == "image/png" and res.content == PNG
        assert client.get("/basemap/tiles/12/3426/1672", headers={"If-None-Match": res.headers["etag"]}).status_code == 304
        missing = client.get("/basemap/tiles/12/3426/1673")
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
        page = client.get("/edit").text
        config = json.loads(re.search(r'<script id="editor-config" type="application/json">(.*?)</script>', page).group(1))
        assert config["basemap"] == [{"url": "/basemap/tiles/{z}/{x}/{y}", "name_zh": "本地底图", "name_en": "Local basemap",
                                      "attribution": "区规划院底图", "overlay": False}]
        assert "/basemap/tiles/{z}/{x}/{y}" in client.get("/map").text


def test_a_tile_folder_works_and_no_local_basemap_is_a_404(database_url, tmp_path, client):
    (tmp_path / "12" / "3426").mkdir(parents=True)
    (tmp_path / "12" / "3426" / "1672.png").write_bytes(PNG)
    settings = load_settings().with_database(database_url).model_copy(
        update={"basemap": "local", "basemap_tiles": str(tmp_path)})
    with TestClient(create_app(settings)) as local:
        assert local.get("/basemap/tiles/12/3426/1672").content == PNG
    assert client.get("/basemap/tiles/12/3426/1672").status_code == 404  # the default: no basemap
