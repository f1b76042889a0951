"""Tile cache hits answered in front of FastAPI: no dependency, no thread, no database.

A GET of a tile route gets, from the tile route (app/routers/tiles.py), bytes that depend on nothing
but its path, its query string (the layer's filters and choices, as the web map sends them), who asks
(anonymous, or a login's role, company and district: the layers they may see and their Scope), whether
gzip is accepted, and the data — the SQL is built from these alone, and its key holds the filters'
bound values and the data versions of what it reads (app/services/tile_cache.py), so two filters never
share an entry. So once the route has answered such a request from the tile cache (or filled it), its
answer holds for the same four while this process's copy of the data versions stays at the same
generation: any commit anywhere (its notification), this process's own commit, the day's end or a lost
LISTEN moves it. This middleware keeps, per generation, (path, query string, who, gzip) -> the answer's
cache key and headers, and answers the next such request itself from the tile LRU: the same bytes, the
same headers (the cache's ETag, Cache-Control, Vary, Content-Encoding, the security headers — all taken
from the route's own answer), 304 when If-None-Match names the ETag, as the route would. A query string
the route refuses (an unknown filter: 4xx) is never learnt, so it always reaches the route.

Who asks is known without the database only for a token this process has seen the route resolve,
at the same generation (see `_Logins` for why that is safe). Everything else — another method, a
query string longer than MAX_QUERY_BYTES, a body, HTTP Basic, two Authorization or Cookie headers, a
token not seen yet, a tile not in the LRU, no copy of the data versions — goes to the route,
unchanged, and teaches this middleware its answer.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass

from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import get_engine
from app.security import PRINCIPAL_SLOT, SESSION_COOKIE
from app.services import tile_cache
from app.services.accounts import Principal
from app.settings import get_settings

# The tile routes: XYZ (/tiles/{layers}/{z}/{x}/{y}.mvt) and OGC API – Tiles.
_TILE_PATH = re.compile(r"^/tiles/[^/?]+/\d+/\d+/\d+\.mvt$|^/ogc/collections/[^/]+/tiles/[^/]+/\d+/\d+/\d+$")
ANONYMOUS = ("anonymous",)
# A login is kept this long at most, even while no write has moved the generation: the bound on a
# change made behind the service's back (psql on auth_tokens or users, which nothing notifies).
LOGIN_TTL_S = 30.0
# A token is taken as ended this much before its end by our clock (the database's decides the route's).
EXPIRY_MARGIN_S = 5.0
MAX_TILES = 50_000  # answers kept per generation (~0.5 KB each)
MAX_LOGINS = 10_000
# A query string is kept as it is, so this bounds what an entry holds (the map's filters take a few
# dozen bytes); a longer one (a long CQL2 filter) is the route's to answer.
MAX_QUERY_BYTES = 256
# The headers the route's tile answer has (its own and app.middleware.SecurityHeaders'): an answer with
# any other (a cookie set, say) is not learnt.
_LEARNT_HEADERS = frozenset(
    {
        b"etag",
        b"cache-control",
        b"vary",
        b"x-tile-cache",
        b"content-encoding",
        b"content-length",
        b"content-type",
        b"content-security-policy",
        b"x-content-type-options",
        b"x-frame-options",
        b"referrer-policy",
    }
)
_NOT_IN_304 = frozenset({b"content-encoding", b"content-length", b"content-type"})

STATS = {"answered": 0, "not_modified": 0}  # requests this process answered here (tests look)


@dataclass(frozen=True)
class _Asked:
    """What of a request decides its tile answer, besides its path."""

    credential: tuple[str, bytes] | None  # (token kind, SHA-256 of the token); None: anonymous
    gzip_ok: bool
    if_none_match: str | None


def _asked(raw_headers: list[tuple[bytes, bytes]]) -> _Asked | None:
    """Read as app/security.py and app/routers/tiles.py read them (the first of a header), or None
    when the route must decide (Basic or another scheme, a body, a doubled credential header)."""
    auth = cookie = accept = if_none_match = None
    for name, value in raw_headers:
        if name == b"authorization":
            if auth is not None:
                return None
            auth = value.decode("latin-1")
        elif name == b"cookie":
            if cookie is not None:
                return None
            cookie = value.decode("latin-1")
        elif name == b"accept-encoding":
            accept = value.decode("latin-1") if accept is None else accept
        elif name == b"if-none-match":
            if_none_match = value.decode("latin-1") if if_none_match is None else if_none_match
        elif name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return None
    gzip_ok = "gzip" in (accept or "")
    if auth:
        scheme, _, credentials = auth.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            return None
        return _Asked(("api", _sha256(credentials.strip())), gzip_ok, if_none_match)
    token = cookie_parser(cookie).get(SESSION_COOKIE) if cookie else None
    return _Asked(("session", _sha256(token)) if token else None, gzip_ok, if_none_match)


def _sha256(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _who(principal: Principal) -> tuple:
    """Everything of a login the tile route may depend on (the layers it sees: logged in or not; its
    Scope: role, company, district)."""
    return (
        "login",
        principal.role,
        principal.operator,
        principal.district_code,
        principal.must_change_password,
    )


class _Generational:
    """Values worked out at one generation of one VersionWatch: all forgotten when it moves."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._stamp: tuple | None = None
        self._entries: dict = {}

    def get(self, key, stamp: tuple):
        return self._entries.get(key) if stamp == self._stamp else None

    def put(self, key, value, stamp: tuple) -> None:
        """`stamp` is always the watch's current one (checked in the same step of the event loop)."""
        if stamp != self._stamp:
            self._stamp, self._entries = stamp, {}
        if len(self._entries) >= self.max_entries:
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = value


