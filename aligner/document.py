"""Stage 1: raw text -> Document (paragraphs, languages, segments, exclusions).

Paragraphs in another language than the document's (the Italian newswire
chrome around an English release, a Chinese licence footer) and paragraphs with
no letters or digits at all become ``Exclusion`` records instead of segments.
Every non-space character of the text ends up in exactly one segment or one
exclusion; ``coverage_gaps`` checks that.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, wait
from pathlib import Path

from aligner.config import DocConfig
from aligner.errors import LanguageError
from aligner.io import read_text
from aligner.langid import (
    Guess,
    cheap_blocks,
    check_supported_soon,
    document_language,
    guess_blocks,
    smooth,
    start_check_supported,
)
from aligner.paragraphs import Paragraph, split_paragraphs
from aligner.sentences import MAX_SENTENCE_CHARS, sentence_spans
from aligner.types import Document, Exclusion, LanguageRun, Segment


def _has_text(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def make_document(text: str, name: str = "text", config: DocConfig = DocConfig(),
                  path: str | None = None) -> Document:
    """Split decoded text into a Document (see the module docstring)."""
    languages = tuple(config.languages)
    if config.lang and config.lang not in languages:
        languages = (*languages, config.lang)
    # whether the text is in a language in play at all: checked meanwhile (lingua reads without the GIL)
    pending = check_supported_soon(text, languages) if _checks_support(config) else None
    try:
        return _make_document(text, name, config, path, languages, pending)
    finally:
        if pending is not None:
            wait([pending])  # (never left running: a process may fork next)


def _make_document(text: str, name: str, config: DocConfig, path: str | None, languages: tuple[str, ...],
                   pending: Future[None] | None) -> Document:
    paragraphs = split_paragraphs(text, one_per_line=config.presplit)
    texts = [p.text for p in paragraphs]
    if config.presplit and config.lang:
        # one sentence per line in a known language: nothing to detect, nothing to exclude
        guesses = [Guess(config.lang, 1.0, True) for _ in texts]
        doc_lang: str | None = config.lang
    else:
        guesses = guess_blocks(texts, languages, min_confidence=config.min_confidence,
                               min_letters=config.min_letters, main=config.lang)
        doc_lang = config.lang or document_language(texts, guesses)
    if doc_lang is None:
        if config.presplit and any(texts):
            doc_lang = languages[0]
        else:
            raise LanguageError(f"{path or name}: no text in a supported language ({', '.join(languages)})")
    if pending is not None and any(p.lines > 1 for p in paragraphs):
        try:
            _check_unjoined(text, doc_lang, languages, config, path or name)
        except LanguageError:
            _supported(pending, path or name)  # a language not in play is the first thing to say
            raise
    para_langs = smooth(texts, guesses, doc_lang, languages)

    segments: list[Segment] = []
    exclusions: list[Exclusion] = []
    notes: list[str] = []
    for para, lang in zip(paragraphs, para_langs):
        if config.presplit:
            segments.append(Segment(len(segments), para.text, para.start, para.end, para.index, "sentence"))
            continue
        if not _has_text(para.text):
            exclusions.append(Exclusion(para.start, para.end, para.text, "no-text", None))
        elif lang != doc_lang:
            exclusions.append(Exclusion(para.start, para.end, para.text, "other-language", lang))
        else:
            segments.extend(_segments(para, doc_lang, len(segments), notes))
    if pending is not None:  # (waited for last: the sentences are split meanwhile)
        _supported(pending, path or name)
    if not segments:
        found = sorted({e.lang for e in exclusions if e.reason == "other-language" and e.lang})
        if config.lang and found:  # the language was given, and the text is in another
            raise LanguageError(f"{path or name}: its text is in {', '.join(found)}, not in {doc_lang} "
                                "(the language given)")
        raise LanguageError(f"{path or name}: no text in {doc_lang} left to align")
    runs = _runs(paragraphs, para_langs, guesses)
    return Document(name=name, text=text, lang=doc_lang, segments=tuple(segments),
                    exclusions=tuple(exclusions), runs=runs, path=path, notes=tuple(notes))


def _checks_support(config: DocConfig) -> bool:
    """Whether ``make_document`` checks that the text is in a language in play (``config.languages``):
    not when the language is given, nor for one sentence a line."""
    return config.lang is None and not config.presplit


def check_support_soon(text: str, config: DocConfig = DocConfig()) -> None:
    """Start the check ``make_document(text, config=config)`` makes that ``text`` is in a language in
    play, for it to take over: a caller that has read its texts starts their checks before its own slow
    start-up (the encoder's imports), which leaves the other core free for them."""
    if _checks_support(config):
        start_check_supported(text, tuple(config.languages))


def _supported(pending: Future[None], where: str) -> None:
    """Wait for the check that the text is in a language in play (``check_supported``)."""
    try:
        pending.result()
    except LanguageError as err:
        raise LanguageError(f"{where}: {err}") from None


_UNJOINED_SAMPLE = 200  # lines of a wrapped document whose language is checked before joining


def _check_unjoined(text: str, doc_lang: str, languages: tuple[str, ...], config: DocConfig, where: str) -> None:
    """Refuse a wrapped document whose lines, detected one by one before joining, are mostly in another language.

    Joining lines can only be trusted if it does not change what language the text is in; when it
    does, the layout guess is wrong somewhere, and the user has to say which language it is.
    """
    units = [p.text for p in split_paragraphs(text, one_per_line=True) if p.text]
    sample = units[:: max(1, len(units) // _UNJOINED_SAMPLE)]
    guesses = cheap_blocks(sample, languages, min_confidence=config.min_confidence, min_letters=config.min_letters)
    line_lang = document_language(sample, guesses)
    if line_lang is not None and line_lang != doc_lang:
        raise LanguageError(f"{where}: most of its lines are in {line_lang}, but the paragraphs rebuilt from them "
                            f"read as {doc_lang}; give the document's language (--lang, --src-lang or --tgt-lang)")


def _segments(para: Paragraph, lang: str, first_id: int, notes: list[str]) -> list[Segment]:
    if para.heading:
        return [Segment(first_id, para.text, para.start, para.end, para.index, "heading")]
    out: list[Segment] = []
    cuts: list[tuple[int, int]] = []
    for s, e in sentence_spans(para.text, lang, cuts):
        raw_start, raw_end = para.raw_span(s, e)
        out.append(Segment(first_id + len(out), para.text[s:e], raw_start, raw_end, para.index, "sentence"))
    for s, e in cuts:
        raw_start, raw_end = para.raw_span(s, e)
        notes.append(f"characters {raw_start}-{raw_end}: {e - s:,} characters with no sentence end, "
                     f"cut into pieces of at most {MAX_SENTENCE_CHARS:,}")
    return out


def _runs(paragraphs: list[Paragraph], langs: list[str], guesses) -> tuple[LanguageRun, ...]:  # type: ignore[no-untyped-def]
    runs: list[LanguageRun] = []
    for para, lang, guess in zip(paragraphs, langs, guesses):
        if not para.text:
            continue
        conf = guess.confidence if guess.lang == lang else 0.0
        if runs and runs[-1].lang == lang:
            last = runs[-1]
            runs[-1] = LanguageRun(lang, last.start, para.end, max(last.confidence, conf))
        else:
            runs.append(LanguageRun(lang, para.start, para.end, conf))
    return tuple(runs)


def read_document(path: str | os.PathLike[str], config: DocConfig = DocConfig(), name: str | None = None) -> Document:
    """Read a UTF-8 text file into a Document."""
    text = read_text(path)
    return make_document(text, name or Path(path).stem, config, path=str(path))


def coverage_gaps(doc: Document) -> list[tuple[int, int]]:
    """Raw spans holding non-space characters that are in no segment and no exclusion (should be empty)."""
    covered = bytearray(len(doc.text))
    spans = [(s.start, s.end) for s in doc.segments] + [(e.start, e.end) for e in doc.exclusions]
    for start, end in spans:
        covered[start:end] = b"\x01" * (end - start)
    gaps: list[tuple[int, int]] = []
    for k, ch in enumerate(doc.text):
        if not covered[k] and not ch.isspace():
            if gaps and gaps[-1][1] == k:
                gaps[-1] = (gaps[-1][0], k + 1)
            else:
                gaps.append((k, k + 1))
    return gaps
