"""Files the team uploads (spreadsheets to import, documents under decision), content-addressed.

Behind a small interface so that an object store can replace the data folder: ``put`` returns
the SHA-256 of the bytes, which is also their name; the same file stored twice is stored once.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Protocol

_DIGEST = re.compile(r"^[0-9a-f]{64}$")


class FileStore(Protocol):
    def put(self, data: bytes) -> str: ...

    def get(self, digest: str) -> bytes | None: ...


class LocalFileStore:
    """Files under ``root/ab/abcdef…`` (the first two hex digits make a folder)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path | None:
        return self.root / digest[:2] / digest if _DIGEST.fullmatch(digest) else None

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if path is None:
            raise ValueError("bad digest")
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".partiel")
            partial.write_bytes(data)
            partial.replace(path)  # never a half-written file under its final name
        return digest

    def get(self, digest: str) -> bytes | None:
        path = self._path(digest)
        return path.read_bytes() if path is not None and path.exists() else None
