"""Amazon SNS HTTPS deliveries: signature verification, certificate cache, subscription confirmation.

https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
- SignatureVersion 1 signs with SHA1withRSA, 2 with SHA256withRSA, over "Key\\nvalue\\n" pairs
  of a fixed set of keys in byte order.
- The signing certificate must come from an SNS host over https and be a ``.pem``; anything
  else is refused before any request is made. Certificates are cached per URL.
- ``SubscribeURL`` is fetched only when it is https on ``sns.<region>.amazonaws.com``.

Tests (or an on-premises SNS look-alike) can allow exact extra certificate URLs with the
``INGESTION_SNS_EXTRA_CERT_URLS`` setting.
"""

import base64
import binascii
import logging
import re
import threading
import time
from urllib.parse import urlsplit

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings

logger = logging.getLogger(__name__)

SNS_HOST = re.compile(r"^sns\.[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d\.amazonaws\.com(\.cn)?$")
NOTIFICATION_KEYS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
SUBSCRIPTION_KEYS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
MESSAGE_TYPES = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")
HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}
CACHE_SIZE = 64
CACHE_SECONDS = 24 * 3600
FETCH_TIMEOUT = 5


class SnsError(Exception):
    """The message is not a genuine SNS message we accept (a 4xx)."""


class SnsUnavailable(Exception):
    """A transient failure talking to SNS (a 5xx, so SNS retries)."""


_cache: dict[str, tuple[float, rsa.RSAPublicKey]] = {}
_cache_lock = threading.Lock()


def is_sns_https_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(SNS_HOST.match(parts.hostname or "")) and parts.port in (None, 443)


def certificate_url_allowed(url: str) -> bool:
    if url in settings.INGESTION_SNS_EXTRA_CERT_URLS:
        return True
    return is_sns_https_url(url) and urlsplit(url).path.endswith(".pem")


def cache_certificate(url: str, pem: bytes) -> None:
    """Load a PEM certificate into the cache (what a fetch does; tests use it directly)."""
    key = x509.load_pem_x509_certificate(pem).public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise SnsError("The signing certificate is not an RSA certificate.")
    with _cache_lock:
        if len(_cache) >= CACHE_SIZE:
            _cache.pop(min(_cache, key=lambda item: _cache[item][0]))
        _cache[url] = (time.monotonic() + CACHE_SECONDS, key)


def clear_certificate_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _public_key(url: str) -> rsa.RSAPublicKey:
    if not certificate_url_allowed(url):
        raise SnsError("SigningCertURL is not an SNS certificate URL.")
    cached = _cache.get(url)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    try:
        response = requests.get(url, timeout=FETCH_TIMEOUT, allow_redirects=False)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise SnsUnavailable(f"Could not fetch the signing certificate: {type(exc).__name__}") from exc
    try:
        cache_certificate(url, response.content)
    except ValueError as exc:
        raise SnsError("The signing certificate is not a PEM certificate.") from exc
    return _cache[url][1]


def string_to_sign(message: dict) -> bytes:
    keys = NOTIFICATION_KEYS if message.get("Type") == "Notification" else SUBSCRIPTION_KEYS
    parts = []
    for key in keys:
        if key in message and message[key] is not None:
            parts.append(f"{key}\n{message[key]}\n")
    return "".join(parts).encode()


def _check_shape(message) -> None:
    if not isinstance(message, dict):
        raise SnsError("The body is not an SNS message object.")
    if message.get("Type") not in MESSAGE_TYPES:
        raise SnsError("Type is not an SNS message type.")
    for key in ("MessageId", "Message", "Timestamp", "TopicArn", "Signature", "SigningCertURL"):
        if not isinstance(message.get(key), str):
            raise SnsError(f"{key} is missing or not a string.")
    if message.get("Subject") is not None and not isinstance(message["Subject"], str):
        raise SnsError("Subject is not a string.")
    if message["Type"] != "Notification":
        for key in ("SubscribeURL", "Token"):
            if not isinstance(message.get(key), str):
                raise SnsError(f"{key} is missing or not a string.")


def verify(message) -> None:
    """Raise SnsError unless ``message`` is signed by SNS (SnsUnavailable if the certificate
    cannot be fetched now)."""
    _check_shape(message)
    algorithm = HASHES.get(str(message.get("SignatureVersion", "1")))
    if algorithm is None:
        raise SnsError("Unsupported SignatureVersion.")
    try:
        signature = base64.b64decode(message["Signature"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SnsError("Signature is not base64.") from exc
    key = _public_key(message["SigningCertURL"])
    try:
        key.verify(signature, string_to_sign(message), padding.PKCS1v15(), algorithm())
    except InvalidSignature as exc:
        raise SnsError("The signature does not match.") from exc


def confirm_subscription(message: dict) -> None:
    """Visit SubscribeURL (only an https SNS host), which confirms the subscription."""
    url = message["SubscribeURL"]
    if not is_sns_https_url(url):
        raise SnsError("SubscribeURL is not an https SNS URL.")
    try:
        response = requests.get(url, timeout=FETCH_TIMEOUT, allow_redirects=False)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise SnsUnavailable(f"Could not confirm the subscription: {type(exc).__name__}") from exc
    logger.info("sns subscription confirmed", extra={"topic_arn": message.get("TopicArn")})
