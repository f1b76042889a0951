"""Text encodings of imported files: names people give, decoding that refuses what it cannot read.

UTF-8 unless told otherwise; Windows-1258 (Vietnamese Windows and Excel) on request or from a
.cpg. TCVN3 (ABC) is not an encoding Python knows and is refused with how to convert it.
"""

from __future__ import annotations

import unicodedata

from gis.importers.errors import ImportRefused

__all__ = ["decode_text", "encoding_label", "is_utf8_text", "parse_encoding", "recode"]

_CPG = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "65001": "utf-8",
    "1258": "cp1258",
    "cp1258": "cp1258",
    "windows-1258": "cp1258",
    "ansi 1258": "cp1258",
    "1252": "cp1252",
    "ansi 1252": "cp1252",
    "iso-8859-1": "latin-1",
    "88591": "latin-1",
    "latin-1": "latin-1",
    "latin1": "latin-1",
}
_ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "cp1258": "Windows-1258",
    "cp1252": "Windows-1252",
    "latin-1": "ISO-8859-1",
}


def parse_encoding(value: str | None, where: str) -> str | None:
    """A user's or a .cpg's encoding name → a Python codec name, or a clear refusal."""
    if value is None or not str(value).strip():
        return None
    raw = str(value).strip().lower()
    enc = _CPG.get(raw) or _CPG.get(raw.replace("windows", "").replace("ansi", "").strip("- _"))
    if enc is None:
        hint = (
            " (TCVN3/ABC text must be converted to Unicode first, e.g. with Unikey)"
            if "tcvn" in raw or raw in ("abc", "vni")
            else ""
        )
        raise ImportRefused(
            f"{where}: unsupported text encoding '{value}': use UTF-8 or Windows-1258 (1258){hint}"
        )
    return enc


def encoding_label(encoding: str) -> str:
    return _ENCODING_LABELS.get(encoding, encoding)


def is_utf8_text(data: bytes) -> bool:
    """Non-ASCII bytes that are valid UTF-8: almost never true of Windows-1258 Vietnamese."""
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def recode(table, encoding: str, shown: str) -> None:
    """A raw table's Latin-1 strings (the dbf's bytes, as GDAL read them) → text decoded as
    ``encoding``, NFC; refused when they are UTF-8 or bytes ``encoding`` has no letter for."""
    texts = [
        (r.number, v)
        for r in table.rows
        for v in (*r.properties, *r.properties.values())
        if isinstance(v, str) and not v.isascii()
    ]
    if texts and all(is_utf8_text(v.encode("latin-1")) for _, v in texts):
        number, v = texts[0]
        raise ImportRefused(
            f"{shown} feature {number}: the text is UTF-8 ('{v.encode('latin-1').decode('utf-8')[:30]}'), "
            f"not {encoding_label(encoding)}; import it without an encoding"
        )

    def fix(v, number):
        if not isinstance(v, str):
            return v
        data = v.encode("latin-1")
        try:
            return unicodedata.normalize("NFC", data.decode(encoding))
        except UnicodeDecodeError as exc:
            raise ImportRefused(
                f"{shown} feature {number}: text is not {encoding_label(encoding)} "
                f"(byte 0x{data[exc.start]:02x} in '{v[:30]}'); check the encoding"
            ) from exc

    for r in table.rows:
        r.properties = {fix(k, r.number): fix(v, r.number) for k, v in r.properties.items()}


def decode_text(data: bytes, name: str, encoding: str | None = None) -> str:
    """The bytes of a CSV as text: UTF-8 unless ``encoding`` (a Python codec name) says otherwise."""
    if encoding in (None, "utf-8"):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            hint = "" if encoding else " or give its encoding (e.g. encoding=1258 for Windows-1258)"
            raise ImportRefused(
                f"{name}: line {line} is not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as "
                f"UTF-8 (Excel: 'CSV UTF-8'){hint}; Windows-1258 or TCVN3 text is not guessed"
            ) from exc
    label = encoding_label(encoding)
    if data.startswith(b"\xef\xbb\xbf") or is_utf8_text(data):
        first = next(i for i, b in enumerate(data) if b > 0x7F)
        line = data[:first].count(b"\n") + 1
        raise ImportRefused(
            f"{name}: encoding {label} was given but the text is UTF-8 (line {line}); import it without "
            "an encoding"
        )
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRefused(
            f"{name}: line {line} is not {label} (byte 0x{data[exc.start]:02x} has no meaning in it); "
            "check the encoding"
        ) from exc
    # Windows-1258 writes tone marks as combining characters: compose them as Unicode text is.
    return unicodedata.normalize("NFC", text)
