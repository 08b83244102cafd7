"""The held-out encoding-damage benchmark: real text, typeset in house styles, pushed through lossy charsets.

Sources (read at bench time, nothing copied into the repository):

* Text+Berg (``../shared/benchmarks/textberg``, GPL-2): eight German-French
  yearbook articles, gold-aligned, so every German row has its French source
  and vice versa. Tokenised text, detokenised here.
* GnuPG's online help (``/usr/share/gnupg/help*.txt``, GPL-3, shipped by the
  Debian package ``gnupg``): the same help entries in English, German, French
  and Italian, parallel by entry key (English is the source of the others,
  German the source of English).
* ``bench/data/encoding_extra.tsv``: hand-typeset sentences per language with
  the characters the two sources lack (€ ™ ‰ ₂ ² ³ •, dialogue dashes, real
  questions); half of them go to dev documents, half to test documents.

Every text is reduced to neutral marks (quote open/close, apostrophe, dash,
range, ellipsis, bullet, unbreakable space) and typeset in three house styles
per language. Each styled document is pushed through Latin-1, cp1252 and ASCII
with ``errors="replace"``. Documents, not rows, are split into dev and test.

Besides the damaged target side (its source intact, in the source language's
first style), two subsets: the *source side* damaged (every document's source,
in that style, with the intact target as evidence), and *same-language*
version pairs (GnuPG's English and German help, the source being the same text
in the same house style: a version of a document keeps its typography).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEXTBERG = HERE.parents[1] / "shared" / "benchmarks" / "textberg"
GNUPG = Path("/usr/share/gnupg")
TB_DEV = {"dev", "test0", "test2"}  # the rest (test1, test3-6) is test

# neutral marks
QO, QC, SO, SC, AP, DASH, RANGE, ELL, BUL, NB, NNB, DLG = "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0e\x0f\x10"
CLASS_OF_MARK = {QO: "quote", QC: "quote", SO: "quote", SC: "quote", AP: "apostrophe", DASH: "dash",
                 RANGE: "dash", ELL: "ellipsis", BUL: "bullet", NB: "space", NNB: "space", DLG: "dash"}


def char_class(ch: str) -> str:
    if ch in "€£":
        return "currency"
    if ch in "™‰©®°":
        return "symbol"
    if ch in "₀₁₂₃₄₅₆₇₈₉²³¹":
        return "sub/superscript"
    if ch in "„“”‚‘’«»‹›\"":
        return "quote"
    if ch in "–—":
        return "dash"
    if ch == "…":
        return "ellipsis"
    if ch == "•":
        return "bullet"
    if ch in "\u00a0\u202f\u2009":
        return "space"
    if ch.isalpha():
        return "letter"
    return "other"


# (lang, style) -> mark -> text; house styles, three per language
STYLES: dict[str, dict[str, dict[str, str]]] = {
    "de": {
        "de-gänsefüßchen": {QO: "„", QC: "“", SO: "‚", SC: "‘", AP: "’", DASH: " – ", RANGE: "–", ELL: "…",
                            BUL: "• ", NB: "\u00a0", NNB: "\u00a0", DLG: "– "},
        "de-buch": {QO: "»", QC: "«", SO: "›", SC: "‹", AP: "’", DASH: " – ", RANGE: "–", ELL: "…",
                    BUL: "• ", NB: "\u00a0", NNB: " ", DLG: "– "},
        "de-gerade": {QO: '"', QC: '"', SO: "'", SC: "'", AP: "'", DASH: " – ", RANGE: "–", ELL: "…",
                      BUL: "• ", NB: " ", NNB: " ", DLG: "– "},
    },
    "fr": {
        "fr-fine": {QO: "«\u202f", QC: "\u202f»", SO: "“", SC: "”", AP: "’", DASH: " – ", RANGE: "–",
                    ELL: "…", BUL: "• ", NB: "\u00a0", NNB: "\u202f", DLG: "– "},
        "fr-insécable": {QO: "«\u00a0", QC: "\u00a0»", SO: "“", SC: "”", AP: "’", DASH: " — ", RANGE: "–",
                         ELL: "…", BUL: "• ", NB: "\u00a0", NNB: "\u00a0", DLG: "— "},
        "fr-anglaises": {QO: "“", QC: "”", SO: "‘", SC: "’", AP: "’", DASH: " – ", RANGE: "–", ELL: "…",
                         BUL: "• ", NB: " ", NNB: " ", DLG: "– "},
    },
    "it": {
        "it-caporali": {QO: "«", QC: "»", SO: "“", SC: "”", AP: "’", DASH: " – ", RANGE: "–", ELL: "…",
                        BUL: "• ", NB: "\u00a0", NNB: "\u00a0", DLG: "– "},
        "it-alte": {QO: "“", QC: "”", SO: "‘", SC: "’", AP: "’", DASH: " — ", RANGE: "–", ELL: "…",
                    BUL: "• ", NB: "\u00a0", NNB: " ", DLG: "— "},
        "it-dritte": {QO: '"', QC: '"', SO: "'", SC: "'", AP: "'", DASH: " - ", RANGE: "-", ELL: "…",
                      BUL: "• ", NB: " ", NNB: " ", DLG: "- "},
    },
    "en": {
        "en-us": {QO: "“", QC: "”", SO: "‘", SC: "’", AP: "’", DASH: "—", RANGE: "–", ELL: "…", BUL: "• ",
                  NB: "\u00a0", NNB: "\u00a0", DLG: "— "},
        "en-uk": {QO: "‘", QC: "’", SO: "“", SC: "”", AP: "’", DASH: " – ", RANGE: "–", ELL: "…", BUL: "• ",
                  NB: "\u00a0", NNB: " ", DLG: "– "},
        "en-straight": {QO: '"', QC: '"', SO: "'", SC: "'", AP: "'", DASH: " - ", RANGE: "-", ELL: "...",
                        BUL: "* ", NB: " ", NNB: " ", DLG: "- "},
    },
}
# the style a source side is typeset in
SOURCE_STYLE = {"de": "de-gänsefüßchen", "fr": "fr-fine", "it": "it-caporali", "en": "en-us"}
CONVERSIONS = ("latin-1", "cp1252", "ascii")


@dataclass
class Doc:
    """A document in neutral marks: rows (one per aligned segment) and each row's source (marks too)."""

    name: str
    lang: str
    part: str  # dev | test
    rows: list[str]
    sources: list[str]
    src_lang: str
    kind: str = "target"  # target | same language (a version pair: the source is the same text and style)


