"""The report's map drawn on the sample province: names of districts and communes placed without
overlap (the greedy placement of gis.svg), a north arrow and a scale bar in kilometres."""

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.services.reports.svg_map import scope_map
from gis.svg import label_box

NS = {"s": "http://www.w3.org/2000/svg"}


def _boxes(root) -> list[tuple[str, str, tuple]]:
    out = []
    for t in root.findall(".//s:g[@class='hg-labels']/s:text", NS):
        size = float(t.get("font-size"))
        centre_y = float(t.get("y")) - size * 0.35
        out.append((t.get("class"), t.text, label_box(t.text, float(t.get("x")), centre_y, size)))
    return out


@pytest.mark.parametrize("scope", ["province", "first district"])
def test_the_sample_maps_labels_never_overlap(db, scope):
    with Session(db) as session:
        districts = session.execute(
            text(
                "SELECT code, name FROM admin_units WHERE level = 'district' AND valid_to IS NULL ORDER BY code"
            )
        ).all()
        code = "province" if scope == "province" else districts[0].code
        root = ET.fromstring(scope_map(session, code, "Vùng phủ sóng"))
    drawn = _boxes(root)
    boxes = [b for _, _, b in drawn]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (drawn[i], b)
    names = {name for cls, name, _ in drawn if "districts" in cls}
    communes = [name for cls, name, _ in drawn if "communes" in cls]
    if scope == "province":
        assert names == {d.name for d in districts}  # every district is named
    else:
        assert names <= {d.name for d in districts}
    assert communes, "some communes are named"
    assert root.find(".//s:g[@class='hg-north']", NS) is not None
    assert root.find(".//s:g[@class='hg-scale']/s:text", NS).text.endswith(" km")
