"""Secrets at rest (chat webhook URLs, webhook signing secrets): Fernet, with a key of its own.

The encryption key is not the signing key. ``FOGHORN_ENCRYPTION_KEY`` (comma-separated: the first
encrypts, every one decrypts) names it; unset, it is derived from ``SECRET_KEY`` with HKDF under a
label of its own, so a signature made with ``SECRET_KEY`` never reveals or equals the Fernet key.

Rotation: put the new key first and keep the old ones after it (``MultiFernet``); run
``manage.py rotate_encryption_keys`` to re-encrypt every stored value with the first key; then drop
the old ones. Values written before this scheme (a PBKDF2 key from ``SECRET_KEY``, and the old
secrets listed in ``COMMS_ENCRYPTION_KEYS``) stay readable and are re-encrypted by the same command.
https://cryptography.io/en/latest/fernet/#cryptography.fernet.MultiFernet
"""

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from comms.conf import setting

HKDF_SALT = b"foghorn.encryption-key"
HKDF_INFO = b"comms.fernet.v2"


def _derived(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT, info=HKDF_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _legacy(secret: str) -> Fernet:
    """The first scheme's key (PBKDF2 of SECRET_KEY): decrypt only, so older rows stay readable."""
    key = hashlib.pbkdf2_hmac("sha256", secret.encode(), b"foghorn.comms.fernet", 100_000)
    return Fernet(base64.urlsafe_b64encode(key))


_cache: dict[str, MultiFernet] = {}


def _secrets() -> tuple[list[str], list[str]]:
    configured = [str(key) for key in getattr(settings, "FOGHORN_ENCRYPTION_KEYS", []) if str(key).strip()]
    old = [item for item in str(setting("COMMS_ENCRYPTION_KEYS", "")).split(",") if item]
    return configured, old


def _fernet() -> MultiFernet:
    configured, old = _secrets()
    cache_key = "\0".join([settings.SECRET_KEY, *configured, "|", *old])
    if cache_key not in _cache:
        keys = [_derived(secret) for secret in configured]
        keys.append(_derived(settings.SECRET_KEY))  # the default key, or the one before a configured key
        keys.extend(_legacy(secret) for secret in [settings.SECRET_KEY, *old])
        _cache[cache_key] = MultiFernet(keys)
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


def rotate(token: str) -> str:
    """``token`` re-encrypted with the current key ("" stays ""; an unreadable token is kept as it is)."""
    if not token:
        return ""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        return token


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
