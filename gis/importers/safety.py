"""Limits and defences for uploaded files: sizes, zip bombs, path traversal, XML entity attacks."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from gis.importers.errors import ImportRefused

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
        raise ImportRefused(f"{path.name}: cannot read the file ({exc.strerror})") from exc
    if size == 0:
        raise ImportRefused(f"{path.name}: the file is empty")
    if size > max_bytes:
        raise ImportRefused(
            f"{path.name}: the file is {size / 1e6:.1f} MB, more than the {max_bytes / 1e6:.0f} MB limit"
        )
    return size


def check_feature_count(name: str, count: int, limit: int = MAX_FEATURES) -> None:
    if count > limit:
        raise ImportRefused(f"{name}: {count} features, more than the {limit} limit; split the file")


def open_zip(path: Path) -> zipfile.ZipFile:
    """Open a zip, refusing truncated archives, traversal paths and bombs before anything is read."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ImportRefused(f"{path.name}: not a readable zip archive (truncated or damaged: {exc})") from exc
    members = zf.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise ImportRefused(f"{path.name}: {len(members)} files in the archive, more than {MAX_ZIP_MEMBERS}")
    total = 0
    for info in members:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
            raise ImportRefused(f"{path.name}: unsafe path in the archive '{name}' (absolute or '..')")
        if info.flag_bits & 0x1:
            raise ImportRefused(f"{path.name}: '{name}' is encrypted")
        total += info.file_size
        if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
            raise ImportRefused(
                f"{path.name}: '{name}' expands {info.file_size / info.compress_size:.0f}× "
                f"(limit {MAX_ZIP_RATIO}×): refused as a zip bomb"
            )
    if total > MAX_UNZIPPED_BYTES:
        raise ImportRefused(
            f"{path.name}: declares {total / 1e6:.0f} MB once unpacked, more than "
            f"{MAX_UNZIPPED_BYTES / 1e6:.0f} MB: refused as a zip bomb"
        )
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
                raise ImportRefused(f"{path.name}: unsafe path in the archive '{info.filename}'")
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                written = 0
                with zf.open(info) as src, target.open("wb") as dst:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        budget -= len(chunk)
                        if budget < 0 or written > info.file_size:
                            raise ImportRefused(
                                f"{path.name}: '{info.filename}' unpacks to more than it declares: "
                                "refused as a zip bomb"
                            )
                        dst.write(chunk)
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise ImportRefused(
                    f"{path.name}: '{info.filename}' cannot be unpacked (truncated or damaged: {exc})"
                ) from exc
            out.append(target)
    return out


def check_xml(data: bytes, name: str) -> None:
    """Refuse DTDs and entities (XXE, billion laughs) before any XML library with features sees it."""
    try:
        safe_et.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ImportRefused(
            f"{name}: XML with a DTD or entity declarations is refused (external entities / XXE): "
            f"{type(exc).__name__}"
        ) from exc
    except safe_et.ParseError as exc:
        raise ImportRefused(f"{name}: not well-formed XML ({exc})") from exc
