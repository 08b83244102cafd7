"""Where two aligned texts differ, word by word: the marks the HTML report draws.

Three kinds of evidence, each as character spans of the side's text:

* **versions** (same language): a token diff (difflib on word, number and
  punctuation tokens). Tokens only in the source are ``del``, only in the
  target ``ins``; a changed token holding a digit is ``num`` (the dateline's
  ``March 01`` → ``March 02``).
* **translations**: the numbers ``aligner.qa.numbers`` finds on one side only
  (``num``), and names written on one side that nothing on the other side
  resembles (``name``; only names the other document writes the same way
  somewhere, so a translated name is not taken for a missing one).
* **repairs**: the characters a suggested repair changes (``dmg``, drawn by the
  report from ``repair_diff``).
* **content without a counterpart** (``orphan``), for beads flagged as an
  omission, addition or low similarity: the words of the longer side whose
  removal makes it *more* like the other side. For each window of
  ``ORPHAN_WINDOW`` words, the side is encoded without it (the same encoder
  that aligned the documents, so it works for any language pair it supports);
  a window whose removal raises the cosine with the other side by more than
  ``ORPHAN_GAIN`` (and by most of the sentence's best gain) has nothing to
  match there. Why removal and not the window's
  own similarity: a short phrase's embedding is noisy across languages, while
  the embedding of the rest of the sentence is as stable as a sentence's, and
  the comparison is the one the aligner itself makes. Measured by
  ``bench/report.py`` (clauses inserted into Text+Berg gold pairs: precision
  and recall of the marked words, dev and test).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from aligner.qa.numbers import compare_numbers, month_number

if TYPE_CHECKING:
    from aligner.encoders import Encoder

# words (with inner apostrophes, hyphens, dots and commas of numbers), or one other non-space character
_TOKEN = re.compile(r"\w+(?:[-'’.,]\w+)*|[^\w\s]")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
_REPAIR_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_NOUN_CAPITALS = {"de", "lb"}  # languages that capitalise every noun
_OPENERS = set(".!?:;\"'„“”«»‹›([{—–-")

# Tuned on the Text+Berg dev document (bench/report.py): the best F1 among the settings whose marked words
# are at least 75% right, since a false mark sends the reviewer after words that are fine.
ORPHAN_WINDOW = 5  # words per removed window
ORPHAN_GAIN = 0.05  # cosine gain from removing a window above which it has no counterpart ...
ORPHAN_PEAK = 0.7  # ... and at least this share of the sentence's best gain (marks the main gap, not its echoes)
ORPHAN_MAX_WORDS = 120  # longer sides are not scanned (the cost is one encoding per word)


@dataclass(frozen=True)
class Span:
    """A marked stretch of one side's text: ``text[start:end]``."""

    start: int
    end: int
    kind: str  # "ins" | "del" | "num" | "name" | "orphan"
    note: str = ""  # shown as the mark's tooltip


@dataclass(frozen=True)
class Marks:
    src: tuple[Span, ...] = ()
    tgt: tuple[Span, ...] = ()

    def __add__(self, other: Marks) -> Marks:
        return Marks(self.src + other.src, self.tgt + other.tgt)


def tokens(text: str) -> list[tuple[int, int]]:
    """(start, end) of every word, number and punctuation character."""
    return [m.span() for m in _TOKEN.finditer(text)]


def _runs(spans: Sequence[tuple[int, int]], kind: str, note: str = "") -> list[Span]:
    """One Span covering consecutive tokens (so the white space between them is marked too)."""
    return [Span(spans[0][0], spans[-1][1], kind, note)] if spans else []


def version_marks(src: str, tgt: str) -> Marks:
    """The token diff of two versions of a text in one language."""
    a, b = tokens(src), tokens(tgt)
    ka = [src[s:e].translate(_APOSTROPHES) for s, e in a]
    kb = [tgt[s:e].translate(_APOSTROPHES) for s, e in b]
    out_a: list[Span] = []
    out_b: list[Span] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ka, kb, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        numeric = op == "replace" and any(any(c.isdigit() for c in t) for t in ka[i1:i2] + kb[j1:j2])
        if numeric:
            before, after = " ".join(ka[i1:i2]), " ".join(kb[j1:j2])
            out_a += _runs(a[i1:i2], "num", f"changed to '{after}'")
            out_b += _runs(b[j1:j2], "num", f"was '{before}'")
            continue
        out_a += _runs(a[i1:i2], "del", "not in the target" if op == "delete" else "replaced in the target")
        out_b += _runs(b[j1:j2], "ins", "not in the source" if op == "insert" else "replaces source words")
    return Marks(tuple(out_a), tuple(out_b))


