"""The office's signing key: an Ed25519 key pair made when the home is created, which signs every case file.

A checksum list proves only that files were not changed after someone computed it; anyone can recompute it.
A signature made with a key only the office holds proves who issued the evidence. The private key stays in the
home (``keys/office-ed25519.pem``, mode 600, readable by the home's owner only); the public key
(``keys/office-ed25519.pub``, standard PEM) is given to the agencies that receive case files, so that
``diemtin case verify --public-key FILE`` checks a file's origin on a machine that has no home at all.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from pipeline.core.home import Home, write_private

KEYS_DIR = "keys"
PRIVATE_KEY = "office-ed25519.pem"
PUBLIC_KEY = "office-ed25519.pub"


class SigningKeyError(ValueError):
    """A key that is missing, unreadable or not an Ed25519 key (message in Vietnamese)."""


def key_paths(home: Home) -> tuple[Path, Path]:
    folder = home.path / KEYS_DIR
    return folder / PRIVATE_KEY, folder / PUBLIC_KEY


def ensure_office_key(home: Home) -> Path:
    """The office's key pair, made once (a home created before signing existed gets one on first use);
    returns the public key's path."""
    private_path, public_path = key_paths(home)
    if private_path.is_file():
        if not public_path.is_file():
            write_public(public_path, load_private_key(home).public_key())
        return public_path
    private_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(private_path.parent, 0o700)
    key = Ed25519PrivateKey.generate()
    write_private(private_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    write_public(public_path, key.public_key())
    return public_path


def write_public(path: Path, key: Ed25519PublicKey) -> None:
    path.write_bytes(public_pem(key))
    os.chmod(path, 0o644)  # meant to be shared


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private_key(home: Home) -> Ed25519PrivateKey:
    private_path, _ = key_paths(home)
    try:
        key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SigningKeyError(f"không đọc được khóa ký của cơ quan {private_path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{private_path} không phải khóa Ed25519")
    return key


def load_public_key(data: bytes | str | Path) -> Ed25519PublicKey:
    """A public key from PEM text, a PEM file, or the base64 of its 32 raw bytes."""
    if isinstance(data, Path):
        try:
            data = data.read_bytes()
        except OSError as exc:
            raise SigningKeyError(f"không đọc được khóa công khai {data}: {exc}") from exc
    raw = data.encode() if isinstance(data, str) else data
    try:
        if b"BEGIN" in raw:
            key = serialization.load_pem_public_key(raw)
        else:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(raw.strip(), validate=True))
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"khóa công khai không hợp lệ: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError("khóa công khai không phải khóa Ed25519")
    return key


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    """A short name of a public key to compare by eye or by telephone: SHA-256 of its raw bytes, in groups."""
    digest = hashlib.sha256(raw_public(key)).hexdigest()[:32]
    return ":".join(digest[i:i + 4] for i in range(0, len(digest), 4))


def verify_signature(key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True
