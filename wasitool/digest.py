"""sha256 of files, read in chunks (pins, kept downloads, build stamps, SHA256SUMS)."""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 1 << 16


def sha256_file(path: Path) -> str:
    """Hex sha256 of the file at `path`."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    """Hex sha256 of `text` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