@dataclass
class Row:
    clean: str
    damaged: str
    source: str
    classes: list[str]  # the class of every character of ``clean``


@dataclass
class Variant:
    doc: Doc
    style: str
    conversion: str
    rows: list[Row]
    side: str = "target"  # target | source (the source side is damaged, the target is its evidence)

    @property
    def lang(self) -> str:
        """The language of the damaged side."""
        return self.doc.src_lang if self.side == "source" else self.doc.lang

    @property
    def subset(self) -> str:
        return "source side" if self.side == "source" else self.doc.kind

    @property
    def text(self) -> str:
        return "\n".join(r.damaged for r in self.rows)


# ---------------------------------------------------------------------------
# reading the sources into marks


def _pair_quotes(text: str, straight: str, opener: str, closer: str) -> str:
    out, open_ = [], False
    for ch in text:
        if ch == straight:
            out.append(closer if open_ else opener)
            open_ = not open_
        else:
            out.append(ch)
    return "".join(out)


def marks(text: str, lang: str) -> str:
    """Plain (or tokenised) text with its quotes, apostrophes, dashes and spaces as neutral marks."""
    t = " ".join(text.split())
    t = re.sub(r"«\s*", QO, t)
    t = re.sub(r"\s*»", QC, t)
    t = _pair_quotes(t, '"', QO, QC)
    t = re.sub(rf"{QO}\s+", QO, t)
    t = re.sub(rf"\s+{QC}", QC, t)
    if lang in ("fr", "it"):  # Text+Berg tokenises "d' escalade"; "'notre' montagne" closes a quote
        t = re.sub(r"(?<![^\W\d_])([^\W\d_]{1,2}|[^\W\d_]*qu|aujourd|[dan]ell|sull|coll|quest|quell|tutt|"
                   r"sant|bell|nessun|alcun|buon|anch|dov|com)' (?=[^\W\d_])", r"\1" + AP, t, flags=re.I)
    t = re.sub(r"(?<=[^\W\d_])'(?=[^\W\d_])", AP, t)
    t = re.sub(r"(?<=\s)'(?=[^\W\d_])|^'(?=[^\W\d_])", SO, t)
    t = re.sub(r"(?<=[^\W\d_.,!?])'(?=[\s.,;:!?]|$)", SC, t)
    t = t.replace("'", AP)
    t = re.sub(r"^[-–—]\s+", DLG, t)
    t = re.sub(r"\s+(?:--?|–|—)\s+", DASH, t)
    t = re.sub(r"(?<=\d)\s*[-–]\s*(?=\d)", RANGE, t)
    t = re.sub(r"\s*\.\s?\.\s?\.(?!\.)", ELL, t)
    t = re.sub(r"^[■•*]\s*", BUL, t)
    t = re.sub(r"\(\s+", "(", t)
    t = re.sub(r"\s+([,.)])", r"\1", t)
    if lang == "fr":
        t = re.sub(r"\s*([;:!?])(?=\s|$|[\x02\x04])", NNB + r"\1", t)
        t = re.sub(r"(?<=\d)\s+(?=%)", NNB, t)
    else:
        t = re.sub(r"\s+([;:!?])", r"\1", t)
    t = re.sub(r"(?<=\d) (?=(?:m|km|cm|Fr\.|%|h)\b)", NB, t)
    return t


