"""The two former provinces the reform seed adds beside the sample (gis/synthetic/city.py): the
former Cần Thơ city (92) and Sóc Trăng (94), merged with Hậu Giang (93) into the new Cần Thơ city on
1 July 2025 (Resolution 202/2025/QH15).

Public general facts only: the provinces' and districts' official codes and names, their approximate
seats, areas and populations, and commune names taken from the real ones (a few fewer per district
than in reality). The two are scaled so the three former provinces together are about the size of the
real city's network — some 4,500 sites, 15,000 cells, 15,000 poles and 1,600 hamlets — with Cần Thơ the
denser (more sites and poles) and Sóc Trăng the larger (more communes and hamlets). The outlines are
drawn by hand to lie beside the sample province (the part that overlaps it is cut away, so the three
share their borders exactly); the roads and dead zones are drawn, not real. Coordinates are
``(lat, lon)``.
"""

from __future__ import annotations

from gis.synthetic.facts import BODY_FIELDS, Body, CommuneFact, DistrictFact, Gap, ProvinceFact, Road

__all__ = ["CAN_THO", "CITY_BODIES", "CITY_BODY_FIELDS", "SOC_TRANG", "FORMER"]


def _p(*names: str) -> tuple[CommuneFact, ...]:
    return tuple(CommuneFact(f"Phường {n}", "Phường") for n in names)


def _x(*names: str) -> tuple[CommuneFact, ...]:
    return tuple(CommuneFact(f"Xã {n}", "Xã") for n in names)


def _tt(name: str, at: tuple[float, float]) -> tuple[CommuneFact, ...]:
    return (CommuneFact(f"Thị trấn {name}", "Thị trấn", at),)


def _d(code, name, kind, seat, area_km2, population, communes) -> DistrictFact:
    return DistrictFact(code, name, kind, seat, seat, area_km2, population, communes)


CAN_THO = ProvinceFact(
    code="92",
    name="Thành phố Cần Thơ",
    kind="Thành phố",
    # Clockwise from the south-west; the southern edge runs inside the sample province and is cut away.
    outline=(
        (9.860, 105.380),
        (9.990, 105.300),
        (10.120, 105.265),
        (10.240, 105.285),
        (10.330, 105.360),
        (10.330, 105.460),
        (10.280, 105.560),
        (10.200, 105.660),
        (10.120, 105.750),
        (10.060, 105.820),
        (10.010, 105.860),
        (9.960, 105.870),
        (9.930, 105.800),
        (9.900, 105.600),
        (9.840, 105.450),
    ),
    districts=(
        _d(
            "916",
            "Quận Ninh Kiều",
            "Quận",
            (10.035, 105.765),
            29,
            280_000,
            _p(
                "Cái Khế",
                "An Hòa",
                "Tân An",
                "Xuân Khánh",
                "Hưng Lợi",
                "Thới Bình",
                "An Nghiệp",
                "An Cư",
                "An Phú",
                "An Khánh",
                "An Bình",
            ),
        ),
        _d(
            "917",
            "Quận Ô Môn",
            "Quận",
            (10.112, 105.625),
            131,
            130_000,
            _p("Châu Văn Liêm", "Thới Hòa", "Phước Thới", "Trường Lạc", "Thới Long", "Thới An"),
        ),
        _d(
            "918",
            "Quận Bình Thủy",
            "Quận",
            (10.080, 105.725),
            71,
            140_000,
            _p(
                "Bình Thủy",
                "Trà Nóc",
                "Long Tuyền",
                "An Thới",
                "Trà An",
                "Thới An Đông",
                "Bùi Hữu Nghĩa",
                "Long Hòa",
            ),
        ),
        _d(
            "919",
            "Quận Cái Răng",
            "Quận",
            (10.003, 105.795),
            63,
            100_000,
            _p("Lê Bình", "Hưng Phú", "Ba Láng", "Phú Thứ", "Hưng Thạnh", "Thường Thạnh"),
        ),
        _d(
            "923",
            "Quận Thốt Nốt",
            "Quận",
            (10.265, 105.535),
            118,
            160_000,
            _p("Thốt Nốt", "Trung Kiên", "Tân Lộc", "Thới Thuận", "Trung Nhứt", "Tân Hưng"),
        ),
        _d(
            "924",
            "Huyện Vĩnh Thạnh",
            "Huyện",
            (10.215, 105.385),
            298,
            110_000,
            _tt("Vĩnh Thạnh", (10.215, 105.385))
            + _x(
                "Thạnh Mỹ",
                "Thạnh Lộc",
                "Vĩnh Trinh",
                "Thạnh An",
                "Thạnh Tiến",
                "Thạnh Thắng",
                "Thạnh Lợi",
                "Thạnh Qưới",
                "Vĩnh Bình",
            ),
        ),
        _d(
            "925",
            "Huyện Cờ Đỏ",
            "Huyện",
            (10.095, 105.430),
            310,
            110_000,
            _tt("Cờ Đỏ", (10.095, 105.430))
            + _x(
                "Trung An",
                "Thới Xuân",
                "Đông Hiệp",
                "Thới Hưng",
                "Thới Đông",
                "Đông Thắng",
                "Trung Thạnh",
                "Trung Hưng",
            ),
        ),
        _d(
            "926",
            "Huyện Phong Điền",
            "Huyện",
            (10.030, 105.660),
            125,
            100_000,
            _tt("Phong Điền", (10.030, 105.660))
            + _x("Nhơn Ái", "Mỹ Khánh", "Giai Xuân", "Nhơn Nghĩa", "Tân Thới", "Trường Long"),
        ),
        _d(
            "927",
            "Huyện Thới Lai",
            "Huyện",
            (10.060, 105.555),
            256,
            120_000,
            _tt("Thới Lai", (10.060, 105.555))
            + _x(
                "Định Môn",
                "Trường Xuân",
                "Xuân Thắng",
                "Trường Xuân A",
                "Trường Xuân B",
                "Trường Thắng",
                "Thới Thạnh",
                "Tân Thạnh",
                "Đông Thuận",
                "Đông Bình",
                "Trường Thành",
            ),
        ),
    ),  # fmt: skip
    roads=(
        Road(
            "QL91",
            ((10.035, 105.765), (10.080, 105.725), (10.112, 105.625), (10.265, 105.535), (10.310, 105.450)),
        ),
        Road("ĐT922", ((10.112, 105.625), (10.095, 105.430), (10.215, 105.385))),
        Road("ĐT923", ((10.035, 105.765), (10.030, 105.660), (10.060, 105.555))),
        Road("QL1", ((10.035, 105.765), (10.003, 105.795), (9.985, 105.805))),
    ),  # fmt: skip
    gaps=(Gap("Vĩnh Thạnh west", 10.150, 105.330, 5.0),),
    prefix="CT",
    scale=0.54,
    atom_count=18_000,
    commune_count=30,  # the real former Cần Thơ: 80 into 32
    pole_scale=1.1,
    vn2000_crs="EPSG:5897",  # TM-3 105°00′
)

