"""Counts of new communes carried back to the old ones along a lineage, with tiny exact numbers."""

import pytest

from gis.lineage_shares import Link, apportion, distribute, predecessor_weights, sum_up


def test_a_merged_commune_splits_by_what_each_predecessor_brought_in_people():
    # Xã Hỏa Tiến (new) = Xã Hỏa Tiến (1 500 people) + Xã Tân Tiến (500), each whole.
    links = [
        Link("hoa_tien_cu", "hoa_tien", 1.0, 1.0, old_population=1500, old_area_km2=10),
        Link("tan_tien", "hoa_tien", 1.0, 1.0, old_population=500, old_area_km2=30),
    ]
    assert predecessor_weights(links) == {("hoa_tien_cu", "hoa_tien"): 0.75, ("tan_tien", "hoa_tien"): 0.25}
    carried = distribute({"hoa_tien": 800}, links)
    assert {k: d.value for k, d in carried.items()} == {"hoa_tien_cu": 600, "tan_tien": 200}
    assert carried["tan_tien"].sources == {"hoa_tien": 200}


def test_without_every_population_the_area_decides():
    links = [
        Link("a", "n", 1.0, 1.0, old_population=1500, old_area_km2=10),
        Link("b", "n", 1.0, None, old_population=None, old_area_km2=30),
    ]
    assert predecessor_weights(links) == {("a", "n"): 0.25, ("b", "n"): 0.75}
    assert distribute({"n": 400}, links)["b"].value == 300


def test_a_split_commune_sums_its_parts_and_is_left_out_when_a_part_did_not_report():
    # Old "s" (4 km², 1 000 people) split: 60 % of its people into x, 40 % into y; x also took
    # all of "a" (500 people), y all of "b" (600 people).
    links = [
        Link("s", "x", 0.5, 0.6, old_population=1000, old_area_km2=4),
        Link("s", "y", 0.5, 0.4, old_population=1000, old_area_km2=4),
        Link("a", "x", 1.0, 1.0, old_population=500, old_area_km2=2),
        Link("b", "y", 1.0, 1.0, old_population=600, old_area_km2=2),
    ]
    # x: s brought 600 people, a 500 → 600/1100 of x's 1 100 subscriptions = 600; y: 400 of 1 000.
    carried = distribute({"x": 1100, "y": 1000}, links)
    assert carried["s"].value == pytest.approx(600 + 400)
    assert carried["s"].sources == pytest.approx({"x": 600, "y": 400})
    assert (carried["a"].value, carried["b"].value) == pytest.approx((500, 600))
    only_x = distribute({"x": 1100}, links)
    assert set(only_x) == {"a"}  # half of s is in y, which reported nothing: s gets nothing


def test_predecessors_without_any_size_are_not_weighed():
    links = [Link("a", "n", 1.0), Link("b", "n", 1.0)]
    assert predecessor_weights(links) == {}
    assert distribute({"n": 10}, links) == {}


def test_a_district_is_the_sum_of_all_its_communes_or_nothing():
    known = {"c1": 600, "c2": 200, "c3": 250}
    assert sum_up({"d1": ["c1", "c2"], "d2": ["c3", "c4"], "d3": []}, known) == {"d1": 800}


def test_whole_counts_are_carried_back_whole_and_still_add_up():
    # Three equal predecessors share 10 subscriptions: 4 + 3 + 3, not 3.33 each.
    links = [Link(k, "n", 1.0, 1.0, old_population=100, old_area_km2=1) for k in ("a", "b", "c")]
    carried = distribute({"n": 10}, links)
    values = {k: d.value for k, d in carried.items()}
    assert sorted(values.values()) == [3, 3, 4] and sum(values.values()) == 10
    assert values == {"a": 4, "b": 3, "c": 3}  # the tie goes by order, the same every time


def test_apportion_by_largest_remainder():
    # 7 × (0.5, 0.3, 0.2) = 3.5, 2.1, 1.4 → 3, 2, 1 and one left: to the largest remainder (0.5).
    assert apportion(7, {"x": 0.5, "y": 0.3, "z": 0.2}) == {"x": 4, "y": 2, "z": 1}
    # a share of a fractional total is not rounded
    assert apportion(2.5, {"x": 0.5, "y": 0.5}) == {"x": 1.25, "y": 1.25}