def typeset(text: str, lang: str, style: str) -> tuple[str, list[str]]:
    """``text`` in marks, set in ``style``: the characters and the class of each."""
    table = STYLES[lang][style]
    chars: list[str] = []
    classes: list[str] = []
    for ch in text:
        if ch in table:
            rendered = table[ch]
            chars.extend(rendered)
            classes.extend(CLASS_OF_MARK[ch] if not c.isspace() or c in "\u00a0\u202f" else "other"
                           for c in rendered)
        else:
            chars.append(ch)
            classes.append(char_class(ch) if ord(ch) > 127 else "other")
    return "".join(chars), classes


def _textberg_docs() -> Iterator[Doc]:
    if not TEXTBERG.exists():
        return
    from aligner.evaluate import read_beads

    for path in sorted(TEXTBERG.glob("*.defr")):
        name = path.stem
        de = (TEXTBERG / f"{name}.de").read_text(encoding="utf-8").splitlines()
        fr = (TEXTBERG / f"{name}.fr").read_text(encoding="utf-8").splitlines()
        beads = [b for b in read_beads(path) if b[0] and b[1]]
        part = "dev" if name in TB_DEV else "test"
        for lang, src_lang, mine, other, k in (("de", "fr", de, fr, 0), ("fr", "de", fr, de, 1)):
            rows, sources = [], []
            for bead in beads:
                ids, oids = bead[k], bead[1 - k]
                rows.append(marks(" ".join(mine[i] for i in ids), lang))
                sources.append(marks(" ".join(other[i] for i in oids), src_lang))
            yield Doc(f"textberg/{name}.{lang}", lang, part, rows, sources, src_lang)


def _gnupg_entries(lang: str) -> dict[str, list[str]]:
    path = GNUPG / ("help.txt" if lang == "en" else f"help.{lang}.txt")
    entries: dict[str, list[str]] = {}
    key = None
    para: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        # ``.#key`` is a commented-out entry (an Italian file's is still English): its own key, so it
        # pairs only with the same commented entry of the other language
        if re.match(r"^\.#?[\w.-]+$", line):
            key = line[1:]
            entries[key] = []
            para = []
            continue
        if line.strip() in ("", ".") or key is None:
            if para and key is not None:
                entries[key].append(" ".join(para))
            para = []
            continue
        para.append(line.strip())
    return entries


