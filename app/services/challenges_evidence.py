"""What a public report brings with it, checked before anything is written: the proof of work that
stands for "a person filled this form", and the optional attachment (a photo, re-encoded so that its
metadata — GPS position, camera, owner — is gone; or a speed-test app's CSV/JSON export).

Why a proof of work and a honeypot rather than a CAPTCHA or a signed form ticket: it needs no third
party (no CDN, nothing sent to anyone), no secret shared between workers, no server-side state, and
no puzzle a blind or elderly reporter has to see. The page spends about a second of CPU finding a
nonce; a bot spamming reports spends that per report, and each proof is accepted once (its digest is
unique in ``challenges``). The per-address limit (``challenges.file``) caps what a patient bot does.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import time
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from app.errors import PayloadTooLarge, Unprocessable
from gis.problems import Problem
from gis.text import fold_vi

PROOF_MAX_AGE_S = 3600  # a form left open an hour must prove again
PROOF_FUTURE_S = 300  # clocks a few minutes apart
MAX_IMAGE_PIXELS = 40_000_000  # a 40-megapixel photo; larger is a decompression bomb or not a phone's
MAX_IMAGE_SIDE_PX = 2560  # kept photos are scaled down to this: evidence, not archives
PHOTO_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}


@dataclass(frozen=True)
class Attachment:
    kind: str  # photo | speed_test
    media_type: str
    filename: str
    content: bytes


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def check_proof(proof: str, bits: int, now_s: float | None = None) -> str:
    """The proof's SHA-256 (hex) when ``proof`` = "<unix seconds>:<salt>:<nonce>" is fresh and its
    SHA-256 starts with ``bits`` zero bits; else Unprocessable."""
    now_s = time.time() if now_s is None else now_s
    parts = proof.split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not (8 <= len(parts[1]) <= 64) or not parts[2]:
        raise Unprocessable(reasons=[Problem("challenge.proof_malformed", "proof")])
    if not (now_s - PROOF_MAX_AGE_S <= int(parts[0]) <= now_s + PROOF_FUTURE_S):
        raise Unprocessable(reasons=[Problem("challenge.proof_stale", "proof")])
    digest = hashlib.sha256(proof.encode()).digest()
    if leading_zero_bits(digest) < bits:
        raise Unprocessable(reasons=[Problem("challenge.proof_weak", "proof", params={"bits": bits})])
    return digest.hex()


def solve_proof(stamp_s: int, salt: str, bits: int) -> str:
    """A proof for ``bits`` (what the page does in JavaScript; tests and scripts use this)."""
    nonce = 0
    while True:
        proof = f"{stamp_s}:{salt}:{nonce}"
        if leading_zero_bits(hashlib.sha256(proof.encode()).digest()) >= bits:
            return proof
        nonce += 1


def attachment(filename: str, content: bytes, max_bytes: int) -> Attachment:
    """The attachment as it will be kept, judged by its content (never by its name's extension)."""
    if len(content) > max_bytes:
        raise PayloadTooLarge(
            reasons=[
                Problem("challenge.attachment_too_large", "attachment", params={"max_mb": max_bytes // 2**20})
            ]
        )
    if not content:
        raise Unprocessable(reasons=[Problem("challenge.attachment_empty", "attachment")])
    # ASCII only: the name goes back out in a Content-Disposition header.
    base = fold_vi(filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0])
    stem = re.sub(r"[^a-z0-9._-]+", "_", base)
    stem = stem.strip("._")[:80] or "tep"
    if content[:8] == b"\x89PNG\r\n\x1a\n" or content[:3] == b"\xff\xd8\xff":
        return _photo(stem, content)
    return _speed_test(stem, content)


def _photo(stem: str, content: bytes) -> Attachment:
    bad = Unprocessable(reasons=[Problem("challenge.image_unreadable", "attachment")])
    try:
        with Image.open(io.BytesIO(content)) as img:
            if img.format not in PHOTO_FORMATS:
                raise bad
            if img.width * img.height > MAX_IMAGE_PIXELS:
                raise Unprocessable(
                    reasons=[Problem("challenge.image_too_big", "attachment", params={"megapixels": 40})]
                )
            img.load()
            media_type, ext = PHOTO_FORMATS[img.format]
            # Turn the photo as its EXIF says, then drop every metadata block by drawing the pixels anew.
            upright = ImageOps.exif_transpose(img)
            upright.thumbnail((MAX_IMAGE_SIDE_PX, MAX_IMAGE_SIDE_PX))
            clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
            if upright.mode == "P":
                clean.putpalette(upright.getpalette())
            out = io.BytesIO()
            if img.format == "JPEG":
                clean.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
            else:
                clean.save(out, "PNG", optimize=True)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise bad from None
    return Attachment("photo", media_type, f"{stem}.{ext}", out.getvalue())


def _speed_test(stem: str, content: bytes) -> Attachment:
    """A speed-test app's export: JSON (an object or a list of them) or CSV with a header and a row."""
    bad = Unprocessable(reasons=[Problem("challenge.attachment_kind", "attachment")])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise bad from None
    if "\x00" in text:
        raise bad
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            data = json.loads(stripped)
        except ValueError:
            raise bad from None
        if not isinstance(data, dict | list) or not data:
            raise bad
        return Attachment("speed_test", "application/json", f"{stem}.json", text.encode())
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        rows = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error:
        raise bad from None
    if len(rows) < 2 or len(rows[0]) < 2:
        raise bad
    return Attachment("speed_test", "text/csv", f"{stem}.csv", text.encode())
