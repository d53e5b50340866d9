"""Stored secrets: a key of their own (not SECRET_KEY itself), rotation with old keys, and values
written under the first scheme still readable."""

import base64
import hashlib

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from comms import crypto
from comms.services import contacts, secrets

pytestmark = pytest.mark.django_db


def legacy_token(value: str) -> str:
    """How the first scheme encrypted: a PBKDF2 key of SECRET_KEY."""
    key = hashlib.pbkdf2_hmac("sha256", settings.SECRET_KEY.encode(), b"foghorn.comms.fernet", 100_000)
    return Fernet(base64.urlsafe_b64encode(key)).encrypt(value.encode()).decode()


def test_values_of_the_first_scheme_stay_readable():
    assert crypto.decrypt(legacy_token("https://hooks.example.test/old")) == "https://hooks.example.test/old"


def test_the_encryption_key_is_not_derived_like_the_old_one():
    token = crypto.encrypt("secret")
    old_key = hashlib.pbkdf2_hmac("sha256", settings.SECRET_KEY.encode(), b"foghorn.comms.fernet", 100_000)
    with pytest.raises(InvalidToken):
        Fernet(base64.urlsafe_b64encode(old_key)).decrypt(token.encode())


def test_a_configured_key_encrypts_old_keys_decrypt_and_rotation_rewrites(settings, org):
    destination = contacts.chat_destination_create(organization=org, name="#ops", url="https://chat.example.test/h/1",
                                                   severities=["P0"])
    written_before = destination.url_encrypted
    settings.FOGHORN_ENCRYPTION_KEYS = ["new-key-one"]
    assert destination.url == "https://chat.example.test/h/1"  # the derived key still decrypts
    assert secrets.secrets_rotate() >= 1
    destination.refresh_from_db()
    assert destination.url_encrypted != written_before
    settings.FOGHORN_ENCRYPTION_KEYS = ["brand-new-key", "new-key-one"]
    assert destination.url == "https://chat.example.test/h/1"
    settings.FOGHORN_ENCRYPTION_KEYS = ["brand-new-key"]
    assert destination.url == ""  # rotated onto new-key-one, which is gone now
