"""`python -m app.cli vocab list | add | remove`: the same checks as the API, problems printed in
the reader's language, a non-zero exit when refused."""

import pytest
from sqlalchemy import text

from app import cli


@pytest.fixture
def run(database_url, engine, monkeypatch, capsys):
    """cli.main on the test database; returns (exit code, stdout, stderr). Its terms are removed after."""
    monkeypatch.setenv("LANG", "vi_VN.UTF-8")

    def call(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    yield call
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM vocabulary_terms WHERE created_by LIKE 'cli:%'"))


def _ids(engine) -> list[int]:
    with engine.connect() as conn:
        return (
            conn.execute(text("SELECT id FROM vocabulary_terms WHERE created_by LIKE 'cli:%' ORDER BY id"))
            .scalars()
            .all()
        )


def test_add_list_remove(run, engine):
    code, out, err = run("vocab", "add", "column", "Cao độ cột", "height_m", "--lang", "vi")
    assert (code, err) == (0, "") and "added 1" in out
    code, out, _ = run("vocab", "list", "--domain", "column")
    assert code == 0 and "planner column           Cao độ cột → height_m" in out
    code, out, _ = run("vocab", "add", "column", "cao do cot", "height_m")
    assert code == 0 and "added 0, already in force 1" in out
    code, _, err = run("vocab", "add", "column", "CAO ĐỘ CỘT", "antenna_height_m")
    assert code == 1
    assert "'CAO ĐỘ CỘT' đã có nghĩa là 'height_m' trong column" in err
    code, out, _ = run("vocab", "add", "column", "CAO ĐỘ CỘT", "antenna_height_m", "--replace")
    assert code == 0 and "'CAO ĐỘ CỘT' meant height_m, now antenna_height_m" in out
    (term_id,) = _ids(engine)
    code, out, _ = run("vocab", "remove", str(term_id))
    assert code == 0 and f"removed {term_id}" in out
    assert _ids(engine) == []
    code, _, err = run("vocab", "remove", str(term_id))
    assert code == 1 and "no vocabulary term" in err


def test_a_refused_file_writes_nothing_and_says_why(run, engine, tmp_path, monkeypatch):
    path = tmp_path / "tu_vung.csv"
    path.write_bytes(
        "\ufeffdomain,alias,canonical,lang\r\nstructure_type,Cột tự đứng,tower,vi\r\nstructure_type,Cột dây co,guyed,vi\r\n"
        "nha_mang,Viettel Hậu Giang,Viettel,vi\r\n".encode()
    )
    code, _, err = run("vocab", "add", "--from-file", str(path))
    assert code == 1 and _ids(engine) == []
    assert (
        "tu_vung.csv dòng 3: canonical: 'guyed' không phải giá trị hợp lệ của structure_type; có phải ý bạn là 'guyed_mast'?"
        in err
    )
    assert "tu_vung.csv dòng 4: domain: 'nha_mang' không phải miền từ vựng đã biết" in err
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    code, _, err = run("vocab", "add", "--from-file", str(path))
    assert "tu_vung.csv row 3: canonical: 'guyed' is not something structure_type can mean" in err
    path.write_bytes("domain,alias,canonical\nstructure_type,Trụ tự đứng,tower\n".encode())
    code, out, _ = run("vocab", "add", "--from-file", str(path))
    assert code == 0 and "added 1" in out and len(_ids(engine)) == 1


def test_add_needs_a_term_or_a_file(run):
    with pytest.raises(SystemExit):
        run("vocab", "add", "column", "Cao độ cột")
    with pytest.raises(SystemExit):
        run("vocab", "add", "column", "Cao độ cột", "height_m", "--from-file", "x.csv")
