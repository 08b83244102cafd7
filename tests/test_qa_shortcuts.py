"""The QA stage's shortcuts decide as the checks they stand in for.

The language checks read all of a document's sides in one lingua batch; month names are looked
up in one table per language pair; a text with no trace of a lost character skips the damage
rules that need one. Each must give what the plain path gives.
"""

from __future__ import annotations

import pytest

from aligner.config import DEFAULT_LANGUAGES
from aligner.langid import confidences, confidences_of
from aligner.qa.checks import QAConfig, _document_language_flags, _language_flags
from aligner.qa.encoding import detect_damage
from aligner.qa.numbers import extract, month_number, months
from aligner.types import AlignedPair, Bead

SIDES = [
    ("Die Hütte liegt am Ende des Tals, der Weg ist gut markiert.",
     "La cabane se trouve au fond de la vallée, le chemin est bien balisé."),
    ("Der Gipfel war an diesem Morgen in dichten Nebel gehüllt.",
     "Der Gipfel war an diesem Morgen in dichten Nebel gehüllt."),  # unchanged
    ("Wir stiegen bei Sonnenaufgang über den Gletscher zum Pass.",
     "Nous sommes partis à l'aube, et le glacier était encore dur."),
    ("Die Seilschaft erreichte den Grat kurz nach Mittag.",
     "Ein strahlender Augustmorgen über dem ganzen Tal."),  # German left in the French target
    ("The rope team reached the ridge shortly after noon today.",  # English in the German source
     "La cordée a atteint l'arête peu après midi."),
    ("Der Abstieg dauerte länger als erwartet.", "La discesa è durata più del previsto, ma siamo tornati."),
    ("Kurz.", "Bref."),  # too few letters to read
]


def _pairs() -> list[AlignedPair]:
    return [AlignedPair(Bead((k,), (k,), 0.8), s, t) for k, (s, t) in enumerate(SIDES)]


def test_batched_first_reading_gives_the_flags_of_the_pair_by_pair_check() -> None:
    pairs = _pairs()
    batched = _document_language_flags(pairs, "de", "fr", (), QAConfig(), ("de", "fr"))
    one_by_one = [_language_flags(p, "de", "fr", (), QAConfig(), ("de", "fr")) for p in pairs]
    assert [[(f.code, f.side, f.message) for f in fs] for fs in batched] == \
        [[(f.code, f.side, f.message) for f in fs] for fs in one_by_one]
    codes = {(k, f.code, f.side) for k, fs in enumerate(batched) for f in fs}
    assert {(1, "untranslated", "tgt"), (3, "untranslated", "tgt"), (4, "other-language", "src"),
            (5, "other-language", "tgt")} <= codes


def test_one_batch_reads_each_text_as_a_call_of_its_own() -> None:
    texts = [t for pair in SIDES for t in pair]
    for text, batch in zip(texts, confidences_of(texts, DEFAULT_LANGUAGES, low_accuracy=True)):
        alone = confidences(text, DEFAULT_LANGUAGES, low_accuracy=True)
        assert batch.keys() == alone.keys()
        assert all(abs(batch[c] - alone[c]) < 1e-9 for c in alone), text
    assert confidences_of([], DEFAULT_LANGUAGES, low_accuracy=True) == []


@pytest.mark.parametrize("lang, other", [("de", "fr"), ("fr", "de"), ("en", "es"), ("es", "en"), ("it", "pt"),
                                         ("nl", "ru"), ("ru", "en")])
def test_month_names_read_as_month_number_reads_them(lang: str, other: str) -> None:
    words = {name for code in (lang, other, "en") for table in months(code) for name in table}
    words |= {w.capitalize() for w in words} | {w.upper() for w in words}
    for word in sorted(words):
        want = month_number(word, lang) or month_number(word, other)
        got = [q for q in extract(f"x {word} y", lang, other) if q.kind == "month" and q.surface == word]
        assert [int(next(iter(q.values))[0]) for q in got] == ([want] if want else []), word


def test_an_abbreviated_month_counts_only_capitalised() -> None:
    assert [q.surface for q in extract("Llegamos al mar en Mar 2021", "es", "en") if q.kind == "month"] == ["Mar"]
    assert [q.surface for q in extract("am 4. Okt. und okt", "de", "fr") if q.kind == "month"] == ["Okt"]


@pytest.mark.parametrize("text, kind", [("fÃ¼r die Hütte", "mojibake"), ("Zum\x07 Gipfel", "control-char"),
                                        ("^CGTN meldet", "stray-caret"), ("Die Au?enwand", "lost-letter"),
                                        ("die \ufffd Wand", "replacement-char")])
def test_damage_is_found_with_or_without_a_lost_character(text: str, kind: str) -> None:
    assert kind in {d.kind for d in detect_damage(text, "de")}


def test_a_text_with_no_trace_of_damage_has_none() -> None:
    assert detect_damage("Die Hütte liegt am Ende des Tals, „oben“ am Grat.", "de") == []
