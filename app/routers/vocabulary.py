"""The vocabulary the importer reads files with: list it (anyone logged in), and the Department's
terms — added as JSON or as a CSV file, removed by id (app/services/imports/vocabulary.py)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Body, File, Path, Query, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from app.deps import SessionDep
from app.errors import InvalidParameter
from app.security import LoggedIn, Staff
from app.services.imports import vocabulary
from gis.vocabulary import Term

router = APIRouter(prefix="/api/vocabulary", tags=["Vocabulary"])

_REPLACE = Query(description="replace an alias that already means something else (reported in `replaced`)")


class TermIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domain: str = Field(
        max_length=64, description="column, organisation or a coded field", examples=["column"]
    )
    alias: str = Field(max_length=1000, description="the word as written in files", examples=["Cao độ cột"])
    canonical: str = Field(max_length=200, description="what it means", examples=["height_m"])
    lang: str = Field("", max_length=8, description="vi, en or empty", examples=["vi"])


class TermOut(BaseModel):
    id: int | None = Field(description="a planner's term's id (DELETE); null for a file's term")
    domain: str
    alias: str
    canonical: str
    lang: str
    source: Literal["file", "planner"]
    overridden: bool = Field(description="a file's term that a planner's term replaces")
    created_by: str | None
    created_at: str | None


class TermList(BaseModel):
    terms: list[TermOut]
    targets: dict[str, list[str]] = Field(description="every domain and what its terms may mean")


class Replaced(BaseModel):
    domain: str
    alias: str
    was: str
    canonical: str


class Added(BaseModel):
    added: list[TermOut]
    replaced: list[Replaced] = Field(description="aliases that meant something else before")
    unchanged: int = Field(description="terms already in force as given")


@router.get(
    "", summary="The vocabulary in force: the files' terms and the planners'", response_model=TermList
)
def list_terms(
    session: SessionDep,
    _: LoggedIn,
    domain: Annotated[str | None, Query(max_length=64, description="one domain only, e.g. column")] = None,
) -> TermList:
    conn = session.connection()
    known = vocabulary.targets(conn)
    if domain is not None and domain not in known:
        raise InvalidParameter(f"unknown vocabulary domain '{domain}' (one of {', '.join(known)})")
    return TermList(terms=vocabulary.list_terms(conn, domain), targets=known)


@router.post("", summary="Add terms (all or nothing; every problem named)", response_model=Added)
def add_terms(
    session: SessionDep,
    principal: Staff,
    terms: Annotated[list[TermIn], Body(min_length=1, max_length=vocabulary.MAX_TERMS)],
    replace: Annotated[bool, _REPLACE] = False,
) -> Added:
    given = [Term(t.domain, t.alias, t.canonical, t.lang) for t in terms]
    result = vocabulary.add_terms(session.connection(), given, principal.actor(), replace=replace)
    session.commit()
    return Added(**result.as_dict())


@router.post(
    "/file", summary="Add the terms of a CSV file domain,alias,canonical[,lang] (UTF-8)", response_model=Added
)
def add_file(
    session: SessionDep,
    principal: Staff,
    file: Annotated[UploadFile, File(description="CSV: domain,alias,canonical[,lang]; UTF-8, a BOM is fine")],
    replace: Annotated[bool, _REPLACE] = False,
) -> Added:
    source = (file.filename or "vocabulary.csv").rsplit("/", 1)[-1][:80]
    terms, rows = vocabulary.parse_csv(file.file.read(), source)
    conn = session.connection()
    result = vocabulary.add_terms(conn, terms, principal.actor(), replace=replace, rows=rows, source=source)
    session.commit()
    return Added(**result.as_dict())


@router.delete("/{term_id}", summary="Remove a planner's term", response_model=TermOut)
def remove_term(session: SessionDep, principal: Staff, term_id: Annotated[int, Path(ge=1)]) -> TermOut:
    removed = vocabulary.remove_term(session.connection(), term_id, principal.actor())
    session.commit()
    return TermOut(**removed)


__all__ = ["router"]
