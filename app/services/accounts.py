"""Accounts: users and roles, Argon2 password hashes, sessions and API tokens, login throttling.

Roles: `admin`; `planner` (the Department: sees and edits everything, decides registrations);
`official` (read-only, optionally limited to one district); `operator` (bound to one operator
company: manages only that company's records). Tokens are random; only their SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from app.errors import (
    Conflict,
    Forbidden,
    InvalidParameter,
    TooManyRequests,
    Unauthorized,
    not_found,
)
from app.i18n import catalogue
from app.models import AdminUnit, Operator
from app.models_accounts import ROLES, AuthToken, LoginFailure, User
from app.services.audit import Actor
from app.services.tile_cache import notify_account_writes
from app.settings import get_settings
from gis.problems import Problem, ProblemsFound
from gis.text import fold_vi

# argon2id with the library's defaults (RFC 9106's second recommended profile, 64 MiB).
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("not a password of anyone")
_USERNAME = re.compile(r"^[a-z0-9._-]{2,64}$")
MIN_PASSWORD_LENGTH = 10
_COMMON_PASSWORDS = frozenset(FREQUENCY_LISTS["passwords"])  # zxcvbn's 30,000 most common
# Words zxcvbn's English lists miss that a Vietnamese user reaches for first ("password", "I love you" …).
_GUESSED_WORDS = (
    "matkhau",
    "anhyeuem",
    "emyeuanh",
    "vietnam",
    "vienthong",
    "hatang",
    "viettel",
    "vinaphone",
    "mobifone",
    "vietnamobile",
    "vnpt",
    "admin",
    "quantri",
)
_ZXCVBN_MAX_CHARS = 72  # zxcvbn's own bound on what it scores (its cost grows with length)
_SEPARATORS = re.compile(r"[\W_]+")
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32), as issue_token makes them
WRITER_ROLES = ("admin", "planner", "operator")
# The workers keep who a token is (app/tile_fastpath.py) until a write here may have changed it.
notify_account_writes()


@dataclass(frozen=True)
class Principal:
    """Who makes a request, as the services need it."""

    user_id: int
    username: str
    role: str
    operator: str | None = None  # short name, role operator only
    operator_id: int | None = None
    district_code: str | None = None  # an official limited to one district
    must_change_password: bool = False
    via: str = "session"  # session (cookie, CSRF-checked), bearer or basic (an API token or the password)
    client_ip: str | None = None
    token_id: int | None = None  # the session or API token the request came with

    @property
    def is_staff(self) -> bool:
        """Admin and planner see and edit everything."""
        return self.role in ("admin", "planner")

    def actor(self) -> Actor:
        return Actor(self.user_id, self.username, self.role, self.client_ip)

    def may_manage(self, owner_id: int | None) -> bool:
        return self.is_staff or (self.role == "operator" and owner_id == self.operator_id)

    def as_dict(self) -> dict:
        return {
            "username": self.username,
            "role": self.role,
            "operator": self.operator,
            "district_code": self.district_code,
            "must_change_password": self.must_change_password,
        }


class _Refusal(ProblemsFound):
    """A refusal that is also the DomainError mixed in after it (its status; the English
    ``description`` the CLI prints; ``except Unauthorized`` still catches it), answered as a
    structured problem in the reader's language (app/errors.py answers ProblemsFound first)."""

    def __init__(self, problem: Problem):
        super().__init__([problem])
        self.description = "; ".join(catalogue("en").render_all(self.problems))
        self.extra, self.headers = {}, {}


class PasswordRefused(_Refusal, InvalidParameter):
    code = "InvalidParameter"


class CredentialsRefused(_Refusal, Unauthorized):
    """A wrong password (logging in, or the current one when changing it)."""

    code = "Unauthorized"


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_username(raw: str) -> str:
    name = (raw or "").strip().lower()
    if not _USERNAME.match(name):
        raise InvalidParameter("username: 2–64 characters among a–z, 0–9, '.', '_' and '-'")
    return name


