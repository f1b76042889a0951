"""Pure-ASGI middleware: who the client is behind trusted proxies, request-body limits, security headers.

Pure ASGI (not BaseHTTPMiddleware) so that a body is refused before anything reads it, and so that
they wrap every response, the static files and the error handlers' included.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from fastapi import APIRouter, params
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PayloadTooLarge, error_response

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
        what = "an upload" if upload else "a request that is not a file upload"
        error = PayloadTooLarge(
            f"the request body is larger than {_size(limit)}, the limit of {what}",
            headers={"Connection": "close"},  # rather than read the rest of it to keep the connection
        )
        await error_response(error)(scope, receive, send)
