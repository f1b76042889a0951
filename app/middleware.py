"""Pure-ASGI middleware: who the client is behind trusted proxies, request-body limits, security headers.

Pure ASGI (not BaseHTTPMiddleware) so that a body is refused before anything reads it, and so that
they wrap every response, the static files and the error handlers' included.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

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
