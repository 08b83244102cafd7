"""Numbers, dates, amounts and percentages, compared across languages.

Each number is read with every interpretation its writing allows in the two
languages in play: ``220,000`` is 220000 in English and 220 in German, so it
carries both readings, and it matches ``220.000`` (whose readings are the same
two). A scale word multiplies (``5 million`` = ``5 Millionen`` = 5000000, and
also plain 5, so ``5 million`` = ``5 Mio.``), an ordinal is its number
(``15th`` = ``15.``), month names are compared as months (``March`` = ``März``),
spelled-out small numbers count when the other side writes digits
(``five years`` = ``5 Jahre``). Two numbers agree when their readings overlap.

Values are compared as sets, not multisets: a translation that repeats or
drops a repetition of the same year is not a changed number. A value on one
side with no agreeing value on the other is a mismatch; the message names the
values on both sides (``source 'March 01' ≠ target 'March 02'``).

Which separator is decimal, month names (wide and abbreviated, format and
stand-alone) and scale words (CLDR's compact number formats: ``Millionen``,
``Mio.``, ``万``, ``億``) come from CLDR through Babel, for any language CLDR
knows; Chinese and Japanese numbers are read next to the characters around them
(``2025年3月4日``: the year, March, the 4th).

URLs and e-mail addresses are left out (their digits are identifiers), and
subscript digits count as digits (``CO₂`` = ``CO2``) without the compared text
ever being NFKC-normalised.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from babel.dates import get_month_names
from babel.numbers import get_decimal_symbol

# Number formats, month names and scale words come from CLDR (through Babel, whose data is in its
# wheel), so every language CLDR knows is covered. Spelled-out small numbers are not in Babel's
# data and are listed here for the languages aligner detects by default.
WORDS: dict[str, tuple[str, ...]] = {  # 0..12
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
           "twelve"),
    "de": ("null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf",
           "zwölf"),
    "fr": ("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze",
           "douze"),
    "it": ("zero", "uno", "due", "tre", "quattro", "cinque", "sei", "sette", "otto", "nove", "dieci", "undici",
           "dodici"),
    "es": ("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "once",
           "doce"),
    "pt": ("zero", "um", "dois", "três", "quatro", "cinco", "seis", "sete", "oito", "nove", "dez", "onze", "doze"),
    "nl": ("nul", "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "elf", "twaalf"),
    "ru": ("ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять", "десять",
           "одиннадцать", "двенадцать"),
}
# (no words for 0 and 1: "ein", "un", "one" are mostly articles and pronouns)
_WORD_VARIANTS = {"zwanzig": 20, "twenty": 20, "vingt": 20, "venti": 20, "veinte": 20, "hundert": 100,
                  "hundred": 100, "cent": 100, "cento": 100, "cien": 100, "ciento": 100, "dozen": 12,
                  "dutzend": 12, "thirty": 30, "forty": 40, "fifty": 50, "dreißig": 30, "vierzig": 40,
                  "fünfzig": 50, "duas": 2, "две": 2, "vinte": 20, "twintig": 20, "двадцать": 20}
# press abbreviations of scale words that CLDR's compact formats do not list
_PRESS_SCALES: dict[str, dict[str, float]] = {
    "en": {"mn": 1e6, "bn": 1e9, "millions": 1e6, "billions": 1e9},
    "de": {"tsd": 1e3},
    "fr": {"mds": 1e9},
    "it": {"mrd": 1e9},
}
# scripts written without spaces between words: a digit next to a letter is still a number there
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


@functools.lru_cache(maxsize=64)
def _locale(lang: str) -> Locale | None:
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None


@functools.lru_cache(maxsize=64)
def decimal_comma(lang: str) -> bool:
    """Whether ``lang`` writes a decimal comma (CLDR's decimal symbol; "." for a language CLDR lacks)."""
    loc = _locale(lang)
    return loc is not None and get_decimal_symbol(loc) == ","


@functools.lru_cache(maxsize=64)
def months(lang: str) -> tuple[dict[str, int], dict[str, int]]:
    """CLDR's month names of ``lang``, lower-cased: (wide names, abbreviations), each name -> 1..12.

    Both the format and the stand-alone forms (Russian "марта" and "март"); an abbreviation
    loses its final period.
    """
    loc = _locale(lang)
    wide: dict[str, int] = {}
    short: dict[str, int] = {}
    if loc is None:
        return wide, short
    for context in ("format", "stand-alone"):
        for number, name in get_month_names("wide", context, loc).items():
            wide.setdefault(name.lower(), int(number))
        for number, name in get_month_names("abbreviated", context, loc).items():
            short.setdefault(name.lower().rstrip("."), int(number))
    return wide, {name: number for name, number in short.items() if name not in wide}


@functools.lru_cache(maxsize=64)
def scales(lang: str) -> dict[str, float]:
    """Scale words of ``lang`` -> factor: CLDR's compact number formats (German "0 Millionen",
    "0 Mio'.'"; Chinese "0万", "0亿"), and the press abbreviations CLDR lacks.

    Words are lower-cased, except the short forms of one or two letters (English "K", "M",
    French "Md"), which only count as written: "5 m" is five metres, "5M" five million.
    """
    loc = _locale(lang)
    out: dict[str, float] = {}
    if loc is not None:
        for style in ("long", "short"):
            for table in loc.compact_decimal_formats[style].values():
                for magnitude, pattern in table.items():
                    text = getattr(pattern, "pattern", str(pattern)).replace("'", "")
                    digits = re.search(r"0+", text)
                    word = re.sub(r"0+", "", text).replace("\u00a0", " ").strip().rstrip(".")
                    if not digits or not word or re.search(r"[\d#]|\b\w\b.*\s|\s.*\b\w\b", word):
                        continue  # no word, or a phrase with a one-letter word (Spanish "mil M")
                    if not (style == "short" and len(word) <= 2):
                        word = word.lower()
                    out.setdefault(word, float(magnitude) / 10 ** (len(digits.group()) - 1))
    out.update(_PRESS_SCALES.get(lang, {}))
    return out


def _scale_after(body: str, pos: int, table: dict[str, float]) -> tuple[float, int] | None:
    """The scale word (or two-word phrase: Italian "mila miliardi") right after ``pos``: (factor, end)."""
    first = _WORD_AFTER.match(body, pos)
    if not first:
        return None
    word = first.group(1)
    second = _WORD_AFTER.match(body, first.end())
    found: tuple[float, int] | None = None
    if second and f"{word} {second.group(1)}".lower() in table:
        found = table[f"{word} {second.group(1)}".lower()], second.end()
    elif word in table or word.lower() in table:
        found = table.get(word, table.get(word.lower(), 0.0)), first.end()
    elif _UNSPACED.match(word):  # "220万人": the scale word is the start of the run of letters
        for known in sorted(table, key=len, reverse=True):
            if word.startswith(known):
                found = table[known], first.start(1) + len(known)
                break
    if found and body.startswith(".", found[1]):
        found = found[0], found[1] + 1
    return found


_URL = re.compile(r"<?https?://\S+|www\.\S+|\S+@\S+\.\w+")
_SUB = str.maketrans("₀₁₂₃₄₅₆₇₈₉⁰¹²³⁴⁵⁶⁷⁸⁹", "01234567890123456789")
_NUMBER = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:([.,\u00a0\u202f' ])\d{3})(?:\2\d{3})*(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
    r"(?![.,]?\d)(?P<suffix>st|nd|rd|th|\.(?=\s+[^\W\d_]|\s+\d)|e|er|ème|º|°|ª)?")
_WORD_AFTER = re.compile(r"\s*([^\W\d_]+)")
_TOKEN = re.compile(r"[^\W\d_]+")


# (value, written with a fraction)
Reading = tuple[float, bool]


@dataclass(frozen=True)
class Quantity:
    """One number as written, with every value its writing allows."""

    surface: str  # as written, with its scale word or month when there is one
    values: frozenset[Reading]
    start: int
    end: int
    kind: str = "number"  # "number" | "month"
    dated: bool = False  # written with a month name (a day of the month)


def _readings(token: str, src_lang: str, other_lang: str) -> set[Reading]:
    """Every value a digit string can mean in the two languages (thousands vs decimal separator).

    A reading remembers whether it has a written fraction, so "2.0" (a version)
    never vouches for "02" (a day).
    """
    t = token.replace("\u00a0", " ").replace("\u202f", " ")
    out: set[Reading] = set()
    if re.fullmatch(r"\d+", t):
        return {(float(t), False)}
    for lang in dict.fromkeys((src_lang, other_lang, "en", "de")):
        dec = "," if decimal_comma(lang) else "."
        thou = "." if dec == "," else ","
        s = t.replace(" ", "").replace("'", "")
        if re.fullmatch(rf"\d{{1,3}}(?:{re.escape(thou)}\d{{3}})+(?:{re.escape(dec)}\d+)?", s):
            out.add((float(s.replace(thou, "").replace(dec, ".")), dec in s))
        if re.fullmatch(rf"\d+{re.escape(dec)}\d+", s):
            out.add((float(s.replace(dec, ".")), True))
        if re.fullmatch(r"\d{1,3}(?: \d{3})+", t):
            out.add((float(t.replace(" ", "")), False))
    return out or {(float(re.sub(r"\D", "", t) or 0), False)}


def extract(text: str, lang: str, other_lang: str | None = None) -> list[Quantity]:
    """The numbers and month names of ``text`` (a ``lang`` text), each with all its readings."""
    other = other_lang or lang
    body = _URL.sub(lambda m: " " * len(m.group()), text).translate(_SUB)
    out: list[Quantity] = []
    scale_words, month_words = _words_near_numbers(lang, other)
    month_names = _month_names(lang, other)
    for m in _NUMBER.finditer(body):
        token = m.group(1)
        before = body[m.start() - 1] if m.start() > 0 else ""
        if before.isalpha() and not _UNSPACED.match(before):
            continue  # part of a name or formula (CO2, G60, H2O): not a quantity
        values = _readings(token, lang, other)
        end = m.end()
        scaled = _scale_after(body, end, scale_words)
        if scaled:
            values = values | {(v * scaled[0], False) for v, _ in values}
            end = scaled[1]
        surface = text[m.start():end]
        after = body[end:end + 1]
        if after == "月" and not scaled:  # 3月 (Chinese, Japanese): a month written with its number
            out.append(Quantity(text[m.start():end + 1], frozenset(values), m.start(), end + 1, "month"))
            continue
        month = _month_near(body, m.start(), end, month_words)
        if month is None and (before == "月" or after in ("日", "号")):
            month = text[m.start():end + 1] if after in ("日", "号") else surface  # 4日: a day of the month
        out.append(Quantity((month or surface).strip(), frozenset(values), m.start(), end, dated=bool(month)))
    for t in _TOKEN.finditer(body):
        num = _month_in(t.group(), month_names)
        if num:
            out.append(Quantity(t.group(), frozenset({(float(num), False)}), t.start(), t.end(), "month"))
    for lang_ in dict.fromkeys((lang, other)):
        spelled = _spelled_months(lang_)
        if spelled is not None:  # 三月 (Chinese): month names inside a run of letters
            for t in spelled.finditer(body):
                num = months(lang_)[0][t.group()]
                out.append(Quantity(t.group(), frozenset({(float(num), False)}), t.start(), t.end(), "month"))
    return out


def month_number(word: str, lang: str) -> int | None:
    """The month (1..12) that ``word`` names in ``lang`` or English; an abbreviation ("Okt", "Mar")
    counts only capitalised ("mar" is the Spanish sea)."""
    return _month_in(word, _month_names(lang, lang))


def _month_in(word: str, table: dict[str, tuple[tuple[int, bool], ...]]) -> int | None:
    """The first month ``table`` (``_month_names``) gives ``word``: an abbreviation only capitalised and
    of three letters or more."""
    named = table.get(word.lower(), ())
    return next((n for n, short in named if not short or (len(word) >= 3 and word[0].isupper())), None)


@functools.lru_cache(maxsize=64)
def _words_near_numbers(lang: str, other: str) -> tuple[dict[str, float], dict[str, int]]:
    """The scale words a ``lang`` text's numbers may carry, and the month names that may date them."""
    return {**scales("en"), **scales(lang)}, {**months("en")[0], **months(other)[0], **months(lang)[0]}


@functools.lru_cache(maxsize=64)
def _month_names(lang: str, other: str) -> dict[str, tuple[tuple[int, bool], ...]]:
    """The month names of ``lang``, then English, then ``other`` as one table: each lower-cased name ->
    (month, whether it is an abbreviation), in the order they are tried (``_month_in``)."""
    table: dict[str, list[tuple[int, bool]]] = {}
    for code in (lang, "en", other, "en"):
        wide, short = months(code)
        for name, number in wide.items():
            table.setdefault(name, []).append((number, False))
        for name, number in short.items():
            table.setdefault(name, []).append((number, True))
    return {name: tuple(found) for name, found in table.items()}


@functools.lru_cache(maxsize=64)
def _spelled_months(lang: str) -> re.Pattern[str] | None:
    """A pattern for the month names of ``lang`` written in a script without spaces and without
    digits (Chinese 一月 .. 十二月), longest first; None when it has none."""
    names = [name for name in months(lang)[0] if _UNSPACED.search(name) and not re.search(r"\d", name)]
    if not names:
        return None
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))


