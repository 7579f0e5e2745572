"""Encryption of stored OAuth tokens (Fernet: AES-128-CBC + HMAC-SHA256, from `cryptography`).

The key comes from CAFE24_PIPELINE_SECRET_KEY when set (a Fernet key, or any passphrase, which is
stretched with scrypt), otherwise from `<home>/secret.key`, generated on first use with mode 0600.
Losing the key only loses the tokens: reconnecting the mall restores them.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import stat
import time
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from cafe24_pipeline.cafe24.errors import Cafe24Error
from cafe24_pipeline.files import private_dir

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
    """The Fernet key: from the setting, else the home folder's key file (created 0600 if absent).

    Creation is atomic, so processes starting together on a fresh home all end with the same key:
    the key is written whole to a private temporary file, then hard-linked into place (which fails
    if another process got there first); every process then reads the file that won.
    """
    if secret_key:
        secret_key = secret_key.strip()
        return secret_key.encode("ascii") if _is_fernet_key(secret_key) else _key_from_passphrase(secret_key)
    ensure_private_dir(home)
    path = home / KEY_FILE_NAME
    if not path.exists():
        _create_key_file(path)
    return _read_key_file(path)


def ensure_private_dir(path: Path) -> Path:
    """The home folder, created 0700 when missing; a clear error when it cannot be."""
    try:
        return private_dir(path)
    except OSError as exc:
        raise TokenKeyError(
            f"cannot create the pipeline home {path} ({exc.strerror or exc}); set CAFE24_PIPELINE_HOME to a folder you can write"
        ) from None


def _create_key_file(path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise TokenKeyError(
            f"cannot write the token key in {path.parent} ({exc.strerror}); "
            "make the folder writable or set CAFE24_PIPELINE_SECRET_KEY"
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(Fernet.generate_key().decode("ascii") + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # atomic: fails when another process created the key first
        except FileExistsError:
            pass
        except OSError:
            # no hard links on this file system: create-exclusive with the whole key at once
            try:
                fd2 = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return
            with os.fdopen(fd2, "w", encoding="ascii") as handle:
                handle.write(tmp.read_text(encoding="ascii"))
    finally:
        tmp.unlink(missing_ok=True)


def _read_key_file(path: Path) -> bytes:
    key = ""
    for attempt in range(20):  # a non-link file system may show another process's key mid-write
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                raise TokenKeyError(f"{path} is readable by other users (mode {oct(mode)}); run `chmod 600 {path}`")
            key = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise TokenKeyError(
                f"the token key {path} cannot be read ({reason}); fix its owner/permissions "
                f"(`chmod 600 {path}` as its owner) or set CAFE24_PIPELINE_SECRET_KEY"
            ) from None
        if _is_fernet_key(key):
            return key.encode("ascii")
        if key:
            break
        time.sleep(0.005 * (attempt + 1))
    raise TokenKeyError(f"{path} does not hold a valid key; remove it and reconnect the malls")


class TokenCipher:
    """Encrypts/decrypts token strings; never shows the key or plaintext in repr or errors."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def from_settings(cls, settings) -> TokenCipher:
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