def check_password_policy(password: str, username: str, full_name: str = "", field: str = "password") -> None:
    """Long enough, not a common password, and hard enough to guess by zxcvbn's estimate, scored as an
    attacker would try it: Vietnamese diacritics folded, with and without its spaces and punctuation
    (zxcvbn sees "nguyen van binh 1990" as random letters, "nguyenvanbinh1990" as a name and a year),
    the user's own names known. Refused as the problem of ``field`` (the form's input)."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise PasswordRefused(Problem("password.too_short", field=field, params={"min": MIN_PASSWORD_LENGTH}))
    if username in password.lower():
        raise PasswordRefused(Problem("password.contains_username", field=field))
    folded = fold_vi(password)[:_ZXCVBN_MAX_CHARS]
    squeezed = _SEPARATORS.sub("", folded)
    if folded in _COMMON_PASSWORDS or squeezed in _COMMON_PASSWORDS:
        raise PasswordRefused(Problem("password.common", field=field))
    names = fold_vi(full_name).split()
    hints = [username, *names, "".join(names), *_GUESSED_WORDS]
    score = min(zxcvbn(text, user_inputs=hints)["score"] for text in (folded, squeezed or folded))
    needed = get_settings().password_min_strength
    if score < needed:
        raise PasswordRefused(
            Problem("password.weak", field=field, params={"score": score, "needed": needed})
        )


def _operator_row(session: Session, name: str) -> Operator:
    for op in session.scalars(select(Operator)):
        if fold_vi(op.short_name) == fold_vi(name):
            return op
    known = ", ".join(session.scalars(select(Operator.short_name).order_by(Operator.short_name)))
    raise InvalidParameter(f"operator: unknown company '{name}' (known: {known})")


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    *,
    operator: str | None = None,
    district_code: str | None = None,
    full_name: str = "",
    must_change_password: bool = False,
) -> User:
    name = normalise_username(username)
    if role not in ROLES:
        raise InvalidParameter(f"role: one of {', '.join(ROLES)}, got '{role}'")
    if (role == "operator") != bool(operator):
        raise InvalidParameter("operator: required for role operator, and only for it")
    if district_code and role != "official":
        raise InvalidParameter("district_code: only an official is limited to a district")
    if district_code:
        found = session.scalar(
            select(func.count())
            .select_from(AdminUnit)
            .where(
                # A former district too: its officials keep reporting a plan judged on it.
                AdminUnit.level == "district",
                AdminUnit.code == district_code,
            )
        )
        if not found:
            raise InvalidParameter(f"district_code: no district '{district_code}'")
    check_password_policy(password, name, full_name)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise Conflict(f"a user '{name}' exists already")
    user = User(
        username=name,
        password_hash=_HASHER.hash(password),
        role=role,
        full_name=full_name,
        operator=_operator_row(session, operator).short_name if operator else None,
        district_code=district_code or None,
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None:
        raise not_found("notfound.record", kind="user", code=username)
    return user


def set_active(session: Session, username: str, active: bool) -> User:
    user = get_user(session, username)
    if not active and user.role == "admin" and user.active:
        admins = session.scalar(
            select(func.count()).select_from(User).where(User.role == "admin", User.active)
        )
        if admins <= 1:
            raise Conflict(f"'{user.username}' is the last active admin: create another admin first")
    user.active = active
    if not active:  # a disabled account loses its sessions and tokens at once
        _revoke_tokens(session, user)
    session.flush()
    return user


def set_password(session: Session, user: User, new_password: str, keep_token_id: int | None = None) -> None:
    """A new password; every session and API token of the user ends, but ``keep_token_id`` (the one
    that changed it, which stays logged in)."""
    check_password_policy(new_password, user.username, user.full_name or "", "new_password")
    if verify_password(user, new_password):
        raise PasswordRefused(Problem("password.same", field="new_password"))
    user.password_hash = _HASHER.hash(new_password)
    user.must_change_password = False
    _revoke_tokens(session, user, keep_token_id)
    session.flush()


def _revoke_tokens(session: Session, user: User, keep_token_id: int | None = None) -> None:
    session.execute(
        update(AuthToken)
        .where(
            AuthToken.user_id == user.id, AuthToken.revoked_at.is_(None), AuthToken.id != (keep_token_id or 0)
        )
        .values(revoked_at=func.now())
    )


def verify_password(user: User, password: str) -> bool:
    try:
        return _HASHER.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def list_users(session: Session) -> list[dict]:
    users = session.scalars(select(User).order_by(User.username))
    return [
        {
            "username": u.username,
            "full_name": u.full_name,
            "role": u.role,
            "operator": u.operator,
            "district_code": u.district_code,
            "active": u.active,
            "created_at": u.created_at.isoformat(),
        }
        for u in users
    ]


def authenticate(session: Session, username: str, password: str, client_ip: str) -> User:
    """The user, or Unauthorized (one message for every kind of failure) / TooManyRequests."""
    s = get_settings()
    name = (username or "").strip().lower()[:64]
    since = datetime.now(UTC) - timedelta(minutes=s.login_window_minutes)
    by_user, by_ip = session.execute(
        select(
            func.count().filter(LoginFailure.username == name),
            func.count().filter(LoginFailure.client_ip == client_ip),
        ).where(
            LoginFailure.at >= since, (LoginFailure.username == name) | (LoginFailure.client_ip == client_ip)
        )
    ).one()
    if by_user >= s.login_max_failures_per_user or by_ip >= s.login_max_failures_per_ip:
        wait_s = s.login_window_minutes * 60
        raise TooManyRequests(
            f"too many failed logins; try again in {s.login_window_minutes} minutes",
            headers={"Retry-After": str(wait_s)},
        )
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        # Spend the time of a real check, so timing does not tell which usernames exist.
        verify_password(User(password_hash=_DUMMY_HASH), password or "")
        ok = False
    else:
        ok = verify_password(user, password or "")
    if not ok or not user.active:
        session.add(LoginFailure(username=name, client_ip=client_ip))
        session.commit()  # the failure counts even though the request fails
        # The password's problem, whichever was wrong: the answer must not tell which usernames exist
        # (and an API answer's problem names a field).
        raise CredentialsRefused(Problem("login.failed", field="password"))
    session.execute(LoginFailure.__table__.delete().where(LoginFailure.username == name))
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    return user


@dataclass(frozen=True)
class IssuedToken:
    token: str
    csrf_token: str | None
    expires_at: datetime


def issue_token(
    session: Session,
    user: User,
    kind: str,
    client_ip: str | None,
    name: str | None = None,
    days: int | None = None,
) -> IssuedToken:
    s = get_settings()
    if kind == "session":
        lifetime = timedelta(hours=s.session_hours)
    else:
        lifetime = timedelta(days=days or s.api_token_days)
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24) if kind == "session" else None
    expires = datetime.now(UTC) + lifetime
    session.add(
        AuthToken(
            user_id=user.id,
            kind=kind,
            token_sha256=_sha256(token),
            csrf_token=csrf,
            name=name,
            client_ip=client_ip,
            expires_at=expires,
        )
    )
    session.flush()
    return IssuedToken(token, csrf, expires)


_RESOLVE_SQL = (
    "SELECT t.id AS token_id, t.csrf_token, t.last_used_at, u.id, u.username, u.role, u.operator, "
    "u.district_code, u.must_change_password, o.id AS operator_id "
    "FROM auth_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN operators o ON o.short_name = u.operator "
    "WHERE t.token_sha256 = %(h)s AND t.kind = %(kind)s AND t.revoked_at IS NULL AND t.expires_at > now() "
    "AND u.active"
)


def resolve(session: Session, token: str, kind: str, client_ip: str | None) -> tuple[Principal, str | None]:
    """The principal behind a live token of ``kind`` and the session's CSRF token; else Unauthorized."""
    # Every logged-in tile asks this: sent as the driver's own string (no text() compiling, a tenth
    # of a small tile's server time, as app/services/tiles.py build_tile).
    row = session.connection().exec_driver_sql(_RESOLVE_SQL, {"h": _sha256(token), "kind": kind}).first()
    if row is None:
        raise Unauthorized("not logged in, or the session has expired: log in again")
    if row.role == "operator" and row.operator_id is None:
        raise Forbidden(f"the operator company '{row.operator}' of this account is not in the database")
    if _use_to_note(row):
        session.execute(
            text("UPDATE auth_tokens SET last_used_at = now() WHERE id = :id"), {"id": row.token_id}
        )
        session.commit()
    return _principal_of(row, kind, client_ip), row.csrf_token


