"""Structured problems and their rendering from a catalogue (gis/problems.py)."""

from gis.problems import Problem, ProblemsFound, render

CATALOGUE = {
    "value.out_of_range": "{value} {unit} is outside {min}–{max} {unit}",
    "file.empty": "the file is empty",
}


def test_render_places_the_problem_in_its_file_and_field():
    p = Problem(
        "value.out_of_range",
        field="height_m",
        row=4,
        source="tram.csv",
        params={"value": 720.0, "min": 0, "max": 200.0, "unit": "m"},
    )
    assert (
        render(p, CATALOGUE, {"height_m": "Độ cao"}, {"row": "dòng"})
        == "tram.csv dòng 4: Độ cao: 720 m is outside 0–200 m"
    )


def test_a_file_level_problem_has_no_row_and_an_unknown_code_keeps_its_params():
    assert render(Problem("file.empty", source="a.csv"), CATALOGUE) == "a.csv: the file is empty"
    assert render(Problem("x.new", params={"n": 2}), {}) == "x.new (n=2)"
    assert (
        render(Problem("value.out_of_range", params={"value": 1}), CATALOGUE)
        == "1 {unit} is outside {min}–{max} {unit}"
    )


def test_problems_found_sorts_by_file_then_row():
    found = ProblemsFound(
        [Problem("b", row=3, source="f"), Problem("a", row=1, source="f"), Problem("c", source="f")]
    )
    assert [(p.code, p.row) for p in found.problems] == [("c", None), ("a", 1), ("b", 3)]
    assert Problem("a").at(row=5, source="x.csv", label="feature").as_dict() == {
        "code": "a",
        "field": None,
        "row": 5,
        "source": "x.csv",
        "label": "feature",
        "params": {},
    }


def test_a_coded_value_is_shown_by_its_label_and_a_list_by_each_label():
    p = Problem("transition.not_allowed", params={"current": "approved", "allowed": ["active", "rejected"]})
    labels = {"enum.status.approved": "Đã phê duyệt", "enum.status.active": "Đang hoạt động"}
    template = "“{current:status}” → {allowed:status}; {missing:status} {current}"
    # A code without a label shows as itself; a placeholder the problem lacks stays as written.
    assert (
        render(p, {p.code: template}, labels)
        == "“Đã phê duyệt” → Đang hoạt động, rejected; {missing:status} approved"
    )
