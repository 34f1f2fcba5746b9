"""Real file bytes for upload tests, built the way the real tools write them."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib


def pdf(text: str = "Quote 2026-001") -> bytes:
    """A one-page PDF 1.4 with a correct cross-reference table."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
         b" /Resources << /Font << /F1 5 0 R >> >> >>"),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def png(rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A 1x1 RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes(rgb))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def docx(text: str = "客户技术确认单") -> bytes:
    from docx import Document

    document = Document()
    document.add_heading(text, level=1)
    document.add_paragraph("客户已阅 / 需修改部位")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def eml() -> bytes:
    return (
        "Received: from mail.example.com by mx.example.com; Mon, 5 Jan 2026 09:30:01 +0800\r\n"
        "From: 张三 <zhang@example.com>\r\n"
        "To: li@example.com\r\n"
        "Subject: =?UTF-8?B?5oql5Lu356Gu6K6k?=\r\n"
        "Date: Mon, 5 Jan 2026 09:30:00 +0800\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "您好，报价已确认，请安排样机测试。\r\n"
    ).encode()


def text() -> bytes:
    return "客户需求：滤芯 200 支\n交期：两周\nSubject: not an e-mail, just a note\n".encode()


def executable() -> bytes:
    """The start of a Windows PE file (what a renamed .exe begins with)."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 4


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not an office document")
    return buffer.getvalue()
