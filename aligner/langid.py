"""Language detection per paragraph and per document, with lingua.

lingua is restricted to the languages in play (fewer candidates, fewer
confusions on short text). Short or uncertain paragraphs ("Tag", "Autore",
"CGTN cgtn@cgtn.com") are not trusted on their own: they take the language of
a neighbouring confident paragraph, choosing between the previous one, the
next one and the document language by lingua's own confidence for the text.
That is what keeps the Italian newswire chrome together as Italian while the
English contact line stays English.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from aligner.errors import LanguageError

_URLISH = re.compile(r"<?https?://\S+|www\.\S+|\S+@\S+\.\w+|\[[^\]]*\]\([^)]*\)")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True)
class Guess:
    lang: str | None  # ISO 639-1, None when the text has too few letters to tell
    confidence: float
    trusted: bool  # confident enough to stand on its own


def letters(text: str) -> int:
    """Letters that say something about the language (URLs and e-mail addresses do not; a CJK character counts 2)."""
    body = _URLISH.sub(" ", text)
    return sum(ch.isalpha() for ch in body) + len(_CJK.findall(body))


@functools.lru_cache(maxsize=8)
def _detector(languages: tuple[str, ...]):  # type: ignore[no-untyped-def]
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    chosen = []
    for code in languages:
        try:
            chosen.append(Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())))
        except (AttributeError, ValueError):
            raise LanguageError(f"unknown language code {code!r} (use ISO 639-1 codes such as en, de, fr)") from None
    if len(chosen) < 2:
        raise LanguageError("give at least two languages to choose from")
    return LanguageDetectorBuilder.from_languages(*chosen).build()


def confidences(text: str, languages: Sequence[str]) -> dict[str, float]:
    """lingua's confidence per language (codes), for the letters of ``text``."""
    body = _URLISH.sub(" ", text)
    values = _detector(tuple(languages)).compute_language_confidence_values(body)
    return {v.language.iso_code_639_1.name.lower(): float(v.value) for v in values}


def segment_language(text: str, languages: Sequence[str], min_letters: int = 8) -> tuple[str | None, float]:
    """Best language of a short text and its confidence; ``(None, 0.0)`` when it is too short to tell."""
    if letters(text) < min_letters:
        return None, 0.0
    conf = confidences(text, languages)
    lang = max(conf, key=conf.__getitem__)
    return lang, conf[lang]


def guess_blocks(texts: Sequence[str], languages: Sequence[str], *, min_confidence: float = 0.6,
                 min_letters: int = 8) -> list[Guess]:
    """Language of each paragraph, before smoothing."""
    out = []
    for text in texts:
        lang, conf = segment_language(text, languages, min_letters)
        out.append(Guess(lang, conf, lang is not None and conf >= min_confidence))
    return out


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
        candidates = {c for c in (prev, nxt, doc_lang) if c}
        conf = confidences(texts[k], languages)
        final[k] = max(sorted(candidates), key=lambda c: conf.get(c, 0.0))
    return [f or doc_lang for f in final]


def check_supported(text: str, languages: Sequence[str]) -> None:
    """Refuse a document whose text is clearly in a language outside ``languages``.

    Restricting lingua makes it pick the nearest allowed language for anything,
    so we ask a detector over all languages (low-accuracy mode, on a sample)
    whether the document is really in one of ours.
    """
    sample = _URLISH.sub(" ", text)[:3000]
    if letters(sample) < 40:
        return
    detector = _all_languages_detector()
    best = detector.detect_language_of(sample)
    if best is None:
        return
    code = best.iso_code_639_1.name.lower()
    if code in languages:
        return
    conf = {v.language.iso_code_639_1.name.lower(): v.value
            for v in detector.compute_language_confidence_values(sample)}
    ours = max((conf.get(c, 0.0) for c in languages), default=0.0)
    if conf.get(code, 0.0) > 2 * ours + 0.2:
        name = best.name.title()
        raise LanguageError(f"text is in {name} ({code}), not in a language in play "
                            f"({', '.join(languages)}); add it with --languages")


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
