"""Plausible Vietnamese hamlet names ("Ấp …", "Khu vực …"), unique within their commune, and names
for the communes a reform makes."""

from __future__ import annotations

import numpy as np

from gis.text import fold_vi

__all__ = ["hamlet_names", "new_unit_name", "RESERVED"]

_FIRST = (
    "Tân",
    "Long",
    "Mỹ",
    "Phú",
    "Thạnh",
    "Hòa",
    "Bình",
    "Vĩnh",
    "Nhơn",
    "Đông",
    "Thuận",
    "Hưng",
    "Phước",
    "An",
    "Hiệp",
    "Trung",
    "Xuân",
    "Thới",
    "Khánh",
    "Lợi",
    "Quới",
    "Sơn",
    "Định",
    "Nghĩa",
    "Lộc",
    "Thọ",
    "Mỹ Hòa",
    "Tân Long",
)
_SECOND = (
    "Lợi",
    "Hòa",
    "Phú",
    "Thạnh",
    "An",
    "Bình",
    "Hưng",
    "Thuận",
    "Long",
    "Mỹ",
    "Lộc",
    "Thành",
    "Tiến",
    "Trung",
    "Quới",
    "Hiệp",
    "Nhơn",
    "Phước",
    "Khánh",
    "Xuân",
    "Đông",
    "Tây",
    "Thới",
    "Định",
    "Nghĩa",
    "Thọ",
    "Điền",
    "Sơn",
)
_PLACES = (
    "Xẻo Vông",
    "Xẻo Trâm",
    "Cái Nai",
    "Kinh Giữa",
    "Mang Cá",
    "Rạch Gốc",
    "Bào Môn",
    "Trầu Hôi",
    "Cái Sơn",
    "Láng Sen",
    "Cầu Xéo",
    "Kinh Xáng",
    "Mười Thước",
    "Xáng Mới",
    "Ngọn Ngay",
    "Cái Côn",
    "Nước Đục",
    "Mương Điều",
    "Rạch Sung",
    "Bưng Tiết",
    "Cầu Đình",
    "Kinh Tắc",
    "Bảy Thưa",
    "Cây Sộp",
    "Lung Tràm",
    "Xà No",
    "Búng Lớn",
    "Kênh Ranh",
)
# Names some communes must carry (search tests rely on "Ấp Tân Lợi" existing exactly once).
_FORCED = {
    "Xã Tân Tiến": ("Ấp Tân Lợi",),
    "Xã Vị Đông": ("Ấp Long Hòa A", "Ấp Long Hòa B"),
}
RESERVED = frozenset(fold_vi(n) for names in _FORCED.values() for n in names)


def _named_pool(rng: np.random.Generator) -> list[str]:
    combos = [f"{a} {b}" for a in _FIRST for b in _SECOND if b not in a.split()]
    pool = combos + list(_PLACES) * 4
    return [pool[i] for i in rng.permutation(len(pool))]


def hamlet_names(commune_name: str, kind: str, count: int, rng: np.random.Generator) -> list[str]:
    """``count`` hamlet names for a commune, in code order.

    Phường get "Khu vực 1..n"; other communes get "Ấp" names, either numbered ("Ấp 3A") or
    named ("Ấp Thạnh Lợi", sometimes as an A/B pair). Names are unique within the commune.
    """
    if kind == "Phường":
        return [f"Khu vực {i}" for i in range(1, count + 1)]
    names: list[str] = list(_FORCED.get(commune_name, ()))[:count]
    if rng.random() < 0.3:  # numbered hamlets, a common style in Vị Thủy and Phụng Hiệp
        numbered: list[str] = []
        number = 1
        while len(numbered) < count - len(names):
            if rng.random() < 0.15 and count - len(names) - len(numbered) >= 2:
                numbered += [f"Ấp {number}A", f"Ấp {number}B"]
            else:
                numbered.append(f"Ấp {number}")
            number += 1
        for name in names:  # forced names take random places among the numbered ones
            numbered.insert(int(rng.integers(0, len(numbered) + 1)), name)
        return numbered
    taken = {fold_vi(n) for n in names}
    for stem in _named_pool(rng):
        if len(names) >= count:
            break
        pair = rng.random() < 0.2 and count - len(names) >= 2
        candidates = [f"Ấp {stem} A", f"Ấp {stem} B"] if pair else [f"Ấp {stem}"]
        keys = [fold_vi(c) for c in candidates]
        if any(k in taken or k in RESERVED for k in keys):
            continue
        names += candidates
        taken.update(keys)
    return _ordered(names[:count], rng)


def _ordered(names: list[str], rng: np.random.Generator) -> list[str]:
    """Named hamlets (forced ones included) in random code order."""
    return [names[i] for i in rng.permutation(len(names))]


def new_unit_name(taken: set[str]) -> str:
    """The first two-word place name ("Tân Hòa") whose folded form is not in ``taken`` nor a
    reserved hamlet name: a new commune's name (without its kind), the same on every run."""
    for a in _FIRST:
        for b in _SECOND:
            name = f"{a} {b}"
            if b not in a.split() and fold_vi(name) not in taken and fold_vi(f"Ấp {name}") not in RESERVED:
                return name
    raise ValueError("every place name is taken")