SOC_TRANG = ProvinceFact(
    code="94",
    name="Tỉnh Sóc Trăng",
    kind="Tỉnh",
    # Clockwise from the north; the western edge runs inside the sample province and is cut away.
    outline=(
        (9.930, 105.840),
        (9.900, 105.900),
        (9.850, 105.980),
        (9.780, 106.050),
        (9.700, 106.150),
        (9.620, 106.270),
        (9.520, 106.300),
        (9.420, 106.220),
        (9.320, 106.100),
        (9.260, 105.950),
        (9.280, 105.820),
        (9.360, 105.700),
        (9.440, 105.580),
        (9.520, 105.500),
        (9.598, 105.470),
        (9.650, 105.550),
        (9.750, 105.750),
        (9.850, 105.800),
    ),
    districts=(
        _d(
            "941",
            "Thành phố Sóc Trăng",
            "Thành phố",
            (9.603, 105.973),
            76,
            140_000,
            _p("1", "2", "3", "4", "5", "6", "7", "8", "9", "10"),
        ),
        _d(
            "942",
            "Huyện Châu Thành",
            "Huyện",
            (9.700, 105.895),
            236,
            100_000,
            _tt("Châu Thành", (9.700, 105.895))
            + _x("An Hiệp", "Thiện Mỹ", "Hồ Đắc Kiện", "Phú Tâm", "An Ninh"),
        ),
        _d(
            "943",
            "Huyện Kế Sách",
            "Huyện",
            (9.790, 105.970),
            353,
            160_000,
            _tt("Kế Sách", (9.790, 105.970))
            + _x(
                "An Mỹ",
                "Ba Trinh",
                "Phong Nẫm",
                "Xuân Hòa",
                "An Lạc Tây",
                "Trinh Phú",
                "Thới An Hội",
                "Nhơn Mỹ",
            ),
        ),
        _d(
            "944",
            "Huyện Mỹ Tú",
            "Huyện",
            (9.630, 105.810),
            368,
            100_000,
            _tt("Huỳnh Hữu Nghĩa", (9.630, 105.810))
            + _x("Mỹ Hương", "Mỹ Phước", "Long Hưng", "Mỹ Tú", "Mỹ Thuận", "Phú Mỹ"),
        ),
        _d(
            "945",
            "Huyện Cù Lao Dung",
            "Huyện",
            (9.640, 106.180),
            250,
            60_000,
            _tt("Cù Lao Dung", (9.640, 106.180))
            + _x("An Thạnh 1", "An Thạnh Nam", "Đại Ân 1", "An Thạnh 2", "An Thạnh 3"),
        ),
        _d(
            "946",
            "Huyện Long Phú",
            "Huyện",
            (9.640, 106.080),
            264,
            110_000,
            _tt("Đại Ngãi", (9.700, 106.060))
            + _x("Châu Khánh", "Song Phụng", "Hậu Thạnh", "Long Đức", "Trường Khánh"),
        ),
        _d(
            "947",
            "Huyện Mỹ Xuyên",
            "Huyện",
            (9.530, 105.960),
            373,
            130_000,
            _tt("Mỹ Xuyên", (9.550, 105.985))
            + _x("Ngọc Tố", "Gia Hòa 1", "Tham Đôn", "Đại Tâm", "Thạnh Phú", "Ngọc Đông", "Hòa Tú 1"),
        ),
        _d(
            "948",
            "Thị xã Ngã Năm",
            "Thị xã",
            (9.540, 105.600),
            242,
            80_000,
            _p("1", "2", "3") + _x("Mỹ Quới", "Vĩnh Quới", "Mỹ Bình"),
        ),
        _d(
            "949",
            "Huyện Thạnh Trị",
            "Huyện",
            (9.450, 105.720),
            288,
            80_000,
            _tt("Phú Lộc", (9.450, 105.720))
            + _x("Lâm Tân", "Tuân Tức", "Châu Hưng", "Thạnh Trị", "Thạnh Tân", "Lâm Kiết", "Vĩnh Thành"),
        ),
        _d(
            "950",
            "Thị xã Vĩnh Châu",
            "Thị xã",
            (9.330, 105.980),
            473,
            170_000,
            _p("1", "Khánh Hòa", "2", "Vĩnh Phước")
            + _x("Lạc Hòa", "Vĩnh Hải", "Vĩnh Hiệp", "Hòa Đông", "Lai Hòa"),
        ),
        _d(
            "951",
            "Huyện Trần Đề",
            "Huyện",
            (9.510, 106.180),
            379,
            130_000,
            _tt("Trần Đề", (9.510, 106.180))
            + _x(
                "Lịch Hội Thượng",
                "Tài Văn",
                "Viên An",
                "Đại Ân 2",
                "Liêu Tú",
                "Trung Bình",
                "Thạnh Thới An",
                "Viên Bình",
            ),
        ),
    ),  # fmt: skip
    roads=(
        Road(
            "QL1", ((9.850, 105.860), (9.700, 105.895), (9.603, 105.973), (9.450, 105.720), (9.380, 105.620))
        ),
        Road("Nam Sông Hậu", ((9.790, 105.970), (9.640, 106.080), (9.510, 106.180), (9.330, 105.980))),
        Road("QL60", ((9.603, 105.973), (9.640, 106.180))),
        Road("ĐT932", ((9.603, 105.973), (9.630, 105.810), (9.540, 105.600))),
    ),  # fmt: skip
    gaps=(Gap("Thạnh Trị south", 9.380, 105.800, 5.0),),
    prefix="ST",
    scale=0.59,
    atom_count=22_000,
    commune_count=34,  # the real former Sóc Trăng: 108 into 43
    pole_scale=0.9,
    vn2000_crs="EPSG:9209",  # TM-3 105°30′
)

