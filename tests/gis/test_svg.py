"""Hand-written SVG: the trend chart (gaps never drawn as zero) and the small map."""

import math
import re
import xml.etree.ElementTree as ET

import pytest
from shapely.geometry import LineString, Polygon

from gis.crs import to_lonlat, to_metric
from gis.svg import MapLayer, TrendPoint, label_box, map_svg, projection_at, trend_chart

NS = {"s": "http://www.w3.org/2000/svg"}


def _chart(points, target=80.0):
    svg = trend_chart(
        points,
        target,
        title="Tỷ lệ người sử dụng Internet",
        target_label="Mục tiêu 2025: 80 %",
        unit="%",
        no_data_label="Chưa có số liệu",
    )
    return svg, ET.fromstring(svg)


def test_trend_points_line_and_target():
    svg, root = _chart(
        [TrendPoint("Q1/2025", 50.0), TrendPoint("Q2/2025", 60.0), TrendPoint("Q3/2025", 70.0)]
    )
    circles = root.findall(".//s:circle", NS)
    assert len(circles) == 3
    ys = [float(c.get("cy")) for c in circles]
    assert ys[0] > ys[1] > ys[2]  # higher values are drawn higher
    target = root.find(".//s:line[@class='hg-trend-target']", NS)
    # The axis tops at 100 (80 × 1.05 → 100): 80 sits at 80 % of the plot height from its bottom.
    plot_top, plot_bottom = 26, 200 - 34
    assert abs(float(target.get("y1")) - (plot_bottom - 0.8 * (plot_bottom - plot_top))) < 0.11
    assert "Mục tiêu 2025: 80 %" in svg and "Q3/2025: 70%" in svg
    assert len(root.findall(".//s:polyline", NS)) == 1


def test_a_share_near_its_whole_tops_at_100_percent():
    _, root = _chart([TrendPoint("Q1/2025", 96.0), TrendPoint("Q2/2025", 99.5)], target=100.0)
    labels = [
        t.text for t in root.findall(".//s:text", NS) if t.text and t.text.strip().rstrip("%").isdigit()
    ]
    assert "100" in [label.rstrip("%").strip() for label in labels]
    assert all(float(label.rstrip("%").strip()) <= 100 for label in labels)
    # 100 % is drawn at the plot's top edge
    target = root.find(".//s:line[@class='hg-trend-target']", NS)
    assert abs(float(target.get("y1")) - 26) < 0.11


def test_missing_values_are_gaps_not_zeros():
    svg, root = _chart(
        [TrendPoint("Q1", 50.0), TrendPoint("Q2", None), TrendPoint("Q3", 70.0), TrendPoint("Q4", 72.0)]
    )
    assert len(root.findall(".//s:circle", NS)) == 3
    lines = root.findall(".//s:polyline", NS)
    assert len(lines) == 1 and len(lines[0].get("points").split()) == 2  # only Q3–Q4 are joined
    assert root.find(".//s:text[@class='hg-trend-nodata']", NS).text == "Chưa có số liệu"


def test_map_fits_the_width_with_north_up_and_a_legend():
    south = Polygon([(0, 0), (1000, 0), (1000, 500), (0, 500)])
    north = Polygon([(0, 500), (1000, 500), (1000, 1000), (0, 1000)])
    svg = map_svg(
        [
            MapLayer([south, north], fill=["#d73027", "#1a9850"], titles=["Ấp Nam", "Ấp Bắc"]),
            MapLayer([LineString([(0, 0), (1000, 1000)])], stroke="#000"),
        ],
        title="Vùng phủ sóng",
        legend=[("#1a9850", "≥ 95 %")],
        width=216,
    )
    root = ET.fromstring(svg)
    paths = root.findall(".//s:path", NS)
    assert [p.find("s:title", NS).text for p in paths[:2]] == ["Ấp Nam", "Ấp Bắc"]
    ys = [[float(v) for v in re.findall(r"[-\d.]+", p.get("d"))][1::2] for p in paths[:2]]
    assert min(ys[1]) < min(ys[0])  # the northern hamlet is drawn above
    xs = [float(v) for v in re.findall(r"[-\d.]+", paths[0].get("d"))][0::2]
    assert (min(xs), max(xs)) == (8.0, 208.0)  # 1000 m into 216 − 2 × 8 px
    assert "≥ 95 %" in svg and "km" in svg


def test_an_empty_map_says_its_title():
    root = ET.fromstring(map_svg([MapLayer([])], title="Không có dữ liệu"))
    assert root.find(".//s:text", NS).text == "Không có dữ liệu"


def _box_of(text_el) -> tuple[float, float, float, float]:
    """A drawn label's box, recomputed from what the SVG says (centre, size, characters)."""
    size = float(text_el.get("font-size"))
    x, baseline = float(text_el.get("x")), float(text_el.get("y"))
    return label_box(text_el.text, x, baseline - size * 0.35, size)


