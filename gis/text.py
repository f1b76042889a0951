"""Text helpers for Vietnamese names.

``fold_vi`` is the project's single diacritics-folding helper: search and matching compare
folded strings so that "Ấp Tân Lợi", "ap tan loi" and "AP  TAN LOI" are the same key.
"""

from __future__ import annotations

import unicodedata

__all__ = ["fold_vi"]

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
    >>> fold_vi("Thị xã Long Mỹ – Đông Phước")
    'thi xa long my – dong phuoc'
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_SPECIAL))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(unicodedata.normalize("NFC", stripped).lower().split())
