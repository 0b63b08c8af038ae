"""The sealed evidence format: round trips, random access, and every kind of tampering refused."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.evidence.sealed import (
    CHUNK,
    SealError,
    SealWriter,
    open_sealed,
    read_header,
    rehash,
)
from appliance.evidence.store import EvidenceStore

KEY = X25519PrivateKey.from_private_bytes(bytes(range(32)))
PUBLIC = KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def seal(data: bytes, piece: int = 70_001, case: str = "OP-A", exhibit: str = "JS/1") -> bytes:
    out = io.BytesIO()
    writer = SealWriter(out, case, PUBLIC, {"exhibit": exhibit})
    for start in range(0, len(data), piece):
        writer.write(data[start : start + piece])
    trailer = writer.finish()
    assert trailer.sha256 == hashlib.sha256(data).hexdigest()
    assert trailer.size == len(data)
    return out.getvalue()


def opened(blob: bytes, tmp: Path, case: str = "OP-A", key: X25519PrivateKey = KEY) -> bytes:
    path = tmp / "x.sealed"
    path.write_bytes(blob)
    with open_sealed(path, case, key) as stream:
        return stream.read()


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17])
def test_round_trip_at_chunk_boundaries(size: int, tmp_path: Path) -> None:
    data = os.urandom(size)
    assert opened(seal(data), tmp_path) == data


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    size=st.integers(0, 2 * CHUNK + 5000),
    piece=st.integers(1, CHUNK + 3),
    reads=st.lists(
        st.tuples(st.integers(0, 2 * CHUNK + 6000), st.integers(0, 3 * CHUNK)), max_size=6
    ),
)
def test_random_access_reads_match_the_plaintext(
    size: int, piece: int, reads: list[tuple[int, int]], tmp_path: Path
) -> None:
    data = bytes((i * 7 + size) % 251 for i in range(size))
    path = tmp_path / "r.sealed"
    path.write_bytes(seal(data, piece=piece))
    with open_sealed(path, "OP-A", KEY) as stream:
        for offset, length in reads:
            stream.seek(offset)
            assert stream.read(length) == data[offset : offset + length]
        assert stream.seek(0, os.SEEK_END) == size


def test_the_plaintext_is_not_in_the_sealed_file() -> None:
    canary = b"CANARY-7f3a91-" * 1000
    assert b"CANARY-7f3a91" not in seal(canary)


def test_every_single_bit_flip_is_refused(tmp_path: Path) -> None:
    # A small file keeps this exhaustive over every byte; one bit per byte, rotating.
    blob = seal(b"evidence " * 40)
    for index in range(len(blob)):
        damaged = bytearray(blob)
        damaged[index] ^= 1 << (index % 8)
        with pytest.raises(SealError):
            opened(bytes(damaged), tmp_path)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_bit_flips_in_a_multi_chunk_file_are_refused(data: st.DataObject, tmp_path: Path) -> None:
    blob = SEALED_LARGE
    index = data.draw(st.integers(0, len(blob) - 1))
    bit = data.draw(st.integers(0, 7))
    damaged = bytearray(blob)
    damaged[index] ^= 1 << bit
    with pytest.raises(SealError):
        opened(bytes(damaged), tmp_path)


SEALED_LARGE = seal(bytes(range(256)) * (CHUNK // 256) * 2 + b"tail")


def test_cut_short_or_extended_is_refused(tmp_path: Path) -> None:
    blob = SEALED_LARGE
    for cut in (1, 100, 300, CHUNK, len(blob) - 20):
        with pytest.raises(SealError):
            opened(blob[:-cut], tmp_path)
    with pytest.raises(SealError):
        opened(blob + b"\x00", tmp_path)


def test_a_chunk_moved_between_files_is_refused(tmp_path: Path) -> None:
    one = seal(b"a" * (CHUNK + 10))
    two = seal(b"b" * (CHUNK + 10))
    _, start = read_header(io.BytesIO(one))
    assert read_header(io.BytesIO(two))[1] == start
    # Same layout, so chunk 0 sits at the same offset in both; splice two's into one.
    spliced = one[:start] + two[start : start + 4 + CHUNK + 16] + one[start + 4 + CHUNK + 16 :]
    with pytest.raises(SealError):
        opened(spliced, tmp_path)


def test_another_case_or_key_cannot_open_it(tmp_path: Path) -> None:
    blob = seal(b"secret")
    with pytest.raises(SealError, match="sealed to case"):
        opened(blob, tmp_path, case="OP-B")
    with pytest.raises(SealError, match="another key"):
        opened(blob, tmp_path, key=X25519PrivateKey.generate())


def test_the_store_commits_whole_files_and_cleans_temporaries(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    with store.sealing("OP-A", PUBLIC, {"exhibit": "JS/1"}) as sealing:
        sealing.write(b"hello")
    assert sealing.trailer is not None
    sha = sealing.trailer.sha256
    assert store.has(sha)
    assert list(store.sealed()) == [sha]
    with store.open(sha, "OP-A", KEY) as stream:
        assert rehash(stream) == (hashlib.sha256(b"hello").hexdigest(), 5)

    with pytest.raises(RuntimeError), store.sealing("OP-A", PUBLIC, {"exhibit": "JS/2"}) as s:
        s.write(b"half")
        raise RuntimeError("stick pulled")
    assert [p.name for p in store.folder.iterdir()] == [f"{sha}.sealed"]

    (store.folder / ".partial-deadbeef").write_bytes(b"left by a crash")
    stray = store.folder / ("0" * 64 + ".sealed")
    stray.write_bytes(b"sealed but never acknowledged")
    removed = store.clean(keep={sha})
    assert sorted(removed) == sorted([".partial-deadbeef", stray.name])
    assert list(store.sealed()) == [sha]
