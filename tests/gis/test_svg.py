"""Hand-written SVG: the trend chart (gaps never drawn as zero) and the small map."""

import re
import xml.etree.ElementTree as ET

from shapely.geometry import LineString, Polygon

from gis.svg import MapLayer, TrendPoint, map_svg, trend_chart

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
