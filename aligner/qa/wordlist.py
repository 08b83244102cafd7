"""Which letters a ``?`` took from a word: the document's words, then word frequencies, then the source.

``f?r`` fits ``für`` and nothing else a German writer uses; ``r?sum?`` fits
``résumé``. The frequency lists are wordfreq's (shipped in the package, read
offline, loaded on the first lost letter of a language: about half a second).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from aligner.qa.charset import LOST

# the best fill must be this many times more frequent than the next one
_MARGIN = 20.0
# ... and at least this frequent (wordfreq's Zipf scale: 3 is once per million words)
_MIN_ZIPF = 2.0
# ... or this, for a long word that no other word of the list fits at all
_RARE_ZIPF = 1.0
# a capitalised German word inside a sentence (a noun) is left unread when a rival fits this often
# (wordfreq folds case, so the verb führten outweighs the noun Fährten)
_NOUN_RIVAL = 2.5


def _skeleton(word: str, letters: str) -> str:
    return "".join("?" if ch in letters or ch in LOST else ch for ch in word)


@lru_cache(maxsize=16)
def _frequency_index(lang: str, letters: str) -> dict[str, list[tuple[str, float]]]:
    """wordfreq's words of ``lang`` holding one of ``letters``, by skeleton (those letters as ``?``)."""
    try:
        from wordfreq import get_frequency_dict
    except ImportError:  # pragma: no cover - wordfreq is a dependency
        return {}
    try:
        freqs = get_frequency_dict(lang)
    except (LookupError, ValueError):
        return {}
    index: dict[str, list[tuple[str, float]]] = {}
    wanted = set(letters.lower())
    for word, f in freqs.items():
        if wanted.intersection(word) and word.isalpha():
            index.setdefault(_skeleton(word, letters.lower()), []).append((word, f))
    return index


def zipf(word: str, lang: str) -> float:
    """wordfreq's Zipf frequency of ``word`` (0 when unknown or wordfreq is missing)."""
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # pragma: no cover
        return 0.0
    try:
        return zipf_frequency(word, lang)
    except (LookupError, ValueError):
        return 0.0


def _frequency(word: str, lang: str) -> float:
    try:
        from wordfreq import word_frequency
    except ImportError:  # pragma: no cover
        return 0.0
    try:
        return word_frequency(word, lang)
    except (LookupError, ValueError):
        return 0.0


def _zipf(f: float) -> float:
    import math

    return math.log10(f) + 9 if f > 0 else 0.0


def _cased(filled: str, damaged: str) -> str:
    if damaged.isupper() and len(damaged) > 1:
        return filled.upper()
    out = []
    for a, b in zip(filled, damaged):
        out.append(a.upper() if b.isupper() else a)
    if damaged[:1] in LOST and damaged[1:2].islower():
        pass
    return "".join(out)


def _pattern(word: str, letters: str, whole: bool = True) -> re.Pattern[str]:
    lows = letters.lower() + letters
    body = "".join(f"[{re.escape(lows)}]" if ch in LOST else re.escape(ch) for ch in word.lower())
    return re.compile("^" + body + ("$" if whole else ""))


def document_fill(word: str, letters: str, doc_words: Mapping[str, int]) -> tuple[str, str, float] | None:
    """``word`` filled from a word the document writes intact (or a compound it starts: Au?en-)."""
    low = word.lower()
    for whole in (True, False) if len(low) >= 6 else (True,):  # n?a is no prefix of néanmoins
        pattern = _pattern(word, letters, whole)
        mine = sorted((w for w in doc_words if (len(w) == len(low) or not whole) and pattern.match(w)
                       and any(ch in letters.lower() for ch in w)), key=lambda w: -doc_words[w])
        fills = {w[:len(low)] for w in mine}
        if len(fills) == 1:
            return _cased(mine[0][:len(low)], word), f"the document writes '{mine[0]}'", 9.0
        if mine:
            return None
    return None


