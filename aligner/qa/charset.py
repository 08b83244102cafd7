"""Charsets: what one can hold, and which conversion most likely damaged a text.

Both the damage profile (``aligner.qa.marks``: which characters can have become
``?`` here) and the per-document report (which conversion did it) ask the same
question, whether a codec has a byte sequence for a character.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

LOST = "?\ufffd"  # what a lossy encoder or decoder leaves behind


def encodable(ch: str, codec: str) -> bool:
    """Whether ``codec`` has a byte sequence for ``ch`` (a lossy conversion to it keeps ``ch``)."""
    try:
        ch.encode(codec)
        return True
    except UnicodeEncodeError:
        return False


@dataclass(frozen=True)
class CharsetGuess:
    """The charset a text was most likely pushed through, and why."""

    name: str | None  # Python codec name, None when no candidate explains the evidence
    label: str
    survived: str  # non-ASCII characters still in the text
    lost: str  # characters the repairs put back

    def describe(self) -> str:
        if self.name is None:
            return "charset unknown"
        kept = " ".join(self.survived[:8]) if self.survived else "no non-ASCII letter"
        return f"{self.label} conversion: {kept} survived, {' '.join(self.lost) or '?'} lost"


# (codec, label) in order of how often each one does the damage
_CANDIDATES = (
    ("latin-1", "Latin-1 (ISO-8859-1)"),
    ("cp1252", "Windows-1252"),
    ("iso8859_15", "Latin-9 (ISO-8859-15)"),
    ("ascii", "ASCII"),
    ("iso8859_2", "Latin-2 (ISO-8859-2)"),
    ("mac_roman", "Mac Roman"),
    ("cp437", "DOS code page 437"),
    ("cp850", "DOS code page 850"),
)


def infer_charset(text: str, lost: Iterable[str]) -> CharsetGuess:
    """The charset that can hold every non-ASCII character of ``text`` but none of ``lost``.

    Umlauts intact and „ “ – € ₂ gone point at Latin-1; a € that survived
    next to a lost „ points at Latin-9; nothing non-ASCII surviving at ASCII.
    """
    survived = "".join(sorted({ch for ch in text if ord(ch) > 127 and ch not in LOST and ch.isprintable()
                               and not ch.isspace()}))
    # a character both kept and put back (a letter read from the document's own words) says nothing
    lost_set = "".join(sorted({ch for ch in "".join(lost) if ord(ch) > 127 and ch not in survived}))
    if not lost_set:
        return CharsetGuess(None, "", survived, lost_set)
    for codec, label in _CANDIDATES:
        if all(encodable(c, codec) for c in survived) and not any(encodable(c, codec) for c in lost_set):
            return CharsetGuess(codec, label, survived, lost_set)
    return CharsetGuess(None, "", survived, lost_set)
