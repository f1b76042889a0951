"""What tiles and items show of sites, poles and ducts is kept per feature (migration 0029's side
tables and triggers): after every kind of write — through the API, the importer, or SQL, inserts,
updates, tenancy changes, renames, deletes — it equals what the per-request joins computed before."""

import io
import threading
from dataclasses import replace

import mapbox_vector_tile
from sqlalchemy import text

from app.collections import COLLECTIONS
from app.services import tiles
from app.services.scope import EVERYTHING
from bench.tile_sql import JOINED
from tests.app.importing import HEADER, cell_rows, remove_test_rows, write_csv
from tests.app.test_tile_cache import _xy

# The layers' sources as they were before migration 0029: every property computed per request.
REFERENCE = JOINED


def _rows(conn, source: str, layer: str) -> list[tuple]:
    columns = ", ".join(f"f.{name}" for name in COLLECTIONS[layer].properties)
    return [
        tuple(r)
        for r in conn.execute(
            text(f"SELECT f.fid, {columns}, ST_AsEWKB(f.geom) FROM ({source}) AS f ORDER BY f.fid")
        )
    ]


def assert_kept(conn, layers=("sites", "poles", "ducts")) -> None:
    """Every feature of `layers` shows what the per-request computation gives (seen from `conn`)."""
    for layer in layers:
        kept, computed = _rows(conn, COLLECTIONS[layer].source, layer), _rows(conn, REFERENCE[layer], layer)
        assert len(kept) == len(computed), layer
        differ = [(a, b) for a, b in zip(kept, computed, strict=True) if a != b]
        assert not differ, (layer, differ[:3])


def _decoded(engine, layer: str, source: str, z: int, x: int, y: int) -> list[dict]:
    collection = replace(COLLECTIONS[layer], source=source)
    sql, params = tiles.tile_query([collection], z, x, y, {}, EVERYTHING)
    with engine.connect() as conn:
        data = bytes(conn.execute(text(sql), params).scalar_one())
    features = mapbox_vector_tile.decode(data).get(layer, {}).get("features", [])
    return sorted(({**f["properties"], "_geom": f["geometry"]} for f in features), key=lambda p: p["code"])


def _assert_tile_same(engine, layer: str, code: str) -> None:
    """The tiles holding feature `code` at z8, z11 and z14 are the same as the joins built them."""
    lon, lat = _one(
        engine,
        f"SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM ({REFERENCE[layer]}) AS f "
        "WHERE f.code = :code",
        code=code,
    )
    for z in (8, 11, 14):
        x, y = _xy(lon, lat, z)
        kept = _decoded(engine, layer, COLLECTIONS[layer].source, z, x, y)
        assert kept and kept == _decoded(engine, layer, REFERENCE[layer], z, x, y), (layer, z)


def _one(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).one()


def test_the_loaded_sample_shows_what_the_joins_compute(engine):
    with engine.connect() as conn:
        assert_kept(conn)
        assert (
            conn.execute(text("SELECT count(*) FROM site_features WHERE tenant_count >= 2")).scalar_one() > 0
        )
    for layer, table in (("sites", "sites"), ("poles", "poles"), ("ducts", "duct_routes")):
        _assert_tile_same(engine, layer, _one(engine, f"SELECT min(code) FROM {table}")[0])


