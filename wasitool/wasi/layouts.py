"""Little-endian struct layouts of the preview1 ABI, precompiled once."""

from __future__ import annotations

import struct

U16 = struct.Struct("<H")
U32 = struct.Struct("<I")
U64 = struct.Struct("<Q")
IOVEC = struct.Struct("<II")  # buf, buf_len
FDSTAT = struct.Struct("<BxHxxxxQQ")  # filetype, flags, rights_base, rights_inheriting (24 bytes)
FILESTAT = struct.Struct("<QQB7xQQQQQ")  # dev, ino, filetype, nlink, size, atim, mtim, ctim (64 bytes)
DIRENT = struct.Struct("<QQIB3x")  # d_next, d_ino, d_namlen, d_type (24 bytes, name follows)
PRESTAT = struct.Struct("<B3xI")  # tag, pr_name_len (8 bytes)
SUBSCRIPTION_SIZE = 48
SUB_HEAD = struct.Struct("<QB")  # userdata, tag (payload at +16)
SUB_CLOCK = struct.Struct("<I4xQQH6x")  # id, timeout, precision, flags at +16
SUB_FD = U32  # file_descriptor at +16
EVENT = struct.Struct("<QHB5xQH6x")  # userdata, error, type, nbytes, flags (32 bytes)

assert FDSTAT.size == 24 and FILESTAT.size == 64 and DIRENT.size == 24 and PRESTAT.size == 8
assert SUB_CLOCK.size + 16 == SUBSCRIPTION_SIZE and EVENT.size == 32

# The struct each out-pointer kind of `signatures.OUT_KINDS` is written with.
OUT_LAYOUTS: dict[str, struct.Struct] = {"u16": U16, "u32": U32, "u64": U64, "fdstat": FDSTAT, "filestat": FILESTAT,
                                         "prestat": PRESTAT}
