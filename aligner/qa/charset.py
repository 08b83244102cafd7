"""What a charset can hold: the one question both the damage profile and charset inference ask."""

from __future__ import annotations


def encodable(ch: str, codec: str) -> bool:
    """Whether ``codec`` has a byte sequence for ``ch`` (a lossy conversion to it keeps ``ch``)."""
    try:
        ch.encode(codec)
        return True
    except UnicodeEncodeError:
        return False
