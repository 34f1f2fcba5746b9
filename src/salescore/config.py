"""One Settings object for the whole service, read from SALESCORE_* environment variables."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SALESCORE_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./salescore.db"
    # Unset: events run on the in-process runner inside the API process (embedded default).
    redis_url: str | None = None
    # The arq queue (a Redis key): deployments, or test runs, sharing one Redis keep their jobs apart.
    queue_name: str = "arq:queue"
    # Unset: a key is generated once and kept in STORAGE_DIR so tokens survive restarts.
    secret_key: str | None = None
    storage_dir: Path = Path("./salescore-files")
    # Largest attachment accepted; bigger uploads answer 413 and leave nothing on disk.
    max_upload_bytes: int = Field(20 * 1024 * 1024, ge=1)
    timezone: str = "Asia/Shanghai"

    access_token_minutes: int = 60 * 12
    # Argon2id parameters for new password hashes (RFC 9106 defaults of argon2-cffi).
    argon2_time_cost: int = Field(3, ge=1)
    argon2_memory_kib: int = Field(65536, ge=1024)
    argon2_parallelism: int = Field(4, ge=1)
    login_attempts_per_minute: int = 10
    # The public diagnosis quick-screen (no login), per client address.
    diagnosis_requests_per_minute: int = 10
    idempotency_ttl_hours: int = 48
    # Seconds an unprocessed event waits before the sweeper re-enqueues it.
    sweeper_grace_seconds: float = 10.0
    sweeper_interval_seconds: float = 15.0
    # How often the periodic duties (deliveries, rule runs due, schedules) are checked.
    periodic_tick_seconds: float = 2.0
    # Embedded runner only: tasks processing events in the API process (0: events wait in the outbox).
    event_consumers: int = Field(2, ge=0, le=16)
    # The change feed withholds events this young: a sequence number is taken at insert, so a
    # transaction committing late could otherwise slip in behind a poller's cursor.
    change_feed_settle_seconds: float = Field(5.0, ge=0)
    log_level: str = "INFO"
    log_json: bool = True
    # Operators may run the public diagnosis and login from one NAT; these knobs exist for them.
    cors_origins: list[str] = Field(default_factory=list)
    # Outbound webhooks / WeChat Work robots may not reach private, loopback or link-local
    # addresses (SSRF) unless the operator allows it, e.g. for receivers on the same LAN.
    webhook_allow_private_networks: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        self.storage_dir.mkdir(parents=True, exist_ok=True)
        path = self.storage_dir / ".secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
