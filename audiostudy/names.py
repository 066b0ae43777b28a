"""File names that are safe on Linux, macOS and Windows, keeping Chinese."""

from __future__ import annotations

import re
import unicodedata

# Characters Windows forbids in names, plus controls; '/' is forbidden everywhere.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}
# Characters, not bytes: 60 CJK characters are 180 UTF-8 bytes, well under the 255-byte limit of
# common file systems even with a "01-" prefix and an extension.
MAX_CHARS = 60


def safe_filename(name: str, fallback: str = "untitled", max_chars: int = MAX_CHARS) -> str:
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _FORBIDDEN.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip()
    name = name[:max_chars].rstrip(" .")  # Windows drops trailing dots and spaces
    name = name.lstrip(".")  # a leading dot hides the file on Unix
    if not name or name.split(".")[0].upper() in _RESERVED:
        name = f"{fallback}{'_' + name if name else ''}"
    return name