def _gnupg_docs() -> Iterator[Doc]:
    if not (GNUPG / "help.it.txt").exists():
        return
    en = _gnupg_entries("en")
    de = _gnupg_entries("de")
    for lang in ("de", "fr", "it", "en"):
        mine = _gnupg_entries(lang)
        src_lang, src = ("de", de) if lang == "en" else ("en", en)
        keys = [k for k in sorted(mine) if k in src and len(mine[k]) == len(src[k])]
        chunks = [keys[i::4] for i in range(4)]
        for n, chunk in enumerate(chunks):
            rows = [marks(p, lang) for k in chunk for p in mine[k]]
            sources = [marks(p, src_lang) for k in chunk for p in src[k]]
            yield Doc(f"gnupg/{lang}.{n}", lang, "dev" if n % 2 == 0 else "test", rows, sources, src_lang)
            if lang in ("en", "de"):  # version pairs: the same text, its source typeset in the source style
                own = [marks(p, lang) for k in chunk for p in mine[k]]
                yield Doc(f"gnupg/{lang}-{lang}.{n}", lang, "dev" if n % 2 == 0 else "test", own, list(own), lang,
                          "same language")


def _extra() -> dict[tuple[str, str], list[dict[str, str]]]:
    """(lang, part) -> [{lang: text}] from bench/data/encoding_extra.tsv (parallel by id)."""
    by_id: dict[tuple[str, str], dict[str, str]] = {}
    path = HERE / "data" / "encoding_extra.tsv"
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip():
            part, ident, lang, text = line.split("\t")
            by_id.setdefault((part, ident), {})[lang] = text
    out: dict[tuple[str, str], list[dict[str, str]]] = {}
    for (part, _), texts in by_id.items():
        for lang in texts:
            out.setdefault((lang, part), []).append(texts)
    return out


def documents() -> list[Doc]:
    docs = list(_textberg_docs()) + list(_gnupg_docs())
    extra = _extra()
    seen: dict[tuple[str, str], int] = {}
    for doc in docs:
        items = extra.get((doc.lang, doc.part), [])
        if not items:
            continue
        k = seen.get((doc.lang, doc.part), 0)
        seen[(doc.lang, doc.part)] = k + 1
        # every document gets its part's hand-typeset lines, rotated so that each one starts elsewhere
        for texts in items[k % len(items):] + items[:k % len(items)]:
            doc.rows.append(marks(texts[doc.lang], doc.lang))
            doc.sources.append(marks(texts[doc.src_lang], doc.src_lang) if doc.src_lang in texts else "")
    return docs


def convert(text: str, conversion: str) -> str:
    return text.encode(conversion, errors="replace").decode(conversion)


def variants(docs: list[Doc]) -> Iterator[Variant]:
    for doc in docs:
        for style in STYLES[doc.lang]:
            src_style = SOURCE_STYLE[doc.src_lang]
            for conversion in CONVERSIONS:
                rows = []
                for text, source in zip(doc.rows, doc.sources):
                    clean, classes = typeset(text, doc.lang, style)
                    # a version pair keeps its house style; a translation's source is in its language's first
                    src_as = style if doc.kind == "same language" else src_style
                    src = typeset(source, doc.src_lang, src_as)[0] if source else ""
                    rows.append(Row(clean, convert(clean, conversion), src, classes))
                yield Variant(doc, style, conversion, rows)
        if doc.kind != "target":
            continue
        style = SOURCE_STYLE[doc.src_lang]  # the source damaged, the target (its first house style) as evidence
        for conversion in CONVERSIONS:
            rows = []
            for text, source in zip(doc.rows, doc.sources):
                if not source:
                    continue
                clean, classes = typeset(source, doc.src_lang, style)
                evidence = typeset(text, doc.lang, next(iter(STYLES[doc.lang])))[0]
                rows.append(Row(clean, convert(clean, conversion), evidence, classes))
            yield Variant(doc, style, conversion, rows, "source")