def number_marks(src: str, tgt: str, src_lang: str, tgt_lang: str) -> Marks:
    """The numbers, dates and amounts of one side with no agreeing value on the other."""
    mismatch = compare_numbers(src, tgt, src_lang, tgt_lang)
    if mismatch is None:
        return Marks()
    return Marks(tuple(Span(q.start, q.end, "num", "no matching value in the target") for q in mismatch.src_only),
                 tuple(Span(q.start, q.end, "num", "no matching value in the source") for q in mismatch.tgt_only))


def name_candidates(text: str, lang: str) -> list[tuple[int, int]]:
    """Tokens that may be names: acronyms (``CGTN``) and capitalised words inside a sentence.

    In languages that capitalise every noun (German) the second kind is every
    noun; ``name_marks`` then only keeps the ones the other document writes too.
    """
    out = []
    for s, e in tokens(text):
        word = text[s:e]
        if not word[0].isalpha() or len(word) < 2:
            continue
        if word.isupper() and sum(c.isalpha() for c in word) >= 2:
            out.append((s, e))
            continue
        if not word[0].isupper():
            continue
        before = text[:s].rstrip()
        if before and before[-1] not in _OPENERS:
            out.append((s, e))
    return out


def document_names(texts: Sequence[str], lang: str) -> frozenset[str]:
    """Every token of a document that ``name_candidates`` takes for a name."""
    return frozenset(text[s:e] for text in texts for s, e in name_candidates(text, lang))


def _resembles(word: str, others: Sequence[str]) -> bool:
    """Same name, allowing for inflection and transliteration (``Chinas``/``China``, ``Europa``/``Europe``)."""
    w = word.casefold()
    for o in others:
        if w == o or (min(len(w), len(o)) >= 4 and (w.startswith(o[:4]) and o.startswith(w[:4]))):
            return True
        if difflib.SequenceMatcher(None, w, o).ratio() >= 0.7:
            return True
    return False


def _words(text: str) -> list[str]:
    """The casefolded words of ``text``, compounds also in their parts (``Jangtse-Delta``: ``jangtse``, ``delta``)."""
    out = []
    for s, e in tokens(text):
        w = text[s:e].casefold()
        out.append(w)
        if "-" in w:
            out += [x for x in w.split("-") if x]
    return out


