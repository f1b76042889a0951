"""Who is asking: FastAPI dependencies for the principal, role checks and CSRF.

Browsers log in for a session cookie (HttpOnly, SameSite=Lax) plus a CSRF token that every
unsafe request must echo in the X-CSRF-Token header; API clients send `Authorization: Bearer`.
"""

import hmac
from typing import Annotated

from fastapi import Depends, Request
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


def optional_principal(request: Request, session: Annotated[Session, Depends(get_session)]) -> Principal | None:
    """The logged-in principal, or None for an anonymous visitor."""
    ip = client_ip(request)
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Authorization header: use 'Bearer <API token>'")
        principal, _ = accounts.resolve(session, token.strip(), "api", ip)
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
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def require(*roles: str, password_change_ok: bool = False):
    """A dependency: the principal when logged in with one of ``roles`` (any role when none)."""

    def dependency(request: Request, principal: OptionalPrincipal) -> Principal:
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
