"""Encryption of stored OAuth tokens (Fernet: AES-128-CBC + HMAC-SHA256, from `cryptography`).

The key comes from CAFE24_PIPELINE_SECRET_KEY when set (a Fernet key, or any passphrase, which is
stretched with scrypt), otherwise from `<home>/secret.key`, generated on first use with mode 0600.
Losing the key only loses the tokens: reconnecting the mall restores them.
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from cafe24_pipeline.cafe24.errors import Cafe24Error

KEY_FILE_NAME = "secret.key"
_PASSPHRASE_SALT = b"cafe24-pipeline/token-key/v1"


class TokenKeyError(Cafe24Error):
    """The token key is unusable, or stored tokens cannot be decrypted with it."""


def _is_fernet_key(value: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(value.encode("ascii"))) == 32
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return False


def _key_from_passphrase(passphrase: str) -> bytes:
    kdf = Scrypt(salt=_PASSPHRASE_SALT, length=32, n=2**14, r=8, p=1)
    return base64.urlsafe_b64encode(kdf.derive(passphrase.encode("utf-8")))


def load_or_create_key(home: Path, secret_key: str | None) -> bytes:
    """The Fernet key: from the setting, else the home folder's key file (created 0600 if absent)."""
    if secret_key:
        secret_key = secret_key.strip()
        return secret_key.encode("ascii") if _is_fernet_key(secret_key) else _key_from_passphrase(secret_key)
    home.mkdir(parents=True, exist_ok=True)
    path = home / KEY_FILE_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise TokenKeyError(
                f"{path} is readable by other users (mode {oct(mode)}); run `chmod 600 {path}`"
            ) from None
        key = path.read_text(encoding="ascii").strip()
        if not _is_fernet_key(key):
            raise TokenKeyError(f"{path} does not hold a valid key; remove it and reconnect the malls")
        return key.encode("ascii")
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(Fernet.generate_key().decode("ascii"))
    return path.read_text(encoding="ascii").strip().encode("ascii")


class TokenCipher:
    """Encrypts/decrypts token strings; never shows the key or plaintext in repr or errors."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def from_settings(cls, settings) -> "TokenCipher":
        return cls(load_or_create_key(settings.home, settings.secret_key))

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError, ValueError):
            raise TokenKeyError(
                "stored Cafe24 tokens cannot be decrypted with the current key "
                "(was CAFE24_PIPELINE_SECRET_KEY or the home folder's secret.key changed?); "
                "reconnect the mall with `cafe24-pipeline connect`"
            ) from None

    def __repr__(self) -> str:
        return "TokenCipher(<key hidden>)"
