"""Field encryption and keyed hashing of identifiers (see docs/adr/0003-identity-number-encryption.md).

* ``encrypt``/``decrypt``: Fernet (AES-128-CBC + HMAC-SHA256, authenticated) through ``MultiFernet``, so a
  deployment can add a new key in front and still read what the old keys wrote; ``rotate`` re-encrypts.
* ``blind_index``: HMAC-SHA256 under a separate key, for exact lookup and a unique constraint without
  storing the plaintext.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    pass


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ValueError("JIEDU_FIELD_KEYS holds no key.")
    return MultiFernet([Fernet(k.encode("ascii")) for k in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.JIEDU_FIELD_KEYS))


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise DecryptionError("The value cannot be decrypted with any configured key.") from exc


def rotate(token: str) -> str:
    """Re-encrypt under the first (newest) key. Idempotent in effect: the plaintext never changes."""
    try:
        return _current().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise DecryptionError("The value cannot be decrypted with any configured key.") from exc


def encrypted_with_primary(token: str) -> bool:
    primary = Fernet(settings.JIEDU_FIELD_KEYS[0].encode("ascii"))
    try:
        primary.decrypt(token.encode("ascii"))
    except InvalidToken:
        return False
    return True


def blind_index(value: str, *, purpose: str) -> str:
    key = settings.JIEDU_BLIND_INDEX_KEY.encode("utf-8")
    message = f"{purpose}\x1f{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
