"""Text helpers for Vietnamese names and numbers.

``fold_vi`` is the project's single diacritics-folding helper: search and matching compare
folded strings so that "Ấp Tân Lợi", "ap tan loi" and "AP  TAN LOI" are the same key.
``format_number`` writes numbers as Vietnamese (1.234,5) or English (1,234.5) readers expect.
"""

from __future__ import annotations

import unicodedata

__all__ = ["fold_vi", "format_number"]

# đ/Đ are letters of their own, not a base letter plus a combining mark, so NFD keeps them.
_SPECIAL = str.maketrans({"đ": "d", "Đ": "d"})


def fold_vi(text: str) -> str:
    """Lowercase, strip Vietnamese diacritics (đ → d) and collapse whitespace.

    Parameters
    ----------
    text : str
        Any Unicode text, composed or decomposed.

    Returns
    -------
    str
        ASCII-folded lowercase text with single spaces and no leading/trailing space.

    Example
    -------
    >>> fold_vi("  Ấp  Tân Lợi ")
    'ap tan loi'
    >>> fold_vi("Thị xã Tân Lợi – Đông Phước")
    'thi xa tan loi – dong phuoc'
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_SPECIAL))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(unicodedata.normalize("NFC", stripped).lower().split())


def format_number(value: float | int, digits: int = 1, lang: str = "vi") -> str:
    """``value`` with at most ``digits`` decimals (trailing zeros dropped), grouped by thousands.

    Example
    -------
    >>> format_number(1234.5), format_number(1234.5, lang="en"), format_number(85.0), format_number(-0.04)
    ('1.234,5', '1,234.5', '85', '0')
    """
    text = f"{float(value):,.{digits}f}"
    if digits:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "−0"):
        text = "0"
    text = text.replace("-", "−")
    if lang == "vi":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text
