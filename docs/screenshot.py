"""Regenerate docs/map.png, docs/map-phone.png and docs/map-export.png: the public map with the demo
enterprises loaded (2,000 firms, seed 1), on a 1366 × 768 desktop and a 390 × 844 phone, and the PNG the
map's own PNG button downloads.

    .venv/bin/python docs/screenshot.py

Builds a throw-away database (qingpu_docs) in the project's own cluster: schema, default layout,
`qingpu demo load`, then serves it on loopback and photographs /map in headless Chromium.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from playwright.sync_api import sync_playwright

    from app.core.db import engine_for
    from app.core.localdb import LocalCluster
    from app.core.migrate import upgrade
    from app.core.settings import load_settings
    from app.layout.store import load_layout
    from bench.servers import qingpu_server

    cluster = LocalCluster.from_settings(load_settings())
    cluster.ensure_running()
    cluster._psql("DROP DATABASE IF EXISTS qingpu_docs WITH (FORCE)")
    cluster.ensure_database("qingpu_docs")
    url = cluster.url("qingpu_docs")
    upgrade(url)
    load_layout(engine_for(url))
    subprocess.run([sys.executable, "-m", "app.cli.main", "demo", "load", "--enterprises", "2000", "--seed", "1"],
                   cwd=ROOT, check=True,
                   env={**os.environ, "DATABASE_URL": url})
    with qingpu_server(url) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for name, viewport in (("map.png", {"width": 1366, "height": 768}), ("map-phone.png", {"width": 390, "height": 844})):
            page = browser.new_page(viewport=viewport, accept_downloads=True)
            page.goto(f"{base}/map")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(800)
            page.screenshot(path=str(ROOT / "docs" / name))
            print(f"wrote docs/{name}")
            if name == "map.png":
                with page.expect_download(timeout=60000) as download:
                    page.click("#qp-png")
                download.value.save_as(str(ROOT / "docs" / "map-export.png"))
                print("wrote docs/map-export.png")
        browser.close()


if __name__ == "__main__":
    main()