def _from_list(word: str, letters: str, lang: str, rival: float = 0.0) -> tuple[str, float] | None:
    """The one frequent word of ``lang`` that ``word`` fits (None: none, or no clear winner).

    ``rival``: no other fit may reach this Zipf frequency either (wordfreq folds case, so for a
    capitalised German word a frequent verb competes with the noun it cannot tell apart: Hätte, Hütte).
    """
    low = word.lower()
    pattern = _pattern(word, letters)
    found = [(w, f) for w, f in _frequency_index(lang, letters).get(_skeleton(low, letters.lower()), [])
             if pattern.match(w)]
    if "ß" in letters and sum(ch in LOST for ch in low) == 1:  # wordfreq case-folds ß to ss
        f = _frequency(low.replace("?", "ss").replace("\ufffd", "ss"), lang)
        if f:
            found.append((low.replace("?", "ß").replace("\ufffd", "ß"), f))
    if not found:
        return None
    found.sort(key=lambda x: -x[1])
    best, f = found[0]
    second = found[1][1] if len(found) > 1 else 0.0
    # wählt or wühlt: two German words a vowel apart, both in use, are not told apart by frequency alone
    close = lang == "de" and second and _zipf(second) >= 2.7 and _zipf(f) - _zipf(second) < 1.7
    # a long word with one fill in the whole list is read even when rare (nous rencontr?mes)
    floor = _RARE_ZIPF if len(low) >= 9 and not second else _MIN_ZIPF
    if _zipf(f) >= floor and f >= _MARGIN * second and not (rival and second and _zipf(second) >= rival) \
            and not close:
        return best, _zipf(f)
    return None


def _plain_in(low: str, source: str | None) -> bool:
    """Whether ``source`` writes ``low`` with plain ASCII letters where it has ``?``."""
    if not source:
        return False
    plain = re.compile("^" + "".join("[a-z]" if ch in LOST else re.escape(ch) for ch in low) + "$")
    return any(plain.match(w.lower()) for w in re.findall(r"[^\W\d_]+", source) if len(w) == len(low))


def _foreign_name(word: str, source: str | None) -> str | None:
    """The source's one word that is ``word`` with a non-ASCII letter at every ``?``, capitalised alike
    (D?mon where a French text names the German title Dämon)."""
    if not source or not word[:1].isupper():
        return None
    pattern = re.compile("^" + "".join("[^\\W\\d_a-zA-Z]" if ch in LOST else re.escape(ch) for ch in word) + "$")
    names = {w for w in re.findall(r"[^\W\d_]+", source) if pattern.match(w)}
    return names.pop() if len(names) == 1 else None


def _source_name(word: str, pattern: re.Pattern[str], source: str | None) -> tuple[str, str, float] | None:
    if source:
        names = {w for w in re.findall(r"[^\W\d_]+", source) if len(w) == len(word) and pattern.match(w.lower())
                 and (word[:1] in LOST or w[:1].isupper() == word[:1].isupper())}  # a name keeps its capital
        if len(names) == 1:
            name = names.pop()
            return name, f"the source writes '{name}'", 5.0
    return None


def best_fill(word: str, letters: str, lang: str, doc_words: Mapping[str, int],
              source: str | None, capital: bool = False) -> tuple[str, str, float] | None:
    """``word`` with its ``?`` filled from ``letters``, the evidence and its weight; None when undecided.

    ``capital``: the word is capitalised inside a sentence, so a name (the source's spelling
    comes first) or, in German, a noun.
    """
    low = word.lower()
    pattern = _pattern(word, letters)
    mine = document_fill(word, letters, doc_words)
    if mine is not None:
        return mine
    foreign = None
    if capital:
        named = _source_name(word, pattern, source)
        if named is not None:
            return named
        foreign = _foreign_name(word, source)
    hit = _from_list(word, letters, lang, _NOUN_RIVAL if capital and lang == "de" else 0.0)
    if foreign is not None:  # a name the source writes with another language's letter
        if hit is None or hit[0] == foreign.lower():
            return foreign, f"the source writes '{foreign}'", 5.0
        return None  # the word list reads it otherwise (D?mon: démon or the source's Dämon): not settled
    if hit is not None and hit[1] < 3.0 and _plain_in(low, source):
        return None  # y?ti, rare, where the source writes Yeti: a loan word whose accent (yéti, yèti) is not known
    if hit is not None:
        return _cased(hit[0], word), f"'{hit[0]}' is the {lang} word that fits (wordfreq Zipf {hit[1]:.1f})", hit[1]
    if _fits(low, letters, lang):
        return _source_name(word, pattern, source)  # the word list knows the word but cannot settle it
    if lang == "de" and len(low) >= 7:
        split = _compound(low, letters, lang)
        if split is not None:
            filled, why, weight = split
            return _cased(filled, word), why, weight
    simple = _passe_simple(low, lang) if "â" in letters else None
    if simple is not None:
        return _cased(simple[0], word), simple[1], simple[2]
    stem = _stem(low, letters, lang, _NOUN_RIVAL if capital and lang == "de" else 0.0)
    if stem is not None:
        filled, why, weight = stem
        return _cased(filled, word), why, weight
    return _source_name(word, pattern, source)


