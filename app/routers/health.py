"""Liveness with the database checked: 200 when PostGIS answers, 503 otherwise."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.db import get_engine

router = APIRouter(tags=["Health"])


class Health(BaseModel):
    status: str
    database: str
    postgis: str | None = None


@router.get(
    "/health",
    summary="Service and database health",
    response_model=Health,
    responses={503: {"description": "The database does not answer", "content": {"application/json": {}}}},
)
def health() -> Health | JSONResponse:
    try:
        with get_engine().connect() as conn:
            postgis = conn.scalar(text("SELECT postgis_lib_version()"))
    except SQLAlchemyError:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return Health(status="ok", database="ok", postgis=postgis)