def test_scale_bar_measures_the_ground_with_the_projections_scale_at_the_maps_latitude():
    # 20 km of Web Mercator around 10° N: there a ground metre is drawn 1 / cos 10° = 1.01543 m long.
    x0, y0 = to_metric(105.5, 10.0, "EPSG:3857")
    square = Polygon([(x0, y0), (x0 + 20_000, y0), (x0 + 20_000, y0 + 20_000), (x0, y0 + 20_000)])
    root = ET.fromstring(map_svg([MapLayer([square])], title="Thử", width=416, crs="EPSG:3857"))
    bar = root.find(".//s:g[@class='hg-scale']", NS)
    line = bar.find("s:line", NS)
    length_px = float(line.get("x2")) - float(line.get("x1"))
    # The map is 20 000 m over 400 px (20 px per km); 20 000 / 1.01543 / 5 = 3 939 m of ground
    # rounds up to a 5 km bar, drawn 5 × 1.01543 km long on the map: 101.54 px.
    assert bar.get("data-km") == "5" and bar.find("s:text", NS).text == "5 km"
    assert length_px == pytest.approx(5 * 20 / math.cos(math.radians(y_lat(x0, y0 + 10_000))), abs=0.01)
    assert length_px == pytest.approx(101.54, abs=0.05)


def y_lat(x: float, y: float) -> float:
    return to_lonlat(x, y, "EPSG:3857")[1]


def test_utm_scale_and_north_follow_the_transverse_mercator_by_hand():
    # UTM 48N at 9.8° N, 105.5° E (half a degree east of the central meridian 105° E):
    # k = 0.9996 / √(1 − (cos φ · sin Δλ)²); true north leans west of grid north by
    # γ ≈ Δλ · sin φ = 0.5° × sin 9.8° = 0.0851°.
    x, y = to_metric(105.5, 9.8, "EPSG:32648")
    scale, north = projection_at("EPSG:32648", x, y)
    b = math.cos(math.radians(9.8)) * math.sin(math.radians(0.5))
    assert scale == pytest.approx(0.9996 / math.sqrt(1 - b * b), rel=1e-6)
    assert north == pytest.approx(-0.5 * math.sin(math.radians(9.8)), abs=2e-4)
    root = ET.fromstring(
        map_svg(
            [MapLayer([Polygon([(x, y), (x + 9e3, y), (x + 9e3, y + 9e3)])])], title="Thử", crs="EPSG:32648"
        )
    )
    arrow = root.find(".//s:g[@class='hg-north']", NS)
    assert arrow.get("transform").startswith(f"rotate({north:.2f} ") and arrow.find("s:text", NS).text == "B"


def test_labels_are_placed_without_overlap_largest_first():
    # Two districts side by side, each with four communes: the district names win, communes
    # whose names would touch one are left out, and no two drawn boxes overlap.
    districts, communes = [], []
    for d in range(2):
        districts.append(
            Polygon([(d * 4000, 0), (d * 4000 + 4000, 0), (d * 4000 + 4000, 4000), (d * 4000, 4000)])
        )
        for cx in range(2):
            for cy in range(2):
                x0, y0 = d * 4000 + cx * 2000, cy * 2000
                communes.append(Polygon([(x0, y0), (x0 + 2000, y0), (x0 + 2000, y0 + 2000), (x0, y0 + 2000)]))
    root = ET.fromstring(
        map_svg(
            [
                MapLayer(
                    communes,
                    titles=[f"Xã Thạnh Xuân Phú Hữu {i}" for i in range(8)],
                    css_class="communes",
                    label_size=8,
                ),
                MapLayer(
                    districts,
                    titles=["Huyện Châu Thành A", "Huyện Phụng Hiệp"],
                    css_class="districts",
                    label_size=11,
                ),
            ],
            title="Nhãn",
            width=316,
        )
    )
    texts = root.findall(".//s:g[@class='hg-labels']/s:text", NS)
    names = [t.text for t in texts]
    assert names[:2] == ["Huyện Châu Thành A", "Huyện Phụng Hiệp"]
    assert 2 < len(names) < 10  # some communes are named, not all: their names are wider than they are
    boxes = [_box_of(t) for t in texts]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)


def test_the_map_has_a_north_arrow_and_a_scale_bar_without_a_crs_too():
    root = ET.fromstring(
        map_svg([MapLayer([Polygon([(0, 0), (1000, 0), (1000, 1000)])])], title="Thử", width=216)
    )
    assert root.find(".//s:g[@class='hg-north']", NS).get("transform").startswith("rotate(0.00 ")
    assert root.find(".//s:g[@class='hg-scale']", NS).get("data-km") == "0.2"