def resolve_read_only(cursor, token: str, kind: str, client_ip: str | None) -> Principal | None:
    """resolve() on a DBAPI cursor, for a request that only reads (a cold tile, app/routers/tiles.py): the principal
    when resolve() would give it without writing anything; None when resolve() must decide (no live
    token: its error; a use to note: its UPDATE and commit)."""
    cursor.execute(_RESOLVE_SQL, {"h": _sha256(token), "kind": kind})
    found = cursor.fetchone()
    if found is None:
        return None
    row = SimpleNamespace(**dict(zip((c.name for c in cursor.description), found, strict=True)))
    if (row.role == "operator" and row.operator_id is None) or _use_to_note(row):
        return None
    return _principal_of(row, kind, client_ip)


def _use_to_note(row) -> bool:
    """Note a token's use now and then, not on every tile request."""
    return row.last_used_at is None or row.last_used_at < datetime.now(UTC) - timedelta(minutes=5)


def _principal_of(row, kind: str, client_ip: str | None) -> Principal:
    return Principal(
        row.id,
        row.username,
        row.role,
        row.operator,
        row.operator_id,
        row.district_code,
        row.must_change_password,
        "session" if kind == "session" else "bearer",
        client_ip,
        row.token_id,
    )


def resolve_basic(session: Session, username: str, secret: str, client_ip: str) -> Principal:
    """HTTP Basic: the user with one of its API tokens as the password, or with its password (checked
    and throttled as a login is). A secret shaped like our tokens is only ever a token, so that a
    desktop GIS repeating an expired one gets 401s without locking the user out of logging in."""
    name = (username or "").strip().lower()
    if _TOKEN_SHAPE.match(secret):
        principal, _ = resolve(session, secret, "api", client_ip)
        if principal.username != name:
            raise Unauthorized("not logged in, or the session has expired: log in again")
        return principal
    user = authenticate(session, name, secret, client_ip)
    session.commit()  # the failures forgotten by a good password stay forgotten
    operator_id = session.scalar(select(Operator.id).where(Operator.short_name == user.operator))
    return Principal(
        user.id,
        user.username,
        user.role,
        user.operator,
        operator_id,
        user.district_code,
        user.must_change_password,
        "basic",
        client_ip,
    )


def revoke(session: Session, token: str) -> None:
    session.execute(
        update(AuthToken)
        .where(AuthToken.token_sha256 == _sha256(token), AuthToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )


def ensure_admin(session: Session, username: str, password: str | None) -> str | None:
    """Create the first admin when there is none. Returns the generated password, if one was made."""
    if session.scalar(select(func.count()).select_from(User).where(User.role == "admin")):
        return None
    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(12)
    create_user(
        session,
        username,
        password,
        "admin",
        full_name="Quản trị hệ thống",
        must_change_password=generated is not None,
    )
    return generated
