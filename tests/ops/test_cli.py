"""`salescore serve` migrates an empty SQLite file before it listens (the README's promise)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_migrates_a_new_database_and_answers(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "SALESCORE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/fresh.db",
        "SALESCORE_STORAGE_DIR": str(tmp_path / "files"),
    }
    env.pop("SALESCORE_REDIS_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "salescore.cli", "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(proc.stdout.read().decode() if proc.stdout else "serve died")
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["queue_kind"] == "in-process"
        assert httpx.get(f"http://127.0.0.1:{port}/docs", timeout=5).status_code == 200
        signup = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/auth/signup",
            json={"tenant_name": "t", "name": "n", "email": "cli@example.com", "password": "long-enough-1"},
            timeout=10,
        )
        assert signup.status_code == 201
        assert (tmp_path / "files" / ".secret_key").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
