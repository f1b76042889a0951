"""Tile requests handed straight to their route's own function, past FastAPI's router.

A tile the cache cannot answer (app/tile_fastpath.py answers its hits; with the cache off, none) went
through route matching over every route of the API, path-parameter validation, dependency solving and
the exception middleware: about a fifth of the Python time of a small tile's answer. The tile routes
(app/routers/tiles.py) do their work in one function of plain values, so this middleware, innermost
(inside the client's address, the body limit, the security headers and GZip), matches their two paths
itself and calls those functions with the route's own arguments.

Anything that function raises (a bad token, a layer the caller may not see, a zoom out of range …)
sends the request on to the router unchanged, which answers it as it always has: the same status,
problem document and headers. A tile request carries no body, so asking the route again is safe; the
only work done twice is that of a refused request.
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.db import DB_POOL_OVERFLOW
from app.routers import tiles
from app.settings import get_settings

# The routes' paths, their parameters as the router reads them ({name} is [^/]+, an int is digits:
# a sign, or anything else, goes to the router, which refuses it as before).
_XYZ = re.compile(r"^/tiles/([^/]+)/(\d+)/(\d+)/(\d+)\.mvt$")
_OGC = re.compile(r"^/ogc/collections/([^/]+)/tiles/([^/]+)/(\d+)/(\d+)/(\d+)$")


def _call(path: str):
    """The route function and its arguments after the request for `path`, or None."""
    if m := _XYZ.match(path):
        ids, z, x, y = m.groups()
        return tiles.xyz_tile_of, (ids, int(z), int(x), int(y))
    if m := _OGC.match(path):
        collection_id, tms_id, z, y, x = m.groups()
        return tiles.ogc_tile_of, (collection_id, tms_id, int(z), int(y), int(x))
    return None


@lru_cache(maxsize=1)
def _threads(count: int) -> ThreadPoolExecutor:
    """The threads the tile functions run in (their reads block): the event loop's executor API, not
    run_in_threadpool, whose capacity limiter and cancel scope cost a tenth of a small tile's
    Python time. As many as the engine's pool has connections: more would only wait for one."""
    return ThreadPoolExecutor(count, thread_name_prefix="tile")


class TileRoute:
    """Pure ASGI: GETs of the tile routes answered by their functions (see the module's doc)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        call = _call(scope["path"]) if scope["type"] == "http" and scope["method"] == "GET" else None
        if call is None:
            await self.app(scope, receive, send)
            return
        function, args = call
        try:
            threads = _threads(get_settings().db_pool_size + DB_POOL_OVERFLOW)
            response = await asyncio.get_running_loop().run_in_executor(
                threads, function, Request(scope, receive), *args
            )
        except Exception:
            await self.app(scope, receive, send)  # the router's answer to it, as ever
            return
        await response(scope, receive, send)