def _month_near(body: str, start: int, end: int, names: dict[str, int]) -> str | None:
    """'March 01' / '4. März' / '4 mars': the number with its month, for messages."""
    before = re.search(r"([^\W\d_]+)\.?\s+$", body[max(0, start - 15):start])
    if before and before.group(1).lower() in names:
        return f"{before.group(1)} {body[start:end]}".strip()
    after = re.match(r"\s+([^\W\d_]+)", body[end:end + 15])
    if after and after.group(1).lower() in names:
        return f"{body[start:end]} {after.group(1)}".strip()
    return None


def _word_values(text: str, lang: str) -> set[Reading]:
    out: set[Reading] = set()
    table = WORDS.get(lang, ())
    for t in _TOKEN.findall(text.lower()):
        for part in re.split(r"-", t):
            if part in table and table.index(part) >= 2:
                out.add((float(table.index(part)), False))
            elif part in _WORD_VARIANTS:
                out.add((float(_WORD_VARIANTS[part]), False))
    return out


@dataclass(frozen=True)
class NumberMismatch:
    """Values on one side with no agreeing value on the other."""

    src_only: tuple[Quantity, ...]
    tgt_only: tuple[Quantity, ...]

    def message(self) -> str:
        s = ", ".join(f"'{q.surface}'" for q in self.src_only)
        t = ", ".join(f"'{q.surface}'" for q in self.tgt_only)
        if s and t:
            return f"source {s} ≠ target {t}"
        if s:
            return f"source {s} missing from the target"
        return f"target {t} not in the source"


