"""fold_vi: the single diacritics-folding helper."""

import unicodedata

import pytest

from gis.text import fold_vi


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ấp Tân Lợi", "ap tan loi"),
        ("  AP   TAN\tLOI  ", "ap tan loi"),
        ("tân lợi", "tan loi"),
        ("Đông Phước A", "dong phuoc a"),
        ("đường Đ", "duong d"),
        ("Thị xã Long Mỹ", "thi xa long my"),
        ("Huyện Phụng Hiệp", "huyen phung hiep"),
        ("Xã Hỏa Lựu", "xa hoa luu"),
        ("ỳỷỹỵý ẰẲẴẶẮ ỀỂỄỆẾ", "yyyyy aaaaa eeeee"),
        ("", ""),
    ],
)
def test_fold_vi(text, expected):
    assert fold_vi(text) == expected


def test_decomposed_input_folds_like_composed():
    composed = "Ấp Tân Lợi"
    assert fold_vi(unicodedata.normalize("NFD", composed)) == fold_vi(composed) == "ap tan loi"


def test_idempotent_and_keeps_non_letters():
    once = fold_vi("Khu vực 1 – Phường VII")
    assert once == "khu vuc 1 – phuong vii"
    assert fold_vi(once) == once
