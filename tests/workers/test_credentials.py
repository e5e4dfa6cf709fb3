"""Credentials at rest: encrypted, rotatable, and useless without the keys."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from workers.credentials import CredentialCipher

SECRET = {"token": "ya29.access-SECRET", "refresh_token": "1//refresh-SECRET", "scopes": ["s"]}


def test_encrypted_credentials_contain_no_token_and_round_trip() -> None:
    cipher = CredentialCipher([Fernet.generate_key().decode()])
    stored = cipher.encrypt(SECRET)
    assert "SECRET" not in stored and "ya29" not in stored and "refresh" not in stored
    assert cipher.decrypt(stored) == SECRET


def test_a_new_key_decrypts_old_rows_and_reencrypts_them_without_downtime() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = CredentialCipher([old]).encrypt(SECRET)
    rotated = CredentialCipher([new, old])
    assert rotated.decrypt(stored) == SECRET
    moved = rotated.reencrypt(stored)
    assert CredentialCipher([new]).decrypt(moved) == SECRET
    with pytest.raises(ValueError, match="cannot be decrypted"):
        CredentialCipher([old]).decrypt(moved)


def test_a_wrong_key_cannot_read_credentials() -> None:
    stored = CredentialCipher([Fernet.generate_key().decode()]).encrypt(SECRET)
    with pytest.raises(ValueError, match="cannot be decrypted"):
        CredentialCipher([Fernet.generate_key().decode()]).decrypt(stored)


def test_each_decrypt_hands_out_its_own_copy() -> None:
    """Opened tokens are remembered (one Fernet decryption per account, not per send); a caller
    changing its copy changes no one else's."""
    cipher = CredentialCipher([Fernet.generate_key().decode()])
    stored = cipher.encrypt(SECRET)
    first = cipher.decrypt(stored)
    first["token"] = "changed"
    assert cipher.decrypt(stored) == SECRET
