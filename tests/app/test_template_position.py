"""The bulk-registration templates' example row stands where the region's data says (a hamlet in
force, far from every site), not at a point of one province written in the code: on the tiny
province of tests/app/test_indicators.py (hamlets 105.50–105.51, 105.51–105.52 and 105.52–105.54
× 9.80–9.82; sites along 9.805 from 105.501 to 105.511) it is the third hamlet's centre."""

import json

import pytest
from sqlalchemy import text

from app.errors import NotFound
from app.services.imports import templates


def test_the_example_stands_in_the_hamlet_farthest_from_the_sites(tiny, tmp_path):
    with tiny.connect() as conn:
        at = templates.example_position(conn)
    assert at == pytest.approx((105.53, 9.81), abs=1e-9)
    made = templates.template_file("ducts", "geojson", "A", at, tmp_path)
    line = json.loads(made.path.read_bytes())["features"][0]["geometry"]["coordinates"]
    assert [c for point in line for c in point] == pytest.approx([105.53, 9.81, 105.534, 9.812], abs=1e-7)


def test_no_hamlet_in_force_is_a_structured_404(tiny):
    with tiny.connect() as conn, conn.begin() as tx:
        conn.execute(text("UPDATE admin_units SET valid_to = valid_from + 1 WHERE level = 'hamlet'"))
        with pytest.raises(NotFound) as err:
            templates.example_position(conn)
        tx.rollback()
    assert [p.code for p in err.value.reasons] == ["region.none_in_force"]