@dataclass(frozen=True)
class _Login:
    who: tuple
    until_monotonic: float  # LOGIN_TTL_S after the route resolved it
    expires_epoch_s: float  # the token's end

    def holds(self) -> bool:
        return (
            time.monotonic() < self.until_monotonic and time.time() < self.expires_epoch_s - EXPIRY_MARGIN_S
        )


class _Logins(_Generational):
    """Who a token is, as the route resolved it from the database (app/security.py) at this
    generation. Safe because a token ends, or a login changes, only by a write: every write to
    auth_tokens or users through SQLAlchemy (logout, a user disabled, a password changed, a role
    edited; the CLI's too) notifies the workers in its transaction (tile_cache._notify_account_write)
    and moves this process's generation at its commit, so the next request resolves the token again;
    the other workers drop it when the notification arrives (milliseconds, as for the tiles' data).
    A token's own end is checked here; a change made around the service (psql) counts after
    LOGIN_TTL_S at most. A token seen while the watch does not listen is never kept (no peek)."""

    def __init__(self):
        super().__init__(MAX_LOGINS)


@dataclass(frozen=True)
class _Tile:
    """The route's answer to a (path, query string, who, gzip): the LRU key of its body and its headers."""

    key: tile_cache.Key
    gzipped: bool
    headers: tuple[tuple[bytes, bytes], ...]  # as sent, X-Tile-Cache: hit
    length_at: int  # the index of Content-Length in them

    @property
    def lru_key(self) -> str:
        return self.key.gzip_digest if self.gzipped else self.key.digest

    def ok_headers(self, body: bytes) -> list[tuple[bytes, bytes]]:
        headers = list(self.headers)
        headers[self.length_at] = (b"content-length", str(len(body)).encode())
        return headers

    def matching_etag(self, if_none_match: str | None, gzip_ok: bool) -> str | None:
        """The ETag the route would answer 304 with (app/services/tiles.py, cached_tile), if any."""
        for etag in (self.key.gzip_etag, self.key.etag) if gzip_ok else (self.key.etag,):
            if tile_cache.etag_matches(if_none_match, etag):
                return etag
        return None

    def not_modified_headers(self, etag: str) -> list[tuple[bytes, bytes]]:
        out = []
        for name, value in self.headers:
            if name in _NOT_IN_304:
                continue
            if name == b"etag":
                value = etag.encode()
            elif name == b"x-tile-cache":
                value = b"not-modified"
            out.append((name, value))
        return out


