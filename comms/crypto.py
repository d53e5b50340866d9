"""Secrets at rest (chat webhook URLs, webhook signing secrets): Fernet with a key derived from SECRET_KEY.

Rotating SECRET_KEY makes stored values unreadable; ``COMMS_ENCRYPTION_KEYS`` (comma separated
old secrets) keeps them readable while they are re-saved.
https://cryptography.io/en/latest/fernet/#using-passwords-with-fernet
"""

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from comms.conf import setting


def _fernet_for(secret: str) -> Fernet:
    key = hashlib.pbkdf2_hmac("sha256", secret.encode(), b"foghorn.comms.fernet", 100_000)
    return Fernet(base64.urlsafe_b64encode(key))


_cache: dict[str, MultiFernet] = {}


def _fernet() -> MultiFernet:
    old = [item for item in str(setting("COMMS_ENCRYPTION_KEYS", "")).split(",") if item]
    cache_key = "\0".join([settings.SECRET_KEY, *old])
    if cache_key not in _cache:
        _cache[cache_key] = MultiFernet([_fernet_for(settings.SECRET_KEY), *(_fernet_for(o) for o in old)])
    return _cache[cache_key]


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def fingerprint(value: str) -> str:
    """A keyed hash to find or throttle by a secret value without decrypting every row."""
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def redact_url(url: str) -> str:
    """``https://hooks.slack.com/services/T000/B000/XXXX`` → ``https://hooks.slack.com/…XXXX`` (last 4)."""
    if not url:
        return ""
    scheme, _sep, rest = url.partition("://")
    host = rest.split("/", 1)[0]
    return f"{scheme}://{host}/…{url[-4:]}"
