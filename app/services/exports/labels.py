"""Column headers of the exported files: every published property in Vietnamese and English."""

# name -> (Vietnamese, English)
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "code": ("Mã", "Code"),
    "name": ("Tên", "Name"),
    "kind": ("Loại", "Kind"),
    "population": ("Dân số", "Population"),
    "households": ("Số hộ", "Households"),
    "area_km2": ("Diện tích (km²)", "Area (km²)"),
    "district_code": ("Mã huyện", "District code"),
    "district_name": ("Tên huyện", "District name"),
    "commune_code": ("Mã xã", "Commune code"),
    "commune_name": ("Tên xã", "Commune name"),
    "hamlet_code": ("Mã ấp", "Hamlet code"),
    "hamlet_name": ("Tên ấp", "Hamlet name"),
    "mbb_share": ("Tỷ lệ phủ băng rộng di động", "Mobile broadband share"),
    "mbb_covered": ("Đã phủ băng rộng di động", "Mobile broadband covered"),
    "ftth_share": ("Tỷ lệ phủ cáp quang", "FTTH share"),
    "ftth_covered": ("Đã phủ cáp quang", "FTTH covered"),
    "dead_zone_population": ("Dân số vùng lõm", "Dead-zone population"),
    "no_signal_share": ("Tỷ lệ không có sóng", "No-signal share"),
    "legacy_only_share": ("Tỷ lệ chỉ có 2G/3G", "2G/3G-only share"),
    "single_operator_share": ("Tỷ lệ chỉ một nhà mạng", "Single-operator share"),
    "mbb_share_by_operator": ("Tỷ lệ phủ theo nhà mạng", "Share by operator"),
    "structure_type": ("Loại công trình", "Structure type"),
    "height_m": ("Chiều cao (m)", "Height (m)"),
    "owner": ("Chủ sở hữu", "Owner"),
    "status": ("Trạng thái", "Status"),
    "permit_no": ("Số giấy phép", "Permit number"),
    "commissioned_on": ("Ngày đưa vào sử dụng", "Commissioned on"),
    "accepts_tenants": ("Cho thuê chung", "Accepts tenants"),
    "rent_vnd_month": ("Giá thuê (đồng/tháng)", "Rent (VND/month)"),
    "operators": ("Nhà mạng sử dụng", "Operators"),
    "tenant_count": ("Số nhà mạng dùng chung", "Tenant count"),
    "shared": ("Dùng chung", "Shared"),
    "technologies": ("Công nghệ", "Technologies"),
    "site_code": ("Mã trạm", "Site code"),
    "operator": ("Nhà mạng", "Operator"),
    "technology": ("Công nghệ", "Technology"),
    "band_mhz": ("Băng tần (MHz)", "Band (MHz)"),
    "azimuth_deg": ("Góc phương vị (°)", "Azimuth (°)"),
    "beamwidth_deg": ("Độ rộng búp sóng (°)", "Beamwidth (°)"),
    "tilt_mech_deg": ("Góc nghiêng cơ (°)", "Mechanical tilt (°)"),
    "tilt_elec_deg": ("Góc nghiêng điện (°)", "Electrical tilt (°)"),
    "antenna_height_m": ("Độ cao anten (m)", "Antenna height (m)"),
    "eirp_dbm": ("Công suất EIRP (dBm)", "EIRP (dBm)"),
    "material": ("Vật liệu", "Material"),
    "attachment_count": ("Số nhà mạng treo cáp", "Attachment count"),
    "cables": ("Cáp treo (nhà mạng:số cáp)", "Cables (operator:count)"),
    "duct_count": ("Số ống", "Duct count"),
    "free_duct_count": ("Số ống trống", "Free ducts"),
    "used_duct_count": ("Số ống đã dùng", "Ducts in use"),
    "subduct_count": ("Số ống nhánh", "Subduct count"),
    "length_m": ("Chiều dài (m)", "Length (m)"),
    "stated_length_m": ("Chiều dài khai báo (m)", "Stated length (m)"),
    "occupant_count": ("Số nhà mạng sử dụng", "Occupant count"),
    "duct_code": ("Mã tuyến cống", "Duct route code"),
    "ports_total": ("Tổng số cổng", "Ports total"),
    "ports_used": ("Số cổng đã dùng", "Ports used"),
    "service_radius_m": ("Bán kính phục vụ (m)", "Service radius (m)"),
    "gov_network_connected": ("Kết nối mạng TSLCD", "On the government network"),
    "bandwidth_mbps": ("Băng thông (Mbps)", "Bandwidth (Mbps)"),
    "connected_on": ("Ngày kết nối", "Connected on"),
    "measured_at": ("Thời điểm đo", "Measured at"),
    "download_mbps": ("Tốc độ tải xuống (Mbps)", "Download (Mbps)"),
    "upload_mbps": ("Tốc độ tải lên (Mbps)", "Upload (Mbps)"),
    "latency_ms": ("Độ trễ (ms)", "Latency (ms)"),
    "rsrp_dbm": ("Cường độ tín hiệu RSRP (dBm)", "Signal strength RSRP (dBm)"),
    "tech_class": ("Nhóm công nghệ", "Technology class"),
    "band": ("Mức tín hiệu", "Signal band"),
    "block_key": ("Khối tính toán", "Computation block"),
    # columns the exporter adds
    "lon": ("Kinh độ", "Longitude"),
    "lat": ("Vĩ độ", "Latitude"),
    "x": ("Tọa độ X (m)", "Easting (m)"),
    "y": ("Tọa độ Y (m)", "Northing (m)"),
    "wkt": ("Hình học (WKT)", "Geometry (WKT)"),
}


def label_vi(name: str) -> str:
    return FIELD_LABELS.get(name, (name, name))[0]


def label_en(name: str) -> str:
    return FIELD_LABELS.get(name, (name, name))[1]


# Excel refuses a sheet name longer than 31 characters, with any of []:*?/\ or starting or ending
# with an apostrophe, and names equal but for case.
SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = str.maketrans({c: "-" for c in "[]:*?/\\"})


def sheet_name(title: str, taken: set[str] | None = None) -> str:
    """``title`` as a valid Excel sheet name, not one of ``taken`` (compared without case), which
    it joins: "Tỷ lệ hộ gia đình … (2)" rather than a refused workbook."""
    base = " ".join(title.translate(_SHEET_FORBIDDEN).split()).strip("'") or "Trang"
    taken = set() if taken is None else taken
    seen = {t.casefold() for t in taken}
    name, n = base, 1
    while True:
        suffix = "" if n == 1 else f" ({n})"
        room = SHEET_NAME_MAX - len(suffix)
        name = (base if len(base) <= room else base[: room - 1].rstrip() + "…") + suffix
        if name.casefold() not in seen:
            taken.add(name)
            return name
        n += 1
