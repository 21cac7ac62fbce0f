"""Public-key encryption of backups and of the forget ledger's corrected values.

The server that makes backups holds only the controller's *public* key (the recipient):
it can write a backup but never read one, so a thief of the server or of the backup
disk gets nothing from the old copies.  The private key (the identity) stays with the
controller and is needed only to verify or restore.

The construction is the one ``age`` uses, from the pyca ``cryptography`` library's
audited primitives: an ephemeral X25519 key agreement with the recipient, HKDF-SHA256 to
a 256-bit key, and ChaCha20-Poly1305 over chunks of 1 MiB (the STREAM construction: the
nonce is the chunk's number and a flag on the last chunk, so chunks cannot be reordered,
dropped or the stream cut short without decryption failing).  Keys are stored as PEM
(PKCS #8 for the identity, SubjectPublicKeyInfo for the recipient), which ``openssl``
reads too.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from store.errors import InvalidInput

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

CHUNK_BYTES = 1 << 20
TAG_BYTES = 16
KEY_BYTES = 32
_INFO = b"rekisteri encryption v1"


@dataclass(frozen=True)
class Recipient:
    """A public key that backups are encrypted to."""

    key: X25519PublicKey

    @property
    def raw(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def fingerprint(self) -> str:
        """A short name of the key, shown when a backup and an identity do not belong."""
        return hashlib.sha256(self.raw).hexdigest()[:16]


@dataclass(frozen=True)
class Identity:
    """The private key that reads what was encrypted to its :class:`Recipient`."""

    key: X25519PrivateKey

    @property
    def recipient(self) -> Recipient:
        return Recipient(self.key.public_key())


def generate_identity() -> Identity:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    return Identity(X25519PrivateKey.generate())


def write_key_pair(identity: Identity, identity_file: Path, recipient_file: Path) -> None:
    """The identity (0600) and its recipient, each written whole or not at all."""
    from cryptography.hazmat.primitives import serialization

    private = identity.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = identity.recipient.key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    write_private_file(identity_file, private)
    write_private_file(recipient_file, public)


def write_private_file(path: Path, data: bytes) -> None:
    """``data`` into ``path`` (mode 0600, its folder made 0700, whatever the umask)
    through a temporary file and a rename."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.part")
    descriptor = os.open(part, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # a part left behind by an older version keeps its mode
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(part, path)


def load_recipient(path: Path) -> Recipient:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except FileNotFoundError:
        raise InvalidInput(
            f"no backup recipient key at {path}", key="backup.no_recipient", path=str(path)
        ) from None
    except ValueError:
        key = None
    if not isinstance(key, X25519PublicKey):
        raise InvalidInput(
            f"{path} is not an X25519 public key in PEM",
            key="backup.bad_recipient",
            path=str(path),
        )
    return Recipient(key)


def load_identity(path: Path) -> Identity:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise InvalidInput(
            f"no backup identity key at {path}", key="backup.no_identity", path=str(path)
        ) from None
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, X25519PrivateKey):
        raise InvalidInput(
            f"{path} is not an X25519 private key in PEM",
            key="backup.bad_identity",
            path=str(path),
        )
    return Identity(key)


class DecryptionFailed(InvalidInput):
    """The data was not encrypted to this identity, or it was altered or cut short."""


def _derive(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=ephemeral + recipient, info=_INFO)
    return hkdf.derive(shared)


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def new_stream_key(recipient: Recipient) -> tuple[bytes, bytes]:
    """A fresh (ephemeral public key, stream key) pair for one message to ``recipient``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    shared = ephemeral.exchange(recipient.key)
    return ephemeral_raw, _derive(shared, ephemeral_raw, recipient.raw)


def open_stream_key(identity: Identity, ephemeral_raw: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    try:
        ephemeral = X25519PublicKey.from_public_bytes(ephemeral_raw)
    except ValueError:
        raise DecryptionFailed("the header is damaged", key="backup.damaged") from None
    shared = identity.key.exchange(ephemeral)
    return _derive(shared, ephemeral_raw, identity.recipient.raw)


def encrypt_chunks(key: bytes, chunks: Iterable[bytes], associated: bytes) -> Iterator[bytes]:
    """Each plaintext chunk (at most :data:`CHUNK_BYTES`) as ciphertext; the last one is
    marked, so a stream cut at a chunk boundary does not decrypt."""
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    cipher = ChaCha20Poly1305(key)
    counter = 0
    pending: bytes | None = None
    for chunk in chunks:
        if pending is not None:
            yield cipher.encrypt(_nonce(counter, False), pending, associated)
            counter += 1
        pending = chunk
    yield cipher.encrypt(_nonce(counter, True), pending or b"", associated)


def decrypt_chunk(key: bytes, counter: int, last: bool, data: bytes, associated: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    try:
        return ChaCha20Poly1305(key).decrypt(_nonce(counter, last), data, associated)
    except InvalidTag:
        raise DecryptionFailed(
            "the backup does not open with this key, or it was altered", key="backup.cannot_open"
        ) from None


def seal(data: bytes, recipient: Recipient) -> str:
    """A small value (a corrected phone number) readable only with the identity: base64 of
    the ephemeral key and the one encrypted chunk."""
    ephemeral, key = new_stream_key(recipient)
    (ciphertext,) = encrypt_chunks(key, [data], b"sealed")
    return base64.b64encode(ephemeral + ciphertext).decode("ascii")


def unseal(text: str, identity: Identity) -> bytes:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise DecryptionFailed("a sealed value is damaged", key="backup.damaged") from None
    key = open_stream_key(identity, raw[:32])
    return decrypt_chunk(key, 0, True, raw[32:], b"sealed")
