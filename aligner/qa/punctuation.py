"""Punctuation checks with an explicit per-language quote table.

Unicode categories cannot pair quotes: German opens with „ (U+201E, category
Ps) and closes with “ (U+201C), which Unicode files as an *initial* quote (Pi)
because English opens with it. Which character opens and which closes is a
property of the language, so it lives in the explicit table ``QUOTES`` below.

Checks (all on one segment, so they never fire across a sentence boundary):

* white space before ``, . ; : ! ? )`` (French keeps its space before ``; : ! ?``
  and inside « »);
* doubled spaces inside a line (only visible in the raw text: segments are
  whitespace-normalised, so the caller passes the raw slice when it has it);
* unbalanced quotes (per-language pairs, plus straight ``"`` counted for parity)
  and unbalanced brackets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# language -> (opening, closing) pairs, most usual first. The first pair is what a
# repair uses when a lost quote has to be put back.
QUOTES: dict[str, tuple[tuple[str, str], ...]] = {
    "de": (("„", "“"), ("‚", "‘"), ("»", "«")),
    "en": (("“", "”"), ("‘", "’")),
    "fr": (("«", "»"), ("“", "”"), ("‹", "›")),
    "it": (("«", "»"), ("“", "”"), ("‘", "’")),
    "es": (("«", "»"), ("“", "”"), ("‘", "’")),
    "pt": (("«", "»"), ("“", "”"), ("‘", "’")),
    "nl": (("“", "”"), ("‘", "’"), ("„", "”")),
    "pl": (("„", "”"), ("«", "»")),
    "cs": (("„", "“"), ("‚", "‘"), ("»", "«")),
    "ru": (("«", "»"), ("„", "“")),
    "sv": (("”", "”"), ("’", "’"), ("»", "»")),
    "da": (("»", "«"), ("„", "“")),
    "zh": (("“", "”"), ("「", "」"), ("『", "』")),
    "ja": (("「", "」"), ("『", "』")),
}
DEFAULT_QUOTES: tuple[tuple[str, str], ...] = (("“", "”"), ("‘", "’"))
BRACKETS: tuple[tuple[str, str], ...] = (("(", ")"), ("[", "]"), ("{", "}"))
# Languages that put a (thin) space before ; : ! ? and inside guillemets.
SPACE_BEFORE_HIGH_PUNCT = {"fr"}

_SPACE_BEFORE = re.compile(r"(?<=[^\W_])([ \u00a0\u202f]+)([,.;:!?)])(?=\s|$|[\"'”“»«)])")
_DOUBLE_SPACE = re.compile(r"(?<=\S)( {2,})(?=\S)")


def quote_pairs(lang: str) -> tuple[tuple[str, str], ...]:
    """The quote pairs of ``lang`` (ISO 639-1), English-style curly quotes when unknown."""
    return QUOTES.get(lang, DEFAULT_QUOTES)


def primary_quotes(lang: str) -> tuple[str, str]:
    """The (opening, closing) quote a repair should use for ``lang``."""
    return quote_pairs(lang)[0]


@dataclass(frozen=True)
class PunctIssue:
    """One punctuation problem: a span of the checked text and, when obvious, its replacement."""

    start: int
    end: int
    kind: str  # "space-before" | "double-space" | "unbalanced-quote" | "unbalanced-bracket"
    message: str
    replacement: str | None = None


def _balance(text: str, opener: str, closer: str) -> int | None:
    """Offset of the first unmatched quote/bracket, or None when balanced."""
    if opener not in text and closer not in text:
        return None
    if opener == closer:  # symmetric quotes (Swedish ”…”): parity only
        positions = [m.start() for m in re.finditer(re.escape(opener), text)]
        return positions[-1] if len(positions) % 2 else None
    stack: list[int] = []
    for k, ch in enumerate(text):
        if ch == opener:
            stack.append(k)
        elif ch == closer:
            if not stack:
                return k
            stack.pop()
    return stack[0] if stack else None


def _apostrophe(text: str, k: int) -> bool:
    """’ or ‘ between letters (don’t, l’homme) or after a letter before a space (the boys’) is an apostrophe."""
    before = text[k - 1] if k > 0 else " "
    after = text[k + 1] if k + 1 < len(text) else " "
    return before.isalnum() and (after.isalnum() or after.isspace() or after in ".,;:")


def check_punctuation(text: str, lang: str, raw: str | None = None) -> list[PunctIssue]:
    """Punctuation problems in one segment (``text``); ``raw`` is its raw slice, for doubled spaces."""
    issues: list[PunctIssue] = []
    for m in _SPACE_BEFORE.finditer(text):
        mark = m.group(2)
        if lang in SPACE_BEFORE_HIGH_PUNCT and mark in ";:!?":
            continue
        if mark == "." and text[m.end():m.end() + 2] == "..":  # an ellipsis " ..." is a style choice
            continue
        word = text[max(0, m.start() - 15):m.start()].split(" ")[-1]
        issues.append(PunctIssue(m.start(1), m.end(1), "space-before",
                                 f"space before '{mark}' in '{word}{m.group(1)}{mark}'", ""))
    if raw is not None:
        for line in raw.splitlines():
            for m in _DOUBLE_SPACE.finditer(line):
                ctx = line[max(0, m.start() - 12):m.end() + 12].strip()
                issues.append(PunctIssue(-1, -1, "double-space", f"doubled space in '{ctx}'"))
    for opener, closer in quote_pairs(lang):
        probe = text
        if ("’" in (opener, closer) or "‘" in (opener, closer)) and ("’" in text or "‘" in text):
            probe = "".join(" " if ch in "’‘" and _apostrophe(text, k) else ch for k, ch in enumerate(text))
        at = _balance(probe, opener, closer)
        if at is not None:
            issues.append(PunctIssue(at, at + 1, "unbalanced-quote",
                                     f"unbalanced quote {text[at]!r} ({lang} pairs {opener}…{closer})"))
    straight = [m.start() for m in re.finditer('"', text)]
    if len(straight) % 2:
        issues.append(PunctIssue(straight[-1], straight[-1] + 1, "unbalanced-quote",
                                 f"odd number of straight quotes \" ({len(straight)})"))
    unlisted = _strip_list_markers(text) if ")" in text else text
    for opener, closer in BRACKETS:
        at = _balance(unlisted, opener, closer)
        if at is not None:
            issues.append(PunctIssue(at, at + 1, "unbalanced-bracket", f"unbalanced bracket {text[at]!r}"))
    return issues


_LIST_MARKER = re.compile(r"(^|\s)(\d{1,3}|[a-zA-Z]|[ivx]{1,4})\)(?=\s)")


def _strip_list_markers(text: str) -> str:
    """Hide enumeration markers such as '1)' or 'a)' that have no opening bracket by design."""
    return _LIST_MARKER.sub(lambda m: m.group(1) + m.group(2) + " ", text)


def apply_punctuation_repairs(text: str, issues: list[PunctIssue]) -> str:
    """``text`` with every issue that has a replacement applied (right to left)."""
    out = text
    for issue in sorted((i for i in issues if i.replacement is not None and i.start >= 0),
                        key=lambda i: i.start, reverse=True):
        out = out[:issue.start] + issue.replacement + out[issue.end:]  # type: ignore[operator]
    return out
