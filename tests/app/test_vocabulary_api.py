"""The planners' vocabulary (app/services/imports/vocabulary.py, /api/vocabulary): terms checked before
anything is written, all or nothing, diacritics-insensitive, and read by the importer."""

import inspect
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.services.audit import Actor
from app.services.imports import importer, vocabulary
from gis.importers import ImportRefused
from gis.problems import ProblemsFound
from gis.vocabulary import Term, Vocabulary, fold_key, read_terms
from tests.app.importing import HEADER, write_csv
from tests.app.importing import cell_rows as _cell_rows
from tests.conftest import bearer

LOCALES = Path(__file__).resolve().parents[2] / "frontend" / "src" / "locales" / "problems"
HEIGHT = {"domain": "column", "alias": "Cao độ cột", "canonical": "height_m", "lang": "vi"}


@pytest.fixture(scope="module")
def api(database_url, tokens, engine):
    """role → a TestClient of an app of this module's own (no coverage run needed); the planners'
    terms are removed afterwards, so the other tests read files with the files' vocabulary only."""
    from app.main import create_app

    app = create_app()
    made = {}

    def client(role: str) -> TestClient:
        if role not in made:
            made[role] = TestClient(app, headers=bearer(tokens[role]) if role != "anonymous" else {})
        return made[role]

    yield client
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM vocabulary_terms"))


def _stored(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT domain, alias, alias_key, canonical FROM vocabulary_terms ORDER BY id")
        ).all()


def _current(engine):
    with engine.connect() as conn:
        return vocabulary.current(conn)


def test_a_planners_term_is_read_without_diacritics(api, engine):
    r = api("planner1").post("/api/vocabulary", json=[HEIGHT])
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(t["alias"], t["canonical"], t["source"], t["created_by"]) for t in body["added"]] == [
        ("Cao độ cột", "height_m", "planner", "planner1")
    ]
    assert body["replaced"] == [] and body["unchanged"] == 0
    assert ("column", "Cao độ cột", "cao_do_cot", "height_m") in _stored(engine)
    current = _current(engine)
    for written in ("Cao độ cột", "cao do cot", "CAO-ĐỘ-CỘT", " cao  do cot "):
        assert current.resolve("column", written) == "height_m", written
    # the same term again changes nothing; every role that logs in may read it
    again = api("admin1").post("/api/vocabulary", json=[{**HEIGHT, "alias": "cao do cot"}])
    assert again.status_code == 200 and again.json()["unchanged"] == 1 and again.json()["added"] == []
    listed = api("official1").get("/api/vocabulary?domain=column")
    assert listed.status_code == 200, listed.text
    mine = [t for t in listed.json()["terms"] if t["source"] == "planner"]
    assert [(t["alias"], t["canonical"]) for t in mine] == [("Cao độ cột", "height_m")]
    assert "height_m" in listed.json()["targets"]["column"]
    assert "Viettel" in listed.json()["targets"]["organisation"]
    assert api("viettel1").get("/api/vocabulary").status_code == 200
    assert api("anonymous").get("/api/vocabulary").status_code == 401
    assert api("planner1").get("/api/vocabulary?domain=nope").status_code == 400


def test_a_bad_term_refuses_them_all_and_writes_nothing(api, engine):
    before = _stored(engine)
    terms = [
        {"domain": "column", "alias": "Chiều cao trụ", "canonical": "height_m"},  # good, yet not written
        {"domain": "colum", "alias": "Mã trạm", "canonical": "code"},
        {"domain": "column", "alias": "Độ cao", "canonical": "hieght_m"},
        {"domain": "structure_type", "alias": "Cột dây néo", "canonical": "guyed"},
        {"domain": "organisation", "alias": "Tập đoàn Viễn thông Quân đội", "canonical": "Viettell"},
        {"domain": "material", "alias": "Thép", "canonical": "steel", "lang": "fr"},
        {"domain": "structure_type", "alias": "rooftop", "canonical": "tower"},
        {"domain": "technology", "alias": "", "canonical": "4G"},
    ]
    r = api("planner1").post("/api/vocabulary", json=terms, headers={"Accept-Language": "en"})
    assert r.status_code == 422, r.text
    problems = [
        (p["row"], p["field"], p["code"], p["params"].get("suggestion")) for p in r.json()["problems"]
    ]
    assert problems == [
        (2, "domain", "vocabulary.unknown_domain", None),
        (3, "canonical", "vocabulary.unknown_canonical", "height_m"),
        (4, "canonical", "vocabulary.unknown_canonical", "guyed_mast"),
        (5, "canonical", "vocabulary.unknown_canonical", "Viettel"),
        (6, "lang", "vocabulary.unknown_lang", None),
        (7, "alias", "vocabulary.alias_is_canonical", None),
        (8, "alias", "vocabulary.required", None),
    ]
    assert r.json()["problems"][1]["message"] == (
        "row 3: canonical: 'hieght_m' is not something column can mean; did you mean 'height_m'?"
    )
    vi = api("planner1").post("/api/vocabulary", json=terms).json()["problems"][1]["message"]
    assert (
        vi
        == "dòng 3: canonical: 'hieght_m' không phải giá trị hợp lệ của column; có phải ý bạn là 'height_m'?"
    )
    assert _stored(engine) == before


