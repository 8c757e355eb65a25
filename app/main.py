"""The application factory: wires settings, database, routes, pages and local front-end assets."""
from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app import auth, exports, ogc, pages, problems, search, tiles, vendor
from app.db import engine_for
from app.settings import get_settings
from app.web import WEB_DIR


def create_app(database_url: str | None = None) -> FastAPI:
    settings = get_settings()
    app = FastAPI(title="青浦区产业布局 Qingpu industrial layout", version="0.1.0",
                  description="OGC API – Features over Qingpu's layout (一核、一线、多组团), with editing, "
                              "history, site search and cluster analytics.",
                  openapi_url="/openapi.json", docs_url="/docs", redoc_url=None)
    app.state.engine = engine_for(database_url or settings.resolved_database_url())
    problems.install(app)
    vendor.mount(app)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    app.include_router(auth.router)
    app.include_router(pages.router)
    app.include_router(ogc.router)
    from app.zones_edit import router as zones_edit_router
    app.include_router(zones_edit_router)
    app.include_router(tiles.router)
    app.include_router(exports.router)
    app.include_router(search.router)
    from app.enterprises import router as enterprises_router
    app.include_router(enterprises_router)
    from app.analytics import router as analytics_router
    app.include_router(analytics_router)
    from app.analytics_tiles import router as analytics_tiles_router
    app.include_router(analytics_tiles_router)
    from app.sites import router as sites_router
    app.include_router(sites_router)
    return app
