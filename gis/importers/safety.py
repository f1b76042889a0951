"""Limits and defences for uploaded files: sizes, zip bombs, path traversal, XML entity attacks."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from gis.importers.errors import ImportRefused
from gis.problems import Problem

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_FEATURES",
    "MAX_UNZIPPED_BYTES",
    "MAX_ZIP_RATIO",
    "check_file",
    "check_feature_count",
    "safe_extract",
    "check_xml",
]

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_FEATURES = 200_000
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100  # real spreadsheets and shapefiles compress far less than this
MAX_ZIP_MEMBERS = 1_000


def check_file(path: Path, max_bytes: int = MAX_FILE_BYTES) -> int:
    """Refuse a missing, empty or oversized file; return its size."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportRefused(
            Problem("file.unreadable", source=path.name, params={"reason": exc.strerror})
        ) from exc
    if size == 0:
        raise ImportRefused(Problem("file.empty", source=path.name))
    if size > max_bytes:
        params = {"mb": round(size / 1e6, 1), "limit": round(max_bytes / 1e6)}
        raise ImportRefused(Problem("file.too_large", source=path.name, params=params))
    return size


def check_feature_count(name: str, count: int, limit: int = MAX_FEATURES) -> None:
    if count > limit:
        raise ImportRefused(
            Problem("file.too_many_features", source=name, params={"count": count, "limit": limit})
        )


def open_zip(path: Path) -> zipfile.ZipFile:
    """Open a zip, refusing truncated archives, traversal paths and bombs before anything is read."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ImportRefused(Problem("zip.damaged", source=path.name, params={"reason": str(exc)})) from exc
    members = zf.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        params = {"count": len(members), "limit": MAX_ZIP_MEMBERS}
        raise ImportRefused(Problem("zip.too_many_files", source=path.name, params=params))
    total = 0
    for info in members:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
            raise ImportRefused(Problem("zip.unsafe_path", source=path.name, params={"member": name}))
        if info.flag_bits & 0x1:
            raise ImportRefused(Problem("zip.encrypted", source=path.name, params={"member": name}))
        total += info.file_size
        if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
            ratio = round(info.file_size / info.compress_size)
            params = {"member": name, "ratio": ratio, "limit": MAX_ZIP_RATIO}
            raise ImportRefused(Problem("zip.bomb_ratio", source=path.name, params=params))
    if total > MAX_UNZIPPED_BYTES:
        params = {"mb": round(total / 1e6), "limit": round(MAX_UNZIPPED_BYTES / 1e6)}
        raise ImportRefused(Problem("zip.bomb_size", source=path.name, params=params))
    return zf


def safe_extract(path: Path, dest: Path) -> list[Path]:
    """Extract a checked zip into ``dest``, counting real bytes (declared sizes can lie)."""
    zf = open_zip(path)
    out: list[Path] = []
    budget = MAX_UNZIPPED_BYTES
    with zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            target = (dest / info.filename).resolve()
            if not target.is_relative_to(dest.resolve()):
                raise ImportRefused(
                    Problem("zip.unsafe_path", source=path.name, params={"member": info.filename})
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                written = 0
                with zf.open(info) as src, target.open("wb") as dst:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        budget -= len(chunk)
                        if budget < 0 or written > info.file_size:
                            params = {"member": info.filename}
                            raise ImportRefused(Problem("zip.bomb_lies", source=path.name, params=params))
                        dst.write(chunk)
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                params = {"member": info.filename, "reason": str(exc)}
                raise ImportRefused(Problem("zip.member_damaged", source=path.name, params=params)) from exc
            out.append(target)
    return out


def check_xml(data: bytes, name: str) -> None:
    """Refuse DTDs and entities (XXE, billion laughs) before any XML library with features sees it."""
    try:
        safe_et.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        params = {"reason": type(exc).__name__}
        raise ImportRefused(Problem("xml.entities", source=name, params=params)) from exc
    except safe_et.ParseError as exc:
        raise ImportRefused(Problem("xml.malformed", source=name, params={"reason": str(exc)})) from exc
