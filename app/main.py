"""The application, composed from settings and one table of routers.

`create_app(settings)` is the whole wiring: the engine is opened in the lifespan (and closed
with it), every capability package contributes one router, and one exception table maps errors
to problem+json. `serve_app()` is the factory uvicorn runs: it reads the environment and
resolves the database (starting the project's own cluster when DATABASE_URL is unset).
"""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.analytics import chains as analytics_chains
from app.analytics import routes as analytics_routes
from app.analytics import tiles as analytics_tiles
from app.briefs import routes as brief_routes
from app.core import assets, auth, errors, health
from app.core.cors import CorsMiddleware
from app.core.db import database_url, open_reads
from app.core.guard import InputGuard
from app.core.settings import Settings, load_settings
from app.drafts import routes as draft_routes
from app.drafts.layers import PROVIDER as DRAFT_COLLECTIONS
from app.enterprises import routes as enterprise_routes
from app.ogc import exports, search, tiles, tilesets
from app.ogc import routes as features_routes
from app.ogc.openapi import openapi_document
from app.pages import basemap, editor
from app.pages import routes as page_routes
from app.reference import routes as reference_routes
from app.sites import routes as site_routes
from app.zones import routes as zone_routes
from app.zones import upload as zone_upload
from web import STATIC_DIR

# Every router of the service, in the order their paths are matched.
ROUTERS = (
    health.router,
    auth.router,
    page_routes.router,
    basemap.router,
    editor.router,
    features_routes.router,
    zone_routes.router,
    zone_upload.router,
    reference_routes.router,
    draft_routes.router,
    tiles.router,
    tilesets.router,
    exports.router,
    search.router,
    enterprise_routes.router,
    analytics_routes.router,
    analytics_tiles.router,
    analytics_chains.router,
    site_routes.router,
    brief_routes.router,
)


def create_app(settings: Settings | str | None = None) -> FastAPI:
    """The application for these settings (a database URL alone is accepted, for tests and tools)."""
    if settings is None or isinstance(settings, str):
        settings = load_settings().with_database(settings) if settings else load_settings()
    if not settings.database_url:
        raise ValueError("create_app needs settings with a database_url; serve_app() resolves one")

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        reads = open_reads(settings)  # the primary, and the read replica when DATABASE_READ_URL is set
        app.state.engine, app.state.reads = reads.primary, reads
        try:
            yield
        finally:
            reads.dispose()

    app = FastAPI(title="青浦区产业布局 Qingpu industrial layout", version="0.2.0",
                  description="OGC API – Features over Qingpu's layout (一核、一线、多组团), with editing, "
                              "history, site search and cluster analytics.",
                  openapi_url="/openapi.json", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.settings = settings
    # Collections that exist for some callers only (app.ogc.access asks these): a planner's drafts.
    app.state.collection_providers = (DRAFT_COLLECTIONS,)
    errors.install(app)
    # Middleware added last runs first: the request id exists before the guard may refuse anything.
    app.add_middleware(InputGuard, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(errors.RequestContext)
    assets.mount(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router)
    app.openapi = lambda: openapi_document(app)
    app.add_middleware(CorsMiddleware, origins=settings.cors_origin_list, any_origin=settings.cors_any_origin)
    return app


def serve_app() -> FastAPI:
    """The factory uvicorn runs (`uvicorn app.main:serve_app --factory`)."""
    settings = load_settings()
    return create_app(settings.with_database(database_url(settings)))
