"""Log in and out, who am I, change my password, API tokens; user administration (admin)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from app.collections import shown_to
from app.deps import SessionDep
from app.models_accounts import ROLES
from app.schemas_registry import Timestamp
from app.security import CSRF_COOKIE, SESSION_COOKIE, Admin, LoggedIn, OptionalPrincipal, client_ip, require
from app.services import accounts
from app.services.accounts import Principal
from app.settings import get_settings
from gis.problems import Problem

router = APIRouter(prefix="/api", tags=["Accounts"])


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class NewToken(BaseModel):
    name: str = Field(min_length=1, max_length=120, description="what the token is for")
    days: int = Field(default=90, ge=1, le=366)


class NewUser(BaseModel):
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    role: Literal["admin", "planner", "official", "operator"]
    full_name: str = Field(default="", max_length=200)
    operator: str | None = Field(default=None, max_length=64)
    district_code: str | None = Field(default=None, max_length=16)


class UserState(BaseModel):
    active: bool


Role = Literal[ROLES]


class Me(BaseModel):
    username: str
    role: Role
    operator: str | None = Field(description="the operator company of an operator's account")
    district_code: str | None = Field(description="the one district an official is limited to")
    must_change_password: bool


class SessionOpened(BaseModel):
    user: Me
    csrf_token: str = Field(description="echo it in X-CSRF-Token on every write")
    expires_at: Timestamp


class LoggedOut(BaseModel):
    logged_out: bool


class WhoAmI(BaseModel):
    user: Me | None = Field(description="null when anonymous")
    collections: list[str] = Field(description="the layers this visitor may see")


class PasswordChanged(BaseModel):
    changed: bool


class IssuedToken(BaseModel):
    token: str = Field(description="shown once")
    token_type: Literal["Bearer"]
    expires_at: Timestamp


class Account(BaseModel):
    username: str
    full_name: str
    role: Role
    operator: str | None
    district_code: str | None
    active: bool
    created_at: Timestamp


class Accounts(BaseModel):
    users: list[Account]


class NewAccount(BaseModel):
    username: str
    role: Role
    operator: str | None


class AccountState(BaseModel):
    username: str
    active: bool


def _secure(request: Request) -> bool:
    configured = get_settings().cookie_secure
    return request.url.scheme == "https" if configured is None else configured


@router.post(
    "/auth/login",
    summary="Log in: sets the session cookie; returns the CSRF token",
    responses={401: {"description": "Wrong username or password, or a disabled account"}, 429: {}},
    response_model=SessionOpened,
)
def login(body: Login, request: Request, response: Response, session: SessionDep) -> dict:
    user = accounts.authenticate(session, body.username, body.password, client_ip(request))
    issued = accounts.issue_token(session, user, "session", client_ip(request))
    session.commit()
    max_age = int(get_settings().session_hours * 3600)
    secure = _secure(request)
    response.set_cookie(
        SESSION_COOKIE, issued.token, max_age=max_age, httponly=True, samesite="lax", secure=secure, path="/"
    )
    # Readable by the page's script, which echoes it in X-CSRF-Token on every write.
    response.set_cookie(
        CSRF_COOKIE,
        issued.csrf_token,
        max_age=max_age,
        httponly=False,
        samesite="lax",
        secure=secure,
        path="/",
    )
    principal, _ = accounts.resolve(session, issued.token, "session", client_ip(request))
    return {
        "user": principal.as_dict(),
        "csrf_token": issued.csrf_token,
        "expires_at": issued.expires_at.isoformat(),
    }


@router.post("/auth/logout", summary="Log out: the session ends on the server too", response_model=LoggedOut)
def logout(request: Request, response: Response, session: SessionDep) -> dict:
    # No CSRF check: the worst a forged logout can do is log someone out.
    if token := request.cookies.get(SESSION_COOKIE):
        accounts.revoke(session, token)
        session.commit()
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return {"logged_out": True}


@router.get(
    "/auth/me",
    summary="The logged-in user (null when anonymous) and the layers they may see",
    response_model=WhoAmI,
)
def me(principal: OptionalPrincipal) -> dict:
    visible = [c.id for c in shown_to(principal is not None)]
    return {"user": principal.as_dict() if principal else None, "collections": visible}


@router.post(
    "/auth/password",
    summary="Change my password (the current one is asked again); my other sessions and API tokens end",
    response_model=PasswordChanged,
)
def change_password(
    body: PasswordChange,
    session: SessionDep,
    principal: Annotated[Principal, require(password_change_ok=True)],
) -> dict:
    user = accounts.get_user(session, principal.username)
    if not accounts.verify_password(user, body.current_password):
        raise accounts.CredentialsRefused(Problem("password.current_wrong", field="current_password"))
    accounts.set_password(session, user, body.new_password, keep_token_id=principal.token_id)
    session.commit()
    return {"changed": True}


@router.post(
    "/auth/tokens",
    summary="A bearer token for an API client (shown once)",
    status_code=201,
    response_model=IssuedToken,
)
def new_token(body: NewToken, request: Request, session: SessionDep, principal: LoggedIn) -> dict:
    user = accounts.get_user(session, principal.username)
    issued = accounts.issue_token(session, user, "api", client_ip(request), name=body.name, days=body.days)
    session.commit()
    return {"token": issued.token, "token_type": "Bearer", "expires_at": issued.expires_at.isoformat()}


@router.get("/users", summary="Every account (admin)", response_model=Accounts)
def users(session: SessionDep, _: Admin) -> dict:
    return {"users": accounts.list_users(session)}


@router.post("/users", summary="Create an account (admin)", status_code=201, response_model=NewAccount)
def create_user(body: NewUser, session: SessionDep, _: Admin) -> dict:
    user = accounts.create_user(
        session,
        body.username,
        body.password,
        body.role,
        operator=body.operator,
        district_code=body.district_code,
        full_name=body.full_name,
    )
    session.commit()
    return {"username": user.username, "role": user.role, "operator": user.operator}


@router.put(
    "/users/{username}/state", summary="Enable or disable an account (admin)", response_model=AccountState
)
def user_state(username: str, body: UserState, session: SessionDep, _: Admin) -> dict:
    user = accounts.set_active(session, username, body.active)
    session.commit()
    return {"username": user.username, "active": user.active}
