"""Token encryption: key from the setting or a 0600 key file, clear errors on a wrong key."""

from __future__ import annotations

import os
import stat

import pytest
from cryptography.fernet import Fernet

from cafe24_pipeline.cafe24.crypto import KEY_FILE_NAME, TokenCipher, TokenKeyError, load_or_create_key


def test_generated_key_file_is_private_and_reused(tmp_path):
    key = load_or_create_key(tmp_path, None)
    path = tmp_path / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(tmp_path, None) == key


def test_key_file_readable_by_others_is_refused(tmp_path):
    load_or_create_key(tmp_path, None)
    os.chmod(tmp_path / KEY_FILE_NAME, 0o644)
    with pytest.raises(TokenKeyError, match="chmod 600"):
        load_or_create_key(tmp_path, None)


def test_setting_wins_and_passphrases_are_stretched(tmp_path):
    fernet_key = Fernet.generate_key().decode()
    assert load_or_create_key(tmp_path, fernet_key) == fernet_key.encode()
    derived = load_or_create_key(tmp_path, "correct horse battery staple")
    assert derived == load_or_create_key(tmp_path, "correct horse battery staple")
    assert derived != load_or_create_key(tmp_path, "another passphrase")
    assert not (tmp_path / KEY_FILE_NAME).exists()  # no file when the setting is used


def test_roundtrip_and_ciphertext_hides_plaintext(tmp_path):
    cipher = TokenCipher(load_or_create_key(tmp_path, None))
    secret = "rbvmRDDBH5ttaGNMEci3mC"
    encrypted = cipher.encrypt(secret)
    assert secret not in encrypted and cipher.decrypt(encrypted) == secret
    assert "key" in repr(cipher) and Fernet.generate_key().decode()[:5] not in repr(cipher)


def test_wrong_key_gives_an_actionable_error(tmp_path):
    encrypted = TokenCipher(Fernet.generate_key()).encrypt("token")
    with pytest.raises(TokenKeyError, match="reconnect"):
        TokenCipher(Fernet.generate_key()).decrypt(encrypted)
