"""Password hashing (argon2), access tokens (JWT) and API key material."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from salescore.kit.types import utcnow

_hasher = PasswordHasher()
# Verifying against this keeps unknown-email logins as slow as wrong-password ones.
_DUMMY_HASH = _hasher.hash("salescore-timing-equaliser")


def configure_password_hashing(time_cost: int, memory_kib: int, parallelism: int) -> None:
    """Argon2id cost for new hashes (operators tune it to their hardware; existing hashes
    keep verifying because each hash carries its own parameters)."""
    global _hasher, _DUMMY_HASH
    if (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism) == (time_cost, memory_kib, parallelism):
        return
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
    _DUMMY_HASH = _hasher.hash("salescore-timing-equaliser")
API_KEY_PREFIX = "sk_"
JWT_ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def create_access_token(
    secret: str, *, user_id: uuid.UUID, tenant_id: uuid.UUID, minutes: int
) -> tuple[str, int]:
    now = utcnow()
    expires = timedelta(minutes=minutes)
    claims = {
        "sub": str(user_id),
        "tid": str(tenant_id),
        "iat": int(now.timestamp()),
        "exp": int((now + expires).timestamp()),
        "typ": "access",
    }
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM), int(expires.total_seconds())


@dataclass(frozen=True)
class TokenClaims:
    user_id: uuid.UUID
    tenant_id: uuid.UUID


def decode_access_token(secret: str, token: str) -> TokenClaims | None:
    try:
        claims = jwt.decode(token, secret, algorithms=[JWT_ALGORITHM], options={"require": ["exp", "sub"]})
        if claims.get("typ") != "access":
            return None
        return TokenClaims(uuid.UUID(claims["sub"]), uuid.UUID(claims["tid"]))
    except (jwt.PyJWTError, KeyError, ValueError):
        return None


@dataclass(frozen=True)
class NewApiKey:
    prefix: str
    secret: str
    secret_hash: str

    @property
    def token(self) -> str:
        return f"{API_KEY_PREFIX}{self.prefix}.{self.secret}"


def generate_api_key() -> NewApiKey:
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return NewApiKey(prefix, secret, _digest(secret))


def split_api_key(token: str) -> tuple[str, str] | None:
    if not token.startswith(API_KEY_PREFIX) or "." not in token:
        return None
    prefix, _, secret = token[len(API_KEY_PREFIX):].partition(".")
    return (prefix, secret) if prefix and secret else None


def api_key_matches(secret: str, secret_hash: str) -> bool:
    # API keys are 256-bit random: a fast digest is enough, compared in constant time.
    return hmac.compare_digest(_digest(secret), secret_hash)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