def _phrases(text: str, spans: Sequence[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Candidates separated only by a space form one name (``Yangtze River Delta``)."""
    out: list[list[tuple[int, int]]] = []
    for s, e in spans:
        if out and text[out[-1][-1][1]:s] == " ":
            out[-1].append((s, e))
        else:
            out.append([(s, e)])
    return out


def name_marks(src: str, tgt: str, src_lang: str, tgt_lang: str, src_names: frozenset[str] | None = None,
               tgt_names: frozenset[str] | None = None) -> Marks:
    """Names on one side that no word of the other side resembles.

    With the other *document's* names (``document_names``), a name counts only
    when the other document writes it the same way somewhere (``Shanghai``,
    ``CGTN``): a name that never appears there is probably translated
    (``Yangtze River Delta`` / ``Jangtse-Delta``), and marking it would be a false alarm.
    """
    marks = []
    for text, lang, other, names, where in ((src, src_lang, tgt, tgt_names, "target"),
                                            (tgt, tgt_lang, src, src_names, "source")):
        words = _words(other)
        found = []
        for phrase in _phrases(text, name_candidates(text, lang)):
            if any(_resembles(text[s:e], words) for s, e in phrase):
                continue  # "Xiongan New Area" / "Xiong'an": one word of the name is there
            for s, e in phrase:
                word = text[s:e]
                known = word in names if names is not None else (lang not in _NOUN_CAPITALS or word.isupper())
                if known and not (month_number(word, lang) or month_number(word, "en")):
                    found.append(Span(s, e, "name", f"no such name in the {where}"))
        marks.append(tuple(found))
    return Marks(marks[0], marks[1])


def window_gains(longer: str, other: str, encoder: Encoder, window: int = ORPHAN_WINDOW,
                 sep: str = " ") -> tuple[list[tuple[int, int]], np.ndarray]:
    """The words of ``longer`` and, per word, the best cosine gain with ``other`` from removing a window
    of ``window`` words that holds it (see the module docstring). No words when there is nothing to scan."""
    words = [m.span() for m in re.finditer(r"\S+", longer)]
    if len(words) <= window or len(words) > ORPHAN_MAX_WORDS or not other.strip():
        return [], np.zeros(0)
    starts = range(len(words) - window + 1)
    variants = [sep.join(longer[s:e] for s, e in words[:k] + words[k + window:]) for k in starts]
    vecs = encoder.encode([other, longer, *variants])
    gains = vecs[2:] @ vecs[0] - float(vecs[1] @ vecs[0])
    score = np.full(len(words), -np.inf)
    for k, g in zip(starts, gains):
        score[k:k + window] = np.maximum(score[k:k + window], g)
    return words, score


def spans_above(words: Sequence[tuple[int, int]], score: np.ndarray, gain: float,
                peak: float = 0.0) -> list[tuple[int, int]]:
    """Runs of consecutive words whose score is above ``gain`` and ``peak`` times the best score, as spans."""
    if not len(score):
        return []
    limit = max(gain, peak * float(np.max(score)))
    spans: list[tuple[int, int]] = []
    for i, on in enumerate(score > limit):
        if not on:
            continue
        if spans and score[i - 1] > limit:
            spans[-1] = (spans[-1][0], words[i][1])
        else:
            spans.append(words[i])
    return spans


def orphan_spans(longer: str, other: str, encoder: Encoder, *, window: int = ORPHAN_WINDOW,
                 gain: float = ORPHAN_GAIN, peak: float = ORPHAN_PEAK, sep: str = " ") -> list[tuple[int, int]]:
    """The stretches of ``longer`` that have no counterpart in ``other`` (see the module docstring)."""
    words, score = window_gains(longer, other, encoder, window, sep)
    return spans_above(words, score, gain, peak)


def orphan_marks(src: str, tgt: str, encoder: Encoder, ratio: float = 1.0, sep: tuple[str, str] = (" ", " "),
                 **options: float) -> Marks:
    """``orphan`` spans on the side that is longer than the document's length ratio predicts."""
    if not src or not tgt:
        return Marks()
    if len(tgt) / max(ratio, 1e-6) >= len(src):
        found = orphan_spans(tgt, src, encoder, sep=sep[1], **options)  # type: ignore[arg-type]
        return Marks(tgt=tuple(Span(s, e, "orphan", "no counterpart in the source") for s, e in found))
    found = orphan_spans(src, tgt, encoder, sep=sep[0], **options)  # type: ignore[arg-type]
    return Marks(src=tuple(Span(s, e, "orphan", "no counterpart in the target") for s, e in found))


def repair_diff(before: str, after: str) -> list[tuple[str, str]]:
    """``before`` → ``after`` as (kind, text) pieces: ``same``, ``del`` (removed), ``ins`` (restored).

    Diffed on words, spaces and single signs first, then by character inside each
    changed stretch: a repair changes a few characters of a long sentence.
    """
    a, b = _REPAIR_TOKEN.findall(before), _REPAIR_TOKEN.findall(after)
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    out: list[tuple[str, str]] = []

    def add(kind: str, text: str) -> None:
        if not text:
            return
        if out and out[-1][0] == kind:
            out[-1] = (kind, out[-1][1] + text)
        else:
            out.append((kind, text))

    add("same", "".join(a[:head]))
    mid_a, mid_b = a[head:len(a) - tail], b[head:len(b) - tail]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, mid_a, mid_b, autojunk=False).get_opcodes():
        x, y = "".join(mid_a[i1:i2]), "".join(mid_b[j1:j2])
        if op == "equal":
            add("same", x)
            continue
        for cop, c1, c2, d1, d2 in difflib.SequenceMatcher(None, x, y, autojunk=False).get_opcodes():
            if cop == "equal":
                add("same", x[c1:c2])
            else:
                add("del", x[c1:c2])
                add("ins", y[d1:d2])
    add("same", "".join(a[len(a) - tail:]))
    return out


def flatten(text: str, spans: Sequence[Span]) -> list[tuple[str, Span | None]]:
    """``text`` cut into pieces, each with the span that marks it (the first one wins where spans overlap)."""
    owner: list[Span | None] = [None] * len(text)
    for sp in spans:
        for i in range(max(0, sp.start), min(len(text), sp.end)):
            if owner[i] is None:
                owner[i] = sp
    pieces: list[tuple[str, Span | None]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or owner[i] is not owner[start]:
            pieces.append((text[start:i], owner[start]))
            start = i
    return pieces


__all__ = ["Marks", "Span", "document_names", "flatten", "name_marks", "number_marks", "orphan_marks", "orphan_spans",
           "repair_diff", "spans_above", "tokens", "version_marks", "window_gains"]