def _known(part: str, lang: str) -> bool:
    """A compound's intact part: a word, or one with a linking or inflection ending, or a dropped e
    (Arbeits-, -inhabers, Adress-)."""
    return zipf(part, lang) >= 3.0 or zipf(part + "e", lang) >= 3.0 or \
        any(part.endswith(e) and zipf(part[:-len(e)], lang) >= 3.0 for e in ("s", "es", "n", "en", "e"))


def _compound(low: str, letters: str, lang: str) -> tuple[str, str, float] | None:
    """A German compound with its gaps in one part: Hohngel?chter is Hohn + Gelächter, S?dostwand Südost +
    Wand. Every split that reads must give the same letters."""
    found: dict[str, tuple[str, float]] = {}
    if low[-1] in LOST:
        return None  # Montagne?: a '?' ending a word is punctuation more often than a letter
    for cut in range(3, len(low) - 2):
        head, tail = low[:cut], low[cut:]
        for gap, known in ((tail, head), (head, tail)):
            if len(gap) < 4 or not any(ch in LOST for ch in gap) or any(ch in LOST for ch in known) or \
                    not _known(known, lang):
                continue
            hit = _from_list(gap, letters, lang)
            if hit is not None and hit[1] >= 2.5:  # a rare part (schwämmen in durchschw?mmen) settles nothing
                filled = known + hit[0] if gap is tail else hit[0] + known
                found.setdefault(filled, (f"'{low[:cut]}' + '{low[cut:]}' read as '{filled}' (wordfreq Zipf "
                                          f"{hit[1]:.1f})", hit[1]))
        if len(head) >= 4 and len(tail) >= 4 and any(ch in LOST for ch in head) and any(ch in LOST for ch in tail):
            # f?nfth?chsten: a gap in each part, each part read on its own (and both frequent)
            first, second = _from_list(head, letters, lang), _from_list(tail, letters, lang)
            if first is not None and second is not None and min(first[1], second[1]) >= 2.5:
                filled = first[0] + second[0]
                found.setdefault(filled, (f"'{head}' + '{tail}' read as '{filled}'", min(first[1], second[1])))
    if len(found) != 1:
        return None
    filled, (why, weight) = next(iter(found.items()))
    return filled, why, weight


_ENDINGS = {"de": ("s", "es"), "fr": ("s", "x"), "en": ("s",)}


def _passe_simple(low: str, lang: str) -> tuple[str, str, float] | None:
    """A French passé simple the word list lacks: cherch?mes is cherchâmes (chercher, a verb in -er)."""
    m = re.fullmatch(r"([a-zéèêàç]{3,})[?\ufffd](mes|tes)", low) if lang == "fr" else None
    if m is None or zipf(m.group(1) + "er", lang) < 3.0:
        return None
    filled = f"{m.group(1)}â{m.group(2)}"
    return filled, f"'{filled}': the passé simple of '{m.group(1)}er'", 3.0


def _fits(low: str, letters: str, lang: str) -> bool:
    """Whether some word of the list, frequent enough to be read, fits ``low`` (settled or not)."""
    pattern = _pattern(low, letters)
    return any(pattern.match(w) and _zipf(f) >= _MIN_ZIPF
               for w, f in _frequency_index(lang, letters).get(_skeleton(low, letters.lower()), []))


def _stem(low: str, letters: str, lang: str, rival: float) -> tuple[str, str, float] | None:
    """An inflected form the word list lacks (Ger?lls): a frequent stem read, the ending kept."""
    for ending in _ENDINGS.get(lang, ()):
        stem = low[:-len(ending)]
        if low.endswith(ending) and len(stem) >= 4 and any(ch in LOST for ch in stem):
            hit = _from_list(stem, letters, lang, rival)
            if hit is not None and hit[1] >= 3.0:
                return hit[0] + ending, f"'{hit[0]}' + '{ending}' (wordfreq Zipf {hit[1]:.1f})", hit[1]
    return None
