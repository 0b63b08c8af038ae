"""The sealed evidence format: one acquired file, encrypted to its case in authenticated chunks.

Sealing needs only the case's public X25519 key, so the unattended USB service can seal a stick
the moment it arrives; opening needs the private key, which only the officer's passphrase
unwraps. Layout of a sealed file::

    b"APPLSEAL"  u32 header length  header (JSON, UTF-8)
    chunk 0 .. chunk n-1            each: u32 length, AES-256-GCM ciphertext and tag
    trailer                         the same framing, flagged final: {"size", "sha256", "chunks"}

* Key: X25519 between a fresh ephemeral key (its public half is in the header) and the case's
  sealing key, then HKDF-SHA256 bound to both public keys and the case reference. A key is used
  for one file only, so the chunk index can be the nonce.
* Every chunk's associated data is the SHA-256 of the header, which names the case, the exhibit
  and the file's origin: a chunk cannot be moved to another file, and the header cannot be edited.
* The nonce carries the chunk index and a final flag, so chunks cannot be reordered, dropped or
  appended to, and a file cut short (no trailer) never opens as complete.
* The chunk size is fixed, so any byte range is reachable without reading what precedes it: the
  parsers get a seekable stream (zip containers need one).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from appliance.errors import ApplianceError

MAGIC = b"APPLSEAL"
FORMAT = 1
CHUNK = 1024 * 1024
TAG = 16
_LEN = struct.Struct(">I")
_MAX_HEADER = 64 * 1024
_DATA, _FINAL = 0, 1
# The trailer is padded to a fixed size so it sits at a known distance from the end of the file.
_TRAILER_BODY = 256
_TRAILER_FRAME = _LEN.size + _TRAILER_BODY + TAG


class SealError(ApplianceError):
    """A sealed file is damaged, cut short, tampered with, or sealed to another case."""


def _raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _file_key(shared: bytes, ephemeral: bytes, recipient: bytes, case_ref: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral + recipient,
        info=b"appliance sealed evidence v1|" + case_ref.encode("utf-8"),
    ).derive(shared)


def _nonce(index: int, flag: int) -> bytes:
    return struct.pack(">QI", index, flag)


@dataclass(frozen=True)
class Trailer:
    size: int
    sha256: str
    chunks: int


class SealWriter:
    """Encrypts a stream of plaintext into ``out`` while hashing it: one pass over the evidence.

    ``header`` is authenticated metadata (case, exhibit, origin). ``write`` accepts pieces of any
    size; ``finish`` seals the trailer and returns it. The caller owns ``out`` (and its fsync).
    """

    def __init__(
        self, out: BinaryIO, case_ref: str, recipient: bytes, header: Mapping[str, Any]
    ) -> None:
        ephemeral = X25519PrivateKey.generate()
        ephemeral_public = _raw_public(ephemeral.public_key())
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
        self._aead = AESGCM(_file_key(shared, ephemeral_public, recipient, case_ref))
        document = {
            **header,
            "format": FORMAT,
            "case": case_ref,
            "chunk": CHUNK,
            "ephemeral": ephemeral_public.hex(),
            "recipient": recipient.hex(),
        }
        encoded = json.dumps(document, sort_keys=True, ensure_ascii=True).encode()
        self._aad = hashlib.sha256(encoded).digest()
        self._out = out
        out.write(MAGIC + _LEN.pack(len(encoded)) + encoded)
        self._pending = bytearray()
        self._index = 0
        self._size = 0
        self.digest = hashlib.sha256()

    @property
    def size(self) -> int:
        return self._size

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.digest.update(data)
        self._size += len(data)
        if not self._pending and len(data) == CHUNK:
            self._seal(bytes(data))
            return
        self._pending += data
        while len(self._pending) >= CHUNK:
            self._seal(bytes(self._pending[:CHUNK]))
            del self._pending[:CHUNK]

    def _seal(self, plain: bytes, flag: int = _DATA) -> None:
        sealed = self._aead.encrypt(_nonce(self._index, flag), plain, self._aad)
        self._out.write(_LEN.pack(len(sealed)) + sealed)
        self._index += 1

    def finish(self) -> Trailer:
        if self._pending:
            self._seal(bytes(self._pending))
            self._pending.clear()
        trailer = Trailer(self._size, self.digest.hexdigest(), self._index)
        body = json.dumps(trailer.__dict__, sort_keys=True).encode().ljust(_TRAILER_BODY)
        self._seal(body, _FINAL)
        return trailer


def read_header(handle: BinaryIO) -> tuple[dict[str, Any], int]:
    """The header of a sealed file (not yet authenticated) and where its chunks begin."""
    start = handle.read(len(MAGIC) + _LEN.size)
    if len(start) < len(MAGIC) + _LEN.size or not start.startswith(MAGIC):
        raise SealError("this is not a sealed evidence file.", "It may be damaged; run verify.")
    (length,) = _LEN.unpack(start[len(MAGIC) :])
    if length > _MAX_HEADER:
        raise SealError("the sealed file's header is implausibly large.", "Run verify.")
    encoded = handle.read(length)
    try:
        header = json.loads(encoded)
    except ValueError:
        raise SealError("the sealed file's header is damaged.", "Run verify.") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise SealError("the sealed file's header is damaged.", "Run verify.")
    header["_encoded"] = encoded
    return header, len(start) + length


class SealedReader(io.RawIOBase):
    """A seekable read-only view of a sealed file's plaintext, authenticated chunk by chunk.

    Opening checks that the file is sealed to ``case_ref`` with this key and reads the trailer,
    so a file cut short or with a forged length fails before any byte is returned.
    """

    def __init__(self, handle: BinaryIO, case_ref: str, private: X25519PrivateKey) -> None:
        super().__init__()
        self._handle = handle
        header, self._base = read_header(handle)
        encoded = header.pop("_encoded")
        self.header = header
        if header.get("case") != case_ref:
            raise SealError(
                f"this evidence is sealed to case {header.get('case')!r}, not {case_ref}.",
                "Open it from its own case.",
            )
        recipient = _raw_public(private.public_key())
        if header.get("recipient") != recipient.hex() or header.get("chunk") != CHUNK:
            raise SealError(
                "this evidence was sealed with another key than this case's.",
                "Run verify; the evidence store may have been tampered with.",
            )
        try:
            ephemeral = bytes.fromhex(str(header["ephemeral"]))
            shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral))
        except (KeyError, ValueError) as exc:
            raise SealError("the sealed file's header is damaged.", "Run verify.") from exc
        self._aead = AESGCM(_file_key(shared, ephemeral, recipient, case_ref))
        self._aad = hashlib.sha256(encoded).digest()
        self.trailer = self._read_trailer()
        self._position = 0
        self._cached: tuple[int, bytes] | None = None

    def _frame_offset(self, index: int) -> int:
        return self._base + index * (_LEN.size + CHUNK + TAG)

    def _read_frame(self, index: int, flag: int) -> bytes:
        self._handle.seek(self._frame_offset(index))
        prefix = self._handle.read(_LEN.size)
        if len(prefix) < _LEN.size:
            raise SealError(
                f"the sealed file ends before chunk {index}: it is incomplete.",
                "The copy is not whole; acquire the exhibit again from the original.",
            )
        (length,) = _LEN.unpack(prefix)
        if length > CHUNK + TAG:
            raise SealError(f"chunk {index} of the sealed file is damaged.", "Run verify.")
        sealed = self._handle.read(length)
        try:
            return self._aead.decrypt(_nonce(index, flag), sealed, self._aad)
        except InvalidTag:
            raise SealError(
                f"chunk {index} of the sealed file fails authentication: it has been altered "
                "or damaged.",
                "Run verify and restore the evidence store from its backup.",
            ) from None

    def _read_trailer(self) -> Trailer:
        end = self._handle.seek(0, os.SEEK_END)
        offset = end - _TRAILER_FRAME
        problem = SealError(
            "the sealed file has no valid trailer: it is incomplete or has been altered.",
            "Run verify; acquire the exhibit again from the original if it is incomplete.",
        )
        if offset < self._base:
            raise problem
        self._handle.seek(offset)
        frame = self._handle.read(_TRAILER_FRAME)
        (length,) = _LEN.unpack(frame[: _LEN.size])
        if length != _TRAILER_BODY + TAG:
            raise problem
        full = _LEN.size + CHUNK + TAG
        # The index is bound into the nonce: only the true chunk count decrypts.
        chunks = -(-(offset - self._base) // full)
        try:
            body = self._aead.decrypt(_nonce(chunks, _FINAL), frame[_LEN.size :], self._aad)
            values = json.loads(body)
            trailer = Trailer(int(values["size"]), str(values["sha256"]), int(values["chunks"]))
        except (InvalidTag, ValueError, KeyError, TypeError):
            raise problem from None
        if trailer.chunks != chunks or -(-trailer.size // CHUNK) != chunks:
            raise problem
        last = trailer.size - (chunks - 1) * CHUNK if chunks else 0
        if chunks and self._base + (chunks - 1) * full + _LEN.size + last + TAG != offset:
            raise problem
        return trailer

    @property
    def size(self) -> int:
        return self.trailer.size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            target = offset
        elif whence == os.SEEK_CUR:
            target = self._position + offset
        elif whence == os.SEEK_END:
            target = self.trailer.size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if target < 0:
            raise ValueError("negative seek position")
        self._position = target
        return target

    def _chunk(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        plain = self._read_frame(index, _DATA)
        expected = min(CHUNK, self.trailer.size - index * CHUNK)
        if len(plain) != expected:
            raise SealError(f"chunk {index} of the sealed file has the wrong length.", "Verify.")
        self._cached = (index, plain)
        return plain

    def readinto(self, buffer: Any) -> int:
        if self._position >= self.trailer.size:
            return 0
        view = memoryview(buffer).cast("B")
        index, within = divmod(self._position, CHUNK)
        plain = self._chunk(index)
        n = min(len(view), len(plain) - within)
        view[:n] = plain[within : within + n]
        self._position += n
        return n

    def close(self) -> None:
        if not self.closed:
            self._handle.close()
        super().close()


def open_sealed(path: os.PathLike[str] | str, case_ref: str, private: X25519PrivateKey) -> BinaryIO:
    """A buffered, seekable plaintext stream over the sealed file at ``path``."""
    handle = open(path, "rb")  # noqa: SIM115 - the reader owns and closes it
    try:
        reader = SealedReader(handle, case_ref, private)
    except BaseException:
        handle.close()
        raise
    return io.BufferedReader(reader, CHUNK)


def rehash(stream: BinaryIO) -> tuple[str, int]:
    """Decrypt every chunk and hash the plaintext: what verify does to each stored item."""
    digest = hashlib.sha256()
    size = 0
    while piece := stream.read(CHUNK):
        digest.update(piece)
        size += len(piece)
    return digest.hexdigest(), size