def compare_numbers(src: str, tgt: str, src_lang: str, tgt_lang: str) -> NumberMismatch | None:
    """The numbers that differ between an aligned source and target, or None when they agree."""
    sq = extract(src, src_lang, tgt_lang)
    tq = extract(tgt, tgt_lang, src_lang)
    if not sq and not tq:
        return None
    s_all = frozenset().union(*(q.values for q in sq)) if sq else frozenset()
    t_all = frozenset().union(*(q.values for q in tq)) if tq else frozenset()
    s_words = _word_values(src, src_lang)
    t_words = _word_values(tgt, tgt_lang)

    def missing(qs: list[Quantity], other_values: frozenset[Reading], other_words: set[Reading]) -> list[Quantity]:
        out = []
        for q in qs:
            if q.values & other_values:
                continue
            if q.kind == "number" and q.values & other_words and not q.dated:
                continue
            out.append(q)
        return out

    s_only = missing(sq, t_all, t_words)
    t_only = missing(tq, s_all, s_words)
    # a month name only counts when its number shows up too (a bare "May" may be the verb)
    s_only = [q for q in s_only if q.kind == "number" or tq]
    t_only = [q for q in t_only if q.kind == "number" or sq]
    # a day that was flagged already names its month: do not list the month twice
    s_only = _drop_months_named(s_only)
    t_only = _drop_months_named(t_only)
    if not s_only and not t_only:
        return None
    return NumberMismatch(tuple(s_only), tuple(t_only))


def _drop_months_named(qs: list[Quantity]) -> list[Quantity]:
    numbers = [q for q in qs if q.kind == "number"]
    return [q for q in qs if q.kind == "number" or not any(q.surface in n.surface for n in numbers)]
