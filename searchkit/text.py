"""Character-level hygiene for untrusted article text, shared by the readers (before indexing) and
the output (before printing)."""
from __future__ import annotations

import re
import unicodedata

# ANSI/VT escape sequences: CSI, OSC (ended by BEL or ST) and single-character escapes.
ESCAPE_SEQUENCES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]")
# C0/C1 control characters other than tab and newline.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Unicode bidirectional overrides and isolates, which can disguise text on a terminal.
BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# Valid in JSON escapes (\ud800), not in Unicode text: they cannot be encoded as UTF-8.
LONE_SURROGATES = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Text without escape sequences, control characters (tabs and newlines kept) or lone
    surrogates (replaced by U+FFFD), with Unix line ends."""
    text = LONE_SURROGATES.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))
    return CONTROL_CHARS.sub("", ESCAPE_SEQUENCES.sub("", text))


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by single hyphens: "José Müller" -> `jose-muller`."""
    if not text.isascii():  # (ASCII text is its own NFKD form)
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NOT_SLUG.sub("-", text.lower()).strip("-")
