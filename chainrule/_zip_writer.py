"""The zip archive of a checkpoint, laid out as torch's writer (miniz, via
``PyTorchFileWriter``) lays it out: every record stored uncompressed, its data aligned to 64
bytes by an ``FB`` padding extra field, sizes and CRC in a data descriptor after the data,
zip64 fields only where a size or an offset passes 4 GiB. torch computes record offsets from
this layout when it memory-maps a file (``calculate_storage_offsets``) and checks them under
``TORCH_SERIALIZATION_DEBUG=1``, so the layout matters, not only the records."""
from __future__ import annotations

import struct
import zlib

__all__ = ["write_records"]

ALIGNMENT = 64
LIMIT = 0xFFFFFFFF          # sizes and offsets from here on need zip64 fields
_SENTINEL = 0xFFFFFFFF      # a 32-bit field whose value is in the zip64 extra field
_FLAGS = 0x0808             # bit 3: sizes in a data descriptor; bit 11: UTF-8 names
_CHUNK = 1 << 26


class _Counting:
    """A write-only file that counts what went through it."""

    def __init__(self, file):
        self.file = file
        self.pos = 0

    def write(self, data) -> None:
        self.file.write(data)
        self.pos += len(data)


def _zip64_extra(size: int, offset: int) -> bytes:
    fields = b""
    if size >= LIMIT:
        fields += struct.pack("<QQ", size, size)
    if offset >= LIMIT:
        fields += struct.pack("<Q", offset)
    if not fields:
        return b""
    return struct.pack("<HH", 0x0001, len(fields)) + fields


def write_records(file, archive: str, records) -> None:
    """Write ``records`` ((name, bytes-like) pairs) as ``<archive>/<name>`` entries."""
    out = _Counting(file)
    central = []
    for name, data in records:
        view = data if isinstance(data, bytes) else memoryview(data).cast("B")
        size = len(view)
        fname = f"{archive}/{name}".encode("utf-8")
        offset = out.pos
        big = size >= LIMIT or offset >= LIMIT
        zip64 = _zip64_extra(size, offset)
        start = offset + 30 + len(fname) + len(zip64) + 4
        pad = (-start) % ALIGNMENT
        extra = zip64 + struct.pack("<HH", 0x4246, pad) + b"Z" * pad
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if big else 0, _FLAGS, 0, 0, 0,
                              0, _SENTINEL if big else 0, _SENTINEL if big else 0, len(fname),
                              len(extra)))
        out.write(fname)
        out.write(extra)
        crc = 0
        for i in range(0, size, _CHUNK):
            chunk = view[i: i + _CHUNK]
            crc = zlib.crc32(chunk, crc)
            out.write(chunk)
        if big:
            out.write(struct.pack("<IIQQ", 0x08074B50, crc, size, size))
        else:
            out.write(struct.pack("<IIII", 0x08074B50, crc, size, size))
        central.append((fname, crc, size, offset))
    cd_start = out.pos
    for fname, crc, size, offset in central:
        big = size >= LIMIT or offset >= LIMIT
        extra = _zip64_extra(size, offset)
        small_size = _SENTINEL if size >= LIMIT else size
        out.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45 if big else 0,
                              45 if big else 0, _FLAGS, 0, 0, 0, crc, small_size, small_size,
                              len(fname), len(extra), 0, 0, 0, 0,
                              offset if offset < LIMIT else _SENTINEL))
        out.write(fname)
        out.write(extra)
    cd_size = out.pos - cd_start
    count = len(central)
    # miniz always ends with a zip64 end record and its locator, then the classic record
    eocd64 = out.pos
    out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 0x031E, 45, 0, 0, count, count,
                          cd_size, cd_start))
    out.write(struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(count, 0xFFFF), min(count, 0xFFFF),
                          cd_size if cd_size < LIMIT else _SENTINEL,
                          cd_start if cd_start < LIMIT else _SENTINEL, 0))
