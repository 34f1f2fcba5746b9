"""What a file is, judged from its bytes alone: the client's Content-Type and file name are
never trusted, since both are whatever the uploader typed (SPEC §3 type allowlist)."""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import BinaryIO

import filetype

TEXT = "text/plain"
EMAIL = "message/rfc822"
HEIF = "image/heif"
_OOXML = "application/vnd.openxmlformats-officedocument."
_ODF = "application/vnd.oasis.opendocument."
BINARY_TYPES = frozenset({
    "application/pdf",
    "image/jpeg", "image/png", "image/apng", "image/gif", "image/webp", "image/bmp", "image/heic",
    "image/tiff",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    f"{_OOXML}wordprocessingml.document", f"{_OOXML}spreadsheetml.sheet",
    f"{_OOXML}presentationml.presentation",
    f"{_ODF}text", f"{_ODF}spreadsheet", f"{_ODF}presentation",
})
ALLOWED_TYPES = tuple(sorted(BINARY_TYPES | {HEIF, TEXT, EMAIL}))

# filetype reads this much; the e-mail check looks a little further for long Received chains.
_HEAD = 8192
_EMAIL_HEAD = 65536
_CHUNK = 1024 * 1024
# HEIF images without the `heic` brand, which filetype does not recognise.
_HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"})
_HEADER = re.compile(r"^([!-9;-~]+):")
_EMAIL_HEADERS = frozenset({
    "from", "to", "cc", "subject", "date", "received", "mime-version", "message-id", "return-path",
    "reply-to", "sender", "delivered-to",
})


def content_type_of(path: Path) -> str | None:
    """The allowed media type of the file at `path`, or None when it is not allowed."""
    with path.open("rb") as f:
        head = f.read(_EMAIL_HEAD)
        kind = filetype.guess(head[:_HEAD])
        if kind is not None and _plausible(kind.mime, head):
            return kind.mime if kind.mime in BINARY_TYPES else None
        if _is_heif(head):
            return HEIF
        f.seek(0)
        if not _is_utf8_text(f):
            return None
    return EMAIL if _is_email(head) else TEXT


def _plausible(mime: str, head: bytes) -> bool:
    # BMP is recognised by two letters: text starting "BM..." is not an image. A real BMP
    # header has its reserved bytes 6-9 zero.
    return mime != "image/bmp" or head[6:10] == b"\0\0\0\0"


def _is_heif(head: bytes) -> bool:
    return head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS


def _is_utf8_text(f: BinaryIO) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := f.read(_CHUNK):
            if b"\0" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _is_email(head: bytes) -> bool:
    """RFC 5322: the first non-empty lines are header fields (continuations folded), ending at a
    blank line, and at least two are headers every mail carries (From, To, Subject, Date, ...)."""
    lines = head.decode("utf-8", errors="ignore").lstrip("\r\n").splitlines()
    if len(head) == _EMAIL_HEAD:
        lines = lines[:-1]  # cut mid-line
    names: set[str] = set()
    for index, line in enumerate(lines):
        if not line:
            break
        if line[0] in " \t" and index > 0:
            continue
        match = _HEADER.match(line)
        if match is None:
            return False
        names.add(match.group(1).lower())
    return len(names & _EMAIL_HEADERS) >= 2
