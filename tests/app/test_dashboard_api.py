"""The dashboard's endpoints on the sample province: periods, trends, the drill-down and its
exports, the statistics endpoints' refusals, and the page itself. Nothing here closes a period
or writes a figure (the browser tests close 2024-Q4; tests/app/test_dashboard.py covers writes)."""

import csv
import io

import openpyxl


def test_periods_and_trends(client):
    listed = client.get("/api/periods").json()["periods"]
    stats = [p["period"] for p in listed if p["has_statistics"]]
    assert stats == ["2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3"]
    assert sum(p["current"] for p in listed) == 1
    body = client.get("/api/indicators/trends", params={"level": "district", "code": "934"}).json()
    assert body["unit"] == {"code": "934", "name": "Huyện Phụng Hiệp", "level": "district"}
    internet = next(e for e in body["indicators"] if e["id"] == "internet_users")
    points = {p["period"]: p for p in internet["points"]}
    assert set(stats) <= set(points)
    values = [points[p]["value"] for p in stats]
    assert all(v is not None for v in values) and values == sorted(
        values
    )  # the sample grows quarter by quarter
    r = client.get(
        "/api/indicators/trend.svg",
        params={"level": "district", "code": "934", "indicator": "internet_users", "lang": "en"},
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert "Share of people using the Internet" in r.text and "Target 2025: 80 %" in r.text
    assert (
        client.get(
            "/api/indicators/trend.svg", params={"level": "district", "code": "934", "indicator": "nope"}
        ).status_code
        == 404
    )


def test_communes_of_one_district(client):
    units = client.get("/api/indicators", params={"level": "commune", "parent": "934"}).json()["units"]
    assert len(units) > 5 and {u["parent_code"] for u in units} == {"934"}
    assert all(u["code"].startswith("934") for u in units)


def test_drilldown_lists_the_hamlets_short_of_coverage(client):
    body = client.get("/api/drilldown/934").json()
    assert body["unit"]["name"] == "Huyện Phụng Hiệp" and body["closed"] is False
    assert body["hamlets"], "the sample has uncovered hamlets in Phụng Hiệp"
    for h in body["hamlets"]:
        assert h["mbb_covered"] is not True or h["ftth_covered"] is not True
        assert h["district_code"] == "934" and len(h["bbox"]) == 4
        distances = [s["distance_m"] for s in h["nearest_sites"]]
        assert distances == sorted(distances) and len({s["operator"] for s in h["nearest_sites"]}) == len(
            distances
        )
    no_mbb = [h for h in body["hamlets"] if h["mbb_covered"] is False]
    assert all(h["dead_zone_area_km2"] > 0 for h in no_mbb)
    # The indicator and the list agree: covered = hamlets − not covered.
    district = client.get("/api/indicators", params={"level": "district", "code": "934"}).json()["units"][0]
    mbb = next(i for i in district["indicators"] if i["id"] == "mobile_bb_hamlet_coverage")
    assert mbb["denominator"] - mbb["numerator"] == len(no_mbb)
    commune = body["hamlets"][0]["commune_code"]
    one = client.get(f"/api/drilldown/{commune}").json()
    assert one["unit"]["level"] == "commune" and {h["commune_code"] for h in one["hamlets"]} == {commune}
    assert client.get("/api/drilldown/9340101").status_code == 404  # a hamlet is not a drill-down scope


def test_drilldown_exports(client):
    r = client.get("/api/drilldown/934/export", params={"format": "csv"})
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Mã ấp", "Ấp, khu vực"]
    hamlets = client.get("/api/drilldown/934").json()["hamlets"]
    assert [row[0] for row in rows[1:]] == [h["code"] for h in hamlets]
    r = client.get("/api/drilldown/934/export", params={"format": "xlsx"})
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["Ấp chưa phủ", "UBND xã chưa kết nối"]
    assert wb["Ấp chưa phủ"].max_row == len(hamlets) + 1


def test_statistics_endpoints_refuse_bad_input_with_every_problem(client):
    r = client.put(
        "/api/statistics",
        json={
            "code": "934",
            "period": "2025-Q3",
            "figures": {"internet_users": -1, "digital_platforms_state_pct": 101},
        },
    )
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "ImportFailed" and len(body["problems"]) == 2
    assert [(d["code"], d["field"], d["params"]) for d in body["details"]] == [
        ("stats.negative", "internet_users", {"value": -1}),
        ("stats.over_100", "digital_platforms_state_pct", {"value": 101}),
    ]
    # Said in Vietnamese unless the reader asks for English.
    assert body["details"][0]["message"] == "Số người sử dụng Internet: không được âm, nhận được -1"
    english = client.put(
        "/api/statistics",
        json={"code": "934", "period": "2025-Q3", "figures": {"internet_users": -1}},
        headers={"Accept-Language": "en"},
    ).json()
    assert english["problems"] == ["Internet users: must not be negative, got -1"]
    assert (
        client.get("/api/statistics", params={"code": "934", "period": "2025-Q3"}).json()["figures"][
            "internet_users"
        ]
        is not None
    )
    bad = "ma_don_vi,ky,internet_users\n934,2025-Q3,abc\n999,2025-Q3,1\n"
    r = client.post(
        "/api/statistics/import",
        params={"dry_run": "true"},
        files={"file": ("so_lieu.csv", bad.encode(), "text/csv")},
    )
    assert r.status_code == 422 and r.json()["problems"] == [
        "so_lieu.csv dòng 2: Số người sử dụng Internet: “abc” không phải là số"
    ]
    [detail] = r.json()["details"]
    assert (detail["source"], detail["row"], detail["code"], detail["field"]) == (
        "so_lieu.csv",
        2,
        "value.not_a_number",
        "internet_users",
    )
    r = client.post("/api/statistics/import", files={"file": ("x.geojson", b"{}", "application/json")})
    assert r.status_code == 422 and [d["code"] for d in r.json()["details"]] == ["file.not_a_table"]
    assert "cần bảng CSV hoặc XLSX" in r.json()["description"]
    r = client.get("/api/statistics/template", params={"period": "2025-Q3", "format": "csv"})
    header = next(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert header[:4] == ["ma_don_vi", "ten_don_vi", "ky", "mobile_subscriptions"]
    sample = "admin_code,period,metric,value\n934,2025-Q3,internet_users,1\n"
    r = client.post(
        "/api/statistics/import",
        params={"dry_run": "true"},
        files={"file": ("long.csv", sample.encode(), "text/csv")},
    )
    assert r.status_code == 200 and r.json()["counts"] == {"rows": 1, "figures": 1} and r.json()["dry_run"]
    noted = "admin_code,period,metric,value,ghi_chu\n934,2025-Q3,internet_users,1,x\n"
    r = client.post(
        "/api/statistics/import",
        params={"dry_run": "true"},
        files={"file": ("noted.csv", noted.encode(), "text/csv")},
        headers={"Accept-Language": "en"},
    )
    [warning] = r.json()["warnings"]
    assert (warning["code"], warning["params"], warning["message"]) == (
        "stats.columns_ignored",
        {"columns": ["ghi_chu"]},
        "noted.csv: unrecognised columns ignored: ghi_chu",
    )


def test_reports_need_a_closed_period_and_targets_validate(client, client_as, anon_client):
    r = client.get("/api/reports/2025-Q2.html")
    assert r.status_code == 409 and "close the period first" in r.json()["description"]
    assert client.get("/api/reports/2025Q2.xlsx").status_code == 400
    assert anon_client.get("/api/reports/2025-Q2.html").status_code == 401
    # A report's day comes after its quarter: a day inside it, or tomorrow, is refused first.
    for day in ("2025-05-01", "2999-01-01"):
        r = client.get(f"/api/reports/2025-Q2.html?issued_on={day}")
        assert r.status_code == 400 and [(p["code"], p["field"]) for p in r.json()["problems"]] == [
            ("report.issued_on", "issued_on")
        ]
    assert "phải sau khi hết quý (từ 2025-07-01)" in r.json()["description"]
    admin = client_as("admin1")
    r = admin.put("/api/targets/pole_sharing", json={"target_value": 120})
    assert r.status_code == 400 and "at most 100" in r.json()["description"]
    assert admin.put("/api/targets/nope", json={"target_value": 1}).status_code == 404
    # The Department's planners edit targets too (a value over 100 % is refused after the door).
    assert client.put("/api/targets/pole_sharing", json={"target_value": 120}).status_code == 400
    assert (
        client_as("official1").put("/api/targets/pole_sharing", json={"target_value": 60}).status_code == 403
    )
    assert anon_client.put("/api/targets/pole_sharing", json={"target_value": 60}).status_code == 401
    assert client.get("/api/targets/pole_sharing/history").json() == {"id": "pole_sharing", "changes": []}
    assert client.post("/api/periods/2099-Q1/close").status_code == 400


def test_the_dashboard_page_is_served_and_linked_from_the_map(client):
    page = client.get("/dashboard")
    assert page.status_code == 200 and "/src/dashboard/main.js" in page.text
    # the static title is generic; the page names the region once GET /api/region answers
    assert "<title>Theo dõi chỉ tiêu hạ tầng số</title>" in page.text
    assert 'href="/dashboard"' in client.get("/").text
    assert client.get("/src/dashboard/table.js").status_code == 200
