"""Published general facts the synthetic province is shaped after.

Everything here is public general knowledge (extent, district names and codes, approximate
seats, areas and populations; commune names modelled on the real ones, a few invented). The
outline, the town positions and the roads are drawn by hand to look plausible; they are NOT
real boundaries or real alignments. Coordinates are ``(lat, lon)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "PROVINCE_CODE",
    "PROVINCE_NAME",
    "OUTLINE_LATLON",
    "CommuneFact",
    "DistrictFact",
    "DISTRICTS",
    "Road",
    "ROADS",
    "road_tags",
    "Gap",
    "GAPS",
    "Operator",
    "OPERATORS",
    "Body",
    "BODIES",
    "ReformFact",
    "REFORM",
    "ProvinceFact",
    "HAU_GIANG",
]

PROVINCE_CODE = "93"
PROVINCE_NAME = "Tỉnh Hậu Giang"

# Hand-drawn wedge, clockwise from the north-west (Cần Thơ border), ~1,615 km² in UTM 48N.
OUTLINE_LATLON: tuple[tuple[float, float], ...] = (
    (9.872, 105.433),
    (9.898, 105.458),
    (9.921, 105.492),
    (9.938, 105.526),
    (9.951, 105.557),
    (9.960, 105.586),
    (9.976, 105.614),
    (9.993, 105.640),
    (10.000, 105.665),
    (9.994, 105.694),
    (9.984, 105.723),
    (9.979, 105.752),
    (9.976, 105.784),
    (9.968, 105.814),
    (9.956, 105.838),
    (9.940, 105.860),
    (9.918, 105.872),
    (9.895, 105.866),
    (9.872, 105.858),
    (9.848, 105.855),
    (9.826, 105.846),
    (9.801, 105.841),
    (9.778, 105.828),
    (9.756, 105.802),
    (9.733, 105.783),
    (9.710, 105.766),
    (9.688, 105.746),
    (9.668, 105.725),
    (9.649, 105.702),
    (9.633, 105.681),
    (9.621, 105.656),
    (9.613, 105.628),
    (9.608, 105.599),
    (9.607, 105.564),
    (9.608, 105.530),
    (9.606, 105.496),
    (9.603, 105.462),
    (9.612, 105.435),
    (9.631, 105.416),
    (9.655, 105.409),
    (9.680, 105.410),
    (9.705, 105.413),
    (9.733, 105.413),
    (9.760, 105.415),
    (9.788, 105.420),
    (9.814, 105.424),
    (9.845, 105.428),
)


@dataclass(frozen=True)
class CommuneFact:
    """A commune-level unit: name, kind and, for towns, an approximate centre."""

    name: str
    kind: str  # "Phường" / "Thị trấn" / "Xã"
    at: tuple[float, float] | None = None

    @property
    def urban(self) -> bool:
        return self.kind in ("Phường", "Thị trấn")


@dataclass(frozen=True)
class DistrictFact:
    """A district-level unit with its seat, a partition anchor and published magnitudes."""

    code: str
    name: str
    kind: str  # "Thành phố" / "Thị xã" / "Huyện"
    seat: tuple[float, float]
    anchor: tuple[float, float]  # where the district's partition seed sits (its rough middle)
    area_km2: float
    population: int
    communes: tuple[CommuneFact, ...]


def _p(name: str) -> CommuneFact:
    return CommuneFact(f"Phường {name}", "Phường")


def _x(name: str) -> CommuneFact:
    return CommuneFact(f"Xã {name}", "Xã")


def _tt(name: str, lat: float, lon: float) -> CommuneFact:
    return CommuneFact(f"Thị trấn {name}", "Thị trấn", (lat, lon))


DISTRICTS: tuple[DistrictFact, ...] = (
    DistrictFact(
        "930",
        "Thành phố Vị Thanh",
        "Thành phố",
        (9.784, 105.470),
        (9.775, 105.465),
        119,
        75_000,
        (
            _p("I"),
            _p("III"),
            _p("IV"),
            _p("V"),
            _p("VII"),
            _x("Vị Tân"),
            _x("Hỏa Lựu"),
            _x("Hỏa Tiến"),
            _x("Tân Tiến"),
        ),
    ),
    DistrictFact(
        "931",
        "Thành phố Ngã Bảy",
        "Thành phố",
        (9.816, 105.818),
        (9.812, 105.810),
        78,
        60_000,
        (_p("Ngã Bảy"), _p("Lái Hiếu"), _p("Hiệp Thành"), _p("Hiệp Lợi"), _x("Đại Thành"), _x("Tân Thành")),
    ),
    DistrictFact(
        "932",
        "Huyện Châu Thành A",
        "Huyện",
        (9.930, 105.640),
        (9.925, 105.625),
        162,
        105_000,
        (
            _tt("Một Ngàn", 9.930, 105.640),
            _tt("Rạch Gòi", 9.950, 105.672),
            _tt("Cái Tắc", 9.965, 105.715),
            _x("Tân Hòa"),
            _x("Trường Long Tây"),
            _x("Trường Long A"),
            _x("Nhơn Nghĩa A"),
            _x("Thạnh Xuân"),
            _x("Tân Phú Thạnh"),
            _x("Bảy Ngàn"),
        ),
    ),
    DistrictFact(
        "933",
        "Huyện Châu Thành",
        "Huyện",
        (9.930, 105.800),
        (9.925, 105.800),
        140,
        82_000,
        (
            _tt("Ngã Sáu", 9.930, 105.800),
            _tt("Mái Dầm", 9.935, 105.835),
            _x("Đông Thạnh"),
            _x("Đông Phú"),
            _x("Phú Hữu"),
            _x("Phú Tân"),
            _x("Đông Phước"),
            _x("Đông Phước A"),
            _x("Phú An"),
        ),
    ),
    DistrictFact(
        "934",
        "Huyện Phụng Hiệp",
        "Huyện",
        (9.830, 105.700),
        (9.760, 105.705),
        485,
        185_000,
        (
            _tt("Cây Dương", 9.830, 105.700),
            _tt("Kinh Cùng", 9.775, 105.765),
            _tt("Búng Tàu", 9.765, 105.640),
            _x("Tân Bình"),
            _x("Bình Thành"),
            _x("Thạnh Hòa"),
            _x("Long Thạnh"),
            _x("Phụng Hiệp"),
            _x("Hòa An"),
            _x("Hòa Mỹ"),
            _x("Phương Bình"),
            _x("Hiệp Hưng"),
            _x("Tân Phước Hưng"),
            _x("Phương Phú"),
            _x("Tân Long"),
        ),
    ),
    DistrictFact(
        "935",
        "Huyện Vị Thủy",
        "Huyện",
        (9.800, 105.560),
        (9.850, 105.545),
        228,
        90_000,
        (
            _tt("Nàng Mau", 9.800, 105.560),
            _tt("Vị Thủy", 9.848, 105.605),
            _x("Vị Trung"),
            _x("Vị Thắng"),
            _x("Vĩnh Thuận Tây"),
            _x("Vĩnh Trung"),
            _x("Vĩnh Tường"),
            _x("Vị Đông"),
            _x("Vị Thanh"),
            _x("Vị Bình"),
        ),
    ),
    DistrictFact(
        "936",
        "Huyện Long Mỹ",
        "Huyện",
        (9.630, 105.450),
        (9.660, 105.470),
        261,
        80_000,
        (
            _tt("Vĩnh Viễn", 9.630, 105.450),
            _x("Vĩnh Viễn A"),
            _x("Lương Tâm"),
            _x("Lương Nghĩa"),
            _x("Xà Phiên"),
            _x("Thuận Hưng"),
            _x("Thuận Hòa"),
            _x("Vĩnh Thuận Đông"),
        ),
    ),
    DistrictFact(
        "937",
        "Thị xã Long Mỹ",
        "Thị xã",
        (9.680, 105.570),
        (9.670, 105.580),
        149,
        55_000,
        (
            _p("Thuận An"),
            _p("Bình Thạnh"),
            _p("Vĩnh Tường"),
            _p("Trà Lồng"),
            _x("Long Bình"),
            _x("Long Trị"),
            _x("Long Trị A"),
            _x("Long Phú"),
            _x("Tân Phú"),
        ),
    ),
)


@dataclass(frozen=True)
class Road:
    """A main road drawn through waypoints; the generator adds gentle meanders."""

    name: str
    waypoints: tuple[tuple[float, float], ...]


# A numbered road's class in OpenStreetMap's vocabulary, as OSM Vietnam tags them: national roads
# (Quốc lộ, QL) trunk, provincial roads (Đường tỉnh, ĐT) primary, district roads (ĐH) secondary.
_NUMBERED = {"QL": ("Quốc lộ", "trunk"), "ĐT": ("Đường tỉnh", "primary"), "ĐH": ("Đường huyện", "secondary")}
_REF = re.compile(r"(QL|ĐT|ĐH)(\d+[A-Z]?)")


def road_tags(name: str) -> dict:
    """A drawn road's ``ref``, ``name`` and ``highway`` as OpenStreetMap would tag it: "QL61C" →
    ref "QL61C", name "Quốc lộ 61C", trunk; a road known by a name only keeps it, no ref, primary
    (the unnumbered main roads drawn here link district seats)."""
    numbered = _REF.fullmatch(name)
    if numbered is None:
        return {"ref": None, "name": name, "highway": "primary"}
    kind, highway = _NUMBERED[numbered[1]]
    return {"ref": name, "name": f"{kind} {numbered[2]}", "highway": highway}


ROADS: tuple[Road, ...] = (
    Road(
        "QL61",
        (
            (9.965, 105.715),
            (9.950, 105.672),
            (9.930, 105.640),
            (9.893, 105.600),
            (9.848, 105.560),
            (9.810, 105.515),
            (9.784, 105.470),
            (9.770, 105.418),
        ),
    ),
    Road("QL61C", ((9.958, 105.596), (9.890, 105.575), (9.800, 105.560), (9.784, 105.470))),
    Road("QL1", ((9.976, 105.768), (9.930, 105.780), (9.875, 105.795), (9.816, 105.818), (9.780, 105.826))),
    Road("QL61B", ((9.784, 105.470), (9.735, 105.520), (9.680, 105.570), (9.660, 105.640), (9.690, 105.742))),
    Road(
        "Quản lộ Phụng Hiệp",
        ((9.816, 105.818), (9.830, 105.700), (9.765, 105.640), (9.680, 105.570), (9.610, 105.555)),
    ),
    Road("ĐT925", ((9.965, 105.715), (9.930, 105.800), (9.935, 105.835), (9.920, 105.868))),
    Road("ĐT927", ((9.800, 105.560), (9.848, 105.605), (9.830, 105.700))),
    Road("ĐT928", ((9.830, 105.700), (9.775, 105.765), (9.740, 105.786))),
    Road("ĐT930", ((9.680, 105.570), (9.650, 105.510), (9.630, 105.450), (9.625, 105.420))),
)


@dataclass(frozen=True)
class Gap:
    """A rural area deliberately left without 4G/5G cells (a coverage dead zone)."""

    name: str
    lat: float
    lon: float
    radius_km: float


GAPS: tuple[Gap, ...] = (
    Gap("Vị Thủy north-west", 9.885, 105.505, 7.0),
    Gap("Long Mỹ west", 9.700, 105.443, 7.0),
    Gap("Phụng Hiệp south", 9.705, 105.690, 7.0),
)
# 4G cells within this distance of a gap centre use only 1800/2100/2600 MHz (shorter reach).
GAP_HIGH_BAND_KM = 14.0


@dataclass(frozen=True)
class Operator:
    """A telecom operator or infrastructure owner as written to operators.csv."""

    short_name: str
    name: str
    kind: str  # mobile / fixed / infrastructure / power_utility
    mcc: str = ""
    mnc: str = ""
    letter: str = ""  # the operator letter in cell codes (HG-S0001-V-4G-1)


OPERATORS: tuple[Operator, ...] = (
    Operator("Viettel", "Tập đoàn Công nghiệp - Viễn thông Quân đội", "mobile", "452", "04", "V"),
    Operator("VinaPhone", "Tổng công ty Dịch vụ Viễn thông (VNPT-VinaPhone)", "mobile", "452", "02", "N"),
    Operator("MobiFone", "Tổng công ty Viễn thông MobiFone", "mobile", "452", "01", "M"),
    Operator("Vietnamobile", "Công ty Cổ phần Viễn thông Di động Vietnamobile", "mobile", "452", "05", "X"),
    Operator("Gmobile", "Công ty Cổ phần Viễn thông Di động Toàn Cầu (Gmobile)", "mobile", "452", "07", "G"),
    Operator("VNPT", "Tập đoàn Bưu chính Viễn thông Việt Nam (VNPT Hậu Giang)", "fixed"),
    Operator("FPT Telecom", "Công ty Cổ phần Viễn thông FPT", "fixed"),
    Operator("HTVT Phương Nam", "Tổng công ty Hạ tầng Viễn thông Phương Nam (giả định)", "infrastructure"),
    Operator(
        "PC Hậu Giang",
        "Công ty Điện lực Hậu Giang - Tổng công ty Điện lực miền Nam (EVN SPC)",
        "power_utility",
    ),
    Operator("SCTV", "Công ty TNHH Truyền hình cáp Saigontourist (SCTV)", "fixed"),
)


@dataclass(frozen=True)
class Body:
    """Who issues the periodic report and to whom it goes, in force from/to (inclusive) — as
    written to bodies.csv. The dates are the real reorganisations: the Department of Information
    and Communications merged into the Department of Science and Technology on 1 March 2025 (and
    the Ministries likewise); Hậu Giang became part of Cần Thơ city on 1 July 2025."""

    code: str
    role: str  # issuer / recipient
    name: str
    parent: str = ""
    symbol: str = ""
    place: str = ""
    region: str = ""
    position: int = 0
    valid_from: str = ""
    valid_to: str = ""
    area_code: str = ""  # the province whose reports it heads; "": any (the sample's own)


# The columns of the sample's bodies.csv (without ``area_code``: one province, its file unchanged).
BODY_FIELDS = (
    "code",
    "role",
    "name",
    "parent",
    "symbol",
    "place",
    "region",
    "position",
    "valid_from",
    "valid_to",
)

_HG, _CT = "Ủy ban nhân dân tỉnh Hậu Giang", "Ủy ban nhân dân thành phố Cần Thơ"
BODIES: tuple[Body, ...] = (
    Body(
        "HG-STTTT",
        "issuer",
        "Sở Thông tin và Truyền thông tỉnh Hậu Giang",
        _HG,
        "STTTT",
        "Hậu Giang",
        "tỉnh Hậu Giang",
        valid_to="2025-02-28",
    ),
    Body(
        "HG-SKHCN",
        "issuer",
        "Sở Khoa học và Công nghệ tỉnh Hậu Giang",
        _HG,
        "SKHCN",
        "Hậu Giang",
        "tỉnh Hậu Giang",
        valid_from="2025-03-01",
        valid_to="2025-06-30",
    ),
    Body(
        "CT-SKHCN",
        "issuer",
        "Sở Khoa học và Công nghệ thành phố Cần Thơ",
        _CT,
        "SKHCN",
        "Cần Thơ",
        "thành phố Cần Thơ",
        valid_from="2025-07-01",
    ),
    Body("BTTTT", "recipient", "Bộ Thông tin và Truyền thông", position=1, valid_to="2025-02-28"),
    Body("BKHCN", "recipient", "Bộ Khoa học và Công nghệ", position=1, valid_from="2025-03-01"),
    Body("HG-UBND", "recipient", _HG, position=2, valid_to="2025-06-30"),
    Body("CT-UBND", "recipient", _CT, position=2, valid_from="2025-07-01"),
)


@dataclass(frozen=True)
class ReformFact:
    """The 2025 reform the sample goes through: the act, the day the new units start, the city the
    former province becomes part of (it keeps its code) and how many communes the former province's
    ones are merged into (the real former Hậu Giang: 75 into 28, none split)."""

    act: str
    effective: str  # ISO date
    city_code: str
    city_name: str
    commune_count: int
    max_merged: int  # at most this many old communes form one new one
    folder: str = "city"  # the whole city's reform (three former provinces) under the sample's folder


REFORM = ReformFact("Nghị quyết 1668/NQ-UBTVQH15", "2025-07-01", "92", "Thành phố Cần Thơ", 28, 4)


@dataclass(frozen=True)
class ProvinceFact:
    """Everything the generator needs to draw one province: its outline, districts, roads and dead
    zones, the prefix of its infrastructure codes (HG-S0001), how many of each network feature it
    gets relative to the sample province (``scale``; poles ``pole_scale`` when given, since a city's
    sites follow its town population but its poles its roads and villages), its atom count and, for
    the reform, how many communes its own merge into."""

    code: str
    name: str
    kind: str  # "Tỉnh" / "Thành phố"
    outline: tuple[tuple[float, float], ...]
    districts: tuple[DistrictFact, ...]
    roads: tuple[Road, ...]
    gaps: tuple[Gap, ...]
    prefix: str
    scale: float
    atom_count: int
    commune_count: int
    pole_scale: float | None = None  # None: ``scale``
    # Its VN-2000 TM-3 zone (Circular 973/2001/TCĐC-CT), written into province.geojson as its data.
    vn2000_crs: str | None = None


HAU_GIANG = ProvinceFact(
    PROVINCE_CODE,
    PROVINCE_NAME,
    "Tỉnh",
    OUTLINE_LATLON,
    DISTRICTS,
    ROADS,
    GAPS,
    "HG",
    1.0,
    24_000,
    REFORM.commune_count,
    vn2000_crs="EPSG:5897",  # TM-3 105°00′
)
