"""Pure-ASGI middleware: who the client is behind trusted proxies, request-body limits, security headers
(the Content-Security-Policy and the hashes of a page's inline code).

Pure ASGI (not BaseHTTPMiddleware) so that a body is refused before anything reads it, and so that
they wrap every response, the static files and the error handlers' included.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
from collections.abc import Iterable
from pathlib import Path

from fastapi import APIRouter, params
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PayloadTooLarge, error_response
from app.i18n import language
from gis.problems import Problem

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(raw: str, what: str = "TRUSTED_PROXIES") -> tuple[Network, ...]:
    """`10.0.0.1, 192.168.0.0/24, ::1` → networks; a wrong entry stops the start with its name."""
    networks = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"{what}: '{part}' is not an IP address or a CIDR network") from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


class TrustedProxies:
    """Believe X-Forwarded-For and X-Forwarded-Proto only when the socket peer is a trusted proxy.

    The client is then the nearest address in X-Forwarded-For that is not itself a trusted proxy
    (each proxy appends the address it saw: the entries on the left are the client's to write).
    With no trusted proxies (the default) the headers are ignored and the client is the peer.
    """

    def __init__(self, app: ASGIApp, networks: Iterable[Network] = ()):
        self.app = app
        self.networks = tuple(networks)

    def _trusted(self, host: str) -> bool:
        address = _address(host)
        return address is not None and any(address in network for network in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] == "http" and client and self._trusted(client[0]):
            headers = Headers(scope=scope)
            hops = [h.strip() for h in ",".join(headers.getlist("x-forwarded-for")).split(",") if h.strip()]
            host = client[0]
            for hop in reversed(hops):
                if _address(hop) is None:
                    break  # garbage: keep the last address we could believe
                host = hop
                if not self._trusted(hop):
                    break
            scope = {**scope, "client": (host, client[1] if host == client[0] else 0)}
            proto = headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                scope["scheme"] = proto
        await self.app(scope, receive, send)


class _BodyTooLarge(Exception):
    """Raised into the app by `BodyLimit`'s receive: whatever the app makes of it, we answer 413."""


def file_routes(routers: Iterable[APIRouter]) -> tuple[re.Pattern, ...]:
    """The paths of the routes that take a file (multipart form with a File field)."""
    return tuple(
        route.path_regex
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute)
        and any(isinstance(p.field_info, params.File) for p in route.dependant.body_params)
    )


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 1024 / 1024:g} MiB" if n_bytes >= 1024 * 1024 else f"{n_bytes / 1024:g} KiB"


class BodyLimit:
    """Refuse a request body over its limit with 413 before anything reads it (before authentication
    too): at once when Content-Length says so, else as soon as a chunked body has passed the limit.
    Routes that take a file have the larger `upload_bytes`; every other request `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_bytes: int, uploads: Iterable[re.Pattern] = ()):
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes
        self.uploads = tuple(uploads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = any(pattern.match(scope["path"]) for pattern in self.uploads)
        limit = self.upload_bytes if upload else self.max_bytes
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await self._refuse(scope, receive, send, limit, upload)
            return
        received = 0
        exceeded = started = False

        async def counted() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's answer to the exception (a 400 …) gives way to our 413 below
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self._refuse(scope, receive, send, limit, upload)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int, upload: bool) -> None:
        code = "request.upload_too_large" if upload else "request.too_large"
        error = PayloadTooLarge(
            reasons=[Problem(code, params={"limit": _size(limit)})],
            headers={"Connection": "close"},  # rather than read the rest of it to keep the connection
        )
        said = dict(scope.get("headers") or []).get(b"accept-language", b"").decode("latin-1")
        await error_response(error, language(said))(scope, receive, send)


# The basemap's tiles (frontend/src/basemap.js): the one origin a page loads anything from but us.
BASEMAP_TILES = "https://tile.openstreetmap.org"
_INLINE = re.compile(r"<(script|style)\b([^>]*)>(.*?)</\1\s*>", re.S | re.I)


def inline_hashes(html: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The CSP hash sources ('sha256-…') of a page's inline scripts and of its inline styles."""
    scripts, styles = [], []
    for tag, attributes, body in _INLINE.findall(html):
        if tag.lower() == "script" and re.search(r"\bsrc\s*=", attributes):
            continue
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        (scripts if tag.lower() == "script" else styles).append(f"'sha256-{digest}'")
    return tuple(dict.fromkeys(scripts)), tuple(dict.fromkeys(styles))


def content_security_policy(scripts: Iterable[str] = (), styles: Iterable[str] = ()) -> str:
    """Everything from the app itself; inline scripts and styles only by their hashes; the basemap's
    tiles as images; no plugins, no <base>, no framing by anyone."""
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(("'self'", *scripts)),
        "style-src": " ".join(("'self'", *styles)),
        "img-src": f"'self' data: {BASEMAP_TILES}",
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def page_policy(html: str) -> str:
    """The policy of one page of our own making with inline code (a report): the default plus its hashes."""
    return content_security_policy(*inline_hashes(html))


class SecurityHeaders:
    """Security headers on every response. A route that sets its own Content-Security-Policy (a page
    with inline code of its own: the reports) keeps it."""

    def __init__(self, app: ASGIApp, policy: str):
        self.app = app
        self.headers = [
            (b"content-security-policy", policy.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),  # what frame-ancestors says, for browsers without CSP 2
            (b"referrer-policy", b"strict-origin-when-cross-origin"),  # tile servers see our origin only
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in self.headers if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


def pages_policy(pages: Iterable[Path]) -> str:
    """The policy of every response: our pages' own inline code (their import maps) allowed by hash."""
    scripts, styles = [], []
    for page in sorted(pages):
        page_scripts, page_styles = inline_hashes(page.read_text(encoding="utf-8"))
        scripts += page_scripts
        styles += page_styles
    return content_security_policy(dict.fromkeys(scripts), dict.fromkeys(styles))
