"""Encoding damage: find characters lost to a lossy conversion, say which charset did it, repair.

A text pushed through a charset that cannot hold some of its characters comes
back with ``?`` (or U+FFFD) where those characters were: the German seed lost
every opening „ (``integrierten?Innovationsmosaik"``) and the ₂ of CO₂. A real
question mark looks the same, so every rule below keys on the *context* of the
``?``: a ``?`` glued to the start of a word and closed by a ``"`` later in the
sentence is a lost opening quote; ``CO?`` before a hyphen is a lost subscript;
``2026?2030`` is a lost dash; ``Au?enministerium`` is a lost letter. A ``?``
followed by a space and a capital, a closing quote or the end of the text is a
question mark and is left alone.

Repairs use the language's quote table (``punctuation.QUOTES``), the aligned
source sentence (a currency sign or a formula written there), and the
document's own vocabulary (``Außenministerium`` written intact elsewhere).
Mojibake (``fÃ¼r``) is ftfy's job: its badness heuristic detects it and
``fix_encoding`` undoes it; quotes are never uncurled.

Everything works on any string, raw (with hard line breaks) or normalised, and
reports offsets into that string, so the same code flags aligned pairs and
repairs whole files.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from aligner.qa.charset import LOST
from aligner.qa.charset import CharsetGuess as CharsetGuess  # re-exported: the checks and repair use both
from aligner.qa.charset import infer_charset as infer_charset

if TYPE_CHECKING:
    from aligner.qa.marks import Profile, Reading

_L = f"[{re.escape(LOST)}]"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# what every artifact but mojibake leaves: a lost character, a caret or a control character
_TRACE = re.compile(f"{_L}|\\^|{_CONTROL.pattern}")
_CARET = re.compile(r"(?:(?<=^)|(?<=[\s(\"'„“«»]))\^+(?=[^\W\d_]|\d)")
_NUMBER_SIGN = re.compile(
    rf"(\d[\d.,]*(?:[ \u00a0](?:Mio|Mrd|Tsd|Mill|Md|Mds|mln|mld)\.?)?)([ \u00a0]?){_L}"
    rf"(?=[ \t]+[^\W\d_A-ZÄÖÜ]|[,;:)]|\.?$)")
# Chemical formulas whose digits are subscripts (the digit is lost, the letters survive).
_FORMULA = re.compile(rf"\b(CO|NO|SO|NH|CH|H|N|O|PM)({_L})(?=[\W_]|$)(?! ?\d)")  # N? 293 is N° 293
_FORMULA_DEFAULT = {"CO": "₂", "NO": "₂", "SO": "₂", "NH": "₃", "CH": "₄", "H": "₂", "N": "₂", "O": "₂"}
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_UNIT = re.compile(rf"(?<=\d)([ \u00a0]?)(k?m|cm|mm)({_L})(?=[\W_]|$)")
_CURRENCIES = "€£¥₹₽₩"
_MONEY = re.compile(r"[€£¥$]|\b(?:EUR|USD|CHF|[Ee]uros?|dollars?|francs?|Franken|pounds?|lire|Lire)\b")
# languages written where the euro is the usual currency
_EURO_LANGS = {"de", "fr", "it", "es", "pt", "nl", "fi", "el", "sk", "sl", "et", "lv", "lt", "hr"}


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` by ``replacement``."""

    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class Damage:
    """One artifact of a lossy conversion in a text.

    ``start``/``end`` cover the whole artifact (for a lost quote pair, from the
    opening to the closing quote); ``edits`` is the repair, empty when none can
    be inferred; ``lost`` the characters the repair puts back.
    """

    start: int
    end: int
    kind: str  # lost-quote | lost-subscript | lost-dash | lost-letter | lost-sign | stray-caret |
    #            replacement-char | control-char | mojibake | lost-char
    found: str
    edits: tuple[Edit, ...] = ()
    lost: str = ""
    evidence: str = ""

    @property
    def repairable(self) -> bool:
        return bool(self.edits)

    def fixed(self, text: str) -> str:
        """The artifact's span of ``text`` after this damage's edits."""
        return apply_edits(text, self.edits, self.start, self.end)


