"""Domain errors, raised by services and dependencies, mapped to HTTP once (install_handlers).

Every error body is JSON: {"code": "<ErrorClass>", "description": "<what is wrong>"}.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from app.i18n import catalogue, language
from app.request_problems import problems_of
from gis.problems import Problem, ProblemsFound

# The web framework is imported where an answer is made: services raising these errors run in the
# command line and the coverage workers too, which start faster without it (bench/coverage_full.py times a run's process).
if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse
    from starlette.routing import BaseRoute


class DomainError(Exception):
    status_code = 400

    def __init__(
        self,
        description: str = "",
        *,
        extra: dict | None = None,
        headers: dict | None = None,
        reasons: Iterable[Problem] = (),
    ):
        # Structured reasons are answered as `problems` in the reader's language (error_response);
        # the English description is for logs and callers that catch the error.
        self.reasons = list(reasons)
        description = description or _described(catalogue("en").render_all(self.reasons))
        super().__init__(description)
        self.description = description
        self.extra = extra or {}  # more of the answer: the current record, a suggested fix …
        self.headers = headers or {}


class InvalidParameter(DomainError):
    status_code = 400


class InvalidBBox(InvalidParameter):
    pass


class UnknownFilter(InvalidParameter):
    pass


class NotFound(DomainError):
    status_code = 404


def not_found(problem: str, /, **params) -> NotFound:
    """A structured 404: a catalogue code (``notfound.*``) and its parameters."""
    return NotFound(reasons=[Problem(problem, params=params)])


class TileOutOfRange(NotFound):
    pass


class Unauthorized(DomainError):
    """Not logged in (or the token is unknown, expired or revoked)."""

    status_code = 401


class Forbidden(DomainError):
    """Logged in, but this role, company or district scope may not do this."""

    status_code = 403


class Conflict(DomainError):
    status_code = 409


class PreconditionRequired(DomainError):
    """A write of a versioned record without If-Match."""

    status_code = 428


class Unprocessable(DomainError):
    """Well-formed but refused by a rule (a field out of range, a missing reason …)."""

    status_code = 422


class PayloadTooLarge(DomainError):
    status_code = 413


class TooManyRequests(DomainError):
    status_code = 429


class DatabaseUnavailable(DomainError):
    status_code = 503


def _body(code: str, description: str, status: int, extra: dict | None = None, headers=None) -> JSONResponse:
    from fastapi.responses import JSONResponse

    return JSONResponse(
        {"code": code, "description": description, **(extra or {})}, status_code=status, headers=headers
    )


def _described(sentences: list[str]) -> str:
    """The first few sentences of a refusal, joined: its ``description``."""
    more = len(sentences) - 5
    return "; ".join(sentences[:5]) + (f" (+{more})" if more > 0 else "")


def _rendered(problems: Iterable[Problem], lang: str) -> list[dict]:
    said = catalogue(lang)
    return [{**p.as_dict(), "message": said.render(p)} for p in problems]


def error_response(exc: DomainError, lang: str = "vi") -> JSONResponse:
    """The answer to a domain error (middleware, outside the handlers, answers with it too); its
    structured reasons as `problems`, each with its sentence in ``lang``, which the description joins."""
    extra, description = dict(exc.extra), exc.description
    if reasons := getattr(exc, "reasons", None):  # a subclass may not call DomainError.__init__
        extra["problems"] = _rendered(reasons, lang)
        description = _described([p["message"] for p in extra["problems"]])
    problems = getattr(exc, "problems", None)
    if problems and "problems" not in extra:  # every problem of a refused file, each with its row
        extra["problems"] = problems
    return _body(type(exc).__name__, description, exc.status_code, extra, exc.headers or None)


def problems_response(exc: ProblemsFound, lang: str) -> JSONResponse:
    """Every problem of a refused file or form as data (``code, field, row, source, label, params``)
    with its sentence in the reader's language; ``description`` joins the first few sentences."""
    problems = _rendered(exc.problems, lang)
    description = _described([p["message"] for p in problems])
    status = getattr(exc, "status_code", 422)  # a subclass may say 409 (a clash with stored rows)
    return _body(getattr(exc, "code", "Unprocessable"), description, status, {"problems": problems})


def install_handlers(app: FastAPI) -> None:
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(ProblemsFound)
    async def _problems(request: Request, exc: ProblemsFound) -> JSONResponse:
        return problems_response(exc, language(request.headers.get("accept-language")))

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return error_response(exc, language(request.headers.get("accept-language")))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = _rendered(problems_of(exc.errors()), language(request.headers.get("accept-language")))
        description = _described([p["message"] for p in problems]) or "invalid request"
        return _body("InvalidParameter", description, 400, {"problems": problems})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404 and exc.detail == "Not Found":  # no route answers this path
            reasons = [Problem("request.no_route", params={"path": request.url.path})]
            return error_response(NotFound(reasons=reasons), language(request.headers.get("accept-language")))
        return _body("NotFound" if exc.status_code == 404 else "HTTPError", str(exc.detail), exc.status_code)

    # Last line of defence: a rule the services did not check first is still a 4xx, never a 500.
    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        detail = str(exc.orig).splitlines()[0] if exc.orig else "constraint violated"
        return _body("Conflict", f"refused by the database: {detail}", 409)

    @app.exception_handler(DataError)
    async def _data(_: Request, exc: DataError) -> JSONResponse:
        detail = str(exc.orig).splitlines()[0] if exc.orig else "invalid value"
        return _body("InvalidParameter", f"a value the database cannot store: {detail}", 422)

    # psycopg2 refuses to send text holding NUL (PostgreSQL text cannot store it), before any query runs.
    @app.exception_handler(ValueError)
    async def _nul(_: Request, exc: ValueError) -> JSONResponse:
        if "NUL (0x00)" not in str(exc):
            raise exc
        return _body("InvalidParameter", "text cannot contain the NUL character (\\x00)", 400)

    @app.exception_handler(OperationalError)
    async def _db_down(_: Request, exc: OperationalError) -> JSONResponse:
        return _body("DatabaseUnavailable", "the database cannot be reached", 503)

    @app.exception_handler(405)
    async def _method_not_allowed(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        allowed = allowed_methods(request.app.router.routes, request.url.path)
        allow = ", ".join(allowed) or (exc.headers or {}).get("Allow", "")
        description = f"{request.method} is not allowed on {request.url.path}; it answers {allow}"
        return _body("MethodNotAllowed", description, 405, headers={"Allow": allow})


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(routes: list[BaseRoute], path: str) -> list[str]:
    """Every method some route answers at ``path``. The router's own Allow names only the first route
    that matched the path, while GET /x and POST /x are separate routes."""
    from starlette.routing import Match, Mount
    from starlette.staticfiles import StaticFiles

    allowed = set()
    for method in _METHODS:
        scope = {"type": "http", "path": path, "root_path": "", "method": method}
        for route in routes:
            if route.matches(dict(scope))[0] is Match.FULL:
                static = isinstance(route, Mount) and isinstance(route.app, StaticFiles)
                allowed |= {"GET", "HEAD"} if static else {method}  # a mount matches every method
                break
    return [m for m in _METHODS if m in allowed]
