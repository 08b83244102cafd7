"""Rebuild paragraphs from raw text, keeping a map back to the raw offsets.

Three layouts occur in practice and in the seeds:

* one paragraph per line (web copy: 000, 002, 004);
* paragraphs separated by blank lines (newswire: 001);
* hard-wrapped text, where a paragraph is cut into lines of ~80 columns; the
  German seed 003 is wrapped *and* has a blank line after every line, so a blank
  line is not a paragraph break there.

Wrapped lines are joined with a space, except after a word-internal hyphen,
where the line break is dropped and the hyphen kept ("Frühlingsfest-" +
"Gala" -> "Frühlingsfest-Gala"): we never delete a visible character, so the
"nothing is lost" guarantee holds. A short line without final punctuation
between two paragraphs is a heading and becomes its own paragraph.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

_TERMINAL = re.compile(r"[.!?:;…。！？]['\"’”»«)\]]*$")
_HYPHEN_BREAK = re.compile(r"\w-$")
_TOKEN = re.compile(r"\S+")
_SPACES = re.compile(r"\s{2,}|[^\S ]")  # white space other than one plain space (a maximal run each)
_MIN_WRAP_EVIDENCE = 3  # long lines ending mid-sentence needed to call a document wrapped
_LIST_ITEM = re.compile(r"^([-•*–]|\d{1,3}[.)])\s")


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph: normalised text plus the token map back to raw offsets."""

    index: int
    text: str  # whitespace-normalised
    start: int  # raw offset of the first character
    end: int  # raw offset after the last character
    heading: bool
    # Parallel arrays: where a run of tokens with the same shift from ``text`` to the raw text starts,
    # in ``text`` and in the raw text (one entry a line in wrapped text, a few a paragraph otherwise)
    norm_starts: array[int]
    raw_starts: array[int]
    lines: int = 1  # raw lines joined into it (more than one only in wrapped text)

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of ``text`` (not starting or ending on a space) to raw offsets."""
        t0 = bisect.bisect_right(self.norm_starts, start) - 1
        t1 = bisect.bisect_right(self.norm_starts, end - 1) - 1
        return (self.raw_starts[t0] + start - self.norm_starts[t0],
                self.raw_starts[t1] + (end - 1 - self.norm_starts[t1]) + 1)


@dataclass(frozen=True, slots=True)
class _Line:
    start: int
    end: int
    text: str  # stripped


# Line breaks: LF, CRLF, CR alone (old Mac exports), VT, FF (a page break: a wrapped paragraph may go on
# after it), NEL, the Unicode line separator U+2028, the information separators Python treats as line
# breaks, and the paragraph separator U+2029, which also ends the paragraph (it counts as a blank line).
_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_PARAGRAPH_BREAK = "\u2029"


def _raw_lines(text: str) -> Iterator[tuple[int, str, bool]]:
    """(raw offset, line without its break, whether a paragraph separator ends it) for every line."""
    pos = 0
    for m in _BREAK.finditer(text):
        yield pos, text[pos:m.start()], m.group() == _PARAGRAPH_BREAK
        pos = m.end()
    yield pos, text[pos:], False


def _lines(text: str) -> list[_Line | None]:
    """Lines with raw offsets; ``None`` for a blank line."""
    out: list[_Line | None] = []
    for pos, raw, paragraph_end in _raw_lines(text):
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            out.append(_Line(pos + lead, pos + lead + len(stripped), stripped))
        else:
            out.append(None)
        if paragraph_end:
            out.append(None)
    return out


def _layout(lines: list[_Line | None]) -> tuple[bool, bool, float]:
    """(wrapped, double_spaced, wrap width) of a document.

    The evidence for wrapping is long lines that stop mid-sentence: a wrapped
    paragraph is cut wherever the width runs out, so most of its lines are near
    the width and end without a full stop. Short lines (headings, captions,
    one-line paragraphs) say nothing about wrapping, whatever their ending, and a
    document of whole-paragraph lines has long lines that end a sentence.
    """
    full = [ln for ln in lines if ln is not None]
    if len(full) < 6:
        return False, False, 0.0
    lengths = sorted(len(ln.text) for ln in full)
    width = float(lengths[int(0.9 * (len(lengths) - 1))])
    long = [ln for ln in full if len(ln.text) >= 0.6 * width]
    long_open = sum(not _TERMINAL.search(ln.text) for ln in long)
    wrapped = (30 <= width <= 130 and len(long) >= 0.5 * len(full)
               and long_open >= _MIN_WRAP_EVIDENCE and long_open >= 0.4 * len(long))
    singles = 0
    for k in range(len(lines) - 2):
        if lines[k] is not None and lines[k + 1] is None and lines[k + 2] is not None:
            singles += 1
    double_spaced = wrapped and singles >= 0.7 * (len(full) - 1)
    return wrapped, double_spaced, width


def _blocks(lines: list[_Line | None], double_spaced: bool) -> list[list[_Line]]:
    """Groups of lines separated by blank lines (two or more when the text is double-spaced)."""
    blocks: list[list[_Line]] = [[]]
    blank_run = 0
    for ln in lines:
        if ln is None:
            blank_run += 1
            continue
        if blocks[-1] and blank_run >= (2 if double_spaced else 1):
            blocks.append([])
        blank_run = 0
        blocks[-1].append(ln)
    return [b for b in blocks if b]


def _is_heading(line: _Line, prev: _Line | None, nxt: _Line | None, width: float) -> bool:
    if _TERMINAL.search(line.text) or len(line.text) >= 0.75 * width or not line.text[0].isupper():
        return False
    if prev is not None and not _TERMINAL.search(prev.text):
        return False
    return nxt is None or nxt.text[0].isupper() or nxt.text[0].isdigit()


def _unwrap(block: list[_Line], width: float) -> list[tuple[list[_Line], bool]]:
    """Join a wrapped block's lines into paragraphs; returns (lines, is_heading) groups."""
    groups: list[tuple[list[_Line], bool]] = []
    current: list[_Line] = []
    for k, line in enumerate(block):
        prev = block[k - 1] if k else None
        nxt = block[k + 1] if k + 1 < len(block) else None
        if _is_heading(line, prev, nxt, width):
            if current:
                groups.append((current, False))
            groups.append(([line], True))
            current = []
            continue
        if current and prev is not None and (
            (_TERMINAL.search(prev.text) and len(prev.text) < 0.75 * width)
            or (_LIST_ITEM.match(line.text) and _TERMINAL.search(prev.text))
        ):
            groups.append((current, False))
            current = []
        current.append(line)
    if current:
        groups.append((current, False))
    return groups


