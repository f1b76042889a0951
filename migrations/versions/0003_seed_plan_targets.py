"""seed the plan's 2025 targets (ids as in shared/plan/targets.md)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# id, Vietnamese (plan wording), English, unit, method, 2025 target
TARGETS = [
    (
        "mobile_bb_hamlet_coverage",
        "Tỷ lệ ấp, khu vực được phủ băng rộng di động",
        "Share of hamlets covered by mobile broadband (4G/5G)",
        "%",
        "computed",
        100,
    ),
    (
        "ftth_hamlet_coverage",
        "Tỷ lệ ấp, khu vực được phủ băng rộng cố định (FTTH)",
        "Share of hamlets covered by fixed broadband (FTTH)",
        "%",
        "computed",
        100,
    ),
    (
        "bts_site_sharing",
        "Tỷ lệ dùng chung vị trí trạm BTS",
        "Share of BTS sites used by two or more operators",
        "%",
        "computed",
        10,
    ),
    (
        "pole_sharing",
        "Tỷ lệ dùng chung cột treo cáp",
        "Share of cable poles carrying two or more operators' cables",
        "%",
        "computed",
        50,
    ),
    (
        "duct_sharing",
        "Tỷ lệ dùng chung cống bể cáp",
        "Share of cable ducts used by two or more operators",
        "%",
        "computed",
        10,
    ),
    (
        "commune_gov_network",
        "Tỷ lệ UBND cấp xã kết nối mạng truyền số liệu chuyên dùng",
        "Share of commune People's Committees on the government data network",
        "%",
        "computed",
        100,
    ),
    (
        "mobile_bb_subs_per_100",
        "Số thuê bao băng rộng di động/100 dân",
        "Mobile broadband subscriptions per 100 people",
        "per_100",
        "reported",
        85,
    ),
    (
        "smartphone_share_of_subs",
        "Tỷ lệ thuê bao sử dụng điện thoại thông minh/tổng thuê bao di động",
        "Smartphone subscriptions among all mobile subscriptions",
        "%",
        "reported",
        85,
    ),
    (
        "internet_users",
        "Tỷ lệ người sử dụng Internet",
        "Share of people using the Internet",
        "%",
        "reported",
        80,
    ),
    (
        "fixed_bb_subs_per_100",
        "Số thuê bao băng rộng cố định/100 dân",
        "Fixed broadband subscriptions per 100 people",
        "per_100",
        "reported",
        25,
    ),
    (
        "households_fibre",
        "Tỷ lệ hộ gia đình có truy nhập Internet băng rộng cáp quang",
        "Households with fibre broadband",
        "%",
        "reported",
        80,
    ),
    (
        "adults_smartphone",
        "Tỷ lệ dân số trưởng thành có điện thoại thông minh",
        "Adults owning a smartphone",
        "%",
        "reported",
        95,
    ),
    (
        "households_internet",
        "Tỷ lệ hộ gia đình có truy nhập Internet (cố định + di động)",
        "Households with any Internet access",
        "%",
        "reported",
        90,
    ),
    (
        "mobile_4g_speed",
        "Mạng băng rộng di động (4G) tốc độ trung bình",
        "Average 4G download speed",
        "Mb/s",
        "computed",
        70,
    ),
    (
        "fixed_bb_speed",
        "Mạng băng rộng cố định tốc độ trung bình",
        "Average fixed broadband download speed",
        "Mb/s",
        "computed",
        100,
    ),
    (
        "iot_ready_infrastructure",
        "Hạ tầng thiết yếu (giao thông, điện, nước) có khả năng tích hợp cảm biến, IoT",
        "Essential infrastructure able to host IoT sensors",
        "%",
        "reported",
        100,
    ),
    (
        "iot_industrial_zones",
        "Doanh nghiệp tại KCN, CCN được hỗ trợ ứng dụng IoT",
        "Industrial-zone enterprises supported with IoT (on demand)",
        "%",
        "reported",
        100,
    ),
    (
        "cloud_provincial_systems",
        "Hệ thống thông tin dùng chung cấp Tỉnh dùng điện toán đám mây",
        "Provincial shared information systems on cloud",
        "%",
        "reported",
        100,
    ),
    (
        "cloud_enterprises_domestic",
        "Doanh nghiệp dùng điện toán đám mây trong nước",
        "Enterprises using domestic cloud",
        "%",
        "reported",
        70,
    ),
    (
        "digital_platforms_state",
        "Cơ quan, tổ chức nhà nước dùng nền tảng số",
        "State bodies using digital platforms",
        "%",
        "reported",
        100,
    ),
    (
        "digital_platforms_enterprises",
        "Doanh nghiệp dùng nền tảng số",
        "Enterprises using digital platforms",
        "%",
        "reported",
        70,
    ),
]


def upgrade() -> None:
    indicators = sa.table(
        "indicators",
        sa.column("id", sa.String),
        sa.column("name_vi", sa.Text),
        sa.column("name_en", sa.Text),
        sa.column("unit", sa.String),
        sa.column("method", sa.String),
        sa.column("target_value", sa.Numeric),
        sa.column("target_year", sa.Integer),
    )
    op.bulk_insert(
        indicators,
        [
            dict(id=i, name_vi=vi, name_en=en, unit=u, method=m, target_value=v, target_year=2025)
            for i, vi, en, u, m, v in TARGETS
        ],
    )


def downgrade() -> None:
    ids = [t[0] for t in TARGETS]
    op.execute(sa.text("DELETE FROM indicators WHERE id = ANY(:ids)").bindparams(ids=ids))
