"""Language detection per paragraph and per document, with lingua.

lingua is restricted to the languages in play (fewer candidates, fewer
confusions on short text). Paragraphs of ``LONG_TEXT`` characters or more are
read in lingua's low-accuracy mode (trigram models only: as accurate on text of
that length, and about 20 times cheaper to load than high-accuracy mode's
models); shorter ones in high-accuracy mode. lingua never reads
more than a bounded sample of a text (``sample``): its cost grows with the
square of a word's length. Short or uncertain paragraphs ("Tag", "Autore",
"CGTN cgtn@cgtn.com") are not trusted on their own: they take the language of
a neighbouring confident paragraph, choosing between the previous one, the
next one and the document language by lingua's own confidence for the text.
That is what keeps the Italian newswire chrome together as Italian while the
English contact line stays English.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from aligner.errors import LanguageError

T = TypeVar("T")

# (an address starts a word, and its parts are at most 64 and 253 characters long, RFC 5321: so the
# scan is linear in the length of a long word)
_URLISH = re.compile(r"<?https?://\S+|www\.\S+|(?<!\S)\S{1,64}@\S{1,253}\.\w+|\[[^\]]{0,1000}\]\([^)]{0,2000}\)")
_LONG_WORD = re.compile(r"\S{65,}")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True)
class Guess:
    lang: str | None  # ISO 639-1, None when the text has too few letters to tell
    confidence: float
    trusted: bool  # confident enough to stand on its own


def letters(text: str) -> int:
    """Letters that say something about the language (URLs and e-mail addresses do not; a CJK character counts 2)."""
    body = _URLISH.sub(" ", text)
    return sum(map(str.isalpha, body)) + len(_CJK.findall(body))


# lingua's own boundary: below 120 characters its low-accuracy mode "drops significantly", above it
# "remains mostly unaffected" (bench/langid.py measures this on a held-out mixed-language set)
LONG_TEXT = 120
# a short paragraph's cheap (low-accuracy) reading this sure of a language settles it in the document's
# main language, and makes any other language one that matters for it (bench/langid.py, paragraphs)
SURE = 0.9
# what lingua reads of a text at most: words cut to WORD_CHARS, the text to SAMPLE_CHARS
WORD_CHARS = 64
SAMPLE_CHARS = 2000


def sample(text: str, limit: int = SAMPLE_CHARS) -> str:
    """The part of ``text`` lingua reads: no URLs or e-mail addresses, every word cut to ``WORD_CHARS``
    characters, the whole to at most ``limit`` (lingua's time grows with the square of a word's length,
    and a paragraph's first 2000 characters tell its language as well as the rest)."""
    body = _LONG_WORD.sub(lambda m: m.group()[:WORD_CHARS], _URLISH.sub(" ", text))
    if len(body) > limit:
        cut = body.rfind(" ", limit // 2, limit)
        body = body[:cut if cut > 0 else limit]
    return body


@functools.lru_cache(maxsize=16)
def _detector(languages: tuple[str, ...], low_accuracy: bool = False):  # type: ignore[no-untyped-def]
    """One lingua detector per language set and mode, built once per process (lingua shares the loaded
    models between detectors)."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    chosen = []
    for code in languages:
        try:
            chosen.append(Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())))
        except (AttributeError, ValueError):
            raise LanguageError(f"unknown language code {code!r} (use ISO 639-1 codes such as en, de, fr)") from None
    if len(chosen) < 2:
        raise LanguageError("give at least two languages to choose from")
    builder = LanguageDetectorBuilder.from_languages(*chosen)
    return (builder.with_low_accuracy_mode() if low_accuracy else builder).build()


def confidences(text: str, languages: Sequence[str], *, low_accuracy: bool | None = None) -> dict[str, float]:
    """lingua's confidence per language (codes), for the letters of ``text``.

    ``low_accuracy`` None: low-accuracy mode for a text of ``LONG_TEXT`` characters or more.
    """
    body = sample(text)
    if low_accuracy is None:
        low_accuracy = len(body.strip()) >= LONG_TEXT
    return _by_code(_detector(tuple(languages), low_accuracy).compute_language_confidence_values(body))


def confidences_of(texts: Sequence[str], languages: Sequence[str], *, low_accuracy: bool) -> list[dict[str, float]]:
    """``confidences`` of each of ``texts``, read in one call (lingua's parallel batch, one text a task)."""
    if not texts:
        return []
    batch = _detector(tuple(languages), low_accuracy).compute_language_confidence_values_in_parallel(
        [sample(t) for t in texts])
    return [_by_code(values) for values in batch]


def _by_code(values: Iterable[Any]) -> dict[str, float]:
    """lingua's ConfidenceValues as {ISO 639-1 code: confidence}."""
    return {v.language.iso_code_639_1.name.lower(): float(v.value) for v in values}


def best_of(conf: dict[str, float]) -> tuple[str, float]:
    lang = max(conf, key=conf.__getitem__)
    return lang, conf[lang]


def segment_language(text: str, languages: Sequence[str], min_letters: int = 8) -> tuple[str | None, float]:
    """Best language of a short text and its confidence; ``(None, 0.0)`` when it is too short to tell."""
    if letters(text) < min_letters:
        return None, 0.0
    return best_of(confidences(text, languages))


def guess_blocks(texts: Sequence[str], languages: Sequence[str], *, min_confidence: float = 0.6,
                 min_letters: int = 8, main: str | None = None) -> list[Guess]:
    """Language of each paragraph, before smoothing.

    Every paragraph is first read in low-accuracy mode against every language in play (cheap:
    trigram models only). That reading is the guess of a long paragraph (``LONG_TEXT``). A short
    one it is sure of (``SURE``) in the document's main language is settled too: ``main``, or else
    the language most of the trusted long paragraphs are in. Any other short paragraph is read in
    high-accuracy mode against the languages that matter for it, so that only their models are
    loaded: those of the trusted long paragraphs, and the one the cheap reading is sure of. When
    that leaves one language, the paragraph is in it, as sure as the cheap reading says; when it
    leaves none, every language in play matters.
    """
    langs = tuple(languages)
    out: list[Guess] = [Guess(None, 0.0, False)] * len(texts)
    short: list[tuple[int, dict[str, float]]] = []
    for k, cheap in enumerate(_cheap_readings(texts, langs, min_letters)):
        if cheap is None:
            continue
        if len(sample(texts[k]).strip()) >= LONG_TEXT:
            out[k] = _guess(cheap, min_confidence)
        else:
            short.append((k, cheap))
    present = {g.lang for g in out if g.trusted}
    main = main or document_language(texts, out)
    for k, cheap in short:
        lang, conf = best_of(cheap)
        if conf >= SURE and lang == main:
            out[k] = Guess(lang, conf, True)
            continue
        matter = tuple(c for c in langs if c in present or (c == lang and conf >= SURE)) or langs
        if len(matter) == 1:
            conf = cheap.get(matter[0], 0.0)
            out[k] = Guess(matter[0], conf, conf >= min_confidence)
            continue
        out[k] = _guess(confidences(texts[k], matter, low_accuracy=False), min_confidence)
    return out


def cheap_blocks(texts: Sequence[str], languages: Sequence[str], *, min_confidence: float = 0.6,
                 min_letters: int = 8) -> list[Guess]:
    """Language of each text by the low-accuracy reading alone (for a verdict over many texts, such as
    the majority language of a document's lines, which a few misread short ones do not move)."""
    return [Guess(None, 0.0, False) if cheap is None else _guess(cheap, min_confidence)
            for cheap in _cheap_readings(texts, tuple(languages), min_letters)]


def _cheap_readings(texts: Sequence[str], languages: tuple[str, ...],
                    min_letters: int) -> list[dict[str, float] | None]:
    """The low-accuracy ``confidences`` of each text, None for one with fewer than ``min_letters`` letters."""
    return [confidences(t, languages, low_accuracy=True) if letters(t) >= min_letters else None for t in texts]


def _guess(conf: dict[str, float], min_confidence: float) -> Guess:
    """The best language of a reading, trusted from ``min_confidence``."""
    lang, c = best_of(conf)
    return Guess(lang, c, c >= min_confidence)


def document_language(texts: Sequence[str], guesses: Sequence[Guess]) -> str | None:
    """The language most of the trusted text is in (by letters); falls back to untrusted guesses."""
    weight: dict[str, int] = {}
    for trusted_only in (True, False):
        for text, g in zip(texts, guesses):
            if g.lang is not None and (g.trusted or not trusted_only):
                weight[g.lang] = weight.get(g.lang, 0) + letters(text)
        if weight:
            break
    return max(weight, key=weight.__getitem__) if weight else None


def smooth(texts: Sequence[str], guesses: Sequence[Guess], doc_lang: str,
           languages: Sequence[str]) -> list[str]:
    """Final language of every paragraph (see the module docstring)."""
    n = len(guesses)
    final: list[str | None] = [g.lang if g.trusted else None for g in guesses]
    trusted = [k for k in range(n) if guesses[k].trusted]
    for k in range(n):
        if final[k] is not None:
            continue
        prev = next((final[j] for j in range(k - 1, -1, -1) if final[j] is not None), None)
        nxt = next((guesses[j].lang for j in trusted if j > k), None)
        if guesses[k].lang is None:  # too short to say anything: follow the text around it
            final[k] = prev or nxt or doc_lang
            continue
        candidates = sorted({c for c in (prev, nxt, doc_lang) if c})
        if len(candidates) == 1:
            final[k] = candidates[0]
            continue
        # (lingua's confidences are proportional across candidate sets: weighing only the candidates
        # ranks them as weighing all of ``languages`` would)
        conf = confidences(texts[k], tuple(c for c in languages if c in candidates) or candidates)
        final[k] = max(candidates, key=lambda c: conf.get(c, 0.0))
    return [f or doc_lang for f in final]


def check_supported(text: str, languages: Sequence[str]) -> None:
    """Refuse a document whose text is clearly in a language outside ``languages``.

    Restricting lingua makes it pick the nearest allowed language for anything,
    so we ask a detector over all languages (low-accuracy mode, on a sample)
    whether the document is really in one of ours.
    """
    body = sample(text, 3000)
    if letters(body) < 40:
        return
    detector = _all_languages_detector()
    best = detector.detect_language_of(body)
    if best is None:
        return
    code = best.iso_code_639_1.name.lower()
    if code in languages:
        return
    conf = {v.language.iso_code_639_1.name.lower(): v.value
            for v in detector.compute_language_confidence_values(body)}
    ours = max((conf.get(c, 0.0) for c in languages), default=0.0)
    if conf.get(code, 0.0) > 2 * ours + 0.2:
        name = best.name.title()
        raise LanguageError(f"text is in {name} ({code}), not in a language in play "
                            f"({', '.join(languages)}); add it with --languages")


def check_supported_soon(text: str, languages: Sequence[str]) -> Future[None]:
    """``check_supported(text, languages)`` started in the language thread (``soon``); its ``result()``
    waits for it (and raises its LanguageError): the check's models (every language's, in low-accuracy
    mode) load while the caller goes on. The check ``start_check_supported`` started for this very text
    and these languages is taken over rather than run again."""
    started = _STARTED.pop((os.getpid(), id(text), tuple(languages)), None)
    if started is not None and started[0] is text:
        return started[1]
    return soon(check_supported, text, tuple(languages))


def start_check_supported(text: str, languages: Sequence[str]) -> None:
    """Start ``check_supported(text, languages)`` now, for the next ``check_supported_soon`` of the same
    text to take (a caller that holds the text before it has a document to make starts the check early)."""
    _STARTED[(os.getpid(), id(text), tuple(languages))] = (text, soon(check_supported, text, tuple(languages)))


# checks started ahead, until taken: by process, text (the text is held, so its id stays its own) and languages
_STARTED: dict[tuple[int, int, tuple[str, ...]], tuple[str, Future[None]]] = {}


def soon(fn: Callable[..., T], *args: Any) -> Future[T]:
    """``fn(*args)`` started in the language thread, one per process: lingua releases the GIL while it
    loads its models and reads, so language work done there runs beside the caller's own."""
    return _background().submit(fn, *args)


_BACKGROUND: dict[int, ThreadPoolExecutor] = {}  # per process id (a forked child has not its parent's thread)


def _background() -> ThreadPoolExecutor:
    pid = os.getpid()
    if pid not in _BACKGROUND:
        _BACKGROUND[pid] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aligner-langid")
    return _BACKGROUND[pid]


@functools.lru_cache(maxsize=1)
def _all_languages_detector():  # type: ignore[no-untyped-def]
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


def detect_language(text: str, languages: Sequence[str] | None = None) -> str:
    """The language of a whole text (ISO 639-1); raises LanguageError when none of ``languages``."""
    from aligner.config import DEFAULT_LANGUAGES
    from aligner.paragraphs import split_paragraphs

    langs = tuple(languages or DEFAULT_LANGUAGES)
    paras = [p.text for p in split_paragraphs(text)]
    lang = document_language(paras, guess_blocks(paras, langs))
    if lang is None:
        raise LanguageError("no text in a supported language")
    return lang
