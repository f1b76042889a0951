"""The lineage of a reform on unit squares: parsing, its checks, the dissolved polygons and the
area shares, each with the answer worked out by hand.

    y=2 +-------+-------+
        |   C (split)   |      A, B: 1 × 1; C: 2 × 1 (area 2).
    y=1 +---A---+---B---+      N1 = A + the left half of C  = box(0, 0, 1, 2), area 2
        |       |       |      N2 = B + the right half of C = box(1, 0, 2, 2), area 2
    y=0 +-------+-------+
        x=0     x=1     x=2
"""

import pytest
from shapely import GeometryCollection, LineString, MultiPolygon, box

from gis.reform import Link, area_shares, as_multipolygon, check_areas, check_lineage, dissolve, parse_lineage

A, B, C = box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 2, 2)
OLD = {"A": A, "B": B, "C": C}
OLD_NAMES = {"A": "Xã A", "B": "Xã B", "C": "Xã C"}
SPLIT = [
    Link(2, "N1", "Phường Một", "A", "Xã A", "full"),
    Link(3, "N1", "Phường Một", "C", "Xã C", "partial"),
    Link(4, "N2", "Xã Hai", "B", "Xã B", "full"),
    Link(5, "N2", "Xã Hai", "C", "Xã C", "partial"),
]
NEW = {"N1": box(0, 0, 1, 2), "N2": box(1, 0, 2, 2)}


def _codes(problems):
    return [(p.code, p.row, dict(p.params).get("code")) for p in problems]


def test_rows_are_read_with_vietnamese_part_words_and_bad_rows_named():
    rows = [
        (
            2,
            {
                "new_code": "N1",
                "new_name": "Phường Một",
                "old_code": "A",
                "old_name": "Xã A",
                "part": "Toàn bộ",
            },
        ),
        (
            3,
            {
                "new_code": "N1",
                "new_name": "Phường Một",
                "old_code": "C",
                "old_name": "Xã C",
                "part": "một phần",
            },
        ),
        (4, {"new_code": "N2", "new_name": "Xã Hai", "old_code": 31336.0, "old_name": "Xã B", "part": None}),
        (5, {"new_code": "", "new_name": "Xã Hai", "old_code": "B", "part": "full"}),
        (6, {"new_code": "N2", "new_name": "Xã Hai", "old_code": "B", "part": "nửa"}),
    ]
    links, problems = parse_lineage(rows, "xa.csv")
    assert [(x.row, x.old_code, x.part) for x in links] == [
        (2, "A", "full"),
        (3, "C", "partial"),
        (4, "31336", "full"),
    ]
    assert [(p.code, p.field, p.row, p.source) for p in problems] == [
        ("value.required", "new_code", 5, "xa.csv"),
        ("reform.part_unknown", "part", 6, "xa.csv"),
    ]


def test_a_sound_lineage_has_no_problem():
    assert check_lineage(SPLIT, OLD_NAMES, affected=OLD_NAMES) == []


def test_every_way_a_lineage_is_wrong_is_named():
    links = [
        Link(2, "N1", "Phường Một", "A", "Xã A", "full"),
        Link(3, "N2", "Xã Hai", "A", "Xã A", "full"),  # A twice, not partial
        Link(4, "N2", "Xã Hai Mới", "B", "Xã B", "partial"),  # B partial once; another name for N2
        Link(5, "N3", "Xã Ba", "Z", "Xã Z", "full"),  # Z is no old unit
    ]  # and C is not covered
    assert _codes(check_lineage(links, OLD_NAMES, affected=OLD_NAMES)) == [
        ("reform.old_repeated", 3, "A"),
        ("reform.partial_once", 4, "B"),
        ("reform.old_unknown", 5, "Z"),
        ("reform.new_names_differ", 4, "N2"),
        ("reform.old_not_covered", None, "C"),
    ]


def test_the_same_pair_twice_is_named_once():
    links = [*SPLIT, Link(6, "N2", "Xã Hai", "C", "Xã C", "partial")]
    assert _codes(check_lineage(links, OLD_NAMES, affected=OLD_NAMES)) == [("reform.pair_repeated", 6, "C")]


