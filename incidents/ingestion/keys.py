"""Routing keys: 32 characters like PagerDuty's integration keys, shown once, stored hashed."""

import secrets
import string

from tenancy.tokens import hash_secret

ROUTING_KEY_LENGTH = 32
_ALPHABET = string.ascii_lowercase + string.digits


def new_routing_key() -> tuple[str, str]:
    """Return (routing key, its hash)."""
    key = "".join(secrets.choice(_ALPHABET) for _ in range(ROUTING_KEY_LENGTH))
    return key, hash_secret(key)


def looks_like_routing_key(value) -> bool:
    return isinstance(value, str) and 8 <= len(value) <= 64 and value.isascii() and value.isalnum()


__all__ = ["ROUTING_KEY_LENGTH", "hash_secret", "looks_like_routing_key", "new_routing_key"]
