"""Language detection reads a bounded sample: lingua's time grows with the square of a word's length."""

from __future__ import annotations

from collections.abc import Iterator

import lingua
import pytest

from aligner import detect_language, langid
from aligner.qa.checks import QAConfig, _language_flags
from aligner.types import AlignedPair, Bead

LONGEST_TEXT = 3000  # characters lingua may be handed at once
LONGEST_WORD = 100

HUT = "Die Hütte liegt am Ende des Tals, und der Weg zum Gipfel ist gut markiert. "
HUGE = HUT * 3 + "a" * 100_000 + " Danach geht es weiter zum Gipfel.\n\n" + HUT * 2


class _Recording:
    """A real lingua detector that records (and bounds) the text it is handed."""

    def __init__(self, real: lingua.LanguageDetector, seen: list[str]) -> None:
        self._real, self._seen = real, seen

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        method = getattr(self._real, name)

        def call(text, *args):  # type: ignore[no-untyped-def]
            for t in [text] if isinstance(text, str) else text:
                self._seen.append(t)
                longest = max((len(w) for w in t.split()), default=0)
                assert len(t) <= LONGEST_TEXT and longest <= LONGEST_WORD, \
                    f"lingua handed {len(t)} characters, longest word {longest}"
            return method(text, *args)
        return call


class _Builder:
    """lingua's LanguageDetectorBuilder, building recording detectors."""

    seen: list[str] = []

    def __init__(self, real: lingua.LanguageDetectorBuilder) -> None:
        self._real = real

    @classmethod
    def from_languages(cls, *languages: lingua.Language) -> _Builder:
        return cls(_REAL_BUILDER.from_languages(*languages))

    @classmethod
    def from_all_languages(cls) -> _Builder:
        return cls(_REAL_BUILDER.from_all_languages())

    def with_low_accuracy_mode(self) -> _Builder:
        return _Builder(self._real.with_low_accuracy_mode())

    def build(self) -> _Recording:
        return _Recording(self._real.build(), self.seen)


_REAL_BUILDER = lingua.LanguageDetectorBuilder


@pytest.fixture()
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    def clear() -> None:
        langid._detector.cache_clear()
        langid._all_languages_detector.cache_clear()

    clear()
    _Builder.seen = []
    monkeypatch.setattr(lingua, "LanguageDetectorBuilder", _Builder)
    yield _Builder.seen
    clear()


def test_a_100k_character_word_reaches_lingua_as_a_bounded_sample(recorded: list[str]) -> None:
    assert detect_language(HUGE, ("de", "en", "fr")) == "de"
    langid.check_supported(HUGE, ("de", "en", "fr"))  # German: no error
    assert recorded, "lingua was not asked at all"
    assert max(len(t) for t in recorded) <= LONGEST_TEXT


def test_qa_language_check_reads_a_bounded_sample(recorded: list[str]) -> None:
    pair = AlignedPair(Bead((0,), (0,), 0.8), "The hut is at the end of the valley. " + "b" * 100_000,
                       "La cabane se trouve au fond de la vallée. " + "b" * 100_000)
    _language_flags(pair, "en", "fr", (), QAConfig())
    assert recorded and max(len(t) for t in recorded) <= LONGEST_TEXT


GERMAN = ("Die Hütte liegt am Ende des Tals, und der Weg zum Gipfel ist gut markiert. Am Abend erreichten wir "
          "den Grat, wo der Wind stärker wurde und die Sicht auf die Berge im Süden frei war.")


def test_short_paragraphs_in_another_language_are_still_told_apart() -> None:
    """A short paragraph the cheap reading does not settle gets lingua's full reading against the
    languages around it and the one it looks like: a short English line in a German document is left
    out as English, a short German heading is kept, and a one-word document keeps its word."""
    from aligner.document import make_document

    text = f"{GERMAN}\n\nDrei Motoren der Integration\n\n{GERMAN}\n\nSee you at the hut tomorrow.\n\n{GERMAN}\n"
    doc = make_document(text, "mixed")
    assert doc.lang == "de"
    assert [(e.reason, e.lang, e.text) for e in doc.exclusions] == [
        ("other-language", "en", "See you at the hut tomorrow.")]
    assert "Drei Motoren der Integration" in [s.text for s in doc.segments]
    assert [s.text for s in make_document("Gipfelkreuz\n", "one").segments] == ["Gipfelkreuz"]