# The reform seed's former provinces beside the sample's, in the order they are drawn.
FORMER = (CAN_THO, SOC_TRANG)


def _former_bodies(code: str, place: str, region: str) -> tuple[Body, ...]:
    """The Departments of former province ``code`` until the reform (the Department of Information and
    Communications until 28 February 2025, then of Science and Technology) and its People's Committee."""
    committee = f"Ủy ban nhân dân {region}"
    return (
        Body(
            f"{code}-STTTT",
            "issuer",
            f"Sở Thông tin và Truyền thông {region}",
            committee,
            "STTTT",
            place,
            region,
            valid_to="2025-02-28",
            area_code=code,
        ),
        Body(
            f"{code}-SKHCN",
            "issuer",
            f"Sở Khoa học và Công nghệ {region}",
            committee,
            "SKHCN",
            place,
            region,
            valid_from="2025-03-01",
            valid_to="2025-06-30",
            area_code=code,
        ),
        Body(f"{code}-UBND", "recipient", committee, position=2, valid_to="2025-06-30", area_code=code),
    )


# The city's bodies.csv: those of the two added former provinces, keyed to their codes (the sample's
# own bodies.csv serves Hậu Giang and, since the reform, the whole city).
CITY_BODIES = (
    *_former_bodies("92", "Cần Thơ", "thành phố Cần Thơ"),
    *_former_bodies("94", "Sóc Trăng", "tỉnh Sóc Trăng"),
)
CITY_BODY_FIELDS = (*BODY_FIELDS, "area_code")