def test_names_differing_only_in_tone_marks_placement_are_one_name():
    links = [Link(2, "N1", "Xã Hỏa Lựu", "A", "Xã A"), Link(3, "N1", "Xã Hoả Lựu", "B", "Xã B")]
    assert check_lineage(links, OLD_NAMES) == []


def test_whole_units_are_dissolved_and_a_split_one_needs_the_new_polygon():
    merged = [Link(2, "N", "Xã Mới", "A", "Xã A"), Link(3, "N", "Xã Mới", "B", "Xã B")]
    new, problems = dissolve(merged, OLD)
    assert problems == [] and new["N"].equals(box(0, 0, 2, 1))
    new, problems = dissolve(SPLIT, OLD)
    assert new == {} and _codes(problems) == [
        ("reform.polygon_needed", 2, "N1"),
        ("reform.polygon_needed", 4, "N2"),
    ]
    assert dict(problems[0].params)["split"] == ["C"]
    new, problems = dissolve(SPLIT, OLD, given=NEW)
    assert problems == [] and new == NEW


def test_shares_are_one_for_whole_units_and_the_intersection_for_split_ones():
    assert area_shares(SPLIT, OLD, NEW) == {
        ("A", "N1"): 1.0,
        ("C", "N1"): 0.5,
        ("B", "N2"): 1.0,
        ("C", "N2"): 0.5,
    }
    # N1 drawn a quarter further right: it holds 1.25 / 2 of C.
    shares = area_shares(SPLIT, OLD, {**NEW, "N1": box(0, 0, 1.25, 2)})
    assert shares[("C", "N1")] == pytest.approx(0.625)


def test_areas_that_add_up_pass_and_the_rest_are_measured():
    old_km2 = {"A": 1.0, "B": 1.0, "C": 2.0}
    shares = area_shares(SPLIT, OLD, NEW)
    assert check_areas(SPLIT, old_km2, {"N1": 2.0, "N2": 2.0}, shares) == []
    # N2 drawn only half-way up C: 1 + 0.25 × 2 = 1.5 as drawn, so N2 itself adds up; but C is only
    # 75 % distributed and the new total is 3.5 of 4 (−12.5 %).
    short = {"N1": box(0, 0, 1, 2), "N2": box(1, 0, 2, 1.5)}
    shares = area_shares(SPLIT, OLD, short)
    assert shares[("C", "N2")] == 0.25
    problems = check_areas(SPLIT, old_km2, {"N1": 2.0, "N2": 1.5}, shares)
    assert _codes(problems) == [
        ("reform.split_not_whole", 3, "C"),
        ("reform.total_area_mismatch", None, None),
    ]
    assert dict(problems[0].params)["share_pct"] == 75.0
    assert dict(problems[1].params) == {"area_km2": 3.5, "expected_km2": 4.0, "off_pct": -12.5}


def test_a_new_unit_larger_than_its_predecessors_beyond_the_tolerance_is_named():
    links = [Link(2, "N", "Xã Mới", "A", "Xã A")]
    shares = area_shares(links, OLD, {})
    assert check_areas(links, {"A": 1.0}, {"N": 1.004}, shares) == []  # within 0.5 %
    problems = check_areas(links, {"A": 1.0}, {"N": 1.1}, shares)
    assert _codes(problems) == [("reform.area_mismatch", 2, "N"), ("reform.total_area_mismatch", None, None)]
    assert dict(problems[0].params) == {
        "code": "N",
        "name": "Xã Mới",
        "area_km2": 1.1,
        "expected_km2": 1.0,
        "off_pct": 10.0,
    }


def test_a_union_is_kept_as_its_polygons():
    square, line = box(0, 0, 1, 1), LineString([(1, 1), (2, 2)])
    kept = as_multipolygon(GeometryCollection([square, line]))
    assert isinstance(kept, MultiPolygon) and kept.equals(square) and kept.area == 1.0
    assert len(as_multipolygon(MultiPolygon([square, box(2, 2, 3, 3)])).geoms) == 2
