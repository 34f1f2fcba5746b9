"""Attachments (§3, §4): real files in, the sniffed type and content-addressed bytes out."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from salescore.attachment.service import clean_filename, store_generated
from salescore.attachment.sniff import content_type_of
from tests.attachments import files
from tests.support import Actor, Harness

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def upload(
    h: Harness, actor: Actor, name: str, data: bytes, client_type: str = "application/octet-stream"
) -> httpx.Response:
    files_ = {"file": (name, data, client_type)}
    return await h.client.post("/api/v1/attachments", files=files_, headers=actor.headers)


def blob_files(h: Harness) -> set[Path]:
    """Every file in the store, staging area included, so leftovers show up too."""
    return {p for p in (h.settings.storage_dir / "blobs").rglob("*") if p.is_file()}


def blob_of(h: Harness, sha256: str) -> Path:
    return h.settings.storage_dir / "blobs" / sha256[:2] / sha256[2:4] / sha256


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("报价单.pdf", files.pdf(), "application/pdf"),
        # The client's claimed type is ignored either way: the bytes say PNG.
        ("现场照片.pdf", files.png(), "image/png"),
        ("客户技术确认单.docx", files.docx(), DOCX),
        ("需求.txt", files.text(), "text/plain"),
        ("报价确认.eml", files.eml(), "message/rfc822"),
    ],
)
async def test_real_files_are_stored_by_hash_with_sniffed_type(
    h: Harness, name: str, data: bytes, expected: str
) -> None:
    admin = await h.signup()
    r = await upload(h, admin, name, data, client_type="application/pdf")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert (body["size"], body["content_type"], body["filename"]) == (len(data), expected, name)
    assert blob_of(h, body["sha256"]).read_bytes() == data
    # The stored name never became a path.
    assert not list(h.settings.storage_dir.rglob(name))


async def test_same_bytes_twice_share_one_blob(h: Harness) -> None:
    admin = await h.signup()
    data = files.pdf(f"dedupe {uuid.uuid4()}")
    before = blob_files(h)
    first = (await upload(h, admin, "a.pdf", data)).json()
    second = (await upload(h, admin, "b.pdf", data)).json()
    assert first["id"] != second["id"] and first["sha256"] == second["sha256"]
    assert blob_files(h) - before == {blob_of(h, first["sha256"])}


async def test_download_round_trips_bytes_and_headers(h: Harness) -> None:
    admin = await h.signup()
    data, name = files.docx("样机测试报告"), "客户技术确认单 v2.docx"
    created = (await upload(h, admin, name, data)).json()
    meta = await h.client.get(f"/api/v1/attachments/{created['id']}", headers=admin.headers)
    assert meta.status_code == 200 and meta.json() == created
    r = await h.client.get(f"/api/v1/attachments/{created['id']}/content", headers=admin.headers)
    assert r.status_code == 200
    assert r.content == data
    assert r.headers["content-type"] == DOCX
    assert r.headers["x-content-type-options"] == "nosniff"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert "%E5%AE%A2%E6%88%B7" in disposition  # 客户, percent-encoded UTF-8


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("报价单.pdf", files.executable()),
        ("photo.png", bytes(range(256)) * 8),
        ("合同.docx", files.zip_archive()),
        ("notes.txt", "报价".encode("gbk") + b"\x00\x01"),
    ],
    ids=["renamed-exe", "random-binary", "plain-zip", "not-utf8"],
)
async def test_disallowed_types_are_refused_and_not_stored(h: Harness, name: str, data: bytes) -> None:
    admin = await h.signup()
    before = blob_files(h)
    r = await upload(h, admin, name, data, client_type="application/pdf")
    assert r.status_code == 415, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "file"
    assert blob_files(h) == before


async def test_empty_or_missing_file_is_a_validation_error(h: Harness) -> None:
    admin = await h.signup()
    empty = await upload(h, admin, "empty.txt", b"")
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "file"
    missing = await h.client.post(
        "/api/v1/attachments", files={"document": ("a.txt", b"hello", "text/plain")}, headers=admin.headers
    )
    assert missing.status_code == 422
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in missing.json()["errors"]] == ["file"]


async def test_over_the_limit_answers_413_and_stores_nothing(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = await h.signup()
    monkeypatch.setattr(h.runtime.settings, "max_upload_bytes", 1024)
    before = blob_files(h)
    at_limit = "限".encode() * 341 + b"x"  # exactly 1024 bytes of UTF-8 text
    assert (await upload(h, admin, "ok.txt", at_limit)).status_code == 201
    before |= {blob_of(h, hashlib.sha256(at_limit).hexdigest())}

    just_over = at_limit + b"y"
    r = await upload(h, admin, "big.txt", just_over)
    assert r.status_code == 413 and r.json()["type"].endswith("/payload-too-large"), r.text
    assert r.json()["detail"].startswith("the file is larger")
    # Refused from Content-Length, before the body is read.
    r = await upload(h, admin, "huge.txt", b"a" * 200_000)
    assert r.status_code == 413 and r.json()["detail"].startswith("the request is larger")

    # A chunked body announces no length: counted as it arrives.
    boundary = "salescore-test-boundary"

    async def chunked() -> AsyncIterator[bytes]:
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"stream.txt\"\r\n"
               "Content-Type: text/plain\r\n\r\n").encode()
        for _ in range(20):
            yield b"b" * 8192
        yield f"\r\n--{boundary}--\r\n".encode()

    r = await h.client.post(
        "/api/v1/attachments", content=chunked(),
        headers={**admin.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert r.status_code == 413 and r.json()["detail"].startswith("the request is larger"), r.text
    assert blob_files(h) == before
    assert not blob_of(h, hashlib.sha256(just_over).hexdigest()).exists()


async def test_a_path_in_the_file_name_is_only_metadata(h: Harness) -> None:
    admin = await h.signup()
    data = f"root:x:0:0 {uuid.uuid4()}".encode()
    r = await upload(h, admin, "../../etc/passwd", data)
    assert r.status_code == 201, r.text
    assert r.json()["filename"] == "passwd"
    assert blob_of(h, r.json()["sha256"]).read_bytes() == data
    assert not (h.settings.storage_dir.parent.parent / "etc" / "passwd").exists()


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("..\\..\\Windows\\boot.ini", "boot.ini"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # a right-to-left override would show "exe.pdf"
        ("a\x00b\nc.txt", "abc.txt"),
        ("..", None),
        ("", None),
        ("长" * 300 + ".pdf", "长" * 251 + ".pdf"),
    ],
)
def test_clean_filename(raw: str, clean: str | None) -> None:
    assert clean_filename(raw) == clean


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"BMW 5 series quote\n", "text/plain"),  # two letters are not a bitmap
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heix" + b"\x00" * 64, "image/heif"),
        ("报价".encode("gbk"), None),
        (b"From: a@example.com\nhello\n", "text/plain"),  # one header line is not a mail
    ],
    ids=["bm-text", "heif", "gbk-text", "one-header-note"],
)
def test_sniffing_edge_cases(tmp_path: Path, data: bytes, expected: str | None) -> None:
    path = tmp_path / "upload"
    path.write_bytes(data)
    assert content_type_of(path) == expected


async def test_visible_to_uploader_their_manager_and_the_top_only(h: Harness) -> None:
    org = await h.org()
    stranger = await h.signup("另一家公司")
    created = (await upload(h, org.reps[0], "报价单.pdf", files.pdf())).json()
    ghost = f"/api/v1/attachments/{uuid.uuid4()}"

    async def status(actor: Actor, suffix: str = "") -> tuple[int, Any]:
        r = await h.client.get(f"/api/v1/attachments/{created['id']}{suffix}", headers=actor.headers)
        return r.status_code, r.json() if r.status_code == 404 else None

    not_found = (404, (await h.client.get(ghost, headers=org.admin.headers)).json())
    for suffix in ("", "/content"):
        assert (await status(org.reps[0], suffix))[0] == 200
        assert (await status(org.managers[0], suffix))[0] == 200
        assert (await status(org.director, suffix))[0] == 200
        for outsider in (org.reps[1], org.managers[1], stranger):
            assert await status(outsider, suffix) == not_found, (outsider.role, suffix)


async def test_a_generated_document_reads_like_an_upload(h: Harness) -> None:
    admin = await h.signup()
    data = files.docx("客户技术确认单 · 生成")
    async with h.runtime.sessionmaker() as session:
        generated = await store_generated(
            session, tenant_id=uuid.UUID(admin.tenant_id), user_id=uuid.UUID(admin.user_id), data=data,
            filename="客户技术确认单.docx", content_type=DOCX, storage_dir=h.settings.storage_dir,
        )
        await session.commit()
    r = await h.client.get(f"/api/v1/attachments/{generated.id}/content", headers=admin.headers)
    assert r.status_code == 200 and r.content == data and r.headers["content-type"] == DOCX
    meta = (await h.client.get(f"/api/v1/attachments/{generated.id}", headers=admin.headers)).json()
    assert meta["sha256"] == hashlib.sha256(data).hexdigest() and meta["filename"] == "客户技术确认单.docx"
