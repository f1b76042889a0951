"""Text encodings of imported files: names people give, decoding that refuses what it cannot read.

UTF-8 unless told otherwise; Windows-1258 (Vietnamese Windows and Excel) on request or from a
.cpg. TCVN3 (ABC) is not an encoding Python knows and is refused with how to convert it.
"""

from __future__ import annotations

import unicodedata

from gis.importers.errors import ImportRefused
from gis.problems import Problem

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
        if "tcvn" in raw or raw in ("abc", "vni"):  # a legacy Vietnamese font encoding
            raise ImportRefused(Problem("encoding.tcvn3", source=where, params={"encoding": value}))
        raise ImportRefused(Problem("encoding.unsupported", source=where, params={"encoding": value}))
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
        params = {"text": v.encode("latin-1").decode("utf-8")[:30], "encoding": encoding_label(encoding)}
        raise ImportRefused(Problem("encoding.is_utf8", None, number, params, shown, "feature"))

    def fix(v, number):
        if not isinstance(v, str):
            return v
        data = v.encode("latin-1")
        try:
            return unicodedata.normalize("NFC", data.decode(encoding))
        except UnicodeDecodeError as exc:
            params = {
                "encoding": encoding_label(encoding),
                "byte": f"0x{data[exc.start]:02x}",
                "text": v[:30],
            }
            raise ImportRefused(
                Problem("encoding.wrong_text", None, number, params, shown, "feature")
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
            params = {"line": line, "byte": f"0x{data[exc.start]:02x}"}
            raise ImportRefused(Problem("file.not_utf8", source=name, params=params)) from exc
    label = encoding_label(encoding)
    if data.startswith(b"\xef\xbb\xbf") or is_utf8_text(data):
        first = next(i for i, b in enumerate(data) if b > 0x7F)
        line = data[:first].count(b"\n") + 1
        params = {"encoding": label, "line": line}
        raise ImportRefused(Problem("encoding.given_but_utf8", source=name, params=params))
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        params = {"encoding": label, "line": line, "byte": f"0x{data[exc.start]:02x}"}
        raise ImportRefused(Problem("encoding.wrong_line", source=name, params=params)) from exc
    # Windows-1258 writes tone marks as combining characters: compose them as Unicode text is.
    return unicodedata.normalize("NFC", text)
