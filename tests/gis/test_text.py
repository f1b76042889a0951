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


def test_format_number_vi_and_en():
    from gis.text import format_number

    assert format_number(1234567.5, 0) == "1.234.568" and format_number(1234567.75, 1) == "1.234.567,8"
    assert format_number(1234.5, lang="en") == "1,234.5"
    assert format_number(85.0) == "85" and format_number(0.04) == "0" and format_number(-3.5) == "−3,5"
