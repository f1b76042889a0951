"""Who is asking: FastAPI dependencies for the principal, role checks and CSRF.

Browsers log in for a session cookie (HttpOnly, SameSite=Lax) plus a CSRF token that every
unsafe request must echo in the X-CSRF-Token header; API clients send `Authorization: Bearer`;
desktop GIS may read with HTTP Basic (username and API token).
"""

import base64
import binascii
import hmac
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.db import get_session
from app.errors import Forbidden, Unauthorized
from app.services import accounts
from app.services.accounts import Principal
from app.services.audit import bind_actor

SESSION_COOKIE = "hg_session"
CSRF_COOKIE = "hg_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def optional_principal(
    request: Request, session: Annotated[Session, Depends(get_session)]
) -> Principal | None:
    """The logged-in principal, or None for an anonymous visitor."""
    ip = client_ip(request)
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, credentials = auth.partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            principal, _ = accounts.resolve(session, credentials.strip(), "api", ip)
        elif scheme.lower() == "basic" and credentials.strip():
            principal = _basic(session, request, credentials.strip(), ip)
        else:
            raise Unauthorized("Authorization header: use 'Bearer <API token>' (or, to read, HTTP Basic)")
    elif cookie := request.cookies.get(SESSION_COOKIE):
        unsafe = request.method not in SAFE_METHODS
        try:
            principal, csrf = accounts.resolve(session, cookie, "session", ip)
        except Unauthorized:
            if unsafe:
                raise
            return None  # a stale cookie on a read: just an anonymous visitor
        sent = request.headers.get(CSRF_HEADER, "")
        if unsafe and not hmac.compare_digest(sent.encode(), (csrf or "").encode()):
            raise Forbidden(f"the {CSRF_HEADER} header is missing or wrong: reload the page and try again")
    else:
        return None
    bind_actor(session, principal.actor())
    _offer_to_fast_path(request, session, principal)
    return principal


UNDECIDED = object()  # read_only_principal(): optional_principal() must answer


def read_only_principal(request: Request, cursor) -> Principal | None | object:
    """optional_principal() on a DBAPI cursor (app/db.py, autocommit_cursor) for a GET that only
    reads: the principal, None for an anonymous visitor, or UNDECIDED when optional_principal()
    must answer (HTTP Basic or another scheme, a token not live — its error, or a stale cookie's
    anonymous read —, a use of the token to note, the tile fast path waiting for the login)."""
    if request.method not in SAFE_METHODS or PRINCIPAL_SLOT in request.scope:
        return UNDECIDED
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, credentials = auth.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            return UNDECIDED
        kind, token = "api", credentials.strip()
    elif cookie := request.cookies.get(SESSION_COOKIE):
        kind, token = "session", cookie
    else:
        return None
    return accounts.resolve_read_only(cursor, token, kind, client_ip(request)) or UNDECIDED


# The tile fast path (app/tile_fastpath.py) puts a dict here on a request it passes on; the
# principal resolved from the request's token goes in it, with the token's end, for it to keep.
PRINCIPAL_SLOT = "hg.principal_slot"


def _offer_to_fast_path(request: Request, session: Session, principal: Principal) -> None:
    slot = request.scope.get(PRINCIPAL_SLOT)
    if slot is None or principal.token_id is None or principal.via == "basic":
        return
    slot["principal"] = principal
    slot["expires_at"] = session.scalar(
        text("SELECT expires_at FROM auth_tokens WHERE id = :id"), {"id": principal.token_id}
    )


def _basic(session: Session, request: Request, credentials: str, ip: str) -> Principal:
    """HTTP Basic, for desktop GIS that cannot add a header of their own (QGIS 3.22's Basic method):
    the username and an API token (or the password). For reading only, and never asked for: we send
    no `WWW-Authenticate: Basic` challenge, so no browser learns and replays Basic credentials on a
    cross-site request (the CSRF a cookie has X-CSRF-Token against), and writes need Bearer anyway."""
    if request.method not in SAFE_METHODS:
        raise Unauthorized("HTTP Basic is for reading only; to write, send 'Authorization: Bearer <token>'")
    try:
        username, colon, secret = base64.b64decode(credentials, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        colon = ""
    if not colon:
        raise Unauthorized("Authorization: Basic needs base64 of 'username:API token'")
    return accounts.resolve_basic(session, username, secret, ip)


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def require(*roles: str, password_change_ok: bool = False):
    """A dependency: the principal when logged in with one of ``roles`` (any role when none)."""

    async def dependency(request: Request, principal: OptionalPrincipal) -> Principal:
        if principal is None:
            raise Unauthorized("log in first (or send an API token)")
        if roles and principal.role not in roles:
            raise Forbidden(
                f"a user with role '{principal.role}' may not do this (allowed: {', '.join(roles)})"
            )
        if principal.must_change_password and request.method not in SAFE_METHODS and not password_change_ok:
            raise Forbidden("change your one-time password first (POST /api/auth/password)")
        return principal

    return Depends(dependency)


LoggedIn = Annotated[Principal, require()]
Staff = Annotated[Principal, require("admin", "planner")]
Admin = Annotated[Principal, require("admin")]
Writer = Annotated[Principal, require(*accounts.WRITER_ROLES)]
