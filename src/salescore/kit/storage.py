"""Content-addressed file store under STORAGE_DIR: `blobs/<sha[:2]>/<sha[2:4]>/<sha256>`.

A path is derived from the content hash only, never from a client's file name, so no upload can
choose where it lands. Blobs are immutable and shared by identical uploads; writes go to a temp
file on the same filesystem and are moved into place with os.replace, so a reader never sees a
half-written blob and storing the same bytes twice is harmless. Every disk call runs in a thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from salescore.kit.errors import PayloadTooLarge

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_INCOMING = ".incoming"
_root: Path | None = None


@dataclass(frozen=True)
class Blob:
    sha256: str
    size: int


def configure(root: Path) -> None:
    """Set the process-wide store (the runtime calls this once, like password hashing), for
    code that has a session but no settings: event handlers generating documents."""
    global _root
    _root = root


def resolve_root(root: Path | None = None) -> Path:
    if root is not None:
        return root
    if _root is None:
        raise RuntimeError("file storage is not configured: call kit.storage.configure(settings.storage_dir)")
    return _root


def blob_path(root: Path, sha256: str) -> Path:
    # The digest comes from our own database, but a path is built from nothing unchecked.
    if not _SHA256.match(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return root / "blobs" / sha256[:2] / sha256[2:4] / sha256


async def read_path(root: Path, sha256: str) -> Path:
    """Where a stored blob can be read. A missing blob is a storage fault, not a client error."""
    path = blob_path(root, sha256)
    if not await asyncio.to_thread(path.is_file):
        raise FileNotFoundError(f"blob {sha256} is missing from {root}")
    return path


async def store_bytes(root: Path, data: bytes) -> Blob:
    sha256 = hashlib.sha256(data).hexdigest()
    await asyncio.to_thread(_write_once, blob_path(root, sha256), data)
    return Blob(sha256, len(data))


def _write_once(path: Path, data: bytes) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            # The row referencing the blob commits next: the bytes must be durable before it.
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


class Staging:
    """An upload being received: hashed and counted chunk by chunk, kept out of the store
    until `commit()`. Over `max_bytes` it raises 413 at once, before the excess is written."""

    def __init__(self, root: Path, max_bytes: int, path: Path, out: BinaryIO) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.path = path
        self.size = 0
        self._out = out
        self._hash = hashlib.sha256()
        self._committed = False

    @classmethod
    def open(cls, root: Path, max_bytes: int) -> Staging:
        # The hash, hence the final directory, is unknown until the end: stage beside the
        # blobs (same filesystem, so the final os.replace stays atomic).
        incoming = root / "blobs" / _INCOMING
        incoming.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=incoming, prefix="upload-")
        return cls(root, max_bytes, Path(tmp), os.fdopen(fd, "wb"))

    async def write(self, chunk: bytes) -> None:
        if self.size + len(chunk) > self.max_bytes:
            raise PayloadTooLarge(f"the file is larger than the limit of {self.max_bytes} bytes")
        self.size += len(chunk)
        await asyncio.to_thread(self._append, chunk)

    def _append(self, chunk: bytes) -> None:
        self._hash.update(chunk)
        self._out.write(chunk)
        # `path` must show every byte received so far: the file is inspected before commit.
        self._out.flush()

    async def commit(self) -> Blob:
        blob = Blob(self._hash.hexdigest(), self.size)
        await asyncio.to_thread(self._move_into_place, blob_path(self.root, blob.sha256))
        self._committed = True
        return blob

    def _move_into_place(self, final: Path) -> None:
        self._out.flush()
        os.fsync(self._out.fileno())
        self._out.close()
        if final.exists():
            self.path.unlink()
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.path, final)

    def discard(self) -> None:
        self._out.close()
        if not self._committed:
            with suppress(FileNotFoundError):
                self.path.unlink()


@asynccontextmanager
async def staging(root: Path, *, max_bytes: int) -> AsyncIterator[Staging]:
    """Receive an upload stream chunk by chunk with a size limit; whatever is not committed
    when the block ends (error, rejected type, over the limit) is deleted."""
    staged = await asyncio.to_thread(Staging.open, root, max_bytes)
    try:
        yield staged
    finally:
        await asyncio.to_thread(staged.discard)