def test_an_alias_meaning_something_else_is_replaced_only_when_asked(api, engine):
    planner = api("planner1")
    assert (
        planner.post(
            "/api/vocabulary", json=[{"domain": "column", "alias": "Độ cao trụ", "canonical": "height_m"}]
        ).status_code
        == 200
    )
    other = [{"domain": "column", "alias": "do cao tru", "canonical": "antenna_height_m"}]
    r = planner.post("/api/vocabulary", json=other)
    assert r.status_code == 422
    assert [(p["code"], p["params"]["current"]) for p in r.json()["problems"]] == [
        ("vocabulary.alias_taken", "height_m")
    ]
    assert _current(engine).resolve("column", "Độ cao trụ") == "height_m"
    r = planner.post("/api/vocabulary?replace=true", json=other)
    assert r.status_code == 200, r.text
    assert r.json()["replaced"] == [
        {"domain": "column", "alias": "do cao tru", "was": "height_m", "canonical": "antenna_height_m"}
    ]
    assert _current(engine).resolve("column", "Độ cao trụ") == "antenna_height_m"
    assert [row for row in _stored(engine) if row[2] == "do_cao_tru"] == [
        ("column", "do cao tru", "do_cao_tru", "antenna_height_m")
    ]
    # two meanings of one alias in one batch are refused, naming the first
    twice = [
        {"domain": "status", "alias": "Đang phát sóng", "canonical": "active"},
        {"domain": "status", "alias": "dang phat song", "canonical": "proposed"},
    ]
    r = planner.post("/api/vocabulary", json=twice)
    assert [(p["row"], p["code"], p["params"]["first"]) for p in r.json()["problems"]] == [
        (2, "vocabulary.duplicate_alias", 1)
    ]


def test_a_planners_csv_file_with_bom_crlf_and_vietnamese(api, engine):
    data = (
        "\ufeffDomain,Alias,Canonical,Lang\r\n"
        "structure_type,Cột dây giằng,guyed_mast,vi\r\n"
        "organisation,Tập đoàn Viễn thông Quân đội,VIETTEL,vi\r\n"
        "\r\n"
        "technology,Công nghệ 4G LTE,4g,\r\n"
    ).encode("utf-8")
    r = api("admin1").post("/api/vocabulary/file", files={"file": ("tu_vung.csv", data, "text/csv")})
    assert r.status_code == 200, r.text
    assert [(t["domain"], t["canonical"]) for t in r.json()["added"]] == [
        ("structure_type", "guyed_mast"),
        ("organisation", "Viettel"),
        ("technology", "4G"),
    ]
    current = _current(engine)
    assert current.resolve("structure_type", "cot day co") == "guyed_mast"
    assert current.resolve("organisation", "TAP DOAN VIEN THONG QUAN DOI") == "Viettel"
    before = _stored(engine)
    bad = "domain,alias,canonical\r\nmaterial,Bê tông cốt thép,concrete\r\nmaterial,Gỗ,go\r\n".encode()
    r = api("planner1").post("/api/vocabulary/file", files={"file": ("vat_lieu.csv", bad, "text/csv")})
    assert r.status_code == 422
    assert [(p["source"], p["row"], p["code"]) for p in r.json()["problems"]] == [
        ("vat_lieu.csv", 3, "vocabulary.unknown_canonical")
    ]
    # "go" is how the files' "Gỗ" folds: the suggestion is what that word means.
    assert r.json()["problems"][0]["params"]["suggestion"] == "wood"
    cp1258 = "domain,alias,canonical\r\nmaterial,Thép,steel\r\n".encode("cp1258")
    r = api("planner1").post("/api/vocabulary/file", files={"file": ("a.csv", cp1258, "text/csv")})
    assert [p["code"] for p in r.json()["problems"]] == ["vocabulary.file_not_utf8"]
    r = api("planner1").post(
        "/api/vocabulary/file", files={"file": ("b.csv", b"alias,canonical\r\nx,y\r\n", "text/csv")}
    )
    assert [(p["code"], p["params"]["missing"]) for p in r.json()["problems"]] == [
        ("vocabulary.file_columns", ["domain"])
    ]
    r = api("planner1").post("/api/vocabulary/file", files={"file": ("c.csv", b"", "text/csv")})
    assert r.status_code == 422
    assert _stored(engine) == before