def apply_edits(text: str, edits: Iterable[Edit], start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` with the edits that fall inside it applied."""
    end = len(text) if end is None else end
    out = text[start:end]
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        if start <= e.start and e.end <= end:
            out = out[:e.start - start] + e.replacement + out[e.end - start:]
    return out


def repair_text(text: str, damages: Iterable[Damage]) -> str:
    """``text`` with every repairable damage fixed."""
    return apply_edits(text, [e for d in damages for e in d.edits])


def squash(text: str) -> str:
    """Whitespace as in a segment: one space, and no break after a word-internal hyphen."""
    return re.sub(r"\s+", " ", re.sub(r"(?<=\w-)[ \t]*\n\s*(?=\w)", "", text)).strip()


# ---------------------------------------------------------------------------
# detection


@dataclass
class _Scan:
    text: str
    lang: str
    source: str | None
    vocabulary: frozenset[str]
    taken: list[tuple[int, int]] = field(default_factory=list)
    out: list[Damage] = field(default_factory=list)

    def free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self.taken)

    def add(self, damage: Damage, claimed: Iterable[tuple[int, int]] | None = None) -> None:
        self.out.append(damage)
        self.taken.extend(claimed if claimed is not None else [(damage.start, damage.end)])


def _source_formula(source: str | None, letters: str) -> str | None:
    if not source:
        return None
    m = re.search(rf"\b{letters}([₀-₉]|\d)(?![\d\w])", source)
    if not m:
        return None
    d = m.group(1)
    return d if d in "₀₁₂₃₄₅₆₇₈₉" else d.translate(_SUBSCRIPTS)


def _find_formulas(scan: _Scan) -> None:
    for m in _FORMULA.finditer(scan.text):
        k = m.start(2)
        if not scan.free(k, k + 1):
            continue
        letters = m.group(1)
        sub = _source_formula(scan.source, letters)
        evidence = f"the source writes {letters}{sub}" if sub else f"{letters}{{?}} is a chemical formula"
        sub = sub or _FORMULA_DEFAULT.get(letters)
        edits = (Edit(k, k + 1, sub),) if sub else ()
        scan.add(Damage(m.start(), m.end(), "lost-subscript", m.group(0), edits, sub or "", evidence),
                 [(k, k + 1)])
    for m in _UNIT.finditer(scan.text):
        k = m.start(3)
        if not scan.free(k, k + 1):
            continue
        sup = None
        if scan.source:
            sm = re.search(rf"{m.group(2)}([²³])", scan.source)
            if sm:
                sup = sm.group(1)
            elif re.search(r"\bsquare\b|\bQuadrat|\bcarr[ée]s?\b|\bquadrat|\bcuadrad", scan.source, re.I):
                sup = "²"
            elif re.search(r"\bcubic\b|\bKubik|\bcubes?\b|\bcubi|\bc[úu]bic", scan.source, re.I):
                sup = "³"
        edits = (Edit(k, k + 1, sup),) if sup else ()
        scan.add(Damage(m.start(2), m.end(), "lost-subscript", m.group(2) + m.group(3), edits, sup or "",
                        f"the source says {sup}" if sup else "a unit followed by a lost exponent"),
                 [(k, k + 1)])


def _find_signs(scan: _Scan, prof: Profile) -> None:
    for m in _NUMBER_SIGN.finditer(scan.text):
        k = m.end()
        if not scan.free(k - 1, k):
            continue
        if m.start() > 0 and scan.text[m.start() - 1] in LOST:  # ?8000? : a quoted number
            continue
        number = m.group(1).rstrip(".,")
        sign = None
        if scan.source:
            digits = re.sub(r"\D", "", number)
            for sm in re.finditer(rf"([{_CURRENCIES}])\s?([\d.,]+)|([\d.,]+)\s?([{_CURRENCIES}])", scan.source):
                value = sm.group(2) or sm.group(3)
                if re.sub(r"\D", "", value).lstrip("0") == digits.lstrip("0") or (digits and digits in
                                                                                    re.sub(r"\D", "", value)):
                    sign = sm.group(1) or sm.group(4)
                    break
            if sign is None:
                found = [c for c in _CURRENCIES if c in scan.source]
                if len(found) == 1:
                    sign = found[0]
        ev = f"the source writes {sign} with this amount"
        if scan.source and "‰" in scan.source and prof.lost("‰"):
            sign, ev = "‰", "the source writes ‰"
        if sign is not None and not prof.lost(sign):
            continue
        year = re.fullmatch(r"1[5-9]\d\d|20\d\d", number) is not None
        if sign is None and _quote_open_before(scan.text, k - 1):
            continue  # »Seedance 2.0«: the '?' closes a quote a '?' opened before the number
        if sign is None and scan.lang in _EURO_LANGS and prof.lost("€") and not year and \
                not (scan.source and not _MONEY.search(scan.source)):  # a source that names no money: not €
            # $ is ASCII and £ ¥ are Latin-1: the sign a lossy conversion drops after an amount is €
            sign = "€"
            ev = "€ is the currency sign a Latin-1 or ASCII conversion loses"
        elif sign is None and year:
            continue  # "1955? behandelt", "1956 ? von": a year, not an amount
        elif sign is None:
            ev = "a '?' after a number, mid-sentence"
        edits = (Edit(k - 1, k, sign),) if sign else ()
        scan.add(Damage(m.start(), k, "lost-sign", m.group(0), edits, sign or "", ev), [(k - 1, k)])


def _quote_open_before(text: str, k: int) -> bool:
    """A ``?`` glued to the start of a word before ``k`` that no ``?`` between closes (a lost opener)."""
    opened = False
    for m in re.finditer(_L, text[:k]):
        j = m.start()
        before, after = text[j - 1:j], text[j + 1:j + 2]
        if (before == "" or before.isspace() or before in "([") and after.isalnum():
            opened = True
        elif opened and (before.isalnum() or before in ".,;:!") and not after.isalnum():
            opened = False
    return opened


def _find_marks(scan: _Scan, prof: Profile) -> None:
    """Every remaining ``?``: read from its position, pairing, charset and source (``aligner.qa.marks``)."""
    from aligner.qa.marks import read_marks

    readings = read_marks(scan.text, scan.lang, scan.source, prof, scan.free)
    groups: dict[tuple[int, int, str] | tuple[str, int], list[tuple[int, Reading]]] = {}
    pairs: dict[int, int] = {}
    for k, r in sorted(readings.items()):
        other = readings.get(r.pair) if r.kind == "lost-quote" and r.pair is not None else None
        if other is not None and r.pair is not None and other.kind == "lost-quote" and other.pair == k:
            pairs.setdefault(min(k, r.pair), max(k, r.pair))
        elif r.kind == "lost-quote" and not r.lone:  # its other half read as something else: not settled
            readings[k] = replace(r, repl=None, candidates=(r.repl.strip(),) if r.repl else ())
    done: set[int] = set()
    text = scan.text
    for o, c in sorted(pairs.items()):
        ro, rc = readings[o], readings[c]
        if ro.repl is None or rc.repl is None:
            scan.add(Damage(o, c + 1, "lost-quote", squash(text[o:c + 1]), (), "",
                            ro.evidence + (f"; could be {', '.join(ro.candidates)}" if ro.candidates else "")),
                     [(o, o + 1), (c, c + 1)])
            done |= {o, c}
            continue
        edits: tuple[Edit, ...] = (Edit(o, o + 1, ro.repl), Edit(c, c + 1, rc.repl))
        scan.add(Damage(o, c + 1, "lost-quote", squash(text[o:c + 1]), edits, (ro.repl or "").strip(),
                        ro.evidence + ("; the source quotes here too" if scan.source and re.search(
                            r"[\"“”„«»‚‘]", scan.source) else "")), [(o, o + 1), (c, c + 1)])
        done |= {o, c}
    for k, r in sorted(readings.items()):
        if k in done:
            continue
        span = r.span or _context(text, k)
        groups.setdefault((span[0], span[1], r.kind) if r.kind == "lost-letter" else ("one", k), []).append((k, r))
    for items in groups.values():
        ks = [k for k, _ in items]
        rs = [r for _, r in items]
        span = rs[0].span or _context(text, ks[0])
        start, end = min(span[0], ks[0]), max(span[1], ks[-1] + 1)
        fills = [r.repl for r in rs]
        if all(f is not None for f in fills):
            edits = tuple(Edit(k, k + 1, f or "") for k, f in zip(ks, fills))
            lost = "".join((f or "").strip() for f in fills)
            scan.add(Damage(start, end, rs[0].kind, squash(text[start:end]), edits, lost, rs[0].evidence),
                     [(k, k + 1) for k in ks])
        else:
            cands = sorted({c for r in rs for c in r.candidates})
            ev = rs[0].evidence + (f"; could be {', '.join(cands)}" if cands else "")
            scan.add(Damage(start, end, rs[0].kind, squash(text[start:end]), (), "", ev), [(k, k + 1) for k in ks])


def _context(text: str, k: int) -> tuple[int, int]:
    s, e = k, k + 1
    while s > 0 and text[s - 1].isalnum():
        s -= 1
    while e < len(text) and text[e].isalnum():
        e += 1
    if s == k and e == k + 1:
        s, e = max(0, k - 8), min(len(text), k + 9)
    return s, e


def _find_carets_controls(scan: _Scan) -> None:
    for m in _CARET.finditer(scan.text):
        we = m.end()
        while we < len(scan.text) and scan.text[we].isalnum():
            we += 1
        scan.add(Damage(m.start(), we, "stray-caret", scan.text[m.start():we], (Edit(m.start(), m.end(), ""),), "",
                        "a caret glued to the start of a word is a stray control character"))
    for m in _CONTROL.finditer(scan.text):
        scan.add(Damage(m.start(), m.end(), "control-char", f"U+{ord(m.group()):04X}",
                        (Edit(m.start(), m.end(), ""),), "", "control characters never occur in text"))


def _find_mojibake(scan: _Scan) -> None:
    """ftfy's badness heuristic finds mojibake; ``fix_encoding`` undoes it (quotes stay curly)."""
    import ftfy
    from ftfy.badness import is_bad

    if not is_bad(scan.text):
        return
    fixed, steps = ftfy.fix_encoding_and_explain(scan.text)
    if fixed == scan.text:
        return
    how = " then ".join(f"{a} {b}" for a, b in steps) if steps else "ftfy"
    sm = difflib.SequenceMatcher(a=scan.text, b=fixed, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal" or not scan.free(i1, max(i2, i1 + 1)):
            continue
        ws = i1
        while ws > 0 and scan.text[ws - 1].isalnum():
            ws -= 1
        we = i2
        while we < len(scan.text) and scan.text[we].isalnum():
            we += 1
        scan.add(Damage(ws, we, "mojibake", scan.text[ws:we], (Edit(i1, i2, fixed[j1:j2]),), fixed[j1:j2],
                        f"mojibake, undone by {how}"), [(i1, max(i2, i1 + 1))])


def _find_leftovers(scan: _Scan) -> None:
    for m in re.finditer("\ufffd+", scan.text):
        if scan.free(m.start(), m.end()):
            scan.add(Damage(m.start(), m.end(), "replacement-char", squash(scan.text[max(0, m.start() - 10):
                                                                                    m.end() + 10]),
                            (), "", "U+FFFD marks bytes a decoder could not read"))


def detect_damage(text: str, lang: str, source: str | None = None,
                  vocabulary: Iterable[str] = ()) -> list[Damage]:
    """Every encoding artifact in ``text`` (a ``lang`` text), with a repair where one can be inferred.

    ``source`` is the aligned source sentence (evidence for currency signs,
    formulas and dashes); ``vocabulary`` words known intact from the same
    document (evidence for lost letters, see ``document_vocabulary``).
    """
    from aligner.qa.marks import profile

    if _TRACE.search(text) is None:  # no '?', U+FFFD, caret or control character: mojibake at most
        scan = _Scan(text, lang, source, frozenset())
        _find_mojibake(scan)
        return sorted(scan.out, key=lambda d: (d.start, d.end))
    prof = vocabulary.profile(lang) if isinstance(vocabulary, Vocabulary) else profile(text, lang)
    scan = _Scan(text, lang, source, frozenset(vocabulary))
    _find_mojibake(scan)
    _find_carets_controls(scan)
    _find_formulas(scan)
    _find_signs(scan, prof)
    _find_marks(scan, prof)
    _find_leftovers(scan)
    return sorted(scan.out, key=lambda d: (d.start, d.end))


_WORD = re.compile(r"[^\W\d_]+")


class Vocabulary(frozenset):  # type: ignore[type-arg]
    """The words with non-ASCII letters written intact in a document, and the text they came from.

    The text is what a segment alone cannot show: which characters survived
    the conversion anywhere in the document (so which charset did it), its
    house style of quotes, and every word it writes intact.
    """

    text: str

    def __new__(cls, text: str) -> Vocabulary:
        self = super().__new__(cls, (w for w in _WORD.findall(text) if not w.isascii()))
        self.text = text
        return self

    def profile(self, lang: str) -> Profile:
        from aligner.qa.marks import profile

        cache: dict[str, Profile] = self.__dict__.setdefault("_profiles", {})
        if lang not in cache:
            cache[lang] = profile(self.text, lang)
        return cache[lang]


def document_vocabulary(*texts: str) -> Vocabulary:
    """The intact words of ``texts`` (candidates for lost letters) and what survived in them."""
    return Vocabulary("\n".join(texts))


KIND_TEXT = {
    "lost-quote": "lost quotes", "lost-subscript": "lost subscript/superscript", "lost-dash": "lost dash",
    "lost-letter": "lost letter", "lost-sign": "lost currency sign", "stray-caret": "stray caret",
    "replacement-char": "replacement character U+FFFD", "control-char": "control character",
    "mojibake": "mojibake", "lost-char": "lost character",
}


def describe(damage: Damage, text: str, charset: CharsetGuess | None = None) -> str:
    """One line for a reviewer: what was found, what it should read, why (and which charset did it)."""
    what = KIND_TEXT.get(damage.kind, damage.kind)
    by = f", {charset.label}" if charset is not None and charset.name and damage.lost else ""
    if damage.repairable:
        return f"'{damage.found}' → '{squash(damage.fixed(text))}': {what}{by} ({damage.evidence})"
    return f"'{damage.found}': {what}{by} ({damage.evidence}; no repair inferred)"
