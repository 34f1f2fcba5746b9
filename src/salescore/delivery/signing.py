"""Standard Webhooks secrets and signatures (https://www.standardwebhooks.com)."""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import datetime

from standardwebhooks.webhooks import Webhook

PREFIX = "whsec_"
# The specification asks for 24-64 random bytes; 32 matches an HMAC-SHA256 key.
MIN_BYTES, MAX_BYTES, GENERATED_BYTES = 24, 64, 32


def generate_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(GENERATED_BYTES)).decode()


def normalize_secret(value: str) -> str:
    """`whsec_<base64 of 24-64 bytes>` (the prefix may be left out); raises ValueError otherwise."""
    raw = value.removeprefix(PREFIX)
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("must be whsec_ followed by standard base64") from exc
    if not MIN_BYTES <= len(key) <= MAX_BYTES:
        raise ValueError(f"must encode {MIN_BYTES} to {MAX_BYTES} random bytes (got {len(key)})")
    return PREFIX + raw


def signature_headers(secret: str, msg_id: str, body: str, at: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers; `at` must be the wall clock (receivers reject
    timestamps more than five minutes off theirs)."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }
