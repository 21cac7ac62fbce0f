"""A password-protected ZIP that opens with a double click on Windows and macOS.

The traditional PKWARE encryption (APPNOTE.TXT §6.1, "ZipCrypto") is the only ZIP
encryption that Windows File Explorer and the macOS Archive Utility open without extra
software; AES-encrypted ZIPs need 7-Zip or similar.  Python's ``zipfile`` reads this
format but cannot write it, and the libraries that can are unmaintained, so the writer is
here: deflate first, then encrypt, each member with its own random 12-byte header.

The cipher is weak against a known-plaintext attack, which needs about twelve bytes of
the stored stream.  Members are always deflated (never stored), so the stream depends on
the whole personal content and the template's fixed text does not give it away; the
password is random, used once, and said on the phone, never written in a mail.  See the
README ("The data package") for the reasons behind this choice.
"""

from __future__ import annotations

import secrets
import struct
import zlib
from collections.abc import Sequence
from datetime import datetime

_CRC_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0xEDB88320 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)

_FLAG_ENCRYPTED = 0x0001
_FLAG_UTF8 = 0x0800
_DEFLATED = 8
_VERSION = 20


class _Cipher:
    def __init__(self, password: bytes) -> None:
        self.key0, self.key1, self.key2 = 0x12345678, 0x23456789, 0x34567890
        for byte in password:
            self._update(byte)

    def _update(self, byte: int) -> None:
        self.key0 = (self.key0 >> 8) ^ _CRC_TABLE[(self.key0 ^ byte) & 0xFF]
        self.key1 = ((self.key1 + (self.key0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        self.key2 = (self.key2 >> 8) ^ _CRC_TABLE[(self.key2 ^ (self.key1 >> 24)) & 0xFF]

    def encrypt(self, data: bytes) -> bytes:
        out = bytearray(len(data))
        for index, byte in enumerate(data):
            temp = (self.key2 | 2) & 0xFFFF
            out[index] = byte ^ (((temp * (temp ^ 1)) >> 8) & 0xFF)
            self._update(byte)
        return bytes(out)


def _dos_time(at: datetime) -> tuple[int, int]:
    time = (at.hour << 11) | (at.minute << 5) | (at.second // 2)
    day = ((max(at.year, 1980) - 1980) << 9) | (at.month << 5) | at.day
    return time, day


def encrypted_zip(members: Sequence[tuple[str, bytes]], password: str, modified: datetime) -> bytes:
    """A ZIP archive of ``members`` (name, content), each encrypted with ``password``."""
    secret = password.encode("utf-8")
    time, day = _dos_time(modified)
    body = bytearray()
    directory = bytearray()
    for name, content in members:
        encoded_name = name.encode("utf-8")
        crc = zlib.crc32(content) & 0xFFFFFFFF
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = compressor.compress(content) + compressor.flush()
        cipher = _Cipher(secret)
        # Eleven random bytes and the CRC's high byte, which unzip checks the password by.
        header = cipher.encrypt(secrets.token_bytes(11) + bytes([crc >> 24]))
        data = header + cipher.encrypt(packed)
        flags = _FLAG_ENCRYPTED | _FLAG_UTF8
        offset = len(body)
        body += struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            _VERSION,
            flags,
            _DEFLATED,
            time,
            day,
            crc,
            len(data),
            len(content),
            len(encoded_name),
            0,
        )
        body += encoded_name + data
        directory += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            _VERSION,
            _VERSION,
            flags,
            _DEFLATED,
            time,
            day,
            crc,
            len(data),
            len(content),
            len(encoded_name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        directory += encoded_name
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), len(body), 0
    )
    return bytes(body + directory + end)
