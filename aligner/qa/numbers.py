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

URLs and e-mail addresses are left out (their digits are identifiers), and
subscript digits count as digits (``CO₂`` = ``CO2``) without the compared text
ever being NFKC-normalised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# decimal separator per language; the other of "." and "," groups thousands
DECIMAL_COMMA = {"de", "fr", "it", "es", "pt", "nl", "ru", "pl", "cs", "da", "sv", "no", "nb", "fi", "tr", "sl"}

SCALES: dict[str, dict[str, float]] = {
    "en": {"thousand": 1e3, "million": 1e6, "millions": 1e6, "billion": 1e9, "billions": 1e9, "trillion": 1e12,
           "mn": 1e6, "bn": 1e9},
    "de": {"tausend": 1e3, "tsd": 1e3, "million": 1e6, "millionen": 1e6, "mio": 1e6, "milliarde": 1e9,
           "milliarden": 1e9, "mrd": 1e9, "billion": 1e12, "billionen": 1e12},
    "fr": {"mille": 1e3, "million": 1e6, "millions": 1e6, "milliard": 1e9, "milliards": 1e9, "md": 1e9,
           "mds": 1e9, "billion": 1e12, "billions": 1e12},
    "it": {"mila": 1e3, "mille": 1e3, "milione": 1e6, "milioni": 1e6, "mln": 1e6, "miliardo": 1e9,
           "miliardi": 1e9, "mld": 1e9, "mrd": 1e9},
    "es": {"mil": 1e3, "millón": 1e6, "millones": 1e6, "millon": 1e6, "mmillones": 1e9, "billón": 1e12,
           "billones": 1e12},
}
MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"),
    "de": ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "dezember"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
           "ottobre", "novembre", "dicembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
}
_MONTH_ABBR = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
               "oct": 10, "okt": 10, "nov": 11, "dec": 12, "dez": 12, "jän": 1}
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
}
# (no words for 0 and 1: "ein", "un", "one" are mostly articles and pronouns)
_WORD_VARIANTS = {"zwanzig": 20, "twenty": 20, "vingt": 20, "venti": 20, "veinte": 20, "hundert": 100,
                  "hundred": 100, "cent": 100, "cento": 100, "cien": 100, "ciento": 100, "dozen": 12,
                  "dutzend": 12, "thirty": 30, "forty": 40, "fifty": 50, "dreißig": 30, "vierzig": 40,
                  "fünfzig": 50}

_URL = re.compile(r"<?https?://\S+|www\.\S+|\S+@\S+\.\w+")
_SUB = str.maketrans("₀₁₂₃₄₅₆₇₈₉⁰¹²³⁴⁵⁶⁷⁸⁹", "01234567890123456789")
_NUMBER = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:([.,\u00a0\u202f' ])\d{3})(?:\2\d{3})*(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
    r"(?![.,]?\d)(?P<suffix>st|nd|rd|th|\.(?=\s+[^\W\d_]|\s+\d)|e|er|ème|º|°|ª)?")
_WORD_AFTER = re.compile(r"\s*([^\W\d_]+)\.?", re.UNICODE)
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
        dec = "," if lang in DECIMAL_COMMA else "."
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
    scales = {**SCALES.get("en", {}), **SCALES.get(lang, {})} if lang != "en" else SCALES["en"]
    for m in _NUMBER.finditer(body):
        token = m.group(1)
        if m.start() > 0 and body[m.start() - 1].isalpha():
            continue  # part of a name or formula (CO2, G60, H2O): not a quantity
        values = _readings(token, lang, other)
        end = m.end()
        surface = text[m.start():end]
        w = _WORD_AFTER.match(body, m.end())
        if w and w.group(1).lower() in scales:
            factor = scales[w.group(1).lower()]
            values = values | {(v * factor, False) for v, _ in values}
            end = w.end()
            surface = text[m.start():end]
        month = _month_near(body, m.start(), end)
        if month:
            surface = month
        out.append(Quantity(surface.strip(), frozenset(values), m.start(), end, dated=bool(month)))
    for t in _TOKEN.finditer(body):
        num = month_number(t.group(), lang) or month_number(t.group(), other)
        if num:
            out.append(Quantity(t.group(), frozenset({(float(num), False)}), t.start(), t.end(), "month"))
    return out


def month_number(word: str, lang: str) -> int | None:
    w = word.lower()
    for table in (MONTHS.get(lang, ()), MONTHS["en"]):
        if w in table:
            return table.index(w) + 1
    if len(word) >= 3 and word[0].isupper():
        return _MONTH_ABBR.get(w)
    return None


def _month_near(body: str, start: int, end: int) -> str | None:
    """'March 01' / '4. März' / '4 mars': the number with its month, for messages."""
    before = re.search(r"([^\W\d_]+)\.?\s+$", body[max(0, start - 15):start])
    if before and any(before.group(1).lower() in t for t in MONTHS.values()):
        return f"{before.group(1)} {body[start:end]}".strip()
    after = re.match(r"\s+([^\W\d_]+)", body[end:end + 15])
    if after and any(after.group(1).lower() in t for t in MONTHS.values()):
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
