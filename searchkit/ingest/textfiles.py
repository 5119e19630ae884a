"""What every reader of news files needs: bytes to text in the encodings news files come in, the
size limit of one article, and slugs for ids."""
from __future__ import annotations

import re

from ..text import CONTROL_CHARS


def slug(text: str) -> str:
    return re.sub(r"[^\w.]+", "-", text).strip("-") or "x"


def decode(data: bytes) -> str:
    """Bytes of a text file -> str. Raises ValueError for binary data.

    UTF-8 (with or without BOM) and UTF-16/32 with a BOM are decoded as such; other bytes fall back to
    Windows-1252/Latin-1, the usual encoding of older news files (one BBC article is Latin-1).
    """
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"),
                       (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise ValueError(f"invalid {codec} text at byte {exc.start}") from None
    if b"\x00" in data[:65536]:
        raise ValueError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    sample = text[:65536]
    if sample and len(CONTROL_CHARS.findall(sample)) > len(sample) / 20:
        raise ValueError("binary file (not text in any known encoding)")
    return text


# An article larger than this is reported, not indexed: no real article is near it, and Whoosh would
# need gigabytes of memory to index one of this size.
MAX_ARTICLE_BYTES = 10 * 1024 * 1024


def megabytes(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"
