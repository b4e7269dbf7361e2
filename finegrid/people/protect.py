"""Personal data at rest: encryption, exact-match lookup hashes and masking.

ID numbers, phone numbers and sensitive flags are stored as AES-256-GCM ciphertext
(``cryptography``'s AESGCM). Each token records the id of the key that made it, so keys
can be rotated: put a new key first in FINEGRID_FIELD_KEYS, run
``finegrid registry rotate-keys`` to re-encrypt every row with it, then drop the old one.
Exact lookups ("who has this ID number?") use an HMAC-SHA256 of the normalized value
under FINEGRID_LOOKUP_KEY, which reveals nothing without that key.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12


class UndecryptableValue(Exception):
    """A stored value no configured key opens (a key was removed too early)."""


@functools.cache
def _keys() -> tuple[int, dict[int, AESGCM]]:
    keys: dict[int, AESGCM] = {}
    primary = None
    for entry in settings.FIELD_ENCRYPTION_KEYS:
        key_id, _, encoded = entry.partition(":")
        try:
            raw = base64.b64decode(encoded, validate=True)
            number = int(key_id)
        except ValueError:
            raise ImproperlyConfigured(f"field key {key_id!r}: expected id:base64") from None
        if len(raw) != 32 or not 0 < number < 256:
            raise ImproperlyConfigured(f"field key {key_id}: need a 32-byte key and id 1–255")
        keys[number] = AESGCM(raw)
        primary = primary or number
    if primary is None:
        raise ImproperlyConfigured("no field encryption key configured")
    return primary, keys


@functools.cache
def _lookup_hmac():
    """The keyed HMAC state, copied per value (cheaper than keying it each time)."""
    return hmac.new(base64.b64decode(settings.LOOKUP_HASH_KEY), digestmod=hashlib.sha256)


def primary_key_id() -> int:
    return _keys()[0]


def encrypt(value: str) -> str:
    """Ciphertext token of a value; the empty string stays empty."""
    if not value:
        return ""
    primary, keys = _keys()
    nonce = os.urandom(NONCE_BYTES)
    sealed = keys[primary].encrypt(nonce, value.encode(), None)
    return base64.b64encode(bytes([primary]) + nonce + sealed).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    raw = base64.b64decode(token)
    key_id, nonce, sealed = raw[0], raw[1 : 1 + NONCE_BYTES], raw[1 + NONCE_BYTES :]
    key = _keys()[1].get(key_id)
    if key is None:
        raise UndecryptableValue(f"value sealed with key {key_id}, which is not configured")
    try:
        return key.decrypt(nonce, sealed, None).decode()
    except InvalidTag:
        raise UndecryptableValue(f"value does not open with key {key_id}") from None


def key_id_of(token: str) -> int | None:
    return base64.b64decode(token)[0] if token else None


def lookup_hash(kind: str, value: str) -> str:
    """Keyed hash for exact-match search; ``kind`` keeps ID and phone spaces apart."""
    if not value:
        return ""
    keyed = _lookup_hmac().copy()
    keyed.update(f"{kind}:{value}".encode())
    return keyed.hexdigest()