def _learnt(headers: list[tuple[bytes, bytes]], body: bytes, lru: tile_cache.BytesLRU) -> _Tile | None:
    """The route's 200 answer as a _Tile, when it came from (or went into) the tile LRU: its ETag is
    a cache key's and the LRU holds exactly its body under that key."""
    names = [name for name, _ in headers]
    if set(names) - _LEARNT_HEADERS or len(set(names)) != len(names):
        return None
    found = dict(headers)
    etag = found.get(b"etag", b"").decode("latin-1")
    if found.get(b"x-tile-cache") not in (b"hit", b"miss") or not etag.startswith('"t-'):
        return None
    key = tile_cache.Key(etag[3:-1].removesuffix("-gz"))
    gzipped = etag == key.gzip_etag
    if not gzipped and etag != key.etag:
        return None
    if gzipped != (found.get(b"content-encoding") == b"gzip") or b"content-length" not in found:
        return None
    tile = _Tile(
        key,
        gzipped,
        tuple((name, b"hit" if name == b"x-tile-cache" else value) for name, value in headers),
        names.index(b"content-length"),
    )
    return tile if lru.get(tile.lru_key) == body else None


def _where(scope: Scope) -> tuple[str, bytes]:
    """The path and the exact query string (as sent: the same bytes parse to the same filters)."""
    return scope["path"], scope.get("query_string", b"")


async def _answer(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class TileFastPath:
    """Pure ASGI, outermost: cache hits of the tile routes answered here (see the module's doc)."""

    def __init__(self, app: ASGIApp):
        self.app = app
        self._tiles = _Generational(MAX_TILES)
        self._logins = _Logins()
        self._engine = None
        self._watch: tile_cache.VersionWatch | None = None

    def _version_watch(self) -> tile_cache.VersionWatch | None:
        engine = get_engine()
        if engine is not self._engine:
            self._engine, self._watch = engine, tile_cache.version_watch(engine)
        return self._watch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or len(scope.get("query_string", b"")) > MAX_QUERY_BYTES
            or not _TILE_PATH.match(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        budget = get_settings().tile_cache_bytes
        lru = tile_cache.tile_lru(budget)
        watch = self._version_watch() if lru is not None else None
        asked = _asked(scope["headers"])
        if watch is None or asked is None:
            await self.app(scope, receive, send)
            return
        state = watch.peek()
        if state is not None and await self._from_cache(_where(scope), asked, (watch, state[0]), lru, send):
            return
        await self._learn(scope, receive, send, asked, watch, lru)

    async def _from_cache(
        self, where: tuple[str, bytes], asked: _Asked, stamp: tuple, lru: tile_cache.BytesLRU, send: Send
    ) -> bool:
        who = ANONYMOUS
        if asked.credential is not None:
            login = self._logins.get(asked.credential, stamp)
            if login is None or not login.holds():
                return False
            who = login.who
        tile = self._tiles.get((where, who, asked.gzip_ok), stamp)
        if tile is None:
            return False
        if asked.if_none_match and (etag := tile.matching_etag(asked.if_none_match, asked.gzip_ok)):
            STATS["not_modified"] += 1
            await _answer(send, 304, tile.not_modified_headers(etag), b"")
            return True
        body = lru.get(tile.lru_key)
        if body is None:
            return False
        STATS["answered"] += 1
        await _answer(send, 200, tile.ok_headers(body), body)
        return True

    async def _learn(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        asked: _Asked,
        watch: tile_cache.VersionWatch,
        lru: tile_cache.BytesLRU,
    ) -> None:
        """The route answers; what it read is kept if the generation held all along (taken before
        it read anything: a write committed meanwhile moves it, and nothing is kept)."""
        generation = watch.generation
        slot: dict = {}
        if asked.credential is not None:
            scope = {**scope, PRINCIPAL_SLOT: slot}
        start: Message | None = None
        chunks: list[bytes] = []

        async def noted(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, noted)
        state = watch.peek()
        if state is None or state[0] != generation:
            return
        stamp = (watch, generation)
        who = ANONYMOUS
        if asked.credential is not None:
            principal = slot.get("principal")
            if principal is None or slot.get("expires_at") is None:
                return  # not resolved from this token (a stale cookie: anonymous), or refused
            who = _who(principal)
            login = _Login(who, time.monotonic() + LOGIN_TTL_S, slot["expires_at"].timestamp())
            self._logins.put(asked.credential, login, stamp)
        if start is None or start["status"] != 200:
            return
        tile = _learnt(list(start.get("headers", [])), b"".join(chunks), lru)
        if tile is not None:
            self._tiles.put((_where(scope), who, asked.gzip_ok), tile, stamp)
