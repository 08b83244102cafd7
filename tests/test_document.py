"""Stage tests on the real seeds: paragraphs, sentences, languages, nothing lost."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aligner.config import DocConfig
from aligner.errors import LanguageError
from aligner.document import coverage_gaps, make_document, read_document
from aligner.paragraphs import split_paragraphs
from aligner.sentences import split_sentences
from tests.conftest import DE, EN, SEED_FILES, SEEDS


@pytest.fixture(scope="module")
def de():
    return read_document(DE)


@pytest.fixture(scope="module")
def en():
    return read_document(EN)


def test_hard_wrapped_german_is_rebuilt_into_paragraphs_and_headings(de):
    paras = split_paragraphs(DE.read_text(encoding="utf-8"))
    headings = [p.text for p in paras if p.heading]
    assert headings == ["Drei Motoren der Integration", "Digitaler Sprung in der strategischen Tiefe",
                        "Regionale Spezialisierung und 15. Fünfjahresplan", "Der Weg zu den nationalen Zwei Sitzungen"]
    assert len(paras) == 15
    assert [s.kind for s in de.segments].count("heading") == 4


@pytest.mark.parametrize("word", ["Frühlingsfest-Gala", "Huawei-Cloud-Ökosystem", "Hydrogen-Ammonia Valley",
                                  "Forschungs- und Entwicklungslabor", "jede Provinz - einschließlich"])
def test_words_broken_at_a_line_end_are_joined_correctly(de, word):
    assert any(word in s.text for s in de.segments)


def test_german_ordinals_and_dates_do_not_end_sentences(de):
    texts = de.sentences
    assert len(texts) == 34
    assert any("den 15. Fünfjahresplan (2026-2030), der" in t for t in texts)
    assert any("am 4. und 5. März" in t for t in texts)
    assert "Regionale Spezialisierung und 15. Fünfjahresplan" in texts
    assert not any(re.search(r"\b\d{1,2}\.$", t) for t in texts)


def test_punkt_splits_a_plain_german_paragraph():
    assert split_sentences("Das ist gut. Aber wir gehen jetzt. Dr. Müller kommt z.B. morgen.", "de") == [
        "Das ist gut.", "Aber wir gehen jetzt.", "Dr. Müller kommt z.B. morgen."]


def test_damage_is_kept_verbatim_in_segments(de):
    assert de.segments[0].text.startswith("^CGTN hat")
    assert any('integrierten?Innovationsmosaik"' in s for s in de.sentences)
    assert any("CO?-neutrales" in s for s in de.sentences)


def test_italian_chrome_is_excluded_and_reported(en):
    assert en.lang == "en"
    italian = [e for e in en.exclusions if e.reason == "other-language"]
    assert {e.lang for e in italian} == {"it"}
    assert [e.text for e in italian][:2] == ["Descrizione", 'COMUNICATO STAMPA "CONTENUTO PROMOZIONALE"']
    assert "redazione" in [e.text for e in italian]
    assert [r.lang for r in en.runs] == ["en", "it", "en", "it"]
    assert en.sentences[-1] == "CGTN cgtn@cgtn.com"  # the English contact line stays English


def test_chinese_licence_line_is_excluded_but_english_footer_kept():
    doc = read_document(SEEDS / "004_f9acbd0ee5b30d0e.txt")
    assert [(e.lang, e.text) for e in doc.exclusions] == [("zh", "互联网新闻信息许可证10120180008")]
    assert doc.sentences[-1] == "Disinformation report hotline: 010-85061466"


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_nothing_is_lost_on_the_seeds(path):
    doc = read_document(path)
    assert coverage_gaps(doc) == []
    # and the segments + exclusions, in order, are the text up to white space
    pieces = sorted([(s.start, doc.text[s.start:s.end]) for s in doc.segments]
                    + [(e.start, doc.text[e.start:e.end]) for e in doc.exclusions])
    assert re.sub(r"\s", "", "".join(t for _, t in pieces)) == re.sub(r"\s", "", doc.text)


_words = st.sampled_from(["Der", "Bericht", "zeigt", "15.", "März", "z.B.", "Innovation", "Dr.", "?Zitat\"",
                          "CO?", "Frühlings-", "Gala", "(2026-2030)", "-", "und", "The", "report", "shows", "e.g.",
                          "U.S.", "3.5", "„Wort“", "—", "…", "Ende.", "Frage?", "Ja!", "\t", "Ökosystem", "x"])
_lines = st.lists(_words, min_size=0, max_size=14).map(" ".join)
_texts = st.lists(_lines, min_size=1, max_size=25).flatmap(
    lambda lines: st.sampled_from(["\n", "\n\n", "\r\n", "\n \n"]).map(lambda sep: sep.join(lines)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_texts)
@example("The shows")  # all English, given as German: the designed refusal, not a loss
@example("Der Bericht zeigt\nThe report shows e.g. U.S.")
def test_nothing_is_lost_on_generated_text(text):
    if not any(ch.isalnum() for ch in text):
        return
    try:
        doc = make_document(text, "generated", DocConfig(lang="de"))
    except LanguageError as err:
        _assert_designed_refusal(text, str(err))
        return
    assert coverage_gaps(doc) == []
    for seg in doc.segments:
        assert "\n" not in seg.text and "\t" not in seg.text
        assert re.sub(r"\s", "", seg.text) == re.sub(r"\s", "", doc.text[seg.start:seg.end])


def _assert_designed_refusal(text: str, message: str) -> None:
    """A text given as German may be refused in exactly two ways: it has no letters, or every paragraph
    of it is read as another language in play, which detection without the given language confirms."""
    if message == "generated: no text in de left to align":
        assert not any(ch.isalpha() for ch in text)
        return
    found = re.fullmatch(r"generated: its text is in (.+), not in de \(the language given\)", message)
    assert found, message
    langs = found.group(1).split(", ")
    assert langs == sorted(set(langs)) and set(langs) <= set(DocConfig().languages) - {"de"}, message
    assert make_document(text, "generated", DocConfig()).lang in langs


@pytest.mark.slow
def test_the_cli_segments_exactly_like_the_library_without_nltks_heavy_imports(console_script):
    """``aligner`` (the console script) hides scipy.stats and scikit-learn while NLTK is imported
    (about a second of every short run); the sentences must be the same, and the modules usable after."""
    import subprocess
    import sys

    cli = subprocess.run([console_script, "segment", str(DE)], capture_output=True, text=True, check=True)
    library = subprocess.run([sys.executable, "-c", "from aligner.cli import app; app()", "segment", str(DE)],
                             capture_output=True, text=True, check=True)  # the app without main(): full NLTK
    assert cli.stdout == library.stdout and len(cli.stdout.splitlines()) == 34
    probe = ("import sys; from aligner.sentences import lean_nltk_import, split_sentences; lean_nltk_import(); "
             "assert split_sentences('Ein Satz. Noch einer.', 'de') == ['Ein Satz.', 'Noch einer.']; "
             "print('scipy.stats' in sys.modules, 'sklearn' in sys.modules, 'nltk' in sys.modules); "
             "import scipy.stats, nltk; nltk.FreqDist('ab'); print('later ok')")
    lean = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert lean.stdout.split() == ["False", "False", "False", "later", "ok"]  # Punkt without the rest of NLTK


@pytest.mark.slow
def test_the_cli_still_takes_punkt_from_nltks_own_data_when_it_is_installed(tmp_path):
    """The CLI skips looking for NLTK's data only where there is none: with punkt_tab under NLTK_DATA
    it reads its parameters from there (and says so in the signature), as the library does."""
    import os
    import subprocess
    import sys

    from punkt.data import english

    model = tmp_path / "tokenizers" / "punkt_tab" / "english"
    model.mkdir(parents=True)
    (model / "collocations.tab").write_text("".join(f"{a}\t{b}\n" for a, b in english.COLLOCATIONS))
    (model / "sent_starters.txt").write_text("".join(f"{w}\n" for w in english.SENT_STARTERS))
    (model / "abbrev_types.txt").write_text("".join(f"{w}\n" for w in english.ABBREV_TYPES | {"zzq"}))
    (model / "ortho_context.tab").write_text("".join(f"{w}\t{v}\n" for w, v in english.ORTHO_CONTEXT.items()))
    probe = ("from aligner.sentences import lean_nltk_import, punkt_source, split_sentences; lean_nltk_import(); "
             "print(punkt_source('en'), len(split_sentences('It was zzq. Smith went home.', 'en')))")
    env = dict(os.environ, NLTK_DATA=str(tmp_path))
    lean = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    assert lean.stdout.split() == ["nltk_data", "1"]  # the abbreviation only NLTK_DATA's copy has
