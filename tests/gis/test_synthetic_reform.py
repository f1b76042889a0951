"""The synthetic 2025 reform of the sample (gis/synthetic/reform.py): the grouping on tiny exact
squares, then the committed files data/hamlets/reform/ against data/hamlets/communes.geojson."""

import csv
import json
from collections import Counter, defaultdict
from functools import cache

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from gis.synthetic.admin import Unit
from gis.synthetic.facts import REFORM
from gis.synthetic.names import RESERVED, new_unit_name
from gis.synthetic.reform import LINEAGE_HEADER, UNITS_HEADER, commune_adjacency, group_communes
from gis.text import fold_vi
from tests.gis.test_synthetic import SAMPLE

KM = 1000.0


def _square(
    i: int, row: int = 0, district: str = "A", population: int = 1000, code: str | None = None
) -> Unit:
    """A 1 km square commune, the i-th from the west in ``row`` (metres; geometry unused here)."""
    metric = shapely.box(i * KM, row * KM, (i + 1) * KM, (row + 1) * KM)
    return Unit(
        code or f"{i:02d}{row}",
        f"Xã {i}-{row}",
        "Xã",
        district,
        population,
        population // 4,
        False,
        metric,
        metric,
        np.array([(i + 0.5) * KM, (row + 0.5) * KM]),
    )


def test_neighbours_share_a_border_a_corner_is_none():
    grid = [_square(0, 0), _square(1, 0), _square(0, 1), _square(1, 1)]
    near = commune_adjacency(grid)
    assert {i: dict(n) for i, n in near.items()} == {
        0: {1: KM, 2: KM},
        1: {0: KM, 3: KM},
        2: {0: KM, 3: KM},
        3: {1: KM, 2: KM},
    }


def test_the_smallest_merges_with_the_neighbour_making_the_smallest_unit():
    row = [_square(i) for i in range(6)]
    assert group_communes(row, count=3, max_merged=4) == [[0, 1], [2, 3], [4, 5]]


def test_a_neighbour_of_the_same_district_comes_first_and_a_large_commune_may_stay_whole():
    row = [_square(i, district="A" if i < 3 else "B") for i in range(6)]
    assert group_communes(row, count=3, max_merged=4) == [[0, 1, 2], [3, 4], [5]]
    # The most populous square is left alone: everyone else merges first.
    row = [_square(i, population=9000 if i == 0 else 1000) for i in range(5)]
    assert group_communes(row, count=3, max_merged=4) == [[0], [1, 2], [3, 4]]


def test_no_more_than_max_merged_and_never_across_a_gap():
    row = [_square(i) for i in range(4)]
    assert group_communes(row, count=2, max_merged=2) == [[0, 1], [2, 3]]
    apart = [_square(0), _square(1), _square(3), _square(4)]  # nothing joins 1 and 3
    with pytest.raises(RuntimeError, match="no neighbours left"):
        group_communes(apart, count=1, max_merged=4)  # two islands cannot become one commune


def test_a_new_name_is_free_and_never_a_reserved_hamlet_name():
    first = new_unit_name(set())
    assert fold_vi(f"Ấp {first}") not in RESERVED
    second = new_unit_name({fold_vi(first)})
    assert second != first and len(second.split()) == 2


# --- the committed sample ----------------------------------------------------------------------


@cache
def _rows(name: str) -> tuple[list[str], list[dict]]:
    with (SAMPLE / "reform" / name).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


@cache
def _communes() -> dict[str, dict]:
    features = json.loads((SAMPLE / "communes.geojson").read_text(encoding="utf-8"))["features"]
    return {f["properties"]["code"]: {**f["properties"], "geom": shape(f["geometry"])} for f in features}


def _groups() -> dict[str, list[str]]:
    out = defaultdict(list)
    for r in _rows("lineage.csv")[1]:
        out[r["Mã xã mới"]].append(r["Mã xã cũ"])
    return dict(out)


def test_the_lineage_lists_every_old_commune_exactly_once_as_a_whole():
    header, rows = _rows("lineage.csv")
    assert header == list(LINEAGE_HEADER)
    old = Counter(r["Mã xã cũ"] for r in rows)
    assert set(old) == set(_communes()) and set(old.values()) == {1}
    assert {r["Hình thức"] for r in rows} == {"toàn bộ"}
    assert all(r["Tên xã cũ"] == _communes()[r["Mã xã cũ"]]["name"] for r in rows)


def test_the_new_communes_are_shaped_like_the_real_reform():
    groups = _groups()
    assert len(groups) == REFORM.commune_count == 28
    sizes = Counter(len(g) for g in groups.values())
    assert max(sizes) <= REFORM.max_merged and sizes[2] + sizes[3] + sizes[4] >= 24 and 1 <= sizes[1] <= 3
    for new, olds in groups.items():
        assert new in olds  # a new code is one of its predecessors'
    # Most new units stay inside one former district.
    across = [g for g in groups.values() if len({c[:3] for c in g}) > 1]
    assert len(across) <= 3


def test_every_new_commune_is_one_piece():
    communes = _communes()
    for new, olds in _groups().items():
        union = shapely.union_all([communes[c]["geom"] for c in olds])
        assert union.geom_type == "Polygon", (new, olds)


def test_the_list_of_new_units_matches_the_lineage_kinds_and_names():
    header, units = _rows("units.csv")
    assert header == list(UNITS_HEADER)
    names = {r["Mã xã mới"]: r["Tên xã mới"] for r in _rows("lineage.csv")[1]}
    assert [r["Mã đơn vị mới"] for r in units] == sorted(names)
    communes = _communes()
    for r in units:
        assert r["Tên đơn vị mới"] == names[r["Mã đơn vị mới"]]
        assert (r["Mã tỉnh/thành phố"], r["Tên tỉnh/thành phố"]) == (REFORM.city_code, REFORM.city_name)
        olds = _groups()[r["Mã đơn vị mới"]]
        urban = any(communes[c]["kind"] == "Phường" for c in olds)
        assert r["Loại đơn vị mới"] == ("Phường" if urban else "Xã")
        assert r["Tên đơn vị mới"].startswith(r["Loại đơn vị mới"] + " ")
    bases = [fold_vi(r["Tên đơn vị mới"].split(" ", 1)[1]) for r in units]
    assert len(set(bases)) == len(bases)  # no two new communes share a name, whatever their kind
