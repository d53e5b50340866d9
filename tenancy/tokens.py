"""Opaque secrets shown once and stored as SHA-256 (API tokens, later routing keys and feeds)."""

import hashlib
import secrets

TOKEN_PREFIX = "fh_"  # noqa: S105 — a public prefix, not a secret


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_api_token() -> tuple[str, str, str]:
    """Return (token, visible prefix, hash). The token is ``fh_`` + 40 URL-safe characters."""
    body = secrets.token_urlsafe(30)[:40]
    token = f"{TOKEN_PREFIX}{body}"
    return token, token[:11], hash_secret(token)
