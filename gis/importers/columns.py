"""Column names in Vietnamese or English → the project's attribute names, through fold_vi.

"Tên", "ten", "TEN" and "name" all become ``name`` ("Tên ấp" becomes ``hamlet_name``); coordinate
columns (lat/lon/x/y/wkt) are recognised separately; anything else is reported as unrecognised.
"""

from __future__ import annotations

import re

from gis.text import fold_vi

__all__ = ["column_key", "canonical", "LAT_KEYS", "LON_KEYS", "X_KEYS", "Y_KEYS", "WKT_KEYS"]

_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "ma", "ma_so", "id_code", "ma_tram", "site_id", "ma_ap", "ma_cot", "ma_diem", "ma_don_vi",
             "unit_code", "admin_code", "ma_cell", "cell_id", "ma_o",
             "ma_ho", "ma_ho_ga", "ma_ho_cap"),
    "period": ("period", "ky", "ky_bao_cao", "quy"),
    "name": ("name", "ten", "ten_tram", "ten_don_vi"),
    # A unit's own name in a file of its level, its parent's name (for reading only) in a file of
    # its children: which one names the row is decided by the admin-unit importer.
    "district_name": ("district_name", "ten_huyen"),
    "commune_name": ("commune_name", "ten_xa"),
    "hamlet_name": ("hamlet_name", "ten_ap"),
    "kind": ("kind", "loai", "loai_don_vi", "district_type", "commune_type", "hamlet_type", "cap"),
    "level": ("level", "cap_hanh_chinh"),
    "parent_code": ("parent_code", "ma_cha", "ma_don_vi_cha"),
    "province_code": ("province_code", "ma_tinh"),
    "district_code": ("district_code", "ma_huyen"),
    "commune_code": ("commune_code", "ma_xa"),
    "population": ("population", "dan_so", "so_dan"),
    "households": ("households", "so_ho", "ho_dan"),
    "urban": ("urban", "do_thi", "thanh_thi"),
    "site_code": ("site_code", "ma_tram_bts", "ma_nha_tram", "site"),
    "operator": ("operator", "nha_mang", "doanh_nghiep", "nha_khai_thac", "mang"),
    "owner": ("owner", "chu_so_huu", "don_vi_quan_ly", "so_huu"),
    "technology": ("technology", "cong_nghe", "tech", "radio"),
    "band_mhz": ("band_mhz", "bang_tan", "band", "bang_tan_mhz", "tan_so", "tan_so_mhz", "frequency_mhz"),
    "azimuth_deg": ("azimuth_deg", "huong", "azimuth", "goc_phuong_vi", "huong_anten", "phuong_vi"),
    "beamwidth_deg": ("beamwidth_deg", "beamwidth", "do_rong_bup_song", "goc_mo"),
    "tilt_mech_deg": ("tilt_mech_deg", "tilt_mech", "do_nghieng_co", "mechanical_tilt"),
    "tilt_elec_deg": ("tilt_elec_deg", "tilt_elec", "do_nghieng_dien", "electrical_tilt", "tilt"),
    "antenna_height_m": ("antenna_height_m", "do_cao_anten", "chieu_cao_anten", "antenna_height", "do_cao_anten_m",
                         "chieu_cao_anten_m"),
    "tx_power_dbm": ("tx_power_dbm", "cong_suat_phat", "tx_power", "cong_suat_dbm"),
    "antenna_gain_dbi": ("antenna_gain_dbi", "antenna_gain", "do_loi_anten", "gain_dbi"),
    "eirp_dbm": ("eirp_dbm", "eirp"),
    "height_m": ("height_m", "do_cao", "chieu_cao", "height", "do_cao_m", "chieu_cao_m", "do_cao_cot",
                 "do_cao_cot_m", "chieu_cao_cot", "chieu_cao_cot_m"),
    "structure_type": ("structure_type", "loai_cot", "kieu_cot", "loai_tram", "structure"),
    "status": ("status", "trang_thai", "tinh_trang"),
    "permit_no": ("permit_no", "so_giay_phep", "giay_phep"),
    "commissioned_on": ("commissioned_on", "ngay_phat_song", "ngay_dua_vao_su_dung"),
    "accepts_tenants": ("accepts_tenants", "cho_thue", "cho_dung_chung"),
    "rent_vnd_month": ("rent_vnd_month", "gia_thue", "gia_thue_thang"),
    "new_structure_reason": ("new_structure_reason", "ly_do_xay_moi", "ly_do_xay_dung_moi", "ly_do_khong_dung_chung"),
    "tenants": ("tenants", "dung_chung", "cac_nha_mang"),
    # Our exports' list of operators on a structure: tenants of a site, cables of a pole, a duct's occupants.
    "operators": ("operators",),
    "duct_route_code": ("duct_route_code", "duct_code", "duct_route", "ma_tuyen_cong", "ma_tuyen_ong",
                        "ma_tuyen_ong_cong", "ma_cong_be"),
    "material": ("material", "vat_lieu", "chat_lieu"),
    "attachments": ("attachments", "treo_cap", "cac_don_vi_treo_cap"),
    "duct_count": ("duct_count", "so_ong", "so_ong_cong"),
    "subduct_count": ("subduct_count", "so_ong_con"),
    "occupants": ("occupants", "don_vi_su_dung"),
    "ports_total": ("ports_total", "tong_so_cong", "so_cong"),
    "ports_used": ("ports_used", "so_cong_da_dung", "cong_da_dung"),
    "service_radius_m": ("service_radius_m", "ban_kinh_phuc_vu", "ban_kinh_m"),
    "gov_network_connected": ("gov_network_connected", "ket_noi_mang_cpc", "mang_truyen_so_lieu_chuyen_dung",
                              "ket_noi_tslcd"),
    "bandwidth_mbps": ("bandwidth_mbps", "bang_thong", "bang_thong_mbps"),
    "connected_on": ("connected_on", "ngay_ket_noi"),
    "measured_at": ("measured_at", "thoi_gian_do", "thoi_diem_do", "timestamp", "ngay_do"),
    "download_mbps": ("download_mbps", "toc_do_tai_xuong", "download", "dl_mbps"),
    "upload_mbps": ("upload_mbps", "toc_do_tai_len", "upload", "ul_mbps"),
    "latency_ms": ("latency_ms", "do_tre", "latency", "ping_ms", "ping"),
}  # fmt: skip

LAT_KEYS = ("lat", "latitude", "vi_do", "vido", "lat_wgs84", "y_wgs84")
LON_KEYS = ("lon", "lng", "long", "longitude", "kinh_do", "kinhdo", "lon_wgs84", "x_wgs84")
X_KEYS = ("x", "toa_do_x", "easting", "x_vn2000", "e")
Y_KEYS = ("y", "toa_do_y", "northing", "y_vn2000", "n")
WKT_KEYS = ("wkt", "geometry", "geom", "the_geom", "hinh_hoc")

_BY_KEY = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}


def column_key(header: str) -> str:
    """'Độ cao (m)' → 'do_cao_m': folded, non-alphanumerics collapsed to '_'."""
    return re.sub(r"[^a-z0-9]+", "_", fold_vi(str(header))).strip("_")


def canonical(header: str) -> str | None:
    """The project attribute a column header stands for, or None when unrecognised."""
    return _BY_KEY.get(column_key(header))