def test_removing_a_planners_term(api, engine):
    r = api("planner1").post(
        "/api/vocabulary", json=[{"domain": "kind", "alias": "Tủ ODP", "canonical": "odp"}]
    )
    term_id = r.json()["added"][0]["id"]
    assert api("viettel1").delete(f"/api/vocabulary/{term_id}").status_code == 403
    assert api("official1").delete(f"/api/vocabulary/{term_id}").status_code == 403
    assert api("anonymous").delete(f"/api/vocabulary/{term_id}").status_code == 401
    r = api("admin1").delete(f"/api/vocabulary/{term_id}")
    assert r.status_code == 200 and r.json()["alias"] == "Tủ ODP"
    assert _current(engine).resolve("kind", "tu odp") is None
    assert api("admin1").delete(f"/api/vocabulary/{term_id}").status_code == 404
    with engine.connect() as conn:  # both written by the audit trail, naming who
        audit = conn.execute(
            text(
                "SELECT action, actor FROM audit_log WHERE entity = 'vocabulary_terms' AND record_id = :id ORDER BY id"
            ),
            {"id": str(term_id)},
        ).all()
    assert audit == [("create", "planner1"), ("delete", "admin1")]


@pytest.mark.parametrize("role", ["viettel1", "official1", "official934"])
def test_operators_and_officials_may_not_add_terms(api, engine, role):
    before = _stored(engine)
    assert api(role).post("/api/vocabulary", json=[HEIGHT]).status_code == 403
    files = {"file": ("t.csv", b"domain,alias,canonical\r\nkind,odp box,odp\r\n", "text/csv")}
    assert api(role).post("/api/vocabulary/file", files=files).status_code == 403
    assert api("anonymous").post("/api/vocabulary", json=[HEIGHT]).status_code == 401
    assert _stored(engine) == before


def test_the_importer_reads_with_the_planners_terms(api, engine, tmp_path, monkeypatch):
    """import_file hands read_table the vocabulary in force, planners' terms included."""
    given = {}

    def reading(path, **kwargs):
        given.update(kwargs)
        raise ImportRefused("stop here")

    reading.__signature__ = inspect.signature(
        lambda path, *, crs=None, layer=None, encoding=None, vocabulary=None: None
    )
    monkeypatch.setattr(importer, "read_table", reading)
    api("planner1").post(
        "/api/vocabulary",
        json=[{"domain": "column", "alias": "Cao độ anten", "canonical": "antenna_height_m"}],
    )
    with pytest.raises(importer.ImportFailed):
        importer.import_file(engine, tmp_path / "x.csv", "sites")
    assert given["vocabulary"].resolve("column", "CAO DO ANTEN") == "antenna_height_m"


