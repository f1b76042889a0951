"""Domain errors, raised by services and dependencies, mapped to HTTP once (install_handlers).

Every error body is JSON: {"code": "<ErrorClass>", "description": "<what is wrong>"}.
"""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException


class DomainError(Exception):
    status_code = 400

    def __init__(self, description: str):
        super().__init__(description)
        self.description = description


class InvalidParameter(DomainError):
    status_code = 400


class InvalidBBox(InvalidParameter):
    pass


class UnknownFilter(InvalidParameter):
    pass


class Forbidden(DomainError):
    """Outside the caller's scope (an official limited to one district asking for another)."""

    status_code = 403


class NotFound(DomainError):
    status_code = 404


class TileOutOfRange(NotFound):
    pass


class Conflict(DomainError):
    status_code = 409


class DatabaseUnavailable(DomainError):
    status_code = 503


def _body(code: str, description: str, status: int) -> JSONResponse:
    return JSONResponse({"code": code, "description": description}, status_code=status)


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        response = _body(type(exc).__name__, exc.description, exc.status_code)
        problems = getattr(exc, "problems", None)
        if problems:  # every problem of a refused file or form, each with its row or field
            response = JSONResponse(
                {"code": type(exc).__name__, "description": exc.description, "problems": problems},
                status_code=exc.status_code,
            )
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body"))
            parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        return _body("InvalidParameter", "; ".join(parts) or "invalid request", 400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _body("NotFound" if exc.status_code == 404 else "HTTPError", str(exc.detail), exc.status_code)

    @app.exception_handler(OperationalError)
    async def _db_down(_: Request, exc: OperationalError) -> JSONResponse:
        return _body("DatabaseUnavailable", "the database cannot be reached", 503)