def test_api_writes_show_at_once_in_tiles_and_items(client_as, engine):
    op, other = client_as("viettel1"), client_as("vina1")
    code, lon, lat = _one(
        engine,
        "SELECT s.code, ST_X(s.geom), ST_Y(s.geom) FROM sites s JOIN operators o ON o.id = s.owner_id "
        "WHERE o.short_name = 'Viettel' AND s.accepts_tenants AND s.status IN ('approved', 'active') "
        "AND NOT EXISTS (SELECT 1 FROM site_tenancies t JOIN operators v ON v.id = t.operator_id "
        "WHERE t.site_id = s.id AND v.short_name = 'VinaPhone') ORDER BY s.code LIMIT 1",
    )
    before = op.get(f"/ogc/collections/sites/items/{code}").json()["properties"]
    req = other.post("/api/sharing-requests", json={"asset": "site", "code": code})
    assert req.status_code == 201, req.text
    assert (
        op.post(f"/api/sharing-requests/{req.json()['id']}/decision", json={"accept": True}).status_code
        == 200
    )
    after = op.get(f"/ogc/collections/sites/items/{code}").json()["properties"]
    assert (
        "VinaPhone" in after["operators"].split(",") and after["tenant_count"] == before["tenant_count"] + 1
    )
    # A pole: registered, shared, edited; another registered then deleted.
    plon, plat = lon + 0.002, lat
    r = op.post("/api/poles", json={"code": "TA-P-1", "position": {"lon": plon, "lat": plat}, "height_m": 9})
    assert r.status_code == 201, r.text
    req = other.post("/api/sharing-requests", json={"asset": "pole", "code": "TA-P-1"}).json()
    assert op.post(f"/api/sharing-requests/{req['id']}/decision", json={"accept": True}).status_code == 200
    r = op.get("/api/poles/TA-P-1")
    assert (
        op.patch(
            "/api/poles/TA-P-1", json={"height_m": 10}, headers={"If-Match": r.headers["ETag"]}
        ).status_code
        == 200
    )
    gone = op.post("/api/poles", json={"code": "TA-P-2", "position": {"lon": plon, "lat": plat + 1e-4}})
    assert op.delete("/api/poles/TA-P-2", headers={"If-Match": gone.headers["ETag"]}).status_code == 204
    pole = op.get("/ogc/collections/poles/items/TA-P-1").json()["properties"]
    assert pole["height_m"] == 10 and "VinaPhone" in pole["operators"].split(",")
    assert op.get("/ogc/collections/poles/items/TA-P-2").status_code == 404
    # A duct route, occupied by another operator.
    line = {"type": "LineString", "coordinates": [[plon, plat], [plon + 0.003, plat + 0.001]]}
    assert (
        op.post("/api/ducts", json={"code": "TA-D-1", "geometry": line, "duct_count": 2}).status_code == 201
    )
    req = other.post("/api/sharing-requests", json={"asset": "duct", "code": "TA-D-1"}).json()
    assert op.post(f"/api/sharing-requests/{req['id']}/decision", json={"accept": True}).status_code == 200
    duct = op.get("/ogc/collections/ducts/items/TA-D-1").json()["properties"]
    assert "VinaPhone" in (duct["operators"] or "").split(",")
    with engine.connect() as conn:
        assert_kept(conn)
    for layer, feature in (("sites", code), ("poles", "TA-P-1"), ("ducts", "TA-D-1")):
        _assert_tile_same(engine, layer, feature)


def test_the_importer_inserts_then_upserts_and_features_follow(client, engine, tmp_path):
    try:
        _import_then_upsert(client, engine, tmp_path)
    finally:
        remove_test_rows(engine, "TAIMP-")


def _import_then_upsert(client, engine, tmp_path):
    first = write_csv(tmp_path / "tram.csv", HEADER, cell_rows(3, prefix="TAIMP"))
    r = client.post(
        "/api/import?target=sites", files={"file": ("tram.csv", io.BytesIO(first.read_bytes()), "text/csv")}
    )
    assert r.status_code == 200, r.text
    tech = _one(engine, "SELECT technologies FROM site_features WHERE code = 'TAIMP-00001'")[0]
    assert tech == "4G"
    # The same sites again, their cells now 5G: an upsert of sites and cells.
    rows = [[*row[:6], "5G", 3500, *row[8:]] for row in cell_rows(3, prefix="TAIMP")]
    again = write_csv(tmp_path / "tram2.csv", HEADER, rows)
    r = client.post(
        "/api/import?target=sites&mode=upsert",
        files={"file": ("tram2.csv", io.BytesIO(again.read_bytes()), "text/csv")},
    )
    assert r.status_code == 200, r.text
    assert _one(engine, "SELECT technologies FROM site_features WHERE code = 'TAIMP-00001'")[0] == "5G"
    # Poles with the operators on them ("Treo cáp"), then the same pole with another list.
    lon, lat = _one(engine, "SELECT ST_X(geom) + 0.0003, ST_Y(geom) FROM sites WHERE code = 'TAIMP-00001'")
    header = ["Mã cột", "lat", "lon", "Chủ sở hữu", "Treo cáp"]
    for name, mode, on_it in (("cot.csv", "insert", "Viettel;VinaPhone"), ("cot2.csv", "upsert", "MobiFone")):
        poles = write_csv(tmp_path / name, header, [["TAIMP-P1", lat, lon, "VNPT", on_it]])
        r = client.post(
            f"/api/import?target=poles&mode={mode}", files={"file": (name, poles.read_bytes(), "text/csv")}
        )
        assert r.status_code == 200, r.text
        assert _one(engine, "SELECT operators FROM pole_features WHERE code = 'TAIMP-P1'")[
            0
        ] == on_it.replace(";", ",")
    with engine.connect() as conn:
        assert_kept(conn)


