"""Case keys: a random data key wrapped by a key derived from the officer's passphrase.

* The data key (32 random bytes) encrypts the case database (DuckDB's AES-GCM) and, later, the
  evidence store. It never touches the disk in the clear.
* The key-encryption key comes from the passphrase with Argon2id (RFC 9106 second recommended
  set, scaled to a laptop: 64 MiB, 3 passes, 4 lanes), and wraps the data key with AES-256-GCM.
  The case reference is authenticated with it, so a wrapped key cannot be moved to another case.
* The sealing key pair (X25519) lets the unattended USB service seal evidence to the case with
  the public half only; the private half is wrapped like the data key.

Destroying ``keys.json`` destroys the case (crypto-erase).
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from appliance.errors import StoreError, WrongPassphrase

KEYS_FORMAT = 1
ARGON2_PARAMS = {"iterations": 3, "lanes": 4, "memory_cost": 64 * 1024}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _kek(passphrase: str, salt: bytes, params: dict[str, int]) -> bytes:
    kdf = Argon2id(
        salt=salt,
        length=32,
        iterations=params["iterations"],
        lanes=params["lanes"],
        memory_cost=params["memory_cost"],
    )
    return kdf.derive(passphrase.encode("utf-8"))


def _wrap(kek: bytes, secret: bytes, label: str) -> dict[str, str]:
    nonce = os.urandom(12)
    return {
        "nonce": _b64(nonce),
        "ciphertext": _b64(AESGCM(kek).encrypt(nonce, secret, label.encode())),
    }


def _unwrap(kek: bytes, wrapped: dict[str, str], label: str) -> bytes:
    return AESGCM(kek).decrypt(
        _unb64(wrapped["nonce"]), _unb64(wrapped["ciphertext"]), label.encode()
    )


@dataclass(frozen=True)
class CaseKeys:
    """The unwrapped secrets of an open case. Held in memory only."""

    data_key: bytes
    sealing_private: X25519PrivateKey

    @property
    def sealing_public(self) -> bytes:
        return self.sealing_private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def database_key(self) -> str:
        """The string handed to DuckDB's ENCRYPTION_KEY (hex: no quoting hazards in SQL)."""
        return self.data_key.hex()


def create_keys(path: Path, case_ref: str, passphrase: str) -> CaseKeys:
    """Make fresh keys for ``case_ref`` and write them, wrapped, to ``path`` (mode 0600)."""
    if not passphrase:
        raise WrongPassphrase("an empty passphrase cannot protect a case.", "Choose a passphrase.")
    data_key = os.urandom(32)
    sealing = X25519PrivateKey.generate()
    sealing_raw = sealing.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public_raw = sealing.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    salt = os.urandom(16)
    kek = _kek(passphrase, salt, ARGON2_PARAMS)
    document: dict[str, Any] = {
        "format": KEYS_FORMAT,
        "case": case_ref,
        "kdf": {"name": "argon2id", "salt": _b64(salt), **ARGON2_PARAMS},
        "data_key": _wrap(kek, data_key, f"appliance data key {case_ref}"),
        "sealing_public": _b64(public_raw),
        "sealing_private": _wrap(kek, sealing_raw, f"appliance sealing key {case_ref}"),
    }
    _write_private(path, json.dumps(document, indent=2).encode())
    return CaseKeys(data_key, sealing)


def unlock_keys(path: Path, case_ref: str, passphrase: str) -> CaseKeys:
    """Unwrap the case keys; a wrong passphrase is refused with ``WrongPassphrase``."""
    try:
        document = json.loads(path.read_bytes())
        kdf = document["kdf"]
        params = {k: int(kdf[k]) for k in ARGON2_PARAMS}
        kek = _kek(passphrase, _unb64(kdf["salt"]), params)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreError(
            f"the key file {path} is missing or damaged ({exc}).",
            "Without it the case cannot be opened; restore it from the case backup.",
        ) from exc
    try:
        data_key = _unwrap(kek, document["data_key"], f"appliance data key {case_ref}")
        sealing_raw = _unwrap(kek, document["sealing_private"], f"appliance sealing key {case_ref}")
    except InvalidTag:
        raise WrongPassphrase(
            f"the passphrase for case {case_ref} is wrong.",
            "Check it and try again (APPLIANCE_PASSPHRASE or the prompt).",
        ) from None
    return CaseKeys(data_key, X25519PrivateKey.from_private_bytes(sealing_raw))


def sealing_public_key(path: Path) -> bytes:
    """The case's public sealing key: all the unattended intake needs to seal evidence."""
    return _unb64(json.loads(path.read_bytes())["sealing_public"])


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` atomically with owner-only permissions."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
