"""Bytes to text in the encodings Chinese documents actually come in (UTF-8, GBK/GB18030, UTF-16)."""

from __future__ import annotations

import codecs
import logging

from audiostudy.errors import InputError, empty_document

log = logging.getLogger("audiostudy.loaders")


def decode_bytes(data: bytes, name: str) -> tuple[str, str]:
    """Decode with the encodings Chinese documents actually come in; return (text, encoding)."""
    if not data.strip():
        raise empty_document(name)
    # UTF-8 first and strictly: it almost never decodes anything that is not really UTF-8.
    enc = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        return _check_text(data.decode("utf-8-sig"), name), enc
    except UnicodeDecodeError as e:
        if e.reason == "unexpected end of data" and e.start >= len(data) - 3:
            # Cut off inside the last character (a truncated download): keep everything before it.
            log.warning(
                "%s ends in the middle of a UTF-8 character at byte %d (truncated download?); "
                "the incomplete character is left out",
                name,
                e.start,
            )
            return _check_text(data[: e.start].decode("utf-8-sig"), name), enc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _check_text(data.decode("utf-16"), name), "utf-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" not in data:
        # Chinese Windows files are GBK/GB2312 in practice; gb18030 is a superset of both.
        try:
            return _check_text(data.decode("gb18030"), name), "gb18030"
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        enc = best.encoding
        if enc.replace("_", "").lower() in ("gbk", "gb2312", "hz", "big5") and enc.lower() != "big5":
            enc = "gb18030"
        try:
            return _check_text(data.decode(enc), name), enc
        except (UnicodeDecodeError, LookupError):
            pass
    raise InputError(f"{name}: cannot decode the text (binary file?) — save it as UTF-8 text and retry")


def _check_text(text: str, name: str) -> str:
    # A file that decodes but is full of control characters is a binary file, not a document.
    sample = text[:20000]
    bad = sum(1 for c in sample if ord(c) < 32 and c not in "\r\n\t\f\v")
    if bad > max(2, len(sample) // 100):
        raise InputError(f"{name}: looks like a binary file, not text — give a .txt, .md or .docx document")
    return text
