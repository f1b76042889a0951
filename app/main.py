"""Application wiring only: settings, middleware, error mapping, routers, static frontend."""

from contextlib import asynccontextmanager
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from app.errors import install_handlers
from app.middleware import (
    BodyLimit,
    SecurityHeaders,
    TrustedProxies,
    file_routes,
    pages_policy,
    parse_networks,
)
from app.openapi import install_openapi_30
from app.routers import (
    auth,
    basemap,
    challenges,
    coverage,
    dashboard,
    exports,
    health,
    imports,
    indicators,
    infrastructure,
    ogc,
    point,
    proposals,
    region,
    registry,
    search,
    tiles,
    vocabulary,
)
from app.settings import get_settings
from app.tile_direct import TileRoute
from app.tile_fastpath import TileFastPath

ROOT = Path(__file__).resolve().parent.parent
_SWAGGER_UI = Path(fastapi_offline.__file__).parent / "static"


def _frontend() -> Path:
    return (ROOT / get_settings().frontend_dir).resolve()


class _BuiltFiles(StaticFiles):
    """Files a build step writes later: until the folder exists every path is 404, where Starlette's
    one-off check would answer 500 (and the map would log an error) on a checkout not yet built."""

    async def check_config(self) -> None:
        if self.directory is not None and Path(self.directory).is_dir():
            await super().check_config()


def _mount_frontend(app: FastAPI) -> None:
    frontend = _frontend()
    # Every script and stylesheet comes from us, never from a CDN: Swagger UI's too.
    for url, path in (
        ("/src", frontend / "src"),
        ("/styles", frontend / "styles"),
        # Leaflet and the vector-tile renderer only: node_modules also holds test-only packages
        # (axe-core) no user needs; protomaps-leaflet's bundle carries its own dependencies.
        ("/vendor/leaflet", frontend / "node_modules" / "leaflet"),
        ("/vendor/protomaps-leaflet", frontend / "node_modules" / "protomaps-leaflet" / "dist"),
        ("/docs/assets", _SWAGGER_UI),
    ):
        if path.is_dir():
            app.mount(url, StaticFiles(directory=path), name=path.name)

    # The offline basemap's water, built at setup (`make basemap`); absent until then: 404. Its
    # roads are the database's (app/routers/basemap.py, matched before this mount).
    app.mount("/basemap", _BuiltFiles(directory=ROOT / "build" / "basemap", check_dir=False), name="basemap")

    @app.get("/", include_in_schema=False, response_class=FileResponse)
    def index() -> FileResponse:
        return FileResponse(frontend / "index.html", media_type="text/html")

    @app.get("/dashboard", include_in_schema=False, response_class=FileResponse)
    def dashboard_page() -> FileResponse:
        return FileResponse(frontend / "dashboard.html", media_type="text/html")

    @app.get("/upload", include_in_schema=False, response_class=FileResponse)
    def upload() -> FileResponse:
        return FileResponse(frontend / "upload.html", media_type="text/html")

    @app.get("/challenge", include_in_schema=False, response_class=FileResponse)
    def challenge_page() -> FileResponse:
        return FileResponse(frontend / "challenge.html", media_type="text/html")

    @app.get("/docs", include_in_schema=False, response_class=FileResponse)
    def docs() -> FileResponse:
        return FileResponse(frontend / "docs.html", media_type="text/html")


@asynccontextmanager
async def _lifespan(app: FastAPI):
    settings = get_settings()
    worker = None
    if settings.coverage_worker:
        from app.services.coverage.worker import CoverageWorker

        worker = CoverageWorker(settings.coverage_poll_seconds)
        worker.start()
    yield
    if worker:
        worker.stop()


def create_app() -> FastAPI:
    app = FastAPI(
        lifespan=_lifespan,
        title="Hạ tầng viễn thông — API",
        version="0.1.0",
        # The region is data (GET /api/region), not part of the API's definition.
        description="Telecom infrastructure GIS: OGC API – Features and Tiles, search.",
        docs_url=None,  # ours (_mount_frontend) loads Swagger UI from the app, not from a CDN
        redoc_url=None,
    )
    # Innermost: the tile routes' requests go to their functions without the router (app/tile_direct.py).
    app.add_middleware(TileRoute)
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(TrustedProxies, networks=parse_networks(get_settings().trusted_proxies))
    install_handlers(app)
    install_openapi_30(app)
    modules = (
        health,
        auth,
        ogc,
        tiles,
        search,
        region,
        indicators,
        dashboard,
        coverage,
        point,
        exports,
        imports,
        registry,
        infrastructure,
        vocabulary,
        proposals,
        challenges,
        basemap,  # before the mount of the built files under the same prefix
    )
    routers = [module.router for module in modules]
    for router in routers:
        app.include_router(router)
    settings = get_settings()
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_json_bytes,
        upload_bytes=settings.max_upload_bytes,
        uploads=file_routes(routers),
    )
    _mount_frontend(app)
    app.add_middleware(SecurityHeaders, policy=pages_policy(_frontend().glob("*.html")))
    # Outermost: a tile cache hit is answered before any other middleware or dependency runs; it
    # replays the headers the ones above gave the route's own answer.
    app.add_middleware(TileFastPath)
    return app


app = create_app()