def _make(index: int, lines: list[_Line], heading: bool) -> Paragraph:
    parts: list[str] = []
    norm_starts: array[int] = array("q")
    raw_starts: array[int] = array("q")
    length = 0
    shift: int | None = None  # raw offset - normalised offset of the tokens since the arrays' last entry
    glue_next = False
    for ln in lines:  # (a line is stripped: it starts and ends with a token)
        if parts and not glue_next:
            parts.append(" ")
            length += 1
        for tok in _TOKEN.finditer(ln.text):
            raw = ln.start + tok.start()
            if raw - length != shift:
                norm_starts.append(length)
                raw_starts.append(raw)
                shift = raw - length
            length += tok.end() - tok.start() + 1
        length -= 1
        # its tokens, one space between each two (the line itself, not a copy, when it is already so)
        parts.append(_SPACES.sub(" ", ln.text))
        glue_next = bool(_HYPHEN_BREAK.search(ln.text))
    return Paragraph(index, "".join(parts), lines[0].start, lines[-1].end, heading,
                     norm_starts, raw_starts, len(lines))


def split_paragraphs(text: str, *, one_per_line: bool = False) -> list[Paragraph]:
    """Rebuild the paragraphs of ``text`` (see the module docstring).

    ``one_per_line`` makes every line a paragraph (pre-split input); blank lines
    are then kept as empty paragraphs so that line number == paragraph index.
    """
    if one_per_line:
        raw_lines = list(_raw_lines(text))
        if len(raw_lines) > 1 and not raw_lines[-1][1]:
            raw_lines = raw_lines[:-1]  # the break that ends the last line
        out = []
        for k, (pos, raw, _) in enumerate(raw_lines):
            stripped = raw.strip()
            if not stripped:
                out.append(Paragraph(k, "", pos, pos, False, array("q"), array("q")))
            else:
                lead = len(raw) - len(raw.lstrip())
                out.append(_make(k, [_Line(pos + lead, pos + lead + len(stripped), stripped)], False))
        return out
    lines = _lines(text)
    wrapped, double_spaced, width = _layout(lines)
    paragraphs: list[Paragraph] = []
    for block in _blocks(lines, double_spaced):
        if wrapped:
            groups = _unwrap(block, width)
        else:
            groups = [([ln], False) for ln in block]
        for group, heading in groups:
            if not heading and len(group) == 1:
                line = group[0].text
                heading = (len(line) <= 80 and not _TERMINAL.search(line) and line[0].isupper()
                           and len(line.split()) <= 12)
            paragraphs.append(_make(len(paragraphs), group, heading))
    return paragraphs
