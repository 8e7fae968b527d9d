"""The smallest Excel 97–2003 files a hostile sender can build by hand: one CFB container
with a Workbook stream of BIFF8 records. For the precheck's tests only."""

import struct

END, FREE, FAT_SECTOR, NONE = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def bof(kind: int) -> bytes:
    return record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x0006))


EOF_ = record(0x000A, b"")


def boundsheet(position: int) -> bytes:
    return record(0x0085, struct.pack("<IBBBB", position, 0, 0, 1, 0) + b"S")


def number(row: int, column: int) -> bytes:
    return record(0x0203, struct.pack("<HHHd", row, column, 0, 1.0))


def dimensions(last_row: int, last_column: int) -> bytes:
    return record(0x0200, struct.pack("<IIHHH", 0, last_row, 0, last_column, 0))


def _globals_length() -> int:
    return len(bof(5)) + len(boundsheet(0)) + len(EOF_)


def one_sheet(*records: bytes) -> bytes:
    """Globals pointing at one worksheet substream that holds `records`."""
    return bof(5) + boundsheet(_globals_length()) + EOF_ + bof(0x10) + b"".join(records) + EOF_


def hidden_sheet(row: int, column: int) -> bytes:
    """The worksheet sits inside another record's body, where its BOUNDSHEET points."""
    sheet = bof(0x10) + number(row, column) + EOF_
    return bof(5) + boundsheet(_globals_length() + 4) + EOF_ + record(0x1234, sheet)


def container(stream: bytes, *, linked: bool = True) -> bytes:
    """A CFB file with `stream` as "Workbook"; unlinked, the entry is in the directory but
    not in its tree (calamine scans entries flat, olefile follows the tree)."""
    if len(stream) < 4096:  # big enough for regular sectors, not the mini stream
        stream += record(0x1FFF, b"\0" * (4096 - len(stream) - 4))
    stream += b"\0" * (-len(stream) % 512)
    sectors = len(stream) // 512
    header = bytearray(512)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, END, 0, END, 0)
    for i in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * i, FREE)
    fat = [FAT_SECTOR, END] + [i + 1 for i in range(2, sectors + 1)] + [END]
    fat += [FREE] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = bytearray(128)
        if name:
            encoded = name.encode("utf-16-le") + b"\0\0"
            raw[0 : len(encoded)] = encoded
            struct.pack_into("<HBB", raw, 64, len(encoded), kind, 1)
        struct.pack_into("<III", raw, 68, NONE, NONE, child)
        struct.pack_into("<IQ", raw, 116, start, size)
        return bytes(raw)

    directory = (
        entry("Root Entry", 5, 1 if linked else NONE, END, 0)
        + entry("Workbook", 2, NONE, 2, len(stream))
        + entry("", 0, NONE, 0, 0) * 2
    )
    return bytes(header) + struct.pack("<128I", *fat) + directory + stream