def test_sql_writes_in_one_transaction_renames_deletes_and_truncates(engine):
    with engine.connect() as conn, conn.begin() as tx:
        site = conn.execute(
            text(
                "SELECT id FROM sites WHERE EXISTS (SELECT 1 FROM cells WHERE site_id = sites.id) ORDER BY code LIMIT 1"
            )
        ).scalar_one()
        conn.execute(
            text(
                "DELETE FROM cells WHERE site_id = :s AND technology = (SELECT min(technology) FROM cells WHERE site_id = :s)"
            ),
            {"s": site},
        )
        conn.execute(
            text("UPDATE cells SET site_id = :s WHERE id = (SELECT min(id) FROM cells WHERE site_id <> :s)"),
            {"s": site},
        )
        conn.execute(
            text(
                "DELETE FROM site_tenancies WHERE site_id IN (SELECT site_id FROM site_tenancies ORDER BY 1 LIMIT 5)"
            )
        )
        conn.execute(
            text(
                "UPDATE pole_attachments SET cable_count = cable_count + 1 WHERE pole_id IN (SELECT pole_id FROM pole_attachments ORDER BY 1 LIMIT 5)"
            )
        )
        conn.execute(
            text(
                "UPDATE duct_routes SET free_duct_count = 0 WHERE id IN (SELECT id FROM duct_routes ORDER BY 1 LIMIT 3)"
            )
        )
        conn.execute(text("DELETE FROM poles WHERE id IN (SELECT id FROM poles ORDER BY 1 LIMIT 3)"))
        conn.execute(text("UPDATE operators SET short_name = short_name || ' mới' WHERE short_name = 'VNPT'"))
        assert_kept(conn)
        assert (
            conn.execute(text("SELECT count(*) FROM pole_features WHERE owner = 'VNPT mới'")).scalar_one() > 0
        )
        conn.execute(text("TRUNCATE duct_occupancy"))
        assert_kept(conn)
        tx.rollback()


def test_two_writers_adding_tenants_to_one_site_both_show(engine):
    with engine.connect() as conn:
        site, owner = conn.execute(
            text("SELECT s.id, s.owner_id FROM sites s ORDER BY s.code DESC LIMIT 1")
        ).one()
        free = (
            conn.execute(
                text(
                    "SELECT id FROM operators WHERE id <> :o AND id NOT IN (SELECT operator_id FROM site_tenancies "
                    "WHERE site_id = :s) ORDER BY id LIMIT 2"
                ),
                {"o": owner, "s": site},
            )
            .scalars()
            .all()
        )
    insert = text("INSERT INTO site_tenancies (site_id, operator_id) VALUES (:s, :o)")
    first, second = engine.connect(), engine.connect()
    try:
        first.begin()
        first.execute(insert, {"s": site, "o": free[0]})
        second.begin()
        done = threading.Event()

        def other():
            second.execute(insert, {"s": site, "o": free[1]})  # waits for the first to commit
            second.commit()
            done.set()

        thread = threading.Thread(target=other)
        thread.start()
        assert not done.wait(1.0)
        first.commit()
        thread.join(30)
        assert done.is_set()
        with engine.connect() as conn:
            assert_kept(conn, ("sites",))
    finally:
        first.close()
        second.close()
        with engine.begin() as conn:
            conn.execute(
                text("DELETE FROM site_tenancies WHERE site_id = :s AND operator_id = ANY(:o)"),
                {"s": site, "o": free},
            )
