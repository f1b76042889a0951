"""Items properties built from the named columns equal those of the whole row minus its geometry
(the construction before, `to_jsonb(f) - 'geom' - 'fid'`), byte for byte, for every collection."""

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.collections import COLLECTIONS, STORED_LOCATION_SOURCES
from app.services import features
from app.services.features import ItemsQuery, get_item, get_items
from app.services.scope import Scope
from app.services.sql import located_source

EVERYTHING = Scope(every_company=True)
WHOLE_ROW = "to_jsonb(f) - 'geom' - 'fid'"


def _sources(collection_id: str) -> list[str]:
    collection = COLLECTIONS[collection_id]
    sources = [located_source(collection)]
    if collection_id in STORED_LOCATION_SOURCES:
        sources.append(STORED_LOCATION_SOURCES[collection_id])
    if collection.dated_source is not None:
        sources.append(collection.dated_source.replace("{day}", "CURRENT_DATE"))
    return sources


@pytest.mark.parametrize("collection_id", list(COLLECTIONS))
def test_the_declared_properties_are_the_source_columns(engine, collection_id):
    want = ["fid", *COLLECTIONS[collection_id].all_properties, "geom"]
    with engine.connect() as conn:
        for source in _sources(collection_id):
            got = list(conn.execute(text(f"SELECT * FROM ({source}) AS f LIMIT 0")).keys())
            assert sorted(got) == sorted(want), source


@pytest.mark.parametrize("collection_id", list(COLLECTIONS))
def test_a_page_is_the_one_the_whole_row_gave(engine, monkeypatch, collection_id):
    collection = COLLECTIONS[collection_id]
    with Session(engine) as session:
        page = get_items(session, collection, ItemsQuery(scope=EVERYTHING, limit=10_000))
        fid = session.execute(text(f"SELECT min(fid) FROM ({collection.source}) AS f")).scalar_one()
        item = get_item(session, collection, fid, EVERYTHING) if fid is not None else None
        monkeypatch.setattr(features, "_properties_sql", lambda names: WHOLE_ROW)
        before = get_items(session, collection, ItemsQuery(scope=EVERYTHING, limit=10_000))
        item_before = get_item(session, collection, fid, EVERYTHING) if fid is not None else None
    assert page.number_returned == before.number_returned
    assert page.body == before.body
    assert item == item_before


def test_a_long_list_of_properties_is_built_in_parts(engine):
    names = [f"p{i}" for i in range(90)]
    sql = features._properties_sql(names)
    assert sql.count("jsonb_build_object(") == 3
    values = ", ".join(f"{i} AS p{i}" for i in range(90))
    with engine.connect() as conn:
        built = conn.execute(text(f"SELECT ({sql})::text FROM (SELECT {values}) AS f")).scalar_one()
        whole = conn.execute(text(f"SELECT (to_jsonb(f))::text FROM (SELECT {values}) AS f")).scalar_one()
    assert built == whole