def test_a_planners_terms_make_a_refused_file_import(db, tmp_path):
    header = [("Cao độ anten" if h == "Độ cao anten" else h) for h in HEADER]
    rows = _cell_rows(1, prefix="VOC")
    for row in rows:
        row[-2] = "Cột dây giằng"
    path = write_csv(tmp_path / "tram.csv", header, rows)
    with pytest.raises(importer.ImportFailed):
        importer.import_file(db, path, "sites")
    actor = Actor(None, "tests", "planner")
    with db.begin() as conn:
        vocabulary.add_terms(
            conn,
            [
                Term("column", "Cao độ anten", "antenna_height_m"),
                Term("structure_type", "cột dây giằng", "guyed_mast"),
            ],
            actor,
        )
    report = importer.import_file(db, path, "sites")
    assert report.counts["sites"] == 1 and report.counts["cells"] == 3
    with db.connect() as conn:
        assert (
            conn.execute(text("SELECT structure_type FROM sites WHERE code = 'VOC-00000'")).scalar_one()
            == "guyed_mast"
        )


def test_the_vocabulary_messages_say_the_same_in_both_languages():
    import re

    vi = json.loads((LOCALES / "core.vi.json").read_text(encoding="utf-8"))
    en = json.loads((LOCALES / "core.en.json").read_text(encoding="utf-8"))
    codes = {c for c in vi if c.startswith("vocabulary.")}
    assert codes and codes == {c for c in en if c.startswith("vocabulary.")}
    used = set(
        re.findall(r'"(vocabulary\.[a-z_0-9]+)"', Path(vocabulary.__file__).read_text(encoding="utf-8"))
    )
    assert used <= codes
    for code in codes:
        assert set(re.findall(r"\{(\w+)\}", vi[code])) == set(re.findall(r"\{(\w+)\}", en[code])), code


def test_a_file_that_cannot_be_read_is_refused_whole():
    def codes(data: bytes) -> list[str]:
        with pytest.raises(ProblemsFound) as refused:
            vocabulary.parse_csv(data, "t.csv")
        return [(p.code, p.source) for p in refused.value.problems]

    assert codes(b'domain,alias,canonical\r\ncolumn,"' + b"x" * 200_000 + b'",code\r\n') == [
        ("vocabulary.file_unreadable", "t.csv")
    ]
    many = "domain,alias,canonical\n" + "".join(
        f"column,cot {i},code\n" for i in range(vocabulary.MAX_TERMS + 1)
    )
    assert codes(many.encode()) == [("vocabulary.too_many", "t.csv")]
    terms, rows = vocabulary.parse_csv("Canonical ,alias,DOMAIN\nheight_m,Cao độ,column\n".encode(), "t.csv")
    assert (terms, rows) == ([Term("column", "Cao độ", "height_m", "")], [2])


def test_the_files_terms_come_first_and_a_planners_win(api, engine, tmp_path, monkeypatch):
    (tmp_path / "cot.csv").write_bytes(
        "\ufeffdomain,alias,canonical,lang\r\nstructure_type,Cột anten,tower,vi\r\ncolumn,Chiều cao cột,height_m,vi\r\n".encode()
    )
    files = Vocabulary(t for path in sorted(tmp_path.glob("*.csv")) for t in read_terms(path))
    assert files.resolve("structure_type", "cot anten") == "tower"
    monkeypatch.setattr(vocabulary, "file_vocabulary", lambda: files)
    r = api("planner1").post(
        "/api/vocabulary",
        json=[{"domain": "structure_type", "alias": "COT ANTEN", "canonical": "small_cell"}],
    )
    assert r.status_code == 422 and r.json()["problems"][0]["params"]["current"] == "tower"
    r = api("planner1").post(
        "/api/vocabulary?replace=true",
        json=[{"domain": "structure_type", "alias": "COT ANTEN", "canonical": "small_cell"}],
    )
    assert r.json()["replaced"] == [
        {"domain": "structure_type", "alias": "COT ANTEN", "was": "tower", "canonical": "small_cell"}
    ]
    assert _current(engine).resolve("structure_type", "Cột anten") == "small_cell"
    assert (
        files.resolve("structure_type", "Cột anten") == "tower"
    )  # the shared files' vocabulary is untouched
    listed = api("official1").get("/api/vocabulary?domain=structure_type").json()["terms"]
    mine = [t for t in listed if fold_key(t["alias"]) == "cot_anten"]
    assert [(t["alias"], t["canonical"], t["source"], t["overridden"]) for t in mine] == [
        ("Cột anten", "tower", "file", True),
        ("COT ANTEN", "small_cell", "planner", False),
    ]
